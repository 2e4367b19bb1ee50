package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// The instance as its extensions see it (BindingHost), and a few internals
// `outpost serve` uses to watch instances.

// Worker is the worker's name.
func (in *Instance) Worker() string { return in.cfg.Name }

// Async runs work off the VM's thread for the running invocation (see
// BindingHost). The worker's global scope may not start any: as on
// workerd, bindings do I/O for a request.
func (in *Instance) Async(c *jsc.Context, work func(ctx context.Context) (Settle, error)) (jsc.Value, error) {
	if in.atGlobalScope() {
		return jsc.Value{}, &jsc.Error{Name: "Error", Message: globalScopeMessage}
	}
	ctx := in.opContext()
	return in.async(c, func() (func(c *jsc.Context) (jsc.Value, error), error) {
		settle, err := work(ctx)
		return settle, err
	})
}

// opContext is the context of the running invocation, or the instance's
// own when no invocation runs (VM thread only).
func (in *Instance) opContext() context.Context {
	if inv := in.current(); inv != nil {
		return inv.ctx
	}
	return in.life
}

// AddStream registers a Go byte stream that the prelude reads by the
// returned number (ops.streamRead), e.g. as a Response body. Left unread,
// it is closed when the running invocation ends. Runs on the VM's thread.
func (in *Instance) AddStream(r io.ReadCloser) int64 { return in.streams.addFor(in.streamOwner(), r) }

// TakeStream detaches a registered stream and returns it.
func (in *Instance) TakeStream(id int64) io.ReadCloser {
	r := in.streams.get(id)
	if r != nil {
		in.streams.detach(id)
	}
	return r
}

// Observe reports an extension's operation to the host's metrics hook.
func (in *Instance) Observe(family, op, result string) {
	if in.host.ObserveOp != nil {
		in.host.ObserveOp(in.cfg.Name, family, op, result)
	}
}

// Log writes a console line for the worker.
func (in *Instance) Log(level, text string) { in.host.Log(in.cfg.Name, level, text) }

// Config is the configuration the instance was made from.
func (in *Instance) Config() *Config { return in.cfg }

// Retire marks the instance so that it takes no new work: its worker
// replaces it on the next request and closes it once its requests and
// waitUntil work are done (used to recycle an instance whose heap grew past
// a memory limit).
func (in *Instance) Retire() { in.broken.Store(true) }

// HeadersToJS makes the prelude's header form.
func HeadersToJS(c *jsc.Context, h http.Header) (jsc.Value, error) { return headersToJS(c, h) }

// HeadersFromJS reads the prelude's header form.
func HeadersFromJS(v jsc.Value) (http.Header, error) { return headersFromJS(v) }

// CollectGarbage runs a full collection on the instance's VM and returns
// the heap statistics afterwards (to tell live memory from garbage).
func (in *Instance) CollectGarbage() (jsc.HeapStats, error) {
	var st jsc.HeapStats
	err := in.vm.Run(func(c *jsc.Context) error { c.GC(); st = c.HeapStats(); return nil })
	return st, err
}

// DiscardCode drops the instance's compiled code (its functions are
// compiled again from source when next called) and collects its heap in
// full; it returns the heap statistics afterwards, and whether the engine
// could drop the code. For an instance at rest: its next request pays
// for compiling what it runs.
func (in *Instance) DiscardCode() (jsc.HeapStats, bool, error) {
	var st jsc.HeapStats
	var dropped bool
	err := in.vm.Run(func(c *jsc.Context) error {
		dropped = c.DiscardCode()
		c.GC()
		st = c.HeapStats()
		return nil
	})
	return st, dropped, err
}

// OnThread runs f on the instance's VM thread, between JavaScript tasks
// (e.g. to learn the OS thread's id for per-thread CPU accounting).
func (in *Instance) OnThread(f func()) error {
	return in.vm.Run(func(*jsc.Context) error { f(); return nil })
}

// errInternal is what JavaScript sees of a Go panic in an op's work: the
// details go to the log, never to the script.
var errInternal = fmt.Errorf("internal error in Outpost while running this operation")

// ResponseToJS makes the prelude's host response form ({ status,
// statusText, url, redirected, headers, body }) on the VM's thread, for
// extensions that answer like fetch() (service bindings, assets): the body
// is read through the stream table.
func ResponseToJS(h BindingHost, c *jsc.Context, url string, status int, statusText string, header http.Header, body io.ReadCloser) (jsc.Value, error) {
	out := c.Object()
	if status == 0 {
		status = http.StatusOK
	}
	if statusText == "" {
		statusText = http.StatusText(status)
	}
	out.Set("status", c.Number(float64(status)))
	out.Set("statusText", c.String(statusText))
	out.Set("url", c.String(url))
	out.Set("redirected", c.Bool(false))
	hs, err := headersToJS(c, header)
	if err != nil {
		if body != nil {
			body.Close()
		}
		return out, err
	}
	out.Set("headers", hs)
	if body == nil {
		out.Set("body", c.Null())
	} else {
		out.Set("body", c.Number(float64(h.AddStream(body))))
	}
	return out, nil
}

// WebSocketResponseToJS is ResponseToJS for a 101 response carrying
// another worker's WebSocket: response.webSocket, to be returned as it is.
func WebSocketResponseToJS(h BindingHost, c *jsc.Context, url string, resp *Response) (jsc.Value, error) {
	out, err := ResponseToJS(h, c, url, resp.Status, resp.StatusText, resp.Header, resp.Body)
	if err != nil {
		return out, err
	}
	in, ok := h.(*Instance)
	if !ok {
		resp.WebSocket.Reject()
		return out, nil
	}
	s := in.sockets.addForeign(resp.WebSocket)
	out.Set("webSocket", c.Number(float64(s.id)))
	return out, nil
}

// RequestFromJS reads the request a Fetcher-like binding hands its host
// object: the prelude's { method, url, headers, body, cf } (service
// bindings, Durable Object stubs).
func RequestFromJS(init jsc.Value) (*Request, error) {
	header, err := headersFromJS(init.Get("headers"))
	if err != nil {
		return nil, err
	}
	u := init.Get("url").String()
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		return nil, jsc.TypeError("Fetch API cannot load: %s", u)
	}
	req := &Request{Method: init.Get("method").String(), URL: u, Header: header}
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

func hostOf(u string) string {
	rest := u[strings.Index(u, "://")+3:]
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return rest
}
