// Package d1binding is the D1 binding: env.DB as workerd shapes it (d1.js:
// D1Database, sessions, prepared statements) over a database of
// internal/d1. Requests and results cross as JSON, the shape D1's own
// binding sends to its service.
package d1binding

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"math"
	"strconv"

	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/runtime"
)

//go:embed d1.js
var module string

// Extension is the D1 family (d1.js).
func Extension() runtime.Extension { return runtime.Extension{Name: "d1", Module: module} }

// Binding is one D1 database granted to a worker.
type Binding struct{ DB d1.Database }

// Kind names the JavaScript factory (d1.js).
func (Binding) Kind() string { return "d1" }

// request is what d1.js sends: statements to run in one transaction.
type request struct {
	Queries []struct {
		SQL    string            `json:"sql"`
		Params []json.RawMessage `json:"params"`
	} `json:"queries"`
	// Bookmark asks for the database's bookmark after the queries (a
	// session's getBookmark()).
	Bookmark bool `json:"bookmark"`
}

// Install makes the host object: query(json, …) → a promise of the JSON
// answer, {results, bookmark} or {error}.
func (b Binding) Install(h runtime.BindingHost, c *jsc.Context) (jsc.Value, error) {
	db := b.DB
	obj := c.Object()
	err := obj.Set("query", c.Function("query", func(call *jsc.Call) (jsc.Value, error) {
		var req request
		if err := json.Unmarshal([]byte(call.Arg(0).String()), &req); err != nil {
			return jsc.Value{}, &jsc.Error{Name: "Error", Message: "D1_ERROR: " + err.Error()}
		}
		stmts := make([]d1.Statement, len(req.Queries))
		for i, q := range req.Queries {
			stmts[i].SQL = q.SQL
			for _, p := range q.Params {
				v, err := param(p)
				if err != nil {
					return jsc.Value{}, &jsc.Error{Name: "Error", Message: "D1_TYPE_ERROR: " + err.Error()}
				}
				stmts[i].Params = append(stmts[i].Params, v)
			}
		}
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			var results []d1.Result
			var bookmark string
			var err error
			if bb, ok := db.(d1.BatchBookmarker); ok && req.Bookmark {
				results, bookmark, err = bb.BatchBookmark(ctx, stmts)
			} else if results, err = db.Batch(ctx, stmts); err == nil && req.Bookmark {
				bookmark, err = db.Bookmark(ctx)
			}
			h.Observe("d1", "query", runtime.OK(err))
			var out []byte
			if err != nil {
				var de *d1.Error
				if !errors.As(err, &de) {
					return nil, err
				}
				out, _ = json.Marshal(map[string]string{"error": de.Message})
			} else {
				out = encodeResults(results, bookmark)
			}
			return func(c *jsc.Context) (jsc.Value, error) { return c.String(string(out)), nil }, nil
		})
	}))
	return obj, err
}

// param reads one bound value: null, a number (an integer is bound as
// INTEGER, others as REAL), a string, or an array of bytes (a BLOB).
func param(raw json.RawMessage) (any, error) {
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	switch t := v.(type) {
	case nil, string:
		return t, nil
	case json.Number:
		if n, err := strconv.ParseInt(string(t), 10, 64); err == nil {
			return n, nil
		}
		f, err := t.Float64()
		return f, err
	case []any:
		// Views of wider elements arrive as their numbers, which become
		// bytes as Uint8Array's constructor makes them (modulo 256).
		b := make([]byte, len(t))
		for i, e := range t {
			n, ok := e.(json.Number)
			f, err := n.Float64()
			if !ok || err != nil {
				return nil, errors.New("a BLOB is an array of numbers")
			}
			if !math.IsNaN(f) && !math.IsInf(f, 0) {
				b[i] = byte(int64(math.Trunc(math.Mod(f, 256))))
			}
		}
		return b, nil
	}
	return nil, errors.New("unsupported value")
}

// encodeResults writes {results: [{columns, rows, meta}], bookmark} with
// BLOBs as arrays of numbers, as D1 returns them, and infinities as
// numbers JSON.parse reads back as ±Infinity.
func encodeResults(results []d1.Result, bookmark string) []byte {
	var b bytes.Buffer
	b.WriteString(`{"results":[`)
	for i, r := range results {
		if i > 0 {
			b.WriteByte(',')
		}
		cols, _ := json.Marshal(r.Columns)
		if r.Columns == nil {
			cols = []byte("[]")
		}
		b.WriteString(`{"columns":`)
		b.Write(cols)
		b.WriteString(`,"rows":[`)
		for j, row := range r.Rows {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('[')
			for k, v := range row {
				if k > 0 {
					b.WriteByte(',')
				}
				writeValue(&b, v)
			}
			b.WriteByte(']')
		}
		meta, _ := json.Marshal(r.Meta)
		b.WriteString(`],"meta":`)
		b.Write(meta)
		b.WriteByte('}')
	}
	b.WriteString(`]`)
	if bookmark != "" {
		b.WriteString(`,"bookmark":`)
		s, _ := json.Marshal(bookmark)
		b.Write(s)
	}
	b.WriteByte('}')
	return b.Bytes()
}

func writeValue(b *bytes.Buffer, v any) {
	switch t := v.(type) {
	case nil:
		b.WriteString("null")
	case int64:
		b.WriteString(strconv.FormatInt(t, 10))
	case float64:
		switch {
		case math.IsInf(t, 1):
			b.WriteString("1e999")
		case math.IsInf(t, -1):
			b.WriteString("-1e999")
		default:
			b.WriteString(strconv.FormatFloat(t, 'g', -1, 64))
		}
	case string:
		s, _ := json.Marshal(t)
		b.Write(s)
	case []byte:
		b.WriteByte('[')
		for i, x := range t {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(strconv.Itoa(int(x)))
		}
		b.WriteByte(']')
	}
}
