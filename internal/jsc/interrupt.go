package jsc

/*
#include <stdlib.h>
#include <stdbool.h>
#include <stdint.h>
#include <JavaScriptCore/JavaScript.h>

typedef bool (*JSShouldTerminateCallback)(JSContextRef ctx, void* context);
JS_EXPORT void JSContextGroupSetExecutionTimeLimit(JSContextGroupRef group, double limit, JSShouldTerminateCallback callback, void* context);

// goInterrupt returns the seconds until the next check, or a negative
// number to terminate the running script.
extern double goInterrupt(uintptr_t id);

// The watch a VM with an interrupt check gives the watchdog: flag comes
// first so that it is also the VM's termination flag.
typedef struct { int flag; uintptr_t id; double seconds; } outpost_watch;

extern __thread int outpost_inspector_thread;

static bool outpost_should_interrupt(JSContextRef ctx, void* context) {
	outpost_watch* w = (outpost_watch*)context;
	// A debugger's evaluation on the inspector's thread (which may not call
	// into Go): the limits measure the VM's own thread.
	if (!outpost_inspector_thread) {
		double next = goInterrupt(w->id);
		if (next < 0) {
			*(volatile int*)&w->flag = 1;
			return true;
		}
		if (next > 0)
			w->seconds = next;
	}
	// Re-arm for the next check of this same entry (the engine does not
	// restart the timer of an entry by itself).
	JSContextGroupSetExecutionTimeLimit(JSContextGetGroup(ctx), w->seconds, outpost_should_interrupt, w);
	return false;
}

static outpost_watch* outpost_new_watch(uintptr_t id, double seconds) {
	outpost_watch* w = (outpost_watch*)malloc(sizeof(outpost_watch));
	w->flag = 0;
	w->id = id;
	w->seconds = seconds;
	return w;
}

static void outpost_set_interrupt(JSContextGroupRef group, outpost_watch* w) {
	JSContextGroupSetExecutionTimeLimit(group, w->seconds, outpost_should_interrupt, w);
}
*/
import "C"

import (
	"sync"
	"time"
	"unsafe"
)

// Interrupt checks: with Options.Interrupt set, JavaScriptCore's watchdog
// stops running JavaScript after a period and asks the function whether to
// terminate it (and when to ask next), so that limits (CPU time summed over
// an invocation, memory) hold in the middle of a long-running script, not
// only between calls.

// DefaultInterruptEvery is how soon a running script is first checked.
const DefaultInterruptEvery = 10 * time.Millisecond

var interruptVMs = struct {
	sync.Mutex
	m    map[uintptr]*VM
	next uintptr
}{m: map[uintptr]*VM{}}

// installInterrupt arms the watchdog with the interrupt check; on the VM's
// thread, before any script runs. It replaces the plain time limit.
func (vm *VM) installInterrupt() {
	every := vm.opts.InterruptEvery
	if every <= 0 {
		every = DefaultInterruptEvery
	}
	vm.interruptEvery = every
	watchOnWallClock()
	interruptVMs.Lock()
	interruptVMs.next++
	id := interruptVMs.next
	interruptVMs.m[id] = vm
	interruptVMs.Unlock()
	vm.watchID = id
	w := C.outpost_new_watch(C.uintptr_t(id), C.double(every.Seconds()))
	vm.flag = (*C.int)(unsafe.Pointer(w))
	C.outpost_set_interrupt(vm.group, w)
}

// SetInterruptEvery sets how long after an entry starts the interrupt
// check runs first; on the VM's thread, between entries. The engine's
// timer may already be running: the next check comes at d or sooner.
func (c *Context) SetInterruptEvery(d time.Duration) {
	vm := c.vm
	if vm.opts.Interrupt == nil {
		return
	}
	if d <= 0 {
		d = DefaultInterruptEvery
	}
	vm.interruptEvery = d
	vm.armInterrupt(d)
}

// armInterrupt sets the watchdog's period to d.
func (vm *VM) armInterrupt(d time.Duration) {
	w := (*C.outpost_watch)(unsafe.Pointer(vm.flag))
	w.seconds = C.double(d.Seconds())
	C.outpost_set_interrupt(vm.group, w)
}

func (vm *VM) forgetInterrupt() {
	if vm.watchID == 0 {
		return
	}
	interruptVMs.Lock()
	delete(interruptVMs.m, vm.watchID)
	interruptVMs.Unlock()
	vm.watchID = 0
}

//export goInterrupt
func goInterrupt(id C.uintptr_t) (next C.double) {
	interruptVMs.Lock()
	vm := interruptVMs.m[uintptr(id)]
	interruptVMs.Unlock()
	if vm == nil || vm.opts.Interrupt == nil {
		return 0
	}
	mark := len(vm.scope)
	defer func() {
		if r := recover(); r != nil {
			vm.panicked(r)
			next = 0
		}
		vm.releaseScope(mark)
	}()
	stop, d := vm.opts.Interrupt(vm.ctx)
	if stop {
		return -1
	}
	if d > 0 && d != vm.interruptEvery {
		vm.interruptMoved = true // runTask restores the period
	}
	return C.double(max(d, 0).Seconds())
}

// Queued is the number of tasks waiting for the VM's thread.
func (vm *VM) Queued() int { return len(vm.tasks) }

// Context is the VM's context; use it only on the VM's thread, inside a
// task.
func (vm *VM) Context() *Context { return vm.ctx }
