package jsc

/*
#include <JavaScriptCore/JavaScript.h>
JS_EXPORT JSObjectRef JSGetMemoryUsageStatistics(JSContextRef ctx);
JS_EXPORT void JSSynchronousGarbageCollectForDebugging(JSContextRef ctx);
JS_EXPORT void JSReportExtraMemoryCost(JSContextRef ctx, size_t size);
*/
import "C"

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
