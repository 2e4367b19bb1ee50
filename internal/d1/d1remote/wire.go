// Package d1remote carries D1 calls over HTTP: between the nodes of a
// fleet (a node sends a query for a database another node owns to that
// node) and from `outpost d1 --remote` to a server's admin API. Client is
// a d1.Database whose calls run on the server; Handler serves a
// d1.Opener's databases.
//
// The wire format is private to Outpost (both ends are the same binary):
//
//	POST {prefix}/{name}/batch   {"statements":[{"sql","params"}],"bookmark":bool}
//	                             → {"results":[…],"bookmark":"…"}
//	POST {prefix}/{name}/exec    {"sql":"…"} → {"results":[…]}
//	GET  {prefix}/{name}/bookmark → {"bookmark":"…"}
//	GET  {prefix}/{name}/export?no_schema=1&no_data=1&table=T → the SQL text
//	any                          → 421 when the node does not own the database
//	                             → 4xx/5xx with {"error":{"d1":bool,"message":…}}
//
// Values keep SQLite's types across JSON: an INTEGER is a number without
// a fraction or exponent, a REAL always has one ({"f":"inf"} for the
// infinities), TEXT is a string, a BLOB is {"b": base64}.
package d1remote

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/outpost-dev/outpost/internal/d1"
)

// value is one SQLite value on the wire.
type value struct{ v any }

func (v value) MarshalJSON() ([]byte, error) {
	switch t := v.v.(type) {
	case nil:
		return []byte("null"), nil
	case int64:
		return strconv.AppendInt(nil, t, 10), nil
	case float64:
		switch {
		case math.IsInf(t, 1):
			return []byte(`{"f":"inf"}`), nil
		case math.IsInf(t, -1):
			return []byte(`{"f":"-inf"}`), nil
		case math.IsNaN(t):
			return []byte("null"), nil // SQLite stores NaN as NULL
		}
		s := strconv.FormatFloat(t, 'g', -1, 64)
		if !strings.ContainsAny(s, ".e") {
			s += ".0"
		}
		return []byte(s), nil
	case string:
		return json.Marshal(t)
	case []byte:
		return json.Marshal(map[string]string{"b": base64.StdEncoding.EncodeToString(t)})
	}
	return nil, fmt.Errorf("d1remote: unsupported value %T", v.v)
}

func (v *value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return errors.New("d1remote: an empty value")
	case string(b) == "null":
		v.v = nil
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		v.v = s
	case b[0] == '{':
		var o struct {
			B *string `json:"b"`
			F string  `json:"f"`
		}
		if err := json.Unmarshal(b, &o); err != nil {
			return err
		}
		switch {
		case o.B != nil:
			data, err := base64.StdEncoding.DecodeString(*o.B)
			if err != nil {
				return err
			}
			v.v = data
		case o.F == "inf":
			v.v = math.Inf(1)
		case o.F == "-inf":
			v.v = math.Inf(-1)
		default:
			return fmt.Errorf("d1remote: an unknown value %s", b)
		}
	case bytes.ContainsAny(b, ".eE"):
		f, err := strconv.ParseFloat(string(b), 64)
		if err != nil {
			return err
		}
		v.v = f
	default:
		n, err := strconv.ParseInt(string(b), 10, 64)
		if err != nil {
			return err
		}
		v.v = n
	}
	return nil
}

func toValues(vs []any) []value {
	out := make([]value, len(vs))
	for i, x := range vs {
		out[i] = value{x}
	}
	return out
}

func fromValues(vs []value) []any {
	if vs == nil {
		return nil
	}
	out := make([]any, len(vs))
	for i, x := range vs {
		out[i] = x.v
	}
	return out
}

type statement struct {
	SQL    string  `json:"sql"`
	Params []value `json:"params,omitempty"`
}

type batchRequest struct {
	Statements []statement `json:"statements"`
	Bookmark   bool        `json:"bookmark,omitempty"`
}

type execRequest struct {
	SQL string `json:"sql"`
}

type result struct {
	Columns []string  `json:"columns"`
	Rows    [][]value `json:"rows"`
	Meta    d1.Meta   `json:"meta"`
}

type answer struct {
	Results  []result   `json:"results,omitempty"`
	Bookmark string     `json:"bookmark,omitempty"`
	Error    *wireError `json:"error,omitempty"`
}

// wireError is a failure on the server: a statement D1 refused or SQLite
// failed (D1 true: the caller sees a *d1.Error), or anything else.
type wireError struct {
	D1      bool   `json:"d1,omitempty"`
	Message string `json:"message"`
}

func errorToWire(err error) *wireError {
	var de *d1.Error
	if errors.As(err, &de) {
		return &wireError{D1: true, Message: de.Message}
	}
	return &wireError{Message: err.Error()}
}

func (e *wireError) err() error {
	if e.D1 {
		return &d1.Error{Message: e.Message}
	}
	return errors.New(e.Message)
}

func toStatements(stmts []d1.Statement) []statement {
	out := make([]statement, len(stmts))
	for i, s := range stmts {
		out[i] = statement{SQL: s.SQL, Params: toValues(s.Params)}
	}
	return out
}

func fromStatements(stmts []statement) []d1.Statement {
	out := make([]d1.Statement, len(stmts))
	for i, s := range stmts {
		out[i] = d1.Statement{SQL: s.SQL, Params: fromValues(s.Params)}
	}
	return out
}

func toResults(rs []d1.Result) []result {
	out := make([]result, len(rs))
	for i, r := range rs {
		rows := make([][]value, len(r.Rows))
		for j, row := range r.Rows {
			rows[j] = toValues(row)
		}
		out[i] = result{Columns: r.Columns, Rows: rows, Meta: r.Meta}
	}
	return out
}

func fromResults(rs []result) []d1.Result {
	out := make([]d1.Result, len(rs))
	for i, r := range rs {
		var rows [][]any
		for _, row := range r.Rows {
			rows = append(rows, fromValues(row))
		}
		out[i] = d1.Result{Columns: r.Columns, Rows: rows, Meta: r.Meta}
	}
	return out
}
