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
	C.JSObjectCallAsFunction(c.ref, fn, nil, 1, &args[0], &exc)
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
	vm := c.vm
	if vm.thenHelper == nil {
		// One JavaScript helper and one host function per VM, so that
		// attaching callbacks allocates no functions.
		settle := c.Function("settle", func(call *Call) (Value, error) {
			id := call.Arg(0).Int()
			cb := vm.thens[id]
			delete(vm.thens, id)
			if call.Arg(1).Bool() {
				cb.rejected(call.Arg(2))
			} else {
				cb.fulfilled(call.Arg(2))
			}
			return call.Ctx.Undefined(), nil
		})
		mk, err := c.Eval("(function(settle){ return function(p, id){ Promise.resolve(p).then(function(v){ settle(id, false, v) }, function(e){ settle(id, true, e) }) } })", "outpost:internal/then.js")
		if err != nil {
			return err
		}
		helper, err := mk.Call(c.Undefined(), settle)
		if err != nil {
			return err
		}
		vm.thenHelper = helper.Keep()
		vm.thens = map[int64]thenCallbacks{}
	}
	vm.thenSeq++
	id := vm.thenSeq
	vm.thens[id] = thenCallbacks{onFulfilled, onRejected}
	if _, err := vm.thenHelper.Value().Call(c.Undefined(), v, c.Number(float64(id))); err != nil {
		delete(vm.thens, id)
		return err
	}
	return nil
}

type thenCallbacks struct{ fulfilled, rejected func(Value) }
