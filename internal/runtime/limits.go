package runtime

import (
	"context"
	"fmt"
	goruntime "runtime"
	"sync/atomic"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// Limits that hold during an invocation, not only between them (DESIGN.md:
// limits belong to the invocation):
//   - CPU time is summed over every entry into the worker's JavaScript made
//     for the invocation (handler, timers, promise continuations, stream
//     pulls) and over CPU-bound Go ops run for it off the VM's thread; a
//     chain of service-binding calls shares the top-level request's budget.
//   - The JavaScript heap is measured while scripts run.
//   - Timers are capped in number per invocation and cancelled with it.
//   - An invocation that can no longer make progress ends (hang detection),
//     as does one whose handler has not answered within the wall-clock limit.

const (
	// MaxTimers is how many timers one invocation may have pending
	// (workerd's limit).
	MaxTimers = 10000
	// MaxServiceInvocations is how many workers one request may invoke
	// through service bindings, over its whole chain, as on Cloudflare.
	MaxServiceInvocations = 32
	// DefaultWallLimit bounds how long a handler may take to give its
	// response (the body may then stream as long as the client reads).
	DefaultWallLimit = 100 * time.Second
	// debugWallLimit replaces the wall-clock limit while a debugger may
	// hold a handler at a breakpoint (outpost dev --inspect).
	debugWallLimit = 24 * time.Hour
	// minInterval is the shortest period of a setInterval.
	minInterval = time.Millisecond
)

// hangMessage is workerd's, for an invocation whose code can no longer
// make progress.
const hangMessage = "The Workers runtime canceled this request because it detected that your Worker's code had hung and would never generate a response."

var (
	errCPU = func() error {
		return &ScriptError{Name: "Error", Message: "Worker exceeded CPU time limit.", Limit: true}
	}
	errHung = func() error { return &ScriptError{Name: "Error", Message: hangMessage} }
)

// chain is what the invocations of one top-level request share across the
// workers it reaches through service bindings.
type chain struct {
	limit    time.Duration // CPU for the whole chain: the top-level invocation's limit
	cpu      atomic.Int64  // nanoseconds used so far
	services atomic.Int32  // workers invoked through service bindings
}

type chainKey struct{}

// chainFor returns the chain a request arriving with ctx belongs to, or
// starts one.
func chainFor(ctx context.Context, limit time.Duration) *chain {
	if ctx != nil {
		if ch, ok := ctx.Value(chainKey{}).(*chain); ok {
			return ch
		}
	}
	return &chain{limit: limit}
}

func (in *Instance) cpuLimit() time.Duration {
	if in.cfg.CPULimit > 0 {
		return in.cfg.CPULimit
	}
	return DefaultCPULimit
}

func (in *Instance) wallLimit() time.Duration {
	if jsc.InspectorEnabled() {
		// A handler paused at a breakpoint waits for the developer.
		return debugWallLimit
	}
	if in.cfg.WallLimit > 0 {
		return in.cfg.WallLimit
	}
	return DefaultWallLimit
}

// cpuLeft is the CPU time the invocation (and its chain) may still use
// with running counted.
func (inv *Invocation) cpuLeft(running time.Duration) time.Duration {
	left := inv.limit - inv.cpu - running
	if inv.chain != nil {
		left = min(left, inv.chain.limit-time.Duration(inv.chain.cpu.Load())-running)
	}
	return left
}

// overCPU reports whether inv has used its CPU time, or its chain's, with
// running more already spent in the current entry.
func (inv *Invocation) overCPU(running time.Duration) bool {
	return inv.cpuLeft(running) < 0
}

// charge adds CPU time spent for invocation id. Past the limit the
// invocation ends with exceededCpu (VM thread only).
func (in *Instance) charge(id int64, d time.Duration) {
	inv := in.reqs[id]
	if inv == nil || d <= 0 {
		return
	}
	inv.cpu += d
	if inv.chain != nil {
		inv.chain.cpu.Add(int64(d))
	}
	if inv.overCPU(0) {
		inv.fail(errCPU())
	}
}

// An entry's CPU time. Reading the thread's CPU clock is a system call
// (microseconds on a virtual machine), so a short entry is charged its
// wall-clock time instead, which is never less than the CPU it used; the
// clock is read once the entry has run for an interrupt period, or for
// every entry of an invocation past half its limit, so that wall time
// spent off the CPU cannot end an invocation that is not near its limit.
type entryClock struct {
	wall    time.Duration // monoNow at the start; 0 outside an entry
	cpu     time.Duration // thread CPU time when it was first read; 0 until then
	counted time.Duration // charged for the entry before cpu was read
}

// monoStart anchors monoNow, a cheap monotonic clock.
var monoStart = time.Now()

func monoNow() time.Duration { return time.Since(monoStart) + 1 }

// enter and leave bracket an entry into JavaScript on the VM's thread, so
// that the interrupt check and charge know the CPU it used. precise reads
// the CPU clock from the start.
func (in *Instance) enter(precise bool) bool {
	if in.entry.wall != 0 {
		return false
	}
	in.entry = entryClock{wall: monoNow()}
	if precise {
		in.entry.cpu = threadCPU()
	}
	return true
}

// used is the CPU time the running entry has used so far (at most).
func (in *Instance) used() time.Duration {
	e := &in.entry
	if e.wall == 0 {
		return 0
	}
	var exempt time.Duration
	if in.exemptSince != 0 {
		exempt = monoNow() - in.exemptSince
	}
	if e.cpu == 0 {
		return monoNow() - e.wall + in.offThread - exempt
	}
	return e.counted + threadCPU() - e.cpu + in.offThread - exempt
}

// measure switches the running entry to reading the CPU clock: what ran
// so far counts at its wall-clock time.
func (in *Instance) measure() {
	if e := &in.entry; e.wall != 0 && e.cpu == 0 {
		e.counted = monoNow() - e.wall
		e.cpu = threadCPU()
	}
}

func (in *Instance) leave() time.Duration {
	d := in.used()
	in.entry, in.offThread = entryClock{}, 0
	return d
}

// nearLimit reports whether the invocation (or its chain) has used half
// its CPU time: its entries are then measured on the CPU clock only.
func (inv *Invocation) nearLimit() bool {
	if inv == nil {
		return false
	}
	if 2*inv.cpu >= inv.limit {
		return true
	}
	return inv.chain != nil && 2*time.Duration(inv.chain.cpu.Load()) >= inv.chain.limit
}

// chargeOffThread counts work another goroutine did while the VM's thread
// waited for it, inside the running entry (a decompressor, the HTML
// tokenizer): the wait stands for that goroutine's CPU time.
func (in *Instance) chargeOffThread(d time.Duration) {
	if in.entry.wall != 0 {
		in.offThread += d
	}
}

// exempt runs f, Outpost's own work inside the running entry (evaluating a
// lazy part of the prelude), without charging its time to the entry: the
// interrupt check does not count it while it runs, nor the entry after.
func (in *Instance) exempt(f func()) {
	if in.entry.wall == 0 || in.exemptSince != 0 {
		f()
		return
	}
	in.exemptSince = monoNow()
	defer func() {
		in.offThread -= monoNow() - in.exemptSince
		in.exemptSince = 0
	}()
	f()
}

// How far apart the interrupt checks of a running script are: as far as
// its limits allow, from minCheckEvery up to maxCheckEvery. A period costs
// more than its checks: under a steady load of requests the engine's
// watchdog fires once a period, however short the requests, and its trap
// makes the engine drop optimized code. Every 10 ms, that kept the JIT
// recompiling (bench/README.md).
const (
	minCheckEvery = jsc.DefaultInterruptEvery
	maxCheckEvery = time.Second
)

// checkEvery is the period of the checks for a CPU budget: the whole
// budget at most, so that a script that runs away is stopped when it is
// used up. With a memory limit it is minCheckEvery: a script grows its heap
// by gigabytes a second (an array filled in a loop).
func (in *Instance) checkEvery(budget time.Duration) time.Duration {
	if in.cfg.MemoryLimit > 0 {
		return minCheckEvery
	}
	return min(max(budget, minCheckEvery), maxCheckEvery)
}

// setLimit sets the time limit of the entries to come and the period of
// their interrupt checks to match (VM thread, between entries).
func (in *Instance) setLimit(c *jsc.Context, d time.Duration) {
	c.SetTimeLimit(d)
	c.SetInterruptEvery(in.checkEvery(d))
}

// interrupt runs on the VM's thread while JavaScript runs; stop ends the
// script (the instance is then replaced). next is when to check again in
// this task: once the CPU time left could be used up.
func (in *Instance) interrupt(c *jsc.Context) (stop bool, next time.Duration) {
	// The engine's watchdog times entries on the monotonic clock (jsc's
	// watchclock_linux.go), so a check may come to an entry whose CPU time
	// was not read at its start and that spent its period off the CPU (a
	// loaded machine: hundreds of VM threads on a few cores). Such an
	// entry is measured from now on, and nothing is decided before the
	// next check: a script that runs away is stopped one period later, and
	// one that was only waiting for a core costs no heap walk.
	first := in.entry.wall != 0 && in.entry.cpu == 0
	in.measure()
	running := in.used()
	var left time.Duration
	if inv := in.current(); inv != nil {
		if !first && inv.overCPU(running) {
			in.stopReason.Store(stopCPU)
			return true, 0
		}
		left = inv.cpuLeft(running)
	} else {
		if !first && running > in.startupLimit() {
			in.stopReason.Store(stopCPU)
			return true, 0
		}
		left = in.startupLimit() - running
	}
	next = in.checkEvery(left)
	if first {
		return false, next
	}
	if limit := in.cfg.MemoryLimit; limit > 0 {
		st := c.HeapStats()
		if st.HeapSize+st.ExtraMemory > limit {
			// The statistics include garbage: collect before deciding,
			// unless a collection just ran and the heap is not far over.
			now := time.Now()
			if st.HeapSize+st.ExtraMemory < 2*limit && now.Sub(in.lastGC) < 50*time.Millisecond {
				return false, next
			}
			c.GC()
			in.lastGC = time.Now()
			if st = c.HeapStats(); st.HeapSize > limit || st.ExtraMemory > limit {
				in.stopReason.Store(stopMemory)
				return true, 0
			}
		}
	}
	return false, next
}

// Why the interrupt check stopped a script.
const (
	stopCPU int32 = iota + 1
	stopMemory
)

// limitError is the error for a script the interrupt check stopped.
func (in *Instance) limitError(context string) *ScriptError {
	if in.stopReason.Load() == stopMemory {
		return &ScriptError{Context: context, Name: "Error", Limit: true, Memory: true,
			Message: fmt.Sprintf("Worker exceeded memory limit (%d MB).", in.cfg.MemoryLimit>>20)}
	}
	return &ScriptError{Context: context, Name: "Error", Limit: true,
		Message: fmt.Sprintf("Worker exceeded CPU time limit (%s).", in.cpuLimit())}
}

// fail ends the invocation's wait for its handler (or body) with err: the
// caller answers with the error while the VM goes on (VM thread only).
func (inv *Invocation) fail(err error) {
	if inv.failed != nil {
		return
	}
	inv.failed = err
	if inv.onFail != nil {
		inv.onFail(err)
	}
	for _, w := range inv.waiters {
		w(err)
	}
	clear(inv.waiters)
}

// wait registers a Go wait on a promise of the invocation (a response body
// pull); the returned function unregisters it.
func (inv *Invocation) wait(onFail func(error)) func() {
	if inv.failed != nil {
		onFail(inv.failed)
		return func() {}
	}
	inv.waitSeq++
	id := inv.waitSeq
	if inv.waiters == nil {
		inv.waiters = map[int64]func(error){}
	}
	inv.waiters[id] = onFail
	return func() { delete(inv.waiters, id) }
}

// checkHung ends the invocations that can no longer make progress, as
// workerd does per request: an invocation with no timer and no op of its
// own pending can never settle the promises it waits on. The invocations
// of a Durable Object share one event loop (workerd's actor context), so
// they hang only together. Nothing is judged while the instance has work
// that no invocation owns (ops started by the global scope or by a request
// that ended, timers of a test harness), an open socket, or a queued task.
// Runs on the VM's thread after each task.
func (in *Instance) checkHung() {
	if len(in.reqs) == 0 || in.globalTimers > 0 || in.vm.Queued() > 0 || in.sockets.count() > 0 || in.vm.Terminated() {
		return
	}
	owned, sharedBusy := 0, false
	for _, inv := range in.reqs {
		owned += inv.pending
		if inv.shared && (inv.pending > 0 || inv.timers > 0) {
			sharedBusy = true
		}
	}
	if in.vm.Pending() > owned {
		return
	}
	for _, inv := range in.reqs {
		if inv.pending > 0 || inv.timers > 0 || (inv.shared && sharedBusy) {
			continue
		}
		if inv.failed == nil && (!inv.responded || len(inv.waiters) > 0) {
			in.host.Log(in.cfg.Name, "error", "Uncaught Error: "+hangMessage)
			inv.fail(errHung())
		}
		if inv.waitUntil > 0 {
			// Its waitUntil promises will never settle either.
			select {
			case <-inv.done:
			default:
				close(inv.done)
			}
		}
	}
}

// asyncCPU is async for CPU-bound work (key generation): its goroutine
// keeps its thread while it works, so that the CPU it uses is charged to
// the invocation that asked for it.
//
// At the worker's global scope the work runs at once on the VM's thread,
// as workerd does it: a top-level await on it settles while the worker
// starts, and its CPU counts against the startup limit.
func (in *Instance) asyncCPU(c *jsc.Context, work func() (func(c *jsc.Context) (jsc.Value, error), error)) (jsc.Value, error) {
	if in.atGlobalScope() {
		d, p, err := c.NewPromise()
		if err != nil {
			return p, err
		}
		finish, err := in.runWork(work)
		if err == nil {
			var v jsc.Value
			if v, err = finish(c); err == nil {
				d.Resolve(v)
				return p, nil
			}
		}
		d.RejectError(err)
		return p, nil
	}
	owner := in.cur
	return in.async(c, func() (func(c *jsc.Context) (jsc.Value, error), error) {
		goruntime.LockOSThread()
		start := threadCPU()
		finish, err := in.runWork(work)
		used := threadCPU() - start
		goruntime.UnlockOSThread()
		return func(c *jsc.Context) (jsc.Value, error) {
			in.charge(owner, used)
			if inv := in.reqs[owner]; inv != nil && inv.failed != nil {
				return jsc.Value{}, inv.failed
			}
			if err != nil {
				return jsc.Value{}, err
			}
			return finish(c)
		}, nil
	})
}

// count is the number of open WebSockets (hang detection: a socket may
// still deliver events).
func (t *socketTable) count() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.m)
}

// startupLimit bounds CPU used outside any invocation: the prelude (Outpost's
// own code) gets preludeTimeLimit, the worker's top-level code Cloudflare's
// startup limit (or its CPU limit, when longer), later work the CPU limit.
func (in *Instance) startupLimit() time.Duration {
	switch in.phase {
	case phasePrelude:
		return preludeTimeLimit
	case phaseScript:
		return max(in.cpuLimit(), StartupTimeLimit)
	}
	return in.cpuLimit()
}

// Where an instance is in its start.
const (
	phaseRunning = iota
	phasePrelude
	phaseScript
)
