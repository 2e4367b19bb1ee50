package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// serviceExtension installs ops.serviceFetch(service, init), behind
// env.SERVICE.fetch(): the request goes to the other worker of this
// server in process, with no network hop, and its response streams back.
func (s *Server) serviceExtension(in *runtime.Instance, c *jsc.Context, ops jsc.Value) error {
	caller := in.Config().Name
	return ops.Set("serviceFetch", c.Function("serviceFetch", func(call *jsc.Call) (jsc.Value, error) {
		service := call.Arg(0).String()
		init := call.Arg(1)
		depth, err := in.ServiceSubrequest()
		if err != nil {
			return jsc.Value{}, err
		}
		req, err := serviceRequest(init)
		if err != nil {
			return jsc.Value{}, err
		}
		req.Depth = depth
		ws := s.worker(service)
		var target *runtime.Worker
		if ws != nil {
			target = ws.current()
		}
		if target == nil {
			return jsc.Value{}, fmt.Errorf("service binding: worker %q is not deployed on this server", service)
		}
		s.obs.subrequests.With(caller, "service").Inc()
		return in.Async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
			resp, err := target.Fetch(context.Background(), req)
			if err != nil {
				var se *runtime.ScriptError
				if errors.As(err, &se) {
					return nil, &jsc.Error{Name: orDefault(se.Name, "Error"), Message: se.Message}
				}
				return nil, fmt.Errorf("service binding to %q: %w", service, err)
			}
			if resp.PassThrough {
				return nil, fmt.Errorf("service binding to %q: the worker passed the request through to an origin, which a service binding has not got", service)
			}
			return func(c *jsc.Context) (jsc.Value, error) { return serviceResponse(c, in, req.URL, resp) }, nil
		})
	}))
}

// serviceRequest reads the prelude's { method, url, headers, body, cf }.
func serviceRequest(init jsc.Value) (*runtime.Request, error) {
	header, err := runtime.HeadersFromJS(init.Get("headers"))
	if err != nil {
		return nil, err
	}
	u := init.Get("url").String()
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return nil, jsc.TypeError("Fetch API cannot load: %s", u)
	}
	req := &runtime.Request{Method: init.Get("method").String(), URL: u, Header: header}
	if h := header.Get("Host"); h == "" {
		if host := hostOf(u); host != "" {
			header.Set("Host", host)
		}
	}
	if b := init.Get("body"); !b.IsNullish() {
		var data []byte
		if view, ok := b.BytesView(); ok {
			data = bytes.Clone(view)
		} else {
			data = []byte(b.String())
		}
		req.Body = io.NopCloser(bytes.NewReader(data))
	}
	if cf := init.Get("cf"); cf.IsObject() {
		if js, err := cf.JSON(0); err == nil && js != "" {
			req.CF = map[string]any{}
			if err := json.Unmarshal([]byte(js), &req.CF); err != nil {
				req.CF = nil
			}
		}
	}
	return req, nil
}

// serviceResponse builds the prelude's fetch-result object on the caller's
// VM thread; a streamed body is read through the caller's stream table.
func serviceResponse(c *jsc.Context, in *runtime.Instance, url string, resp *runtime.Response) (jsc.Value, error) {
	out := c.Object()
	status := resp.Status
	if status == 0 {
		status = http.StatusOK
	}
	out.Set("status", c.Number(float64(status)))
	out.Set("statusText", c.String(resp.StatusText))
	out.Set("url", c.String(url))
	out.Set("redirected", c.Bool(false))
	hs, err := runtime.HeadersToJS(c, resp.Header)
	if err != nil {
		return out, err
	}
	out.Set("headers", hs)
	if resp.Body == nil {
		out.Set("body", c.Null())
	} else {
		out.Set("body", c.Number(float64(in.AddStream(resp.Body))))
	}
	return out, nil
}

func hostOf(u string) string {
	rest := u[strings.Index(u, "://")+3:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
