package jsc

/*
#include <JavaScriptCore/JavaScript.h>
*/
import "C"

// Deferred is a promise made in Go and settled later from Go. Settle it on
// the VM's thread exactly once (typically from the function handed to a
// RegisterCallback enqueue); it stays alive until then.
type Deferred struct {
	c               *Context
	promise         C.JSObjectRef
	resolve, reject C.JSObjectRef
	settled         bool
}

// NewPromise makes a pending promise.
func (c *Context) NewPromise() (*Deferred, Value, error) {
	var resolve, reject C.JSObjectRef
	var exc C.JSValueRef
	p := C.JSObjectMakeDeferredPromise(c.ref, &resolve, &reject, &exc)
	if exc != nil {
		return nil, c.Undefined(), c.exception(exc)
	}
	C.JSValueProtect(c.ref, C.JSValueRef(p))
	C.JSValueProtect(c.ref, C.JSValueRef(resolve))
	C.JSValueProtect(c.ref, C.JSValueRef(reject))
	d := &Deferred{c: c, promise: p, resolve: resolve, reject: reject}
	return d, Value{c, C.JSValueRef(p)}, nil
}

// Promise returns the promise.
func (d *Deferred) Promise() Value { return Value{d.c, C.JSValueRef(d.promise)} }

// Resolve fulfils the promise with v (a thenable is followed).
func (d *Deferred) Resolve(v Value) { d.settle(d.resolve, v) }

// Reject rejects the promise with v.
func (d *Deferred) Reject(v Value) { d.settle(d.reject, v) }

// RejectError rejects the promise with err converted as host functions do.
func (d *Deferred) RejectError(err error) { d.settle(d.reject, d.c.errorValue(err)) }

func (d *Deferred) settle(fn C.JSObjectRef, v Value) {
	if d.settled {
		return
	}
	d.settled = true
	c := d.c
	args := []C.JSValueRef{v.ref}
	if v.ref == nil {
		args[0] = C.JSValueMakeUndefined(c.ref)
	}
	var exc C.JSValueRef
	if c.vm.topLevel() {
		c.vm.enter(C.JSValueRef(fn), nil, []Value{{c, args[0]}}, &exc)
	} else {
		C.JSObjectCallAsFunction(c.ref, fn, nil, 1, &args[0], &exc)
	}
	C.JSValueUnprotect(c.ref, C.JSValueRef(d.promise))
	C.JSValueUnprotect(c.ref, C.JSValueRef(d.resolve))
	C.JSValueUnprotect(c.ref, C.JSValueRef(d.reject))
}

// Settled reports whether Resolve or Reject was called.
func (d *Deferred) Settled() bool { return d.settled }

// PromiseState is what Go can observe of a promise without waiting.
type PromiseState int

const (
	Pending PromiseState = iota
	Fulfilled
	Rejected
)

// Then attaches Go callbacks to a promise (or any value: a non-thenable is
// treated as already fulfilled). Exactly one of the callbacks runs, on the
// VM's thread, during a later microtask checkpoint.
func (v Value) Then(onFulfilled func(Value), onRejected func(Value)) error {
	c := v.c
	if err := c.vm.initThen(c); err != nil {
		return err
	}
	id := c.vm.addThen(onFulfilled, onRejected)
	if _, err := c.vm.thenHelper.Value().Call(c.Undefined(), v, c.Number(float64(id))); err != nil {
		delete(c.vm.thens, id)
		return err
	}
	return nil
}

// CallThen calls fn(args...) with this and attaches the callbacks to its
// result within the same entry into JavaScript, so that a promise the call
// rejects at once is never reported as unhandled. A synchronous throw goes
// to onRejected, and a result that is not a thenable to onFulfilled, both
// within the call: no promise turn, so no second entry into the engine to
// run it (each entry reads the thread's CPU clock for the time limit).
func (v Value) CallThen(this Value, args []Value, onFulfilled func(Value), onRejected func(Value)) error {
	c := v.c
	if err := c.vm.initThen(c); err != nil {
		return err
	}
	id := c.vm.addThen(onFulfilled, onRejected)
	argv, err := c.Array(args...)
	if err != nil {
		delete(c.vm.thens, id)
		return err
	}
	if _, err := c.vm.callThenHelper.Value().Call(c.Undefined(), v, this, argv, c.Number(float64(id))); err != nil {
		delete(c.vm.thens, id)
		return err
	}
	return nil
}

func (vm *VM) addThen(onFulfilled, onRejected func(Value)) int64 {
	vm.thenSeq++
	vm.thens[vm.thenSeq] = thenCallbacks{onFulfilled, onRejected}
	return vm.thenSeq
}

// initThen makes the JavaScript helpers behind Then and CallThen: one host
// function per VM, so that attaching callbacks allocates no functions.
func (vm *VM) initThen(c *Context) error {
	if vm.thenHelper != nil {
		return nil
	}
	settle := c.Function("settle", func(call *Call) (Value, error) {
		id := call.Arg(0).Int()
		cb, ok := vm.thens[id]
		if !ok {
			return call.Ctx.Undefined(), nil
		}
		delete(vm.thens, id)
		if call.Arg(1).Bool() {
			cb.rejected(call.Arg(2))
		} else {
			cb.fulfilled(call.Arg(2))
		}
		return call.Ctx.Undefined(), nil
	})
	mk, err := c.Eval(`(function(settle){
		function then(p, id) { Promise.resolve(p).then(function(v){ settle(id, false, v) }, function(e){ settle(id, true, e) }) }
		function callThen(f, self, args, id) {
			var p;
			try { p = f.apply(self, args) } catch (e) { settle(id, true, e); return }
			if (p === null || (typeof p !== "object" && typeof p !== "function") || typeof p.then !== "function") { settle(id, false, p); return }
			then(p, id);
		}
		return [then, callThen];
	})`, "outpost:internal/then.js")
	if err != nil {
		return err
	}
	pair, err := mk.Call(c.Undefined(), settle)
	if err != nil {
		return err
	}
	vm.thenHelper = pair.Index(0).Keep()
	vm.callThenHelper = pair.Index(1).Keep()
	vm.thens = map[int64]thenCallbacks{}
	return nil
}

type thenCallbacks struct{ fulfilled, rejected func(Value) }
