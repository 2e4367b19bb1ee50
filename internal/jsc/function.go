package jsc

/*
#include <stdint.h>
#include <JavaScriptCore/JavaScript.h>
JSObjectRef outpost_make_host_function(JSContextRef ctx, uintptr_t id);
uintptr_t outpost_host_id(JSObjectRef fn);
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"unsafe"
)

// Func is a Go function callable from JavaScript. Returning an error throws
// it into JavaScript (see Throw, TypeError).
type Func func(call *Call) (Value, error)

// Call describes one invocation of a Func.
type Call struct {
	Ctx  *Context
	This Value
	Args []Value
}

// Arg returns argument i, or undefined when absent.
func (c *Call) Arg(i int) Value {
	if i < len(c.Args) {
		return c.Args[i]
	}
	return c.Ctx.Undefined()
}

type hostEntry struct {
	vm *VM
	fn Func
}

// hostFuncs maps a host function's id to its Go function. Ids are never
// reused: a function object may outlive a VM's table only until the VM's
// context is released, so stale ids simply find no entry.
var hostFuncs = struct {
	m    map[uintptr]hostEntry
	next uintptr
}{m: map[uintptr]hostEntry{}}

var hostMu sync.Mutex

func lockHost()   { hostMu.Lock() }
func unlockHost() { hostMu.Unlock() }

//export goHostFinalize
func goHostFinalize(id C.uintptr_t) {
	lockHost()
	delete(hostFuncs.m, uintptr(id))
	unlockHost()
}

// Function makes a JavaScript function that calls fn. Its prototype is
// Function.prototype, so call/apply/bind work on it.
func (c *Context) Function(name string, fn Func) Value {
	lockHost()
	hostFuncs.next++
	id := hostFuncs.next
	hostFuncs.m[id] = hostEntry{vm: c.vm, fn: fn}
	unlockHost()
	obj := C.outpost_make_host_function(c.ref, C.uintptr_t(id))
	v := c.wrap(C.JSValueRef(obj))
	if name != "" {
		_ = v.DefineHidden("name", c.String(name))
	}
	if proto := c.functionPrototype(); proto.ref != nil {
		C.JSObjectSetPrototype(c.ref, obj, proto.ref)
	}
	return v
}

func (c *Context) functionPrototype() Value {
	return c.Global().Get("Function").Get("prototype")
}

//export goHostCall
func goHostCall(ctx C.JSContextRef, fn C.JSObjectRef, this C.JSObjectRef, argc C.size_t, argv *C.JSValueRef, exception *C.JSValueRef) (result C.JSValueRef) {
	id := uintptr(C.outpost_host_id(fn))
	lockHost()
	entry, ok := hostFuncs.m[id]
	unlockHost()
	if !ok {
		return C.JSValueMakeUndefined(ctx)
	}
	vm := entry.vm
	c := vm.ctx
	mark := len(vm.scope)
	vm.hostDepth++
	defer func() {
		vm.hostDepth--
		if r := recover(); r != nil {
			// The stack goes to the host's log; JavaScript learns only
			// that the call failed.
			vm.panicked(r)
			errV := c.newError("Error", "internal error in a host function")
			*exception = errV.ref
			result = nil
		}
		// The result must survive the scope release below only until it is
		// handed back to JavaScriptCore, with no allocation in between.
		vm.releaseScope(mark)
	}()
	args := make([]Value, int(argc))
	if argc > 0 {
		// argv is JavaScriptCore's array, read in place.
		for i, ref := range unsafe.Slice(argv, int(argc)) {
			args[i] = Value{c, ref}
		}
	}
	thisV := Value{c, C.JSValueRef(this)}
	if this == nil {
		thisV = c.Undefined()
	}
	out, err := entry.fn(&Call{Ctx: c, This: thisV, Args: args})
	if err != nil {
		*exception = c.errorValue(err).ref
		return nil
	}
	if out.ref == nil {
		return C.JSValueMakeUndefined(ctx)
	}
	return out.ref
}

// Error is a JavaScript exception seen from Go.
type Error struct {
	Name, Message, Stack string
	// Value is the thrown value, kept alive for rethrowing. It is nil for
	// errors made in Go.
	Value *Handle
}

func (e *Error) Error() string {
	if e.Name == "" {
		return e.Message
	}
	return e.Name + ": " + e.Message
}

// TypeError returns an error that is thrown into JavaScript as a TypeError.
func TypeError(format string, args ...any) error {
	return &Error{Name: "TypeError", Message: fmt.Sprintf(format, args...)}
}

// RangeError returns an error thrown into JavaScript as a RangeError.
func RangeError(format string, args ...any) error {
	return &Error{Name: "RangeError", Message: fmt.Sprintf(format, args...)}
}

// thrown wraps an arbitrary JavaScript value to be thrown as it is.
type thrown struct{ v Value }

func (t thrown) Error() string { return t.v.String() }

// Throw returns an error that throws v itself into JavaScript.
func Throw(v Value) error { return thrown{v} }

// errorValue turns a Go error into the JavaScript value to throw.
func (c *Context) errorValue(err error) Value {
	var t thrown
	if errors.As(err, &t) {
		return t.v
	}
	var je *Error
	if errors.As(err, &je) {
		if je.Value != nil && je.Value.ref != nil {
			return je.Value.Value()
		}
		name := je.Name
		if name == "" {
			name = "Error"
		}
		return c.newError(name, je.Message)
	}
	return c.newError("Error", err.Error())
}

// NewError makes an Error object of the named built-in class (Error,
// TypeError, RangeError, SyntaxError…).
func (c *Context) NewError(name, message string) Value { return c.newError(name, message) }

func (c *Context) newError(name, message string) Value {
	ctor := c.Global().Get(name)
	if !ctor.IsObject() {
		ctor = c.Global().Get("Error")
	}
	v, err := ctor.New(c.String(message))
	if err != nil {
		var exc C.JSValueRef
		msg := c.String(message)
		obj := C.JSObjectMakeError(c.ref, 1, &msg.ref, &exc)
		return c.wrap(C.JSValueRef(obj))
	}
	return v
}

// terminatedErr reports a script stopped by the time limit even when the
// stop was swallowed (a runaway microtask ends without an exception
// reaching the caller).
func (c *Context) terminatedErr() error {
	vm := c.vm
	if vm.flag != nil && *vm.flag != 0 {
		vm.terminated.Store(true)
		return &TerminatedError{Limit: vm.opts.TimeLimit}
	}
	return nil
}

// exception converts a thrown value to a Go error.
func (c *Context) exception(exc C.JSValueRef) error {
	vm := c.vm
	if err := c.terminatedErr(); err != nil {
		return err
	}
	v := c.wrap(exc)
	e := &Error{}
	if v.IsObject() {
		e.Name = v.Get("name").String()
		e.Message = v.Get("message").String()
		e.Stack = v.Get("stack").String()
		if e.Name == "" && e.Message == "" {
			e.Message = v.String()
		}
	} else {
		e.Message = v.String()
	}
	// The thrown value stays alive as long as the Go error does, so it can
	// be rethrown with its identity; the finalizer hands the release back
	// to the VM's thread.
	h := v.Keep()
	e.Value = h
	runtime.SetFinalizer(e, func(*Error) { vm.releaseLater(h) })
	return e
}

// ExceptionValue returns the thrown value behind err, if err came from
// JavaScript, so that Go can hand it back to a promise or a handler.
func ExceptionValue(c *Context, err error) Value { return c.errorValue(err) }
