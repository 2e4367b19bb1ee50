package runtime

import (
	"io"
	"net/http"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// This file exposes a few instance internals to packages that add ops
// through Host.Extensions (service bindings, KV), so they need not copy them.

// Async runs work off the VM's thread and returns a promise settled with the
// value work's finisher builds on the VM's thread, or rejected with its error.
func (in *Instance) Async(c *jsc.Context, work func() (func(c *jsc.Context) (jsc.Value, error), error)) (jsc.Value, error) {
	return in.async(c, work)
}

// AddStream registers a Go byte stream that the prelude reads by the
// returned number (ops.streamRead), e.g. as a Response body.
func (in *Instance) AddStream(r io.ReadCloser) int64 { return in.streams.add(r) }

// Config is the configuration the instance was made from.
func (in *Instance) Config() *Config { return in.cfg }

// Retire marks the instance so that it takes no new work: its worker
// replaces it on the next request and closes it once its requests and
// waitUntil work are done (used to recycle an instance whose heap grew past
// a memory limit).
func (in *Instance) Retire() { in.broken.Store(true) }

// HeadersToJS makes the prelude's header form: an array of [name, value]
// pairs with lower-case names.
func HeadersToJS(c *jsc.Context, h http.Header) (jsc.Value, error) { return headersToJS(c, h) }

// HeadersFromJS reads an array of [name, value] pairs.
func HeadersFromJS(v jsc.Value) (http.Header, error) { return headersFromJS(v) }

// CollectGarbage runs a full collection on the instance's VM and returns
// the heap statistics afterwards (to tell live memory from garbage).
func (in *Instance) CollectGarbage() (jsc.HeapStats, error) {
	var st jsc.HeapStats
	err := in.vm.Run(func(c *jsc.Context) error { c.GC(); st = c.HeapStats(); return nil })
	return st, err
}

// OnThread runs f on the instance's VM thread, between JavaScript tasks
// (e.g. to learn the OS thread's id for per-thread CPU accounting).
func (in *Instance) OnThread(f func()) error {
	return in.vm.Run(func(*jsc.Context) error { f(); return nil })
}
