package jsc

/*
#include <dlfcn.h>
#include <JavaScriptCore/JavaScript.h>

extern void JSLock(JSContextRef ctx);
extern void JSUnlock(JSContextRef ctx);

// JSC::VM::deleteAllCode(DeleteAllCodeEffort), exported by the library for
// WebKit (which calls it when a page goes idle or memory runs short) but in
// no C header. A JSContextGroupRef is the VM itself (the C API's casts).
typedef void (*outpost_delete_all_code_fn)(void* vm, int effort);
static outpost_delete_all_code_fn outpost_delete_all_code_ptr;

static int outpost_find_delete_all_code(void) {
	outpost_delete_all_code_ptr = (outpost_delete_all_code_fn)dlsym(RTLD_DEFAULT, "_ZN3JSC2VM13deleteAllCodeENS_19DeleteAllCodeEffortE");
	return outpost_delete_all_code_ptr != NULL;
}

static void outpost_delete_all_code(JSContextRef ctx) {
	JSLock(ctx);
	outpost_delete_all_code_ptr((void*)JSContextGetGroup(ctx), 1); // DeleteAllCodeIfNotCollecting
	JSUnlock(ctx);
}
*/
import "C"

import "sync"

var deleteAllCodeFound = sync.OnceValue(func() bool { return C.outpost_find_delete_all_code() != 0 })

// DiscardCode drops the bytecode and machine code of every function, to be
// compiled again from its source when next called: about a megabyte of a
// worker's VM that has served requests. Call it between tasks' JavaScript
// (no script on the stack); it reports false, doing nothing, when
// JavaScript is running or the library lacks the engine's function.
func (c *Context) DiscardCode() bool {
	if c.vm.hostDepth > 0 || !deleteAllCodeFound() {
		return false
	}
	C.outpost_delete_all_code(c.ref)
	return true
}
