package runtime

import (
	"context"
	"io"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// Extension is a family of APIs added to the core runtime (KV, the Cache
// API, service bindings, static assets …), like one of Deno's ext crates:
// its JavaScript module, bundled into the prelude after the Web API core,
// and its Go side.
type Extension struct {
	// Name identifies the extension (unique among a host's extensions).
	Name string
	// Module is the extension's JavaScript, an ES module evaluated once per
	// instance after the core prelude. It may import the core's modules
	// as "runtime:NAME.js" (for example "runtime:bindings.js" to register a
	// binding factory, or "runtime:ops.js" for the ops object).
	Module string
	// Install, when set, adds ops every instance needs to the ops object
	// before the prelude runs (for APIs that are globals, not bindings).
	Install func(h BindingHost, c *jsc.Context, ops jsc.Value) error
}

// Binding is one entry of a worker's env that Go resolves: a KV
// namespace, a service, the static assets. Kind names the JavaScript
// factory (registered by an extension's module) that builds the object the
// worker sees; Install makes the host object that factory wraps, whose
// functions close over the resource granted to this worker. JavaScript
// holds no id that could name another worker's resource: the capability
// is the function, which exists only in this worker's VM.
type Binding interface {
	Kind() string
	Install(h BindingHost, c *jsc.Context) (jsc.Value, error)
}

// Settle builds, on the VM's thread, the value an asynchronous op's
// promise resolves to.
type Settle func(c *jsc.Context) (jsc.Value, error)

// BindingHost is what an extension's Go side may use of the instance it
// runs in (as k6's modules.VU is for its modules): nothing else of the
// instance is reachable from an extension.
type BindingHost interface {
	// Worker is the worker's name.
	Worker() string
	// Async runs work off the VM's thread for the invocation that is
	// running now and returns a promise settled on the VM's thread with
	// what work's Settle builds, or rejected with its error. ctx ends when
	// the invocation does (or the instance is stopped); a panic in work
	// becomes an error for this call only.
	Async(c *jsc.Context, work func(ctx context.Context) (Settle, error)) (jsc.Value, error)
	// AddStream registers a Go byte stream that the prelude reads by the
	// returned number (a Response body, for example).
	AddStream(r io.ReadCloser) int64
	// TakeStream detaches a registered stream (one handed back unread, as
	// a body to store) and returns it; nil if there is none.
	TakeStream(id int64) io.ReadCloser
	// Subrequest counts a subrequest of the running invocation and returns
	// the depth a request it sends to another worker has; it fails past
	// the invocation's limits with workerd's messages.
	Subrequest(kind string) (depth int, err error)
	// Observe reports an operation of an extension to the host's metrics:
	// family ("kv"), op ("get") and result ("hit", "miss", "ok", "error").
	Observe(family, op, result string)
	// Log writes a line to the worker's console output.
	Log(level, text string)
	// RPCMessage reads a value the prelude serialized for RPC (rpc.js's
	// encode); RPCValue gives a received one to the prelude (its decode
	// makes the value, with stubs for what it carries).
	RPCMessage(v jsc.Value) (*Message, error)
	RPCValue(c *jsc.Context, m *Message) (jsc.Value, error)
}

var _ BindingHost = (*Instance)(nil)
