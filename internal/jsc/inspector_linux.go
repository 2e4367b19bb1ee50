//go:build linux

package jsc

/*
#cgo linux pkg-config: glib-2.0
#include <stdlib.h>
#include <stdbool.h>
#include <string.h>
#include <dlfcn.h>
#include <JavaScriptCore/JavaScript.h>
#include <glib.h>
#include <signal.h>

// Set on the inspector's thread: host functions and the interrupt check
// then answer in C, never calling into Go there (see outpost_host_call).
__thread int outpost_inspector_thread = 0;

// JavaScriptCore suspends the threads that have used a VM (to scan their
// stacks) with a signal whose handler refuses to work on an alternate
// signal stack, and Go gives every thread one. Where a thread only waits
// in C (the inspector's loop, a paused VM's wait below), it goes without,
// so that a collection on another thread can suspend it; Go handles its
// own signals there on the thread's system stack.
static void outpost_altstack_off(stack_t* old) {
	stack_t off;
	memset(&off, 0, sizeof off);
	off.ss_flags = SS_DISABLE;
	sigaltstack(&off, old);
}
static void outpost_altstack_restore(stack_t* old) { sigaltstack(old, NULL); }

// A flag has two owners, the park and the release: the second to let go
// frees it (flag[1] counts them).
static int* outpost_new_flag(void) { int* f = (int*)calloc(2, sizeof(int)); f[1] = 2; return f; }
static void outpost_drop_flag(int* f) { if (__atomic_sub_fetch(&f[1], 1, __ATOMIC_ACQ_REL) == 0) free(f); }
static void outpost_release_flag(int* f) { __atomic_store_n(f, 1, __ATOMIC_RELEASE); outpost_drop_flag(f); }
static void outpost_park_skipped(int* f) { outpost_drop_flag(f); }

// outpost_park holds a VM's thread in C, suspendable, until *released.
static void outpost_park(int* released) {
	stack_t old;
	outpost_altstack_off(&old);
	while (!__atomic_load_n(released, __ATOMIC_ACQUIRE))
		g_usleep(200);
	outpost_altstack_restore(&old);
	outpost_drop_flag(released);
}


// JavaScriptCore's remote inspector connects to an inspector server only
// once an address is set, and on Linux that is done through a C++ method
// that no header declares. The symbols are private and may change between
// WebKitGTK releases, so they are looked up at run time: a missing one
// means "no debugging", never a link failure or a crash.
#define OUTPOST_SYM_CSTRING "_ZN3WTF7CStringC1EPKc"
#define OUTPOST_SYM_SET_ADDRESS "_ZN9Inspector15RemoteInspector25setInspectorServerAddressEON3WTF7CStringE"
#define OUTPOST_SYM_MAIN_THREAD "_ZN3WTF20initializeMainThreadEv"
#define OUTPOST_SYM_SINGLETON "_ZN9Inspector15RemoteInspector9singletonEv"
#define OUTPOST_SYM_START "_ZN9Inspector15RemoteInspector5startEv"
#define OUTPOST_SYM_STOP "_ZN9Inspector15RemoteInspector4stopEv"

typedef void (*outpost_cstring_ctor)(void* self, const char* s);
typedef void (*outpost_set_address)(void* cstring);
typedef void (*outpost_init_main)(void);
typedef void* (*outpost_singleton)(void);
typedef void (*outpost_method)(void* self);

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

// A VM paused at a breakpoint runs JavaScriptCore's pause loop, which
// iterates GLib's global default context without blocking until a command
// resumes it; the commands themselves arrive and run on the inspector's
// thread, which has a context of its own. Left alone, the pause loop spins
// a core. This source, always ready on the default context (which nothing
// else of Outpost's uses), makes each round of the loop wait
// OUTPOST_PAUSE_WAIT_MS: it lets go of the context while it waits, so that
// several paused VMs take turns rather than spin on it.
#define OUTPOST_PAUSE_WAIT_MS 10
static gboolean outpost_pause_prepare(GSource* s, gint* timeout) { *timeout = 0; return TRUE; }
static gboolean outpost_pause_check(GSource* s) { return TRUE; }
static gboolean outpost_pause_dispatch(GSource* s, GSourceFunc f, gpointer data) {
	GMainContext* ctx = g_source_get_context(s);
	stack_t old;
	g_main_context_release(ctx);
	outpost_altstack_off(&old);
	g_usleep(OUTPOST_PAUSE_WAIT_MS * 1000);
	outpost_altstack_restore(&old);
	while (!g_main_context_acquire(ctx))
		g_usleep(1000);
	return G_SOURCE_CONTINUE;
}
static GSourceFuncs outpost_pause_funcs = { outpost_pause_prepare, outpost_pause_check, outpost_pause_dispatch, NULL };

// outpost_prepare_inspector_thread gives the calling thread a GLib main
// context of its own, as its thread default, before WebKit's threading is
// initialised on it: the thread becomes WebKit's main thread and its
// RunLoop adopts that context, where the remote inspector's connection,
// socket watches and dispatches then live.
static void outpost_prepare_inspector_thread(void) {
	outpost_inspector_thread = 1;
	g_main_context_push_thread_default(g_main_context_new());
	GSource* pause = g_source_new(&outpost_pause_funcs, sizeof(GSource));
	g_source_attach(pause, g_main_context_default());
}

// outpost_start_inspector makes the remote inspector connect to the address
// now set: it was made, unconnected, when the engine started.
static int outpost_start_inspector(void) {
	outpost_init_main init = (outpost_init_main)outpost_sym(OUTPOST_SYM_MAIN_THREAD);
	outpost_singleton singleton = (outpost_singleton)outpost_sym(OUTPOST_SYM_SINGLETON);
	outpost_method start = (outpost_method)outpost_sym(OUTPOST_SYM_START);
	outpost_method stop = (outpost_method)outpost_sym(OUTPOST_SYM_STOP);
	if (!init || !singleton || !start || !stop) return -1;
	init();
	void* inspector = singleton();
	stop(inspector);
	start(inspector);
	return 0;
}

// outpost_run_inspector_loop runs the thread's context for good.
static void outpost_run_inspector_loop(void) {
	stack_t old;
	outpost_altstack_off(&old);
	GMainLoop* loop = g_main_loop_new(g_main_context_get_thread_default(), FALSE);
	g_main_loop_run(loop);
}

static void outpost_set_inspectable(JSGlobalContextRef ctx, const char* name) {
	JSStringRef s = JSStringCreateWithUTF8CString(name);
	JSGlobalContextSetName(ctx, s);
	JSStringRelease(s);
	JSGlobalContextSetInspectable(ctx, true);
}

JSValueRef outpost_debugger_host_error(JSContextRef ctx) {
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
	"time"
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

// inspectables are the VMs registered with the remote inspector.
var inspectables sync.Map // *VM → struct{}

// parkWait bounds how long ParkForInspector waits for a VM busy running
// JavaScript to reach its park.
const parkWait = 2 * time.Second

// ParkForInspector holds the running VMs named name on their own threads,
// in C and suspendable by the engine, until release is called. A debugger
// command for a VM that is not paused runs on the inspector's thread under
// the VM's lock, and a garbage collection it sets off must suspend the
// VM's thread to scan its stack; a thread running Go code cannot be
// suspended (its signal lands on Go's alternate stack, which the engine
// refuses), a parked one can. Do not park a VM paused at a breakpoint: it
// runs no tasks until resumed (and is suspendable where it waits).
func ParkForInspector(name string) (release func()) {
	var flags []*C.int
	var parked []chan struct{}
	inspectables.Range(func(k, _ any) bool {
		vm := k.(*VM)
		if vm.closed.Load() {
			inspectables.Delete(vm)
			return true
		}
		if vm.opts.Name != name {
			return true
		}
		flag := C.outpost_new_flag()
		ready := make(chan struct{})
		flags = append(flags, flag)
		parked = append(parked, ready)
		go func() {
			err := vm.Enqueue(func(*Context) {
				close(ready)
				C.outpost_park(flag)
			})
			if err != nil {
				C.outpost_park_skipped(flag)
				close(ready)
			}
		}()
		return true
	})
	timeout := time.NewTimer(parkWait)
	defer timeout.Stop()
	for _, ready := range parked {
		select {
		case <-ready:
		case <-timeout.C:
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			for _, f := range flags {
				C.outpost_release_flag(f)
			}
		})
	}
}

// InspectorSymbols are the private JavaScriptCore symbols remote inspection
// needs, by mangled name.
var InspectorSymbols = []string{
	C.OUTPOST_SYM_CSTRING,
	C.OUTPOST_SYM_SET_ADDRESS,
	C.OUTPOST_SYM_MAIN_THREAD,
	C.OUTPOST_SYM_SINGLETON,
	C.OUTPOST_SYM_START,
	C.OUTPOST_SYM_STOP,
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
	started := make(chan error)
	go func() {
		// The inspector's thread is WebKit's main thread for the rest of
		// the process: it is never given back to Go. The engine is
		// initialised on it (configure), after its context is in place
		// and before the address is built (which initialises WTF too).
		runtime.LockOSThread()
		C.outpost_prepare_inspector_thread()
		configure()
		defer C.free(unsafe.Pointer(caddr))
		if C.outpost_set_inspector_address(caddr) != 0 || C.outpost_start_inspector() != 0 {
			started <- errors.New("jsc: cannot start the remote inspector")
			return
		}
		started <- nil
		C.outpost_run_inspector_loop()
	}()
	if err := <-started; err != nil {
		return err
	}
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
	inspectables.Store(vm, struct{}{})
	if f := inspector.changed.Load(); f != nil {
		(*f)()
	}
}
