package config

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
	"github.com/tailscale/hujson"

	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// decodeFile reads a wrangler configuration file into generic values: the
// same shapes for TOML and JSON, so one validator serves both. Syntax errors
// carry the file name, line and column.
func decodeFile(path, display string) (map[string]any, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	switch strings.ToLower(filepath.Ext(path)) {
	case ".toml":
		return decodeTOML(data, display)
	case ".json", ".jsonc":
		return decodeJSONC(data, display)
	}
	return nil, fmt.Errorf("%s: unknown configuration format (expected .toml, .json or .jsonc)", display)
}

func decodeTOML(data []byte, display string) (map[string]any, error) {
	var raw map[string]any
	if _, err := toml.Decode(string(data), &raw); err != nil {
		var perr toml.ParseError
		if errors.As(err, &perr) {
			line, col := perr.Position.Line, perr.Position.Col
			if st := perr.Position.Start; st >= 0 && st <= len(data) {
				// The lexer counts a newline as the start of the next line;
				// report the line the offending byte is on.
				line = bytes.Count(data[:st], []byte("\n")) + 1
				col = st - bytes.LastIndexByte(data[:st], '\n')
			}
			return nil, fmt.Errorf("%s:%d:%d: TOML syntax error: %s", display, line, col, perr.Message)
		}
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	return normalize(raw).(map[string]any), nil
}

var hujsonPos = lazyregexp.New(`^hujson: line (\d+), column (\d+): (.*)$`)

func decodeJSONC(data []byte, display string) (map[string]any, error) {
	v, err := hujson.Parse(data)
	if err != nil {
		if m := hujsonPos.FindStringSubmatch(err.Error()); m != nil {
			return nil, fmt.Errorf("%s:%s:%s: JSON syntax error: %s", display, m[1], m[2], m[3])
		}
		return nil, fmt.Errorf("%s: JSON syntax error: %w", display, err)
	}
	v.Standardize()
	dec := json.NewDecoder(bytes.NewReader(v.Pack()))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%s: %w", display, err)
	}
	obj, ok := raw.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("%s: expected a JSON object at the top level, found %s", display, describe(raw))
	}
	return normalize(obj).(map[string]any), nil
}

// normalize turns decoder-specific values into one vocabulary: int64 for
// integers, float64 for other numbers, []any and map[string]any.
func normalize(v any) any {
	switch t := v.(type) {
	case map[string]any:
		for k, e := range t {
			t[k] = normalize(e)
		}
		return t
	case []map[string]any: // TOML arrays of tables
		out := make([]any, len(t))
		for i, e := range t {
			out[i] = normalize(e)
		}
		return out
	case []any:
		for i, e := range t {
			t[i] = normalize(e)
		}
		return t
	case json.Number:
		if i, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return i
		}
		f, _ := t.Float64()
		return f
	case int:
		return int64(t)
	}
	return v
}

// describe names a value's type for error messages, with the value when short.
func describe(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case string:
		s := strconv.Quote(t)
		if len(s) > 40 {
			s = s[:37] + `..."`
		}
		return "a string (" + s + ")"
	case bool:
		return fmt.Sprintf("a boolean (%v)", t)
	case int64:
		return fmt.Sprintf("a number (%d)", t)
	case float64:
		if math.IsInf(t, 0) || math.IsNaN(t) {
			return "a number"
		}
		return fmt.Sprintf("a number (%v)", t)
	case time.Time:
		return "a TOML date/time (write it as a quoted string)"
	case []any:
		return "an array"
	case map[string]any:
		return "a table/object"
	}
	return fmt.Sprintf("a %T", v)
}
