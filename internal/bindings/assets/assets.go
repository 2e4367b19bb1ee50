// Package assetsbinding is the static assets binding: env.ASSETS.fetch()
// answers from the worker's assets (internal/assets) with no network hop.
package assetsbinding

import (
	"bytes"
	"context"
	_ "embed"
	"io"
	"net/http"
	"net/url"

	"github.com/outpost-dev/outpost/internal/assets"
	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/runtime"
)

//go:embed assets.js
var module string

// Extension is the assets binding family (assets.js).
func Extension() runtime.Extension { return runtime.Extension{Name: "assets", Module: module} }

// Binding is the assets of one worker.
type Binding struct{ Site *assets.Site }

// Kind names the JavaScript factory (assets.js).
func (Binding) Kind() string { return "assets" }

// Install makes the host object: fetch({ method, url, headers }) is what
// serving the assets would answer.
func (b Binding) Install(h runtime.BindingHost, c *jsc.Context) (jsc.Value, error) {
	obj := c.Object()
	err := obj.Set("fetch", c.Function("fetch", func(call *jsc.Call) (jsc.Value, error) {
		init := call.Arg(0)
		header, err := runtime.HeadersFromJS(init.Get("headers"))
		if err != nil {
			return jsc.Value{}, err
		}
		u, err := url.Parse(init.Get("url").String())
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return jsc.Value{}, jsc.TypeError("Fetch API cannot load: %s", init.Get("url").String())
		}
		req := &http.Request{Method: init.Get("method").String(), URL: u, Header: header, Host: u.Host}
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			res := &bufferedResponse{header: http.Header{}}
			b.Site.ServeHTTP(res, req.WithContext(ctx))
			return func(c *jsc.Context) (jsc.Value, error) {
				return runtime.ResponseToJS(h, c, u.String(), res.status, "", res.header, io.NopCloser(bytes.NewReader(res.body.Bytes())))
			}, nil
		})
	}))
	return obj, err
}

// bufferedResponse records what the assets handler answers.
type bufferedResponse struct {
	status int
	header http.Header
	body   bytes.Buffer
}

func (r *bufferedResponse) Header() http.Header { return r.header }

func (r *bufferedResponse) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *bufferedResponse) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.body.Write(p)
}
