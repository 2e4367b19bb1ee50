package jsc

/*
#cgo linux pkg-config: glib-2.0
#include <stdlib.h>
#include <stdbool.h>
#include <dlfcn.h>
#include <JavaScriptCore/JavaScript.h>
#include <glib.h>

// JavaScriptCore's remote inspector connects to an inspector server only
// once an address is set, and on Linux that is done through a C++ method
// that no header declares. The symbols are private and may change between
// WebKitGTK releases, so they are looked up at run time: a missing one
// means "no debugging", never a link failure or a crash.
#define OUTPOST_SYM_CSTRING "_ZN3WTF7CStringC1EPKc"
#define OUTPOST_SYM_SET_ADDRESS "_ZN9Inspector15RemoteInspector25setInspectorServerAddressEON3WTF7CStringE"
#define OUTPOST_SYM_MAIN_THREAD "_ZN3WTF20initializeMainThreadEv"

typedef void (*outpost_cstring_ctor)(void* self, const char* s);
typedef void (*outpost_set_address)(void* cstring);
typedef void (*outpost_init_main)(void);

static void* outpost_sym(const char* name) { return dlsym(RTLD_DEFAULT, name); }

// outpost_set_inspector_address builds a WTF::CString (one pointer: its
// buffer) and moves it into RemoteInspector's static address.
static int outpost_set_inspector_address(const char* addr) {
	outpost_cstring_ctor ctor = (outpost_cstring_ctor)outpost_sym(OUTPOST_SYM_CSTRING);
	outpost_set_address set = (outpost_set_address)outpost_sym(OUTPOST_SYM_SET_ADDRESS);
	if (!ctor || !set) return -1;
	void* cstring = NULL;
	ctor(&cstring, addr);
	set(&cstring); // moved from: cstring is null again, nothing to free
	return 0;
}

// outpost_run_inspector_loop makes the calling thread WebKit's "main
// thread" and runs the default GLib main context on it: the remote
// inspector's socket and its message dispatch live there.
static void outpost_run_inspector_loop(void) {
	outpost_init_main init = (outpost_init_main)outpost_sym(OUTPOST_SYM_MAIN_THREAD);
	init();
	GMainLoop* loop = g_main_loop_new(NULL, FALSE);
	g_main_loop_run(loop);
}

static void outpost_set_inspectable(JSGlobalContextRef ctx, const char* name) {
	JSStringRef s = JSStringCreateWithUTF8CString(name);
	JSGlobalContextSetName(ctx, s);
	JSStringRelease(s);
	JSGlobalContextSetInspectable(ctx, true);
}

static JSValueRef outpost_debugger_host_error(JSContextRef ctx) {
	JSStringRef msg = JSStringCreateWithUTF8CString("Outpost's host functions (bindings, console, fetch) cannot run from a debugger evaluation: they belong to the worker's own thread");
	JSValueRef arg = JSValueMakeString(ctx, msg);
	JSStringRelease(msg);
	return (JSValueRef)JSObjectMakeError(ctx, 1, &arg, NULL);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"unsafe"
)

// Remote inspection: with EnableInspector called before the first VM is
// made, every VM registers its global context with JavaScriptCore's remote
// inspector, which connects to an inspector server (internal/inspector) at
// the given address. Debugger commands then run on the inspector's own
// thread under the VM's lock, while the VM's thread is paused or idle; see
// README "Debugging".

var inspector struct {
	sync.Mutex
	enabled atomic.Bool
	changed atomic.Pointer[func()]
}

// OnInspectorTargets sets a function called after a VM became inspectable.
// The engine schedules its own announcement of new targets on the VM's
// thread, where no GLib loop runs, so the inspector server asks for the
// list itself when told.
func OnInspectorTargets(f func()) { inspector.changed.Store(&f) }

// InspectorSymbols are the private JavaScriptCore symbols remote inspection
// needs, by mangled name.
var InspectorSymbols = []string{
	C.OUTPOST_SYM_CSTRING,
	C.OUTPOST_SYM_SET_ADDRESS,
	C.OUTPOST_SYM_MAIN_THREAD,
}

// InspectorAvailable reports why remote inspection cannot work with the
// installed JavaScriptCore (nil when it can).
func InspectorAvailable() error {
	var missing []string
	for _, s := range InspectorSymbols {
		cs := C.CString(s)
		p := C.outpost_sym(cs)
		C.free(unsafe.Pointer(cs))
		if p == nil {
			missing = append(missing, s)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("the installed JavaScriptCore lacks the remote inspector symbols %v (debugging needs WebKitGTK's libjavascriptcoregtk-4.1 2.50 or a release with the same symbols)", missing)
	}
	return nil
}

// EnableInspector points JavaScriptCore's remote inspector at an inspector
// server listening on addr ("127.0.0.1:PORT") and starts the GLib main loop
// the inspector runs on. Call it once, before the first VM is made; VMs
// made afterwards are inspectable, named after Options.Name.
func EnableInspector(addr string) error {
	inspector.Lock()
	defer inspector.Unlock()
	if inspector.enabled.Load() {
		return errors.New("jsc: the inspector is already enabled")
	}
	if err := InspectorAvailable(); err != nil {
		return err
	}
	caddr := C.CString(addr)
	defer C.free(unsafe.Pointer(caddr))
	if C.outpost_set_inspector_address(caddr) != 0 {
		return errors.New("jsc: cannot set the inspector server address")
	}
	started := make(chan struct{})
	go func() {
		// The loop's thread is WebKit's main thread for the rest of the
		// process: it is never given back to Go.
		runtime.LockOSThread()
		close(started)
		C.outpost_run_inspector_loop()
	}()
	<-started
	inspector.enabled.Store(true)
	return nil
}

// InspectorEnabled reports whether EnableInspector succeeded.
func InspectorEnabled() bool { return inspector.enabled.Load() }

// makeInspectable registers the VM's context with the remote inspector
// (VM thread, at start).
func (vm *VM) makeInspectable() {
	if !inspector.enabled.Load() {
		return
	}
	name := vm.opts.Name
	if name == "" {
		name = "worker"
	}
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	C.outpost_set_inspectable(vm.gctx, cname)
	if f := inspector.changed.Load(); f != nil {
		(*f)()
	}
}

// foreignThread reports whether a callback from the engine runs on a thread
// other than the VM's own: the inspector's thread evaluating for a
// debugger.
func (vm *VM) foreignThread() bool {
	id := vm.threadID.Load()
	return id != 0 && int64(gettid()) != id
}

// debuggerHostCall answers a host function called from a debugger's
// evaluation on the inspector's thread: Go state of the VM belongs to the
// VM's thread, so the call throws instead of touching it.
func debuggerHostCall(c *Context, exception *C.JSValueRef) C.JSValueRef {
	*exception = C.outpost_debugger_host_error(c.ref)
	return nil
}
