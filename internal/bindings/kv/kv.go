// Package kvbinding is the Workers KV binding: env.MY_KV as workerd shapes
// it (kv.js) over the KV semantics of internal/kv.
package kvbinding

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"math"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/kv"
	"github.com/outpost-dev/outpost/internal/runtime"
)

//go:embed kv.js
var module string

// Extension is the KV family: its JavaScript (the KVNamespace class).
func Extension() runtime.Extension { return runtime.Extension{Name: "kv", Module: module} }

// Binding is one KV namespace granted to a worker.
type Binding struct{ Namespace *kv.Namespace }

// Kind names the JavaScript factory (kv.js).
func (Binding) Kind() string { return "kv" }

// kvTimeout bounds one KV operation against its store.
const kvTimeout = 30 * time.Second

// Install makes the host object behind one KV binding: its functions
// reach only the namespace this binding was granted.
func (b Binding) Install(h runtime.BindingHost, c *jsc.Context) (jsc.Value, error) {
	ns := b.Namespace
	obj := c.Object()
	def := func(name string, fn jsc.Func) { obj.Set(name, c.Function(name, fn)) }

	def("get", func(call *jsc.Call) (jsc.Value, error) {
		key := call.Arg(0).String()
		opts := kv.GetOptions{CacheTTL: optInt(call.Arg(1))}
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			ctx, cancel := context.WithTimeout(ctx, kvTimeout)
			defer cancel()
			r, err := ns.Get(ctx, key, opts)
			if err != nil {
				h.Observe("kv", "get", "error")
				return nil, kvError(err)
			}
			h.Observe("kv", "get", runtime.Lookup(r.Found))
			return func(c *jsc.Context) (jsc.Value, error) {
				return kvRow(c, r)
			}, nil
		})
	})
	def("getBulk", func(call *jsc.Call) (jsc.Value, error) {
		arr := call.Arg(0)
		keys := make([]string, arr.Len())
		for i := range keys {
			keys[i] = arr.Index(i).String()
		}
		opts := kv.BulkGetOptions{Type: call.Arg(1).String(), CacheTTL: optInt(call.Arg(2))}
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			ctx, cancel := context.WithTimeout(ctx, kvTimeout)
			defer cancel()
			rows, err := ns.GetBulk(ctx, keys, opts)
			h.Observe("kv", "get_bulk", runtime.OK(err))
			if err != nil {
				return nil, kvError(err)
			}
			return func(c *jsc.Context) (jsc.Value, error) {
				out := make([]jsc.Value, len(rows))
				for i, r := range rows {
					row, err := kvRow(c, r.GetResult)
					if err != nil {
						return row, err
					}
					// [key, value, metadata]
					full, err := c.Array(c.String(r.Key), row.Index(0), row.Index(1))
					if err != nil {
						return full, err
					}
					out[i] = full
				}
				return c.Array(out...)
			}, nil
		})
	})
	def("put", func(call *jsc.Call) (jsc.Value, error) {
		key := call.Arg(0).String()
		value, ok := call.Arg(1).CopyBytes()
		if !ok {
			return jsc.Value{}, jsc.TypeError("KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.")
		}
		var opts kv.PutOptions
		var err error
		if opts.Expiration, err = putNumber(call.Arg(2), "expiration"); err != nil {
			return jsc.Value{}, err
		}
		if opts.ExpirationTTL, err = putNumber(call.Arg(3), "expiration_ttl"); err != nil {
			return jsc.Value{}, err
		}
		if m := call.Arg(4); !m.IsUndefined() {
			opts.Metadata = json.RawMessage(m.String())
		}
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			ctx, cancel := context.WithTimeout(ctx, kvTimeout)
			defer cancel()
			err := ns.Put(ctx, key, value, opts)
			h.Observe("kv", "put", runtime.OK(err))
			if err != nil {
				return nil, kvError(err)
			}
			return undefinedResult, nil
		})
	})
	def("delete", func(call *jsc.Call) (jsc.Value, error) {
		key := call.Arg(0).String()
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			ctx, cancel := context.WithTimeout(ctx, kvTimeout)
			defer cancel()
			err := ns.Delete(ctx, key)
			h.Observe("kv", "delete", runtime.OK(err))
			if err != nil {
				return nil, kvError(err)
			}
			return undefinedResult, nil
		})
	})
	def("list", func(call *jsc.Call) (jsc.Value, error) {
		limit := call.Arg(1).Float()
		if math.IsNaN(limit) || limit != math.Trunc(limit) || limit < 0 {
			return jsc.Value{}, &jsc.Error{Name: "Error", Message: "KV GET failed: 400 Invalid key_count_limit of " + call.Arg(1).String() + ". Please specify an integer greater than 0."}
		}
		opts := kv.ListOptions{Prefix: call.Arg(0).String(), Limit: int(limit), Cursor: call.Arg(2).String()}
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			ctx, cancel := context.WithTimeout(ctx, kvTimeout)
			defer cancel()
			res, err := ns.List(ctx, opts)
			h.Observe("kv", "list", runtime.OK(err))
			if err != nil {
				return nil, kvError(err)
			}
			b, err := json.Marshal(res)
			if err != nil {
				return nil, err
			}
			return func(c *jsc.Context) (jsc.Value, error) { return c.String(string(b)), nil }, nil
		})
	})
	return obj, nil
}

func undefinedResult(c *jsc.Context) (jsc.Value, error) { return c.Undefined(), nil }

// kvRow is [value bytes | null, metadata JSON | null].
func kvRow(c *jsc.Context, r kv.GetResult) (jsc.Value, error) {
	if !r.Found {
		return c.Array(c.Null(), c.Null())
	}
	v, err := c.Bytes(r.Value)
	if err != nil {
		return v, err
	}
	meta := c.Null()
	if r.Metadata != nil {
		meta = c.String(string(r.Metadata))
	}
	return c.Array(v, meta)
}

// optInt reads an optional integer argument (undefined → nil).
func optInt(v jsc.Value) *int64 {
	if v.IsNullish() {
		return nil
	}
	n := int64(v.Float())
	return &n
}

// putNumber reads expiration / expirationTtl as workerd does: a number of
// seconds; anything that is not a finite number is rejected with the
// message the KV service gives.
func putNumber(v jsc.Value, field string) (*int64, error) {
	if v.IsNullish() {
		return nil, nil
	}
	f := v.Float()
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return nil, &jsc.Error{Name: "Error", Message: "KV PUT failed: 400 Invalid " + field + " of " + v.String() + ". Please specify integer greater than the current number of seconds since the UNIX epoch."}
	}
	n := int64(f)
	return &n, nil
}

// kvError turns a KV rejection into the JavaScript error workerd throws.
func kvError(err error) error {
	var ke *kv.Error
	if errors.As(err, &ke) {
		name := "Error"
		if ke.Kind == kv.KindTypeError {
			name = "TypeError"
		}
		return &jsc.Error{Name: name, Message: ke.Message}
	}
	return err
}
