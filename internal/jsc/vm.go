package jsc

/*
#include <stdint.h>
#include <stdlib.h>
#include <JavaScriptCore/JavaScript.h>
typedef bool (*JSShouldTerminateCallback)(JSContextRef ctx, void* context);
void outpost_set_time_limit(JSContextGroupRef group, double seconds, int* flag);
JSClassRef outpost_host_class(void);
JS_EXPORT void JSContextGroupClearExecutionTimeLimit(JSContextGroupRef group);
JS_EXPORT void JSGlobalContextSetUnhandledRejectionCallback(JSGlobalContextRef ctx, JSObjectRef function, JSValueRef* exception);

// outpost_unprotect_all unprotects vals[n-1] down to vals[0] in one call
// from Go.
static void outpost_unprotect_all(JSContextRef ctx, JSValueRef* vals, size_t n) {
	while (n > 0) JSValueUnprotect(ctx, vals[--n]);
}
*/
import "C"

import (
	"errors"
	"fmt"
	"os"
	"runtime"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// ErrClosed is returned when work is handed to a VM that has been closed.
var ErrClosed = errors.New("jsc: VM is closed")

// Options configure a VM.
type Options struct {
	// TimeLimit stops any single entry into JavaScript (a script
	// evaluation, a call from Go) that runs longer than this. Zero means no
	// limit. A VM whose script was stopped reports Terminated() and should
	// be discarded.
	TimeLimit time.Duration
	// OnUnhandledRejection is called on the VM's thread when a promise is
	// rejected and no handler was attached by the end of the microtask
	// checkpoint.
	OnUnhandledRejection func(c *Context, reason Value)
	// QueueSize is the capacity of the task queue (default 1024); Enqueue
	// blocks while it is full.
	QueueSize int
	// Interrupt, when set, is called on the VM's thread while JavaScript
	// runs (at the engine's safe points): InterruptEvery after an entry
	// starts (Context.SetInterruptEvery changes it), then after the delay
	// it returns as next, within the same task (zero keeps the period).
	// stop true terminates the running script, as the time limit does (the
	// VM then reports Terminated). TimeLimit is then not armed: Interrupt
	// decides.
	//
	// A period costs more than its calls: the engine's watchdog fires once
	// a period under a steady load of entries, however short they are
	// (its timer runs on from one entry to the next), and its trap makes
	// the engine drop optimized code. A long period keeps that rare.
	Interrupt      func(c *Context) (stop bool, next time.Duration)
	InterruptEvery time.Duration
	// AfterTask, when set, runs on the VM's thread after every task.
	AfterTask func(c *Context)
	// OnPanic is told of a Go panic in a task or a host function, with its
	// stack, on the VM's thread. The panic ends only that task (a host
	// function's caller gets a plain "internal error" exception, never the
	// Go stack). Default: the stack is printed to stderr.
	OnPanic func(value any, stack []byte)
	// Name is what a debugger shows for the VM (see EnableInspector).
	Name string
}

// VM is one JavaScriptCore context group with one global context, owned by
// one goroutine pinned to one OS thread.
type VM struct {
	tasks     chan func()
	closing   chan struct{}
	done      chan struct{}
	closeOnce sync.Once
	closed    atomic.Bool
	pending   atomic.Int64

	// Only touched on the VM's thread.
	group          C.JSContextGroupRef
	gctx           C.JSGlobalContextRef
	ctx            *Context
	flag           *C.int // set by the watchdog when it stops a script
	terminated     atomic.Bool
	thenHelper     *Handle
	callThenHelper *Handle
	thens          map[int64]thenCallbacks
	thenSeq        int64
	scope          []C.JSValueRef
	opts           Options
	threadID       atomic.Int64
	watchID        uintptr       // the interrupt registration, 0 without one
	interruptEvery time.Duration // the checks' period between tasks
	interruptMoved bool          // a check set another period for its task
	entry          *Handle       // the trampoline of calls from outside JavaScript (entry.go)
	hostDepth      int           // host functions running, one inside another

	releaseMu sync.Mutex
	toRelease []*Handle

	gcCounter *C.uint64_t // stats.go
}

// releaseLater queues a handle to be released on the VM's thread; it may be
// called from any goroutine (finalizers).
func (vm *VM) releaseLater(h *Handle) {
	if vm.closed.Load() {
		return
	}
	vm.releaseMu.Lock()
	vm.toRelease = append(vm.toRelease, h)
	vm.releaseMu.Unlock()
}

func (vm *VM) drainReleases() {
	vm.releaseMu.Lock()
	list := vm.toRelease
	vm.toRelease = nil
	vm.releaseMu.Unlock()
	for _, h := range list {
		h.Release()
	}
}

var initOnce sync.Once

// configure sets the engine options that keep JavaScriptCore and the Go
// runtime compatible. They are read once, when the first VM is made.
func configure() {
	initOnce.Do(func() {
		setEnvDefault("JSC_useConcurrentGC", "false")
		setEnvDefault("JSC_usePollingTraps", "true")
		// The Wasm fault handler (SIGSEGV, SIGBUS) is what gives shared
		// Wasm memory and fast bounds checks; it hands every fault outside
		// Wasm code on to the handler before it, Go's, so a nil dereference
		// in Go is still a panic (TestSignalsSafeForGo).
		setEnvDefault("JSC_useWasmFaultSignalHandler", "true")
		// Workers have SharedArrayBuffer (one thread per VM: nothing is
		// shared across threads, but code and Web APIs accept it).
		setEnvDefault("JSC_useSharedArrayBuffer", "true")
		releaseSignalForEngine()
		beforeSignals := snapshotSignals()
		// Creating and releasing one group initialises JavaScriptCore
		// (options, signal handlers) so that the audit below sees them.
		g := C.JSContextGroupCreate()
		gc := C.JSGlobalContextCreateInGroup(g, nil)
		C.outpost_host_class()
		immediates = checkImmediates(C.JSContextRef(gc))
		C.JSGlobalContextRelease(gc)
		C.JSContextGroupRelease(g)
		auditSignals(beforeSignals)
	})
}

// New starts a VM on its own locked OS thread.
func New(opts Options) (*VM, error) {
	if opts.QueueSize <= 0 {
		opts.QueueSize = 1024
	}
	vm := &VM{
		tasks:   make(chan func(), opts.QueueSize),
		closing: make(chan struct{}),
		done:    make(chan struct{}),
		opts:    opts,
	}
	started := make(chan error, 1)
	go vm.loop(started)
	if err := <-started; err != nil {
		return nil, err
	}
	return vm, nil
}

func (vm *VM) loop(started chan<- error) {
	runtime.LockOSThread()
	// The thread is never unlocked: JavaScriptCore registered it with the
	// VM, so it exits with the goroutine rather than being reused by Go.
	defer close(vm.done)
	if err := useAltStackInThreadStack(); err != nil {
		started <- err
		return
	}
	configure()
	vm.threadID.Store(int64(gettid()))
	vm.group = C.JSContextGroupCreate()
	vm.gctx = C.JSGlobalContextCreateInGroup(vm.group, nil)
	vm.ctx = &Context{vm: vm, ref: C.JSContextRef(vm.gctx)}
	vm.watchGC()
	vm.makeInspectable()
	if vm.opts.Interrupt != nil {
		vm.installInterrupt()
	} else {
		vm.flag = (*C.int)(C.malloc(C.size_t(unsafe.Sizeof(C.int(0)))))
		*vm.flag = 0
		if vm.opts.TimeLimit > 0 {
			C.outpost_set_time_limit(vm.group, C.double(vm.opts.TimeLimit.Seconds()), vm.flag)
		}
	}
	if vm.opts.OnUnhandledRejection != nil {
		vm.installRejectionHook()
	}
	if err := vm.initEntry(); err != nil {
		started <- err
		return
	}
	started <- nil

	for {
		select {
		case f := <-vm.tasks:
			vm.runTask(f)
		case <-vm.closing:
			// Drain what was queued before Close so no enqueued callback
			// is silently lost, then tear down.
			for {
				select {
				case f := <-vm.tasks:
					vm.runTask(f)
				default:
					vm.teardown()
					return
				}
			}
		}
	}
}

func (vm *VM) runTask(f func()) {
	mark := len(vm.scope)
	defer func() {
		if r := recover(); r != nil {
			vm.panicked(r)
		}
		vm.releaseScope(mark)
		vm.drainReleases()
	}()
	f()
	if vm.interruptMoved {
		vm.interruptMoved = false
		vm.armInterrupt(vm.interruptEvery)
	}
	if vm.opts.AfterTask != nil {
		vm.opts.AfterTask(vm.ctx)
	}
}

// panicked reports a recovered Go panic with its stack.
func (vm *VM) panicked(r any) {
	stack := debug.Stack()
	if vm.opts.OnPanic != nil {
		vm.opts.OnPanic(r, stack)
		return
	}
	fmt.Fprintf(os.Stderr, "outpost: panic in a JavaScript VM task (the task was abandoned): %v\n%s", r, stack)
}

func (vm *VM) teardown() {
	vm.releaseScope(0)
	vm.drainReleases()
	if vm.thenHelper != nil {
		vm.thenHelper.Release()
		vm.callThenHelper.Release()
	}
	if vm.opts.TimeLimit > 0 || vm.opts.Interrupt != nil {
		C.JSContextGroupClearExecutionTimeLimit(vm.group)
	}
	vm.forgetInterrupt()
	vm.unwatchGC()
	C.JSGlobalContextRelease(vm.gctx)
	C.JSContextGroupRelease(vm.group)
	C.free(unsafe.Pointer(vm.flag))
	vm.flag = nil
}

func (vm *VM) installRejectionHook() {
	c := vm.ctx
	fn := c.Function("unhandledRejection", func(call *Call) (Value, error) {
		vm.opts.OnUnhandledRejection(call.Ctx, call.Arg(1))
		return call.Ctx.Undefined(), nil
	})
	var exc C.JSValueRef
	C.JSGlobalContextSetUnhandledRejectionCallback(vm.gctx, C.JSObjectRef(fn.ref), &exc)
}

// Enqueue hands f to the VM's thread. It returns ErrClosed if the VM is
// closed. f runs with a fresh value scope: Values it creates stay alive
// until it returns.
func (vm *VM) Enqueue(f func(c *Context)) error {
	if vm.closed.Load() {
		return ErrClosed
	}
	task := func() { f(vm.ctx) }
	select {
	case vm.tasks <- task:
		return nil
	case <-vm.closing:
		return ErrClosed
	}
}

// Run runs f on the VM's thread and waits for it.
func (vm *VM) Run(f func(c *Context) error) error {
	if vm.OnThread() {
		return f(vm.ctx)
	}
	errc := make(chan error, 1)
	if err := vm.Enqueue(func(c *Context) { errc <- f(c) }); err != nil {
		return err
	}
	select {
	case err := <-errc:
		return err
	case <-vm.done:
		select {
		case err := <-errc:
			return err
		default:
			return ErrClosed
		}
	}
}

// RegisterCallback reserves a place on the event loop for asynchronous Go
// work (the k6 event-loop contract): it must be called on the VM's thread,
// and the returned enqueue function must be called exactly once, from any
// goroutine, with the code to run on the VM's thread when the work is done.
// Pending reports how many are outstanding.
func (vm *VM) RegisterCallback() func(func(c *Context)) {
	vm.pending.Add(1)
	var called atomic.Bool
	return func(f func(c *Context)) {
		if !called.CompareAndSwap(false, true) {
			panic("jsc: RegisterCallback's enqueue called twice")
		}
		err := vm.Enqueue(func(c *Context) {
			vm.pending.Add(-1)
			f(c)
		})
		if err != nil {
			vm.pending.Add(-1)
		}
	}
}

// Pending is the number of registered callbacks not yet run.
func (vm *VM) Pending() int { return int(vm.pending.Load()) }

// Close stops the VM after the tasks already queued have run, and waits
// for its thread to finish. It is safe to call more than once and from the
// VM's own thread (then it does not wait).
func (vm *VM) Close() {
	vm.closeOnce.Do(func() {
		vm.closed.Store(true)
		close(vm.closing)
	})
	if !vm.OnThread() {
		<-vm.done
	}
}

// Done is closed when the VM's thread has finished.
func (vm *VM) Done() <-chan struct{} { return vm.done }

// Terminated reports whether a script in this VM was stopped by the time
// limit. Such a VM should be thrown away, not reused.
func (vm *VM) Terminated() bool { return vm.terminated.Load() }

// OnThread reports whether the caller runs on the VM's own thread.
func (vm *VM) OnThread() bool {
	id := vm.threadID.Load()
	return id != 0 && int64(gettid()) == id
}

// SetTimeLimit changes the per-entry execution time limit. Call it on the
// VM's thread, between entries.
func (c *Context) SetTimeLimit(d time.Duration) {
	vm := c.vm
	if vm.opts.Interrupt != nil {
		vm.opts.TimeLimit = d // the interrupt check decides
		return
	}
	vm.opts.TimeLimit = d
	if d > 0 {
		C.outpost_set_time_limit(vm.group, C.double(d.Seconds()), vm.flag)
	} else {
		C.JSContextGroupClearExecutionTimeLimit(vm.group)
	}
}

// On 64-bit platforms JavaScriptCore encodes numbers, booleans, null and
// undefined in the value itself (tag bits set), so that only values without
// those bits are heap cells the collector could free. isImmediate spares
// protecting the others (a cgo call each). The encoding is checked once at
// start (checkImmediates); if it ever differs, every value is protected.
const immediateTags = 0xfffe000000000002

var immediates bool

func isImmediate(ref C.JSValueRef) bool {
	return immediates && uint64(uintptr(unsafe.Pointer(ref)))&immediateTags != 0
}

func checkImmediates(ctx C.JSContextRef) bool {
	if unsafe.Sizeof(uintptr(0)) != 8 {
		return false
	}
	tagged := func(ref C.JSValueRef) bool {
		return uint64(uintptr(unsafe.Pointer(ref)))&immediateTags != 0
	}
	for _, v := range []C.JSValueRef{C.JSValueMakeNumber(ctx, 1.5), C.JSValueMakeNumber(ctx, 7), C.JSValueMakeBoolean(ctx, true),
		C.JSValueMakeBoolean(ctx, false), C.JSValueMakeNull(ctx), C.JSValueMakeUndefined(ctx)} {
		if !tagged(v) {
			return false
		}
	}
	obj := C.JSValueRef(C.JSObjectMake(ctx, nil, nil))
	return !tagged(obj) && bool(C.JSValueIsObject(ctx, obj))
}

// track keeps a value alive (protected) until the current task or host
// call returns: Go's stacks are invisible to JavaScriptCore's conservative
// garbage collector, so a value held only by Go would otherwise be
// collectable at the next allocation.
func (vm *VM) track(ref C.JSValueRef) {
	if ref == nil || isImmediate(ref) {
		return
	}
	C.JSValueProtect(C.JSContextRef(vm.gctx), ref)
	vm.scope = append(vm.scope, ref)
}

func (vm *VM) releaseScope(mark int) {
	if n := len(vm.scope) - mark; n > 0 {
		C.outpost_unprotect_all(C.JSContextRef(vm.gctx), &vm.scope[mark], C.size_t(n))
		clear(vm.scope[mark:])
	}
	vm.scope = vm.scope[:mark]
}

// TerminatedError is returned when the execution time limit stopped a script.
type TerminatedError struct{ Limit time.Duration }

func (e *TerminatedError) Error() string {
	return fmt.Sprintf("script exceeded its time limit (%s) and was stopped", e.Limit)
}

// Warm initialises JavaScriptCore in the background (options, signal
// handlers: what the first New otherwise does first), on a thread of its
// own that exits afterwards, so the engine keeps no record of a thread Go
// may later use for anything else. New waits for it if it is still running.
func Warm() {
	warmOnce.Do(func() { go warm() })
}

var warmOnce sync.Once

func warm() {
	runtime.LockOSThread()
	// Never unlocked: the thread exits with the goroutine.
	if useAltStackInThreadStack() == nil {
		configure()
	}
}
