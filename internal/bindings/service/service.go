// Package servicebinding is the service binding: env.OTHER.fetch() runs
// another worker of the same process with no network hop, its response
// streaming back.
package servicebinding

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"io"

	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/runtime"
)

//go:embed service.js
var module string

// Extension is the service binding family (service.js), and ctx.exports:
// ops.serviceSelf(entrypoint) binds the worker to its own entrypoint.
func Extension(workers Workers) runtime.Extension {
	return runtime.Extension{
		Name:   "service",
		Module: module,
		Install: func(h runtime.BindingHost, c *jsc.Context, ops jsc.Value) error {
			return ops.Set("serviceSelf", c.Function("serviceSelf", func(call *jsc.Call) (jsc.Value, error) {
				return Binding{Service: h.Worker(), Entrypoint: call.Arg(0).String(), Workers: workers}.Install(h, call.Ctx)
			}))
		},
	}
}

// Workers finds the running version of a worker by name (nil when none).
type Workers interface {
	Lookup(name string) *runtime.Worker
}

// Binding is a service binding to one worker, or to one of its named
// entrypoints.
type Binding struct {
	Service    string
	Entrypoint string // "" is the default export
	Workers    Workers
}

// Kind names the JavaScript factory (service.js).
func (Binding) Kind() string { return "service" }

// Install makes the host object: fetch(init) sends a request to the bound
// worker, call(path, message) calls a method of its entrypoint over RPC.
func (b Binding) Install(h runtime.BindingHost, c *jsc.Context) (jsc.Value, error) {
	obj := c.Object()
	err := obj.Set("call", c.Function("call", func(call *jsc.Call) (jsc.Value, error) {
		depth, target, err := b.start(h, "call")
		if err != nil {
			return jsc.Value{}, err
		}
		path := make([]string, call.Arg(0).Len())
		for i := range path {
			path[i] = call.Arg(0).Index(i).String()
		}
		var args *runtime.Message
		if m := call.Arg(1); !m.IsNullish() {
			if args, err = h.RPCMessage(m); err != nil {
				return jsc.Value{}, err
			}
		}
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			res, err := target.CallEntrypoint(ctx, depth, b.Entrypoint, path, args)
			if err != nil {
				return nil, b.failure(err)
			}
			return func(c *jsc.Context) (jsc.Value, error) { return h.RPCValue(c, res) }, nil
		})
	}))
	if err != nil {
		return obj, err
	}
	err = obj.Set("fetch", c.Function("fetch", func(call *jsc.Call) (jsc.Value, error) {
		depth, target, err := b.start(h, "fetch")
		if err != nil {
			return jsc.Value{}, err
		}
		req, err := runtime.RequestFromJS(call.Arg(0))
		if err != nil {
			return jsc.Value{}, err
		}
		req.Depth = depth
		req.Entrypoint = b.Entrypoint
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			resp, err := target.Fetch(ctx, req)
			if err != nil {
				return nil, b.failure(err)
			}
			if resp.PassThrough {
				return nil, fmt.Errorf("service binding to %q: the worker passed the request through to an origin, which a service binding has not got", b.Service)
			}
			return func(c *jsc.Context) (jsc.Value, error) {
				if resp.WebSocket != nil {
					return runtime.WebSocketResponseToJS(h, c, req.URL, resp)
				}
				var body io.ReadCloser
				if resp.Body != nil {
					body = runtime.ReceivedBody(resp) // decoded when it is encoded, as a fetch() body
				}
				return runtime.ResponseToJS(h, c, req.URL, resp.Status, resp.StatusText, resp.Header, body)
			}, nil
		})
	}))
	return obj, err
}

// start accounts for one call through the binding (a subrequest of the
// running invocation) and finds the worker to call.
func (b Binding) start(h runtime.BindingHost, op string) (int, *runtime.Worker, error) {
	depth, err := h.Subrequest("service")
	if err != nil {
		return 0, nil, err
	}
	target := b.Workers.Lookup(b.Service)
	if target == nil {
		h.Observe("service", op, "error")
		return 0, nil, fmt.Errorf("service binding: worker %q is not running here "+
			"(outpost dev: add its config with another -c; outpost serve: deploy it)", b.Service)
	}
	h.Observe("service", op, "ok")
	return depth, target, nil
}

// failure is what the caller sees of a failed call: the callee's
// exception by name and message (its stack stays with the callee's logs).
func (b Binding) failure(err error) error {
	var se *runtime.ScriptError
	if errors.As(err, &se) {
		return &jsc.Error{Name: orDefault(se.Name, "Error"), Message: se.Message}
	}
	return fmt.Errorf("service binding to %q: %w", b.Service, err)
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
