package runtime

import (
	"bytes"
	"io"
	"net/http"

	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/jsc"
)

// CacheExtension installs the ops behind caches.default and caches.open(name)
// (prelude/cache.js), backed by store. Without it the prelude's caches are
// no-ops that always miss, as on workers.dev.
//
//	ops.cacheMatch(name, req, ignoreMethod)  → Promise<{status, statusText, headers, body} | null>
//	ops.cachePut(name, req, res)             → Promise<undefined>
//	ops.cacheDelete(name, req, ignoreMethod) → Promise<boolean>
//
// name is "" for caches.default; req is {url, method, headers, cacheKey};
// res is {status, headers, body} with body a Uint8Array, a host stream id
// (a fetch() body handed on unread) or null.
func CacheExtension(store *cache.Store) Extension {
	return func(in *Instance, c *jsc.Context, ops jsc.Value) error {
		def := func(name string, fn jsc.Func) error { return ops.Set(name, c.Function(name, fn)) }
		if err := def("cacheMatch", func(call *jsc.Call) (jsc.Value, error) {
			name := call.Arg(0).String()
			req, err := cacheRequestFromJS(call.Arg(1))
			if err != nil {
				return jsc.Value{}, err
			}
			o := cache.MatchOptions{IgnoreMethod: call.Arg(2).Bool()}
			return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
				resp, ok, err := store.Match(name, req, o)
				if err != nil {
					return nil, cacheError(err)
				}
				return func(c *jsc.Context) (jsc.Value, error) {
					if !ok {
						return c.Null(), nil
					}
					return in.cacheResponseToJS(c, resp)
				}, nil
			})
		}); err != nil {
			return err
		}
		if err := def("cachePut", func(call *jsc.Call) (jsc.Value, error) {
			name := call.Arg(0).String()
			req, err := cacheRequestFromJS(call.Arg(1))
			if err != nil {
				return jsc.Value{}, err
			}
			resp, err := in.cacheResponseFromJS(call.Arg(2))
			if err != nil {
				return jsc.Value{}, err
			}
			return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
				if err := store.Put(name, req, resp); err != nil {
					return nil, cacheError(err)
				}
				return func(c *jsc.Context) (jsc.Value, error) { return c.Undefined(), nil }, nil
			})
		}); err != nil {
			return err
		}
		return def("cacheDelete", func(call *jsc.Call) (jsc.Value, error) {
			name := call.Arg(0).String()
			req, err := cacheRequestFromJS(call.Arg(1))
			if err != nil {
				return jsc.Value{}, err
			}
			o := cache.MatchOptions{IgnoreMethod: call.Arg(2).Bool()}
			return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
				deleted, err := store.Delete(name, req, o)
				if err != nil {
					return nil, cacheError(err)
				}
				return func(c *jsc.Context) (jsc.Value, error) { return c.Bool(deleted), nil }, nil
			})
		})
	}
}

// cacheError maps the store's caller errors onto TypeErrors; other errors
// are I/O failures of the store and reach the worker as plain Errors.
func cacheError(err error) error {
	if cache.IsTypeError(err) {
		return jsc.TypeError("%s", err.Error())
	}
	return err
}

func cacheRequestFromJS(v jsc.Value) (cache.Request, error) {
	header, err := headersFromJS(v.Get("headers"))
	if err != nil {
		return cache.Request{}, err
	}
	req := cache.Request{Method: v.Get("method").String(), URL: v.Get("url").String(), Header: header}
	if k := v.Get("cacheKey"); k.IsString() {
		req.CacheKey = k.String()
	}
	return req, nil
}

// cacheResponseFromJS reads the response to store. A host stream id is
// taken over from the stream table so a fetch() body flows to the store
// without passing through JavaScript.
func (in *Instance) cacheResponseFromJS(v jsc.Value) (cache.Response, error) {
	header, err := headersFromJS(v.Get("headers"))
	if err != nil {
		return cache.Response{}, err
	}
	resp := cache.Response{Status: int(v.Get("status").Int()), Header: header}
	body := v.Get("body")
	switch {
	case body.IsNullish():
	case body.IsNumber():
		id := body.Int()
		r := in.streams.get(id)
		if r == nil {
			return cache.Response{}, jsc.TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.")
		}
		in.streams.detach(id)
		resp.Body = r
	default:
		view, ok := body.BytesView()
		if !ok {
			return cache.Response{}, jsc.TypeError("cachePut: the body must be a Uint8Array, a stream id or null")
		}
		resp.Body = io.NopCloser(bytes.NewReader(bytes.Clone(view)))
	}
	return resp, nil
}

// cacheResponseToJS makes the prelude's host response form; the body is
// read through the stream table like a fetch() body.
func (in *Instance) cacheResponseToJS(c *jsc.Context, resp *cache.Response) (jsc.Value, error) {
	out := c.Object()
	out.Set("status", c.Number(float64(resp.Status)))
	out.Set("statusText", c.String(http.StatusText(resp.Status)))
	hs, err := headersToJS(c, resp.Header)
	if err != nil {
		if resp.Body != nil {
			resp.Body.Close()
		}
		return out, err
	}
	out.Set("headers", hs)
	if resp.Body == nil {
		out.Set("body", c.Null())
	} else {
		out.Set("body", c.Number(float64(in.streams.add(resp.Body))))
	}
	return out, nil
}
