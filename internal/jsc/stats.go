package jsc

/*
#include <stdint.h>
#include <stdlib.h>
#include <JavaScriptCore/JavaScript.h>
JS_EXPORT JSObjectRef JSGetMemoryUsageStatistics(JSContextRef ctx);
JS_EXPORT void JSSynchronousGarbageCollectForDebugging(JSContextRef ctx);
JS_EXPORT void JSReportExtraMemoryCost(JSContextRef ctx, size_t size);
typedef void (*JSHeapFinalizer)(JSContextGroupRef, void* userData);
JS_EXPORT void JSContextGroupAddHeapFinalizer(JSContextGroupRef, JSHeapFinalizer, void* userData);
JS_EXPORT void JSContextGroupRemoveHeapFinalizer(JSContextGroupRef, JSHeapFinalizer, void* userData);

// The heap finalizer runs at the end of every collection, on whichever
// thread finished it: it only counts.
static void outpost_count_gc(JSContextGroupRef group, void* counter) {
	__atomic_add_fetch((uint64_t*)counter, 1, __ATOMIC_RELAXED);
}
static uint64_t* outpost_watch_gc(JSContextGroupRef group) {
	uint64_t* counter = calloc(1, sizeof(uint64_t));
	JSContextGroupAddHeapFinalizer(group, outpost_count_gc, counter);
	return counter;
}
static void outpost_unwatch_gc(JSContextGroupRef group, uint64_t* counter) {
	JSContextGroupRemoveHeapFinalizer(group, outpost_count_gc, counter);
}
static uint64_t outpost_gc_count(uint64_t* counter) {
	return __atomic_load_n(counter, __ATOMIC_RELAXED);
}
*/
import "C"

import (
	"runtime"
	"unsafe"
)

// watchGC starts counting the VM's collections (on the VM's thread, once
// its group exists, before New returns). The counter is C memory that
// JavaScriptCore writes from its collector threads; it is freed once the
// VM itself is unreachable, so Collections never reads freed memory.
func (vm *VM) watchGC() {
	p := C.outpost_watch_gc(vm.group)
	vm.gcCounter = p
	runtime.AddCleanup(vm, func(p *C.uint64_t) { C.free(unsafe.Pointer(p)) }, p)
}

// unwatchGC stops the counting before the group is released.
func (vm *VM) unwatchGC() { C.outpost_unwatch_gc(vm.group, vm.gcCounter) }

// Collections is how many garbage collections of the VM's heap have
// finished: the engine's own (on allocation) and GC's. Any goroutine.
func (vm *VM) Collections() uint64 { return uint64(C.outpost_gc_count(vm.gcCounter)) }

// HeapStats describes a VM's JavaScript heap.
type HeapStats struct {
	HeapSize     int64 // bytes in live and not yet swept objects
	HeapCapacity int64 // bytes the heap has reserved
	ExtraMemory  int64 // bytes outside the heap owned by its objects (array buffers, strings)
	ObjectCount  int64
}

// HeapStats reads the VM's heap statistics.
func (c *Context) HeapStats() HeapStats {
	obj := C.JSGetMemoryUsageStatistics(c.ref)
	v := c.wrap(C.JSValueRef(obj))
	return HeapStats{
		HeapSize:     v.Get("heapSize").Int(),
		HeapCapacity: v.Get("heapCapacity").Int(),
		ExtraMemory:  v.Get("extraMemorySize").Int(),
		ObjectCount:  v.Get("objectCount").Int(),
	}
}

// GC runs a full, synchronous garbage collection.
func (c *Context) GC() { C.JSSynchronousGarbageCollectForDebugging(c.ref) }

// ReportExtraMemory tells the collector that JavaScript objects own n more
// bytes outside its heap, so that it collects sooner.
func (c *Context) ReportExtraMemory(n int) {
	C.JSReportExtraMemoryCost(c.ref, C.size_t(n))
}
