package jsc

/*
#include <stdbool.h>
#include <stdlib.h>
#include <JavaScriptCore/JavaScript.h>

// Exported by JavaScriptCore but declared only in its private headers.
JS_EXPORT void JSGlobalContextSetEvalEnabled(JSGlobalContextRef ctx, bool enabled, JSStringRef message);
*/
import "C"

import "unsafe"

// DisableEval makes eval() and the Function constructors (plain, async,
// generator) throw an EvalError with message, as on Cloudflare, where a
// worker's code is fixed when it is deployed. Scripts the host evaluates
// through Eval are not affected. It must run on the VM's thread.
func (c *Context) DisableEval(message string) {
	cs := C.CString(message)
	defer C.free(unsafe.Pointer(cs))
	msg := C.JSStringCreateWithUTF8CString(cs)
	defer C.JSStringRelease(msg)
	C.JSGlobalContextSetEvalEnabled(C.JSGlobalContextRef(c.ref), false, msg)
}
