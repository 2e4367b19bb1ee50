package assets

import (
	"bytes"
	"io"
	"net/http"
	"net/url"

	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// Extension installs ops.assetsFetch({ method, url, headers }), behind
// env.ASSETS.fetch(): the answer ServeHTTP gives, with no network hop.
func (s *Site) Extension() runtime.Extension {
	return func(in *runtime.Instance, c *jsc.Context, ops jsc.Value) error {
		return ops.Set("assetsFetch", c.Function("assetsFetch", func(call *jsc.Call) (jsc.Value, error) {
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
			return in.Async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
				res := &bufferedResponse{header: http.Header{}}
				s.ServeHTTP(res, req)
				return func(c *jsc.Context) (jsc.Value, error) { return res.toJS(c, in, u.String()) }, nil
			})
		}))
	}
}

// toJS builds the prelude's fetch-result object on the VM thread.
func (b *bufferedResponse) toJS(c *jsc.Context, in *runtime.Instance, u string) (jsc.Value, error) {
	out := c.Object()
	status := b.status
	if status == 0 {
		status = http.StatusOK
	}
	out.Set("status", c.Number(float64(status)))
	out.Set("statusText", c.String(http.StatusText(status)))
	out.Set("url", c.String(u))
	out.Set("redirected", c.Bool(false))
	hs, err := runtime.HeadersToJS(c, b.header)
	if err != nil {
		return out, err
	}
	out.Set("headers", hs)
	out.Set("body", c.Number(float64(in.AddStream(io.NopCloser(bytes.NewReader(b.body.Bytes()))))))
	return out, nil
}
