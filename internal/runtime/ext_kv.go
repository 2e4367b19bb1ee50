package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/kv"
)

// kvTimeout bounds one KV operation against its store.
const kvTimeout = 30 * time.Second

// KVExtension gives workers the ops behind their KV bindings (prelude/kv.js).
func KVExtension(service *kv.KV) Extension {
	return func(in *Instance, c *jsc.Context, ops jsc.Value) error {
		def := func(name string, fn jsc.Func) { ops.Set(name, c.Function(name, fn)) }

		def("kvGet", func(call *jsc.Call) (jsc.Value, error) {
			ns, key := service.Namespace(call.Arg(0).String()), call.Arg(1).String()
			opts := kv.GetOptions{CacheTTL: optInt(call.Arg(2))}
			return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
				ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
				defer cancel()
				r, err := ns.Get(ctx, key, opts)
				if err != nil {
					return nil, kvError(err)
				}
				return func(c *jsc.Context) (jsc.Value, error) {
					return kvRow(c, r)
				}, nil
			})
		})
		def("kvGetBulk", func(call *jsc.Call) (jsc.Value, error) {
			ns := service.Namespace(call.Arg(0).String())
			arr := call.Arg(1)
			keys := make([]string, arr.Len())
			for i := range keys {
				keys[i] = arr.Index(i).String()
			}
			opts := kv.BulkGetOptions{Type: call.Arg(2).String(), CacheTTL: optInt(call.Arg(3))}
			return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
				ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
				defer cancel()
				rows, err := ns.GetBulk(ctx, keys, opts)
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
		def("kvPut", func(call *jsc.Call) (jsc.Value, error) {
			ns, key := service.Namespace(call.Arg(0).String()), call.Arg(1).String()
			value, ok := call.Arg(2).CopyBytes()
			if !ok {
				return jsc.Value{}, jsc.TypeError("KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.")
			}
			var opts kv.PutOptions
			var err error
			if opts.Expiration, err = putNumber(call.Arg(3), "expiration"); err != nil {
				return jsc.Value{}, err
			}
			if opts.ExpirationTTL, err = putNumber(call.Arg(4), "expiration_ttl"); err != nil {
				return jsc.Value{}, err
			}
			if m := call.Arg(5); !m.IsUndefined() {
				opts.Metadata = json.RawMessage(m.String())
			}
			return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
				ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
				defer cancel()
				if err := ns.Put(ctx, key, value, opts); err != nil {
					return nil, kvError(err)
				}
				return undefinedResult, nil
			})
		})
		def("kvDelete", func(call *jsc.Call) (jsc.Value, error) {
			ns, key := service.Namespace(call.Arg(0).String()), call.Arg(1).String()
			return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
				ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
				defer cancel()
				if err := ns.Delete(ctx, key); err != nil {
					return nil, kvError(err)
				}
				return undefinedResult, nil
			})
		})
		def("kvList", func(call *jsc.Call) (jsc.Value, error) {
			ns := service.Namespace(call.Arg(0).String())
			limit := call.Arg(2).Float()
			if math.IsNaN(limit) || limit != math.Trunc(limit) || limit < 0 {
				return jsc.Value{}, &jsc.Error{Name: "Error", Message: "KV GET failed: 400 Invalid key_count_limit of " + call.Arg(2).String() + ". Please specify an integer greater than 0."}
			}
			opts := kv.ListOptions{Prefix: call.Arg(1).String(), Limit: int(limit), Cursor: call.Arg(3).String()}
			return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
				ctx, cancel := context.WithTimeout(context.Background(), kvTimeout)
				defer cancel()
				res, err := ns.List(ctx, opts)
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
		return nil
	}
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
