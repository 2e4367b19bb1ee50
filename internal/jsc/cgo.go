// Package jsc is Outpost's binding to JavaScriptCore's C API. It is the only
// package that talks to the engine; everything above it is plain Go.
//
// Threading: a VM is owned by one goroutine locked to one OS thread. Values,
// Contexts and host-function calls are only valid on that thread, inside a
// task run by the VM (see VM.Enqueue / VM.Run). Other goroutines hand work to
// the VM through its queue.
package jsc

/*
#cgo linux pkg-config: javascriptcoregtk-4.1
#cgo darwin LDFLAGS: -framework JavaScriptCore
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <stdint.h>
#include <JavaScriptCore/JavaScript.h>

// Exported by JavaScriptCore but declared only in its private headers.
typedef bool (*JSShouldTerminateCallback)(JSContextRef ctx, void* context);
JS_EXPORT void JSContextGroupSetExecutionTimeLimit(JSContextGroupRef group, double limit, JSShouldTerminateCallback callback, void* context);
JS_EXPORT void JSContextGroupClearExecutionTimeLimit(JSContextGroupRef group);
JS_EXPORT JSObjectRef JSGetMemoryUsageStatistics(JSContextRef ctx);
JS_EXPORT void JSSynchronousGarbageCollectForDebugging(JSContextRef ctx);
JS_EXPORT void JSGlobalContextSetUnhandledRejectionCallback(JSGlobalContextRef ctx, JSObjectRef function, JSValueRef* exception);

// terminateFlag is set by the watchdog callback; read by Go after a call.
static bool outpost_should_terminate(JSContextRef ctx, void* context) {
	*(volatile int*)context = 1;
	return true;
}
void outpost_set_time_limit(JSContextGroupRef group, double seconds, int* flag) {
	JSContextGroupSetExecutionTimeLimit(group, seconds, outpost_should_terminate, flag);
}

static void outpost_free_bytes(void* bytes, void* ctx) { free(bytes); }

JSObjectRef outpost_make_uint8array(JSContextRef ctx, void* bytes, size_t n, JSValueRef* exc) {
	return JSObjectMakeTypedArrayWithBytesNoCopy(ctx, kJSTypedArrayTypeUint8Array, bytes, n, outpost_free_bytes, NULL, exc);
}
JSObjectRef outpost_make_arraybuffer(JSContextRef ctx, void* bytes, size_t n, JSValueRef* exc) {
	return JSObjectMakeArrayBufferWithBytesNoCopy(ctx, bytes, n, outpost_free_bytes, NULL, exc);
}

// Host functions: objects of one class whose private data is the index of
// the Go function in its VM's table.
extern JSValueRef goHostCall(JSContextRef ctx, JSObjectRef fn, JSObjectRef thisObject, size_t argc, JSValueRef* argv, JSValueRef* exception);

// The engine's lock, exported but not in its public headers.
extern void JSLock(JSContextRef ctx);
extern void JSUnlock(JSContextRef ctx);

extern __thread int outpost_inspector_thread;
JSValueRef outpost_debugger_host_error(JSContextRef ctx);

static JSValueRef outpost_host_call(JSContextRef ctx, JSObjectRef fn, JSObjectRef thisObject, size_t argc, const JSValueRef argv[], JSValueRef* exception) {
	// A debugger's evaluation on the inspector's thread: the VM's Go state
	// belongs to its own thread, and that thread may not call into Go.
	if (outpost_inspector_thread) {
		*exception = outpost_debugger_host_error(ctx);
		return NULL;
	}
	// JavaScriptCore calls a host function with its lock dropped, and each
	// API call would take it again in full (the VM's entry bookkeeping, its
	// heap access, its traps); held here, they only count it.
	JSLock(ctx);
	JSValueRef result = goHostCall(ctx, fn, thisObject, argc, (JSValueRef*)argv, exception);
	JSUnlock(ctx);
	return result;
}

extern void goHostFinalize(uintptr_t id);
static void outpost_host_finalize(JSObjectRef fn) { goHostFinalize((uintptr_t)JSObjectGetPrivate(fn)); }

JSClassRef outpost_host_class(void) {
	static JSClassRef cls = NULL;
	if (cls == NULL) {
		JSClassDefinition def = kJSClassDefinitionEmpty;
		def.className = "Function";
		def.callAsFunction = outpost_host_call;
		def.finalize = outpost_host_finalize;
		cls = JSClassCreate(&def);
	}
	return cls;
}

JSObjectRef outpost_make_host_function(JSContextRef ctx, uintptr_t id) {
	return JSObjectMake(ctx, outpost_host_class(), (void*)id);
}
uintptr_t outpost_host_id(JSObjectRef fn) { return (uintptr_t)JSObjectGetPrivate(fn); }

*/
import "C"
