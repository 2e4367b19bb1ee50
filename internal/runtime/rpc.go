package runtime

import (
	"context"
	"errors"
	"fmt"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// RPC between workers (service bindings with methods, entrypoints, stubs)
// as workerd does it, within one process. A value crosses from one VM to
// another as a Message: the prelude's serialization (prelude/rpc.js) of it
// as JSON text with tagged values, its byte buffers, and the stubs it
// carries. A stub is an export of the sending instance — a function, an
// RpcTarget, a stream's reader — that the receiving instance imports: the
// receiver can call only what it was given, and an export lives as long as
// the invocation that made it.

// Message is a JavaScript value serialized for RPC.
type Message struct {
	JSON    string
	Buffers [][]byte
	Refs    []Ref
}

// Ref is a stub: an export of the instance that owns it.
type Ref struct {
	owner *Instance
	id    int64
}

// MaxRPCMessage is workerd's bound on serialized arguments or results.
const MaxRPCMessage = 32 << 20

// export is a value of this instance that another instance holds a stub to.
type export struct {
	value *jsc.Handle
	inv   int64 // the invocation it belongs to; 0: the instance's life
}

// rpcTables are an instance's exports and imports (VM thread only).
type rpcTables struct {
	exports   map[int64]*export
	exportSeq int64
	imports   map[int64]Ref
	importSeq int64
}

// messageFromJS reads { json, buffers, refs } made by the prelude's
// encoder; refs are export ids the encoder got from ops.rpcExport.
func (in *Instance) messageFromJS(v jsc.Value) (*Message, error) {
	if !v.IsObject() {
		return nil, jsc.TypeError("RPC: malformed message")
	}
	m := &Message{JSON: v.Get("json").String()}
	size := len(m.JSON)
	bufs := v.Get("buffers")
	for i := 0; i < bufs.Len(); i++ {
		b, ok := bufs.Index(i).CopyBytes()
		if !ok {
			return nil, jsc.TypeError("RPC: malformed message buffer")
		}
		size += len(b)
		m.Buffers = append(m.Buffers, b)
	}
	if size > MaxRPCMessage {
		return nil, &jsc.Error{Name: "Error", Message: fmt.Sprintf("Serialized RPC arguments or return values are limited to 32MiB, but the size of this value was: %d bytes.", size)}
	}
	refs := v.Get("refs")
	for i := 0; i < refs.Len(); i++ {
		id := refs.Index(i).Int()
		if in.rpc.exports[id] == nil {
			return nil, jsc.TypeError("RPC: unknown export")
		}
		m.Refs = append(m.Refs, Ref{owner: in, id: id})
	}
	return m, nil
}

// messageToJS makes the prelude's { json, buffers, imports } form in this
// instance: each carried stub becomes an import of it.
func (in *Instance) messageToJS(c *jsc.Context, m *Message) (jsc.Value, error) {
	out := c.Object()
	out.Set("json", c.String(m.JSON))
	bufs := make([]jsc.Value, len(m.Buffers))
	for i, b := range m.Buffers {
		v, err := c.Bytes(b)
		if err != nil {
			return out, err
		}
		bufs[i] = v
	}
	arr, err := c.Array(bufs...)
	if err != nil {
		return out, err
	}
	out.Set("buffers", arr)
	ids := make([]jsc.Value, len(m.Refs))
	for i, r := range m.Refs {
		in.rpc.importSeq++
		in.rpc.imports[in.rpc.importSeq] = r
		ids[i] = c.Number(float64(in.rpc.importSeq))
	}
	imp, err := c.Array(ids...)
	if err != nil {
		return out, err
	}
	out.Set("imports", imp)
	return out, nil
}

// RPCMessage reads a value serialized by the prelude (BindingHost).
func (in *Instance) RPCMessage(v jsc.Value) (*Message, error) { return in.messageFromJS(v) }

// RPCValue hands a received message to the prelude (BindingHost).
func (in *Instance) RPCValue(c *jsc.Context, m *Message) (jsc.Value, error) {
	return in.messageToJS(c, m)
}

// installRPCOps adds the ops prelude/rpc.js uses.
func (in *Instance) installRPCOps(c *jsc.Context, def func(string, jsc.Func)) {
	in.rpc = rpcTables{exports: map[int64]*export{}, imports: map[int64]Ref{}}
	// rpcExport(value) → id: value may be called by whoever receives the
	// stub, until the running invocation ends.
	def("rpcExport", func(call *jsc.Call) (jsc.Value, error) {
		in.rpc.exportSeq++
		in.rpc.exports[in.rpc.exportSeq] = &export{value: call.Arg(0).Keep(), inv: in.cur}
		return call.Ctx.Number(float64(in.rpc.exportSeq)), nil
	})
	// rpcCall(importId, path, message) → Promise<message>: calls (or, with
	// get, reads) path on the value behind an imported stub.
	def("rpcCall", func(call *jsc.Call) (jsc.Value, error) {
		ref, ok := in.rpc.imports[call.Arg(0).Int()]
		if !ok {
			return jsc.Value{}, &jsc.Error{Name: "Error", Message: "Attempted to use RPC stub after it has been disposed."}
		}
		path, err := stringsFromJS(call.Arg(1))
		if err != nil {
			return jsc.Value{}, err
		}
		var args *Message
		if m := call.Arg(2); !m.IsNullish() {
			if args, err = in.messageFromJS(m); err != nil {
				return jsc.Value{}, err
			}
		}
		return in.Async(call.Ctx, func(ctx context.Context) (Settle, error) {
			res, err := ref.owner.invokeExport(ctx, ref.id, path, args)
			if err != nil {
				return nil, err
			}
			return func(c *jsc.Context) (jsc.Value, error) { return in.messageToJS(c, res) }, nil
		})
	})
	def("rpcRelease", func(call *jsc.Call) (jsc.Value, error) {
		delete(in.rpc.imports, call.Arg(0).Int())
		return call.Ctx.Undefined(), nil
	})
	def("waitUntilCurrent", func(call *jsc.Call) (jsc.Value, error) {
		if in.current() == nil {
			return jsc.Value{}, &jsc.Error{Name: "Error", Message: "waitUntil() was called outside of a request, where there is nothing to wait for."}
		}
		in.waitUntil(call.Ctx, in.cur, call.Arg(0))
		return call.Ctx.Undefined(), nil
	})
}

// releaseExports drops the exports of an invocation that ended (VM
// thread only): stubs to them fail from now on.
func (in *Instance) releaseExports(inv int64) {
	for id, e := range in.rpc.exports {
		if e.inv == inv {
			e.value.Release()
			delete(in.rpc.exports, id)
		}
	}
}

// errStubGone is what a call on a stub whose export ended gets.
var errStubGone = &jsc.Error{Name: "Error", Message: "RPC stub used after its invocation ended: the worker that made it has finished the request it was made for."}

// invokeExport runs path on one of this instance's exports for a caller
// in another instance (or this one) and returns the serialized result.
func (in *Instance) invokeExport(ctx context.Context, id int64, path []string, args *Message) (*Message, error) {
	return in.runRPC(ctx, func(c *jsc.Context, hooks jsc.Value) (jsc.Value, error) {
		e := in.rpc.exports[id]
		if e == nil {
			return jsc.Value{}, errStubGone
		}
		jsPath, a, err := in.callArgs(c, path, args)
		if err != nil {
			return jsc.Value{}, err
		}
		// The call is work of the invocation the export belongs to: what
		// it exports in turn lives as long.
		var p jsc.Value
		in.within(e.inv, func() {
			p, err = hooks.Get("rpcInvoke").Call(hooks, e.value.Value(), jsPath, a)
		})
		return p, err
	})
}

// runRPC runs start on the VM's thread; start returns a promise of the
// prelude's encoded result ({ json, buffers, refs }, or { error } when the
// call threw, encoded too), which runRPC waits for and reads.
func (in *Instance) runRPC(ctx context.Context, start func(c *jsc.Context, hooks jsc.Value) (jsc.Value, error)) (*Message, error) {
	type result struct {
		m   *Message
		err error
	}
	done := make(chan result, 1)
	err := in.vm.Enqueue(func(c *jsc.Context) {
		if in.hooks == nil || in.vm.Terminated() {
			done <- result{err: ErrBroken}
			return
		}
		p, err := start(c, in.hooks.Value())
		if err != nil {
			done <- result{err: in.scriptError("calling over RPC", err)}
			return
		}
		if err := p.Then(func(v jsc.Value) {
			m, err := in.messageFromJS(v)
			done <- result{m, err}
		}, func(v jsc.Value) {
			done <- result{err: in.errorFromValue("calling over RPC", v)}
		}); err != nil {
			done <- result{err: err}
		}
	})
	if err != nil {
		return nil, ErrBroken
	}
	select {
	case r := <-done:
		return r.m, r.err
	case <-in.vm.Done():
		return nil, ErrBroken
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// CallEntrypoint calls path (a method, or a property to read) on an
// entrypoint of the worker ("" for the default export) with the serialized
// args, as a new invocation of that worker at the given depth. The
// invocation lasts until ctx ends — the caller's invocation — so stubs in
// its result stay callable as long as the caller may use them.
func (w *Worker) CallEntrypoint(ctx context.Context, depth int, entrypoint string, path []string, args *Message) (*Message, error) {
	return w.retry(ctx, w.pick, func(in *Instance) (*Message, error) {
		return in.callEntrypoint(ctx, depth, entrypoint, path, args)
	})
}

// CallObject calls path on a Durable Object of the worker (a method of
// its class, or "alarm" with kind "alarm"), as a new invocation at the
// given depth that lasts until ctx ends.
func (w *Worker) CallObject(ctx context.Context, depth int, obj ObjectAddress, path []string, args *Message) (*Message, error) {
	return w.retry(ctx, w.objectInstance, func(in *Instance) (*Message, error) {
		return in.call(ctx, "object", depth, args, func(c *jsc.Context, hooks, jsPath, a jsc.Value, inv int64) (jsc.Value, error) {
			return hooks.Get("rpcObject").Call(hooks, c.String(obj.Class), c.String(obj.ID), c.String(obj.Name), jsPath, a, c.Number(float64(inv)))
		}, path)
	})
}

// retry runs call on an instance that pick chooses, again on another one
// when the first was stopped before the call started.
func (w *Worker) retry(ctx context.Context, pick func(context.Context) (*Instance, error), call func(*Instance) (*Message, error)) (*Message, error) {
	for attempt := 0; ; attempt++ {
		in, err := pick(ctx)
		if err != nil {
			return nil, err
		}
		m, err := call(in)
		if errors.Is(err, errNotStarted) && attempt < 3 {
			continue
		}
		return m, resourcesError(err)
	}
}

func (in *Instance) callEntrypoint(ctx context.Context, depth int, entrypoint string, path []string, args *Message) (*Message, error) {
	return in.call(ctx, "rpc", depth, args, func(c *jsc.Context, hooks jsc.Value, jsPath, a jsc.Value, inv int64) (jsc.Value, error) {
		return hooks.Get("rpcEntrypoint").Call(hooks, c.String(entrypoint), jsPath, a, c.Number(float64(inv)))
	}, path)
}

// call runs one RPC-style invocation: start calls the prelude's hook with
// the path and the decoded-ready arguments.
func (in *Instance) call(ctx context.Context, kind string, depth int, args *Message,
	start func(c *jsc.Context, hooks, jsPath, a jsc.Value, inv int64) (jsc.Value, error), path []string) (*Message, error) {
	if in.Broken() {
		return nil, errNotStarted
	}
	in.begin()
	defer in.inflight.Add(-1)
	in.background.Add(1)
	var inv *Invocation
	m, err := in.runRPC(ctx, func(c *jsc.Context, hooks jsc.Value) (jsc.Value, error) {
		inv = in.newInvocation(kind, depth, ctx)
		// An RPC invocation ends with its caller's (which waits on it as
		// an op), not by hang detection.
		inv.responded = true
		inv.shared = kind == "object"
		jsPath, a, err := in.callArgs(c, path, args)
		if err != nil {
			return jsc.Value{}, err
		}
		var p jsc.Value
		in.within(inv.ID, func() {
			p, err = start(c, hooks, jsPath, a, inv.ID)
		})
		return p, err
	})
	if inv == nil {
		in.background.Done()
		if errors.Is(err, ErrBroken) {
			return nil, errNotStarted
		}
		return nil, err
	}
	// The invocation ends with the caller's: its exports (stubs in the
	// result) live until then; its waitUntil work may run on after.
	id := inv.ID
	context.AfterFunc(ctx, func() { in.enqueueFinish(id, in.finishRequest) })
	return m, err
}

// callArgs are a call's path and arguments in the prelude's form.
func (in *Instance) callArgs(c *jsc.Context, path []string, args *Message) (jsc.Value, jsc.Value, error) {
	jsPath, err := stringsToJS(c, path)
	if err != nil {
		return jsPath, jsPath, err
	}
	a := c.Null()
	if args != nil {
		a, err = in.messageToJS(c, args)
	}
	return jsPath, a, err
}

func stringsFromJS(v jsc.Value) ([]string, error) {
	if !v.IsArray() {
		return nil, jsc.TypeError("RPC: the method path must be an array of names")
	}
	out := make([]string, v.Len())
	for i := range out {
		out[i] = v.Index(i).String()
	}
	return out, nil
}

func stringsToJS(c *jsc.Context, list []string) (jsc.Value, error) {
	vs := make([]jsc.Value, len(list))
	for i, s := range list {
		vs[i] = c.String(s)
	}
	return c.Array(vs...)
}
