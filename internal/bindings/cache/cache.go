// Package cachebinding is the Cache API (caches.default, caches.open) and
// the zone cache in front of fetch(), over the per-node store of
// internal/cache.
package cachebinding

import (
	"bytes"
	"context"
	_ "embed"
	"io"
	"net/http"

	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/runtime"
)

//go:embed cache.js
var module string

// Extension is the Cache API backed by store: caches.default and
// caches.open(name) (cache.js) over these ops:
//
//	ops.cacheMatch(name, req, ignoreMethod)  → Promise<{status, statusText, headers, body} | null>
//	ops.cachePut(name, req, res)             → Promise<undefined>
//	ops.cacheDelete(name, req, ignoreMethod) → Promise<boolean>
//
// name is "" for caches.default; req is {url, method, headers, cacheKey};
// res is {status, headers, body} with body a Uint8Array, a host stream id
// (a fetch() body handed on unread) or null. With a nil store the ops are
// absent and every cache is a no-op that always misses, as on
// workers.dev.
func Extension(s *cache.Store) runtime.Extension { return PartitionExtension(s, "") }

// PartitionExtension is Extension over one zone's partition of the store
// (see cache.Partition): `outpost serve` gives each worker its own unless
// workers are configured to share a zone.
func PartitionExtension(s *cache.Store, zone string) runtime.Extension {
	ext := runtime.Extension{Name: "cache", Module: module}
	if s == nil {
		return ext
	}
	store := s.Partition(zone)
	ext.Install = func(h runtime.BindingHost, c *jsc.Context, ops jsc.Value) error {
		def := func(name string, fn jsc.Func) error { return ops.Set(name, c.Function(name, fn)) }
		if err := def("cacheMatch", func(call *jsc.Call) (jsc.Value, error) {
			name := call.Arg(0).String()
			req, err := cacheRequestFromJS(call.Arg(1))
			if err != nil {
				return jsc.Value{}, err
			}
			o := cache.MatchOptions{IgnoreMethod: call.Arg(2).Bool()}
			return h.Async(call.Ctx, func(context.Context) (runtime.Settle, error) {
				resp, ok, err := store.Match(name, req, o)
				if err != nil {
					h.Observe("cache", "match", "error")
					return nil, cacheError(err)
				}
				h.Observe("cache", "match", runtime.Lookup(ok))
				return func(c *jsc.Context) (jsc.Value, error) {
					if !ok {
						return c.Null(), nil
					}
					return cacheResponseToJS(h, c, resp)
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
			resp, err := cacheResponseFromJS(h, call.Arg(2))
			if err != nil {
				return jsc.Value{}, err
			}
			return h.Async(call.Ctx, func(context.Context) (runtime.Settle, error) {
				err := store.Put(name, req, resp)
				h.Observe("cache", "put", runtime.OK(err))
				if err != nil {
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
			return h.Async(call.Ctx, func(context.Context) (runtime.Settle, error) {
				deleted, err := store.Delete(name, req, o)
				h.Observe("cache", "delete", runtime.OK(err))
				if err != nil {
					return nil, cacheError(err)
				}
				return func(c *jsc.Context) (jsc.Value, error) { return c.Bool(deleted), nil }, nil
			})
		})
	}
	return ext
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
	header, err := runtime.HeadersFromJS(v.Get("headers"))
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
func cacheResponseFromJS(h runtime.BindingHost, v jsc.Value) (cache.Response, error) {
	header, err := runtime.HeadersFromJS(v.Get("headers"))
	if err != nil {
		return cache.Response{}, err
	}
	resp := cache.Response{Status: int(v.Get("status").Int()), Header: header}
	body := v.Get("body")
	switch {
	case body.IsNullish():
	case body.IsNumber():
		id := body.Int()
		r := h.TakeStream(id)
		if r == nil {
			return cache.Response{}, jsc.TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.")
		}
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
func cacheResponseToJS(h runtime.BindingHost, c *jsc.Context, resp *cache.Response) (jsc.Value, error) {
	out := c.Object()
	out.Set("status", c.Number(float64(resp.Status)))
	out.Set("statusText", c.String(http.StatusText(resp.Status)))
	hs, err := runtime.HeadersToJS(c, resp.Header)
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
		out.Set("body", c.Number(float64(h.AddStream(resp.Body))))
	}
	return out, nil
}
