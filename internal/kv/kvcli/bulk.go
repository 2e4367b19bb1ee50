package kvcli

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/outpost-dev/outpost/internal/kv"
)

// bulkFields are the fields of one entry in wrangler's bulk put format.
var bulkFields = []string{"key", "value", "expiration", "expiration_ttl", "metadata", "base64"}

type bulkPut struct {
	key   string
	value []byte
	opts  kv.PutOptions
}

// readBulkFile reads FILE.json as a JSON array, naming the file on error.
func readBulkFile(cmd, path string) ([]json.RawMessage, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("outpost kv %s: %w", cmd, err)
	}
	var entries []json.RawMessage
	if err := json.Unmarshal(data, &entries); err != nil {
		return nil, fmt.Errorf("outpost kv %s: %s: expected a JSON array: %v", cmd, path, err)
	}
	return entries, nil
}

// parseBulkPut checks every entry before anything is written.
func parseBulkPut(path string, entries []json.RawMessage) ([]bulkPut, error) {
	out := make([]bulkPut, 0, len(entries))
	for i, raw := range entries {
		where := fmt.Sprintf("%s: [%d]", path, i)
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
			return nil, fmt.Errorf("%s: expected an object like {\"key\": \"k\", \"value\": \"v\"}", where)
		}
		for name := range fields {
			if !slices.Contains(bulkFields, name) {
				return nil, fmt.Errorf("%s.%s: unknown field (the fields are %s)", where, name, strings.Join(bulkFields, ", "))
			}
		}
		var e bulkPut
		if err := field(fields, "key", where, true, &e.key); err != nil {
			return nil, err
		}
		var value string
		if err := field(fields, "value", where, true, &value); err != nil {
			return nil, err
		}
		var isBase64 bool
		if err := field(fields, "base64", where, false, &isBase64); err != nil {
			return nil, err
		}
		e.value = []byte(value)
		if isBase64 {
			b, err := base64.StdEncoding.DecodeString(value)
			if err != nil {
				return nil, fmt.Errorf("%s.value: \"base64\" is true but the value is not valid base64: %v", where, err)
			}
			e.value = b
		}
		if _, ok := fields["expiration"]; ok {
			e.opts.Expiration = new(int64)
			if err := field(fields, "expiration", where, true, e.opts.Expiration); err != nil {
				return nil, err
			}
		}
		if _, ok := fields["expiration_ttl"]; ok {
			e.opts.ExpirationTTL = new(int64)
			if err := field(fields, "expiration_ttl", where, true, e.opts.ExpirationTTL); err != nil {
				return nil, err
			}
		}
		if md, ok := fields["metadata"]; ok && string(md) != "null" {
			e.opts.Metadata = compactJSON(md)
		}
		out = append(out, e)
	}
	return out, nil
}

// field decodes fields[name] into dst, naming the entry and field on error.
func field(fields map[string]json.RawMessage, name, where string, required bool, dst any) error {
	raw, ok := fields[name]
	if !ok {
		if required {
			return fmt.Errorf("%s: missing %q", where, name)
		}
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(dst); err != nil || string(raw) == "null" {
		want := map[string]string{"key": "a string", "value": "a string", "base64": "true or false",
			"expiration": "a whole number of seconds since the epoch", "expiration_ttl": "a whole number of seconds"}[name]
		return fmt.Errorf("%s.%s: expected %s, got %s", where, name, want, raw)
	}
	return nil
}

// bulkInput parses a bulk command's flags and FILE.json argument and reads
// the file's entries.
func (c *cli) bulkInput(cmd string, args []string) (*kv.Namespace, string, []json.RawMessage, error) {
	p, err := parseArgs(args, "binding", "namespace-id")
	if err != nil {
		return nil, "", nil, err
	}
	path, err := oneArg(cmd, "FILE.json", p)
	if err != nil {
		return nil, "", nil, err
	}
	ns, err := c.namespace(cmd, p)
	if err != nil {
		return nil, "", nil, err
	}
	raw, err := readBulkFile(cmd, path)
	if err != nil {
		return nil, "", nil, err
	}
	return ns, path, raw, nil
}

func (c *cli) bulkPut(args []string) error {
	const cmd = "bulk put"
	ns, path, raw, err := c.bulkInput(cmd, args)
	if err != nil {
		return err
	}
	puts, err := parseBulkPut(path, raw)
	if err != nil {
		return fmt.Errorf("outpost kv %s: %w", cmd, err)
	}
	for i, e := range puts {
		if err := ns.Put(c.ctx, e.key, e.value, e.opts); err != nil {
			return fmt.Errorf("outpost kv %s: %s: [%d] (key %q): %w; the %d entries before it were written", cmd, path, i, e.key, err, i)
		}
	}
	fmt.Fprintf(c.env.Stdout, "Wrote %d key-value pairs to namespace %s.\n", len(puts), ns.ID())
	return nil
}

func (c *cli) bulkDelete(args []string) error {
	const cmd = "bulk delete"
	ns, path, raw, err := c.bulkInput(cmd, args)
	if err != nil {
		return err
	}
	// Keys are strings, or objects with a "key" (so a bulk put file works too).
	keys := make([]string, 0, len(raw))
	for i, r := range raw {
		var key string
		if err := json.Unmarshal(r, &key); err != nil {
			var obj struct {
				Key *string `json:"key"`
			}
			if err := json.Unmarshal(r, &obj); err != nil || obj.Key == nil {
				return fmt.Errorf("outpost kv %s: %s: [%d]: expected a key string or an object with \"key\", got %s", cmd, path, i, r)
			}
			key = *obj.Key
		}
		keys = append(keys, key)
	}
	for i, key := range keys {
		if err := ns.Delete(c.ctx, key); err != nil {
			return fmt.Errorf("outpost kv %s: %s: [%d] (key %q): %w; the %d keys before it were deleted", cmd, path, i, key, err, i)
		}
	}
	fmt.Fprintf(c.env.Stdout, "Deleted %d keys from namespace %s.\n", len(keys), ns.ID())
	return nil
}
