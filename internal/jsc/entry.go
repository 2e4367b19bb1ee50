package jsc

/*
#define _GNU_SOURCE
#include <dlfcn.h>
#include <JavaScriptCore/JavaScript.h>

// JSC::VM::drainMicrotasks(), exported by the library for WebKit but in no
// C header. A JSContextGroupRef is the VM itself (the C API's casts).
typedef void (*outpost_drain_fn)(void* vm);
static outpost_drain_fn outpost_drain_ptr;

static int outpost_find_drain(void) {
	outpost_drain_ptr = (outpost_drain_fn)dlsym(RTLD_DEFAULT, "_ZN3JSC2VM15drainMicrotasksEv");
	return outpost_drain_ptr != NULL;
}

// Called from a host function, which holds the engine's lock (cgo.go).
static void outpost_drain(JSContextRef ctx) {
	outpost_drain_ptr((void*)JSContextGetGroup(ctx));
}
*/
import "C"

import "sync"

// Every entry into JavaScriptCore from outside JavaScript starts its
// watchdog, which reads a clock (the thread's CPU clock, a system call,
// unless watchclock_linux.go answers it) and may start its timer. The engine runs the microtasks a call queued when it
// releases its lock after the call, each job in an entry of its own, so an
// async handler's request made a dozen entries. A call made from Go with no
// JavaScript on the stack therefore goes through a small function that makes
// the call and then runs the microtasks itself: one entry for both, and the
// same order, since the checkpoint still comes once the stack is empty. If
// the library lacks the drain, calls are made directly as before.

var drainFound = sync.OnceValue(func() bool { return C.outpost_find_drain() != 0 })

// initEntry makes the VM's trampoline; without the engine's drain it leaves
// vm.entry nil.
func (vm *VM) initEntry() error {
	if !drainFound() {
		return nil
	}
	c := vm.ctx
	drain := c.Function("drain", func(call *Call) (Value, error) {
		C.outpost_drain(call.Ctx.ref)
		return Value{}, nil
	})
	mk, err := c.Eval(`(function(drain){
		const apply = Reflect.apply;
		return function(f, self, ...args) { try { return apply(f, self, args) } finally { drain() } };
	})`, "outpost:internal/entry.js")
	if err != nil {
		return err
	}
	fn, err := mk.Call(c.Undefined(), drain)
	if err != nil {
		return err
	}
	vm.entry = fn.Keep()
	return nil
}

// topLevel reports whether a call made now would be an entry into the
// engine: on the VM's thread outside any host function.
func (vm *VM) topLevel() bool { return vm.hostDepth == 0 && vm.entry != nil }

// enter calls fn(args...) with this (the global object when nil, as the C
// API does) through the trampoline.
func (vm *VM) enter(fn C.JSValueRef, this C.JSObjectRef, args []Value, exc *C.JSValueRef) C.JSValueRef {
	c := vm.ctx
	refs := make([]C.JSValueRef, 2+len(args))
	refs[0] = fn
	if this != nil {
		refs[1] = C.JSValueRef(this)
	} else {
		refs[1] = C.JSValueRef(C.JSContextGetGlobalObject(c.ref))
	}
	for i, a := range args {
		refs[2+i] = a.ref
	}
	return C.JSObjectCallAsFunction(c.ref, C.JSObjectRef(vm.entry.Value().ref), nil, C.size_t(len(refs)), &refs[0], exc)
}
