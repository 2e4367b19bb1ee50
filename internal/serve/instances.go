package serve

import (
	"context"
	"time"

	"github.com/outpost-dev/outpost/internal/runtime"
)

// watchInstances measures every instance's CPU time and heap, and retires
// the ones above their worker's memory limit: the instance takes no new
// requests, the ones in flight finish, and a fresh instance replaces it.
// Cloudflare does the same to an isolate that exceeds 128 MB.
func (s *Server) watchInstances(ctx context.Context) {
	t := time.NewTicker(s.opts.InstanceCheck)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		for _, ws := range s.snapshot() {
			// One goroutine per worker: measuring waits for the VM's
			// thread, and a busy worker must not delay the others' checks.
			if ws.checking.CompareAndSwap(false, true) {
				go func() {
					defer ws.checking.Store(false)
					s.checkInstances(ws)
				}()
			}
		}
	}
}

// gcEvery makes a busy instance's heap be measured exactly (after a full
// collection) at least every this many checks.
const gcEvery = 5

// remeasureEvery bounds how many checks an instance that looked idle
// goes without being measured again (a waitUntil may still run).
const remeasureEvery = 10

func (s *Server) checkInstances(ws *workerState) {
	w := ws.current()
	if w == nil {
		return
	}
	limit := ws.conf.Limits.Memory
	ws.checks++
	var total int64
	instances := w.Instances()
	// An instance that began no invocation since it was last measured
	// and holds nothing open has not run: its CPU time and heap are as
	// they were, and measuring would wake its thread for nothing (with
	// hundreds of workers on a node, those wake-ups cost more than the
	// requests).
	idle := map[*runtime.Instance]bool{}
	for _, in := range instances {
		if smp := ws.cpu[in]; smp != nil && smp.measured == in.Invocations() && ws.checks%remeasureEvery != 0 && in.Quiet() {
			// One that ran since the check last collected it is collected
			// once now that it rests (below).
			idle[in] = limit <= 0 || smp.invocations == smp.measured
		}
	}
	s.sampleCPU(ws, instances, idle)
	now := time.Now()
	for _, in := range instances {
		if in.Broken() {
			continue
		}
		smp := ws.cpu[in]
		if smp != nil && s.discardCode(ws, in, smp, now) {
			total += smp.heap
			continue
		}
		if idle[in] {
			total += smp.heap
			continue
		}
		// Counted before measuring: an invocation that begins meanwhile
		// makes the next check measure again.
		began := in.Invocations()
		gcs := in.Collections()
		// Resting after running: collected once.
		resting := smp != nil && smp.measured == began && smp.invocations != began && in.Quiet()
		collect := limit > 0 && (resting || ws.ranSinceCollection(in) && ws.checks%gcEvery == 0)
		// Reading JavaScriptCore's statistics walks the whole heap (a
		// millisecond or more per instance: with a thousand busy workers,
		// half a core). An instance that ran but finished no collection
		// since it was measured has allocated less than the engine lets a
		// heap grow between collections: its last figure stands until the
		// next collection, or for at most remeasureEvery checks.
		if smp != nil && smp.measured >= 0 && gcs == smp.gcs && !collect && ws.checks%remeasureEvery != 0 {
			smp.measured = began
			total += smp.heap
			continue
		}
		// JSC's statistics are as of the last collection (its heap size
		// then includes array buffers and other external memory). A full
		// collection makes them exact: run one when the instance is idle,
		// when it looks close to the limit, or every gcEvery checks.
		st, err := in.HeapStats()
		if err != nil {
			continue
		}
		// An instance that ran nothing since its last collection, or
		// allocated too little for the engine to collect since, has
		// little to collect; one that did is collected at most every
		// gcEvery checks unless it looks close to the limit: with many
		// workers on a node, a full collection of each of them every check
		// cost a core.
		if limit > 0 && (st.HeapSize+st.ExtraMemory > limit/2 || collect) {
			if st, err = in.CollectGarbage(); err != nil {
				continue
			}
			ws.collected(in)
			gcs++ // this one (counting the engine's own meanwhile would be too many: measured again next time)
		}
		used := st.HeapSize
		if smp != nil {
			smp.measured, smp.heap, smp.gcs = began, used, gcs
		}
		if limit > 0 && used > limit {
			in.Retire()
			s.obs.recycled.With(ws.name, "memory").Inc()
			s.log.Warn("instance exceeded the memory limit and is being replaced",
				"worker", ws.name, "heap_bytes", used, "limit_bytes", limit)
			s.tail.publish(TailEvent{Type: "log", Worker: ws.name, Level: "warn",
				Message: "Worker exceeded memory limit: the instance was recycled", Outcome: "exceededMemory"})
			continue
		}
		total += used
	}
	ws.heapBytes.Store(total)
}

// discardCode drops the compiled code of an instance that has begun no
// invocation for discard_code_after and holds nothing open, once per rest:
// about a megabyte of a VM that served requests, compiled again (a
// millisecond or two) when it next runs. It reports whether it did, with
// the instance measured (its heap collected in full).
func (s *Server) discardCode(ws *workerState, in *runtime.Instance, smp *cpuSample, now time.Time) bool {
	if began := in.Invocations(); began != smp.seen || smp.restingSince.IsZero() {
		smp.seen, smp.restingSince = began, now
		return false
	}
	after := s.cfg.DiscardCodeAfter
	if after <= 0 || smp.discarded == smp.seen || now.Sub(smp.restingSince) < after || !in.Quiet() {
		return false
	}
	st, dropped, err := in.DiscardCode()
	if err != nil {
		return false
	}
	smp.discarded = smp.seen
	if dropped {
		s.obs.discarded.With(ws.name).Inc()
	}
	ws.collected(in)
	smp.measured, smp.heap, smp.gcs = in.Invocations(), st.HeapSize, in.Collections()
	return true
}

// ranSinceCollection says whether the instance began an invocation since
// its last collection by the check and the engine has collected its heap
// since: one that allocated less than that has little garbage for a full
// collection to find (true when unknown).
func (ws *workerState) ranSinceCollection(in *runtime.Instance) bool {
	smp := ws.cpu[in]
	return smp == nil || in.Invocations() != smp.invocations && in.Collections() > smp.collectedGCs
}

// collected notes the invocations an instance had begun and the
// collections it had finished when the check collected it.
func (ws *workerState) collected(in *runtime.Instance) {
	if smp := ws.cpu[in]; smp != nil {
		smp.invocations, smp.collectedGCs = in.Invocations(), in.Collections()
	}
}

// cpuSample is the CPU time an instance's thread had used when last read.
type cpuSample struct {
	tid  int
	last time.Duration
	// invocations the instance had begun at its last collection (-1:
	// none yet); one that began none since has nothing new to collect.
	invocations int64
	// measured is how many invocations it had begun when last measured
	// (-1: never), and heap the heap size then.
	measured int64
	heap     int64
	gcs      uint64 // collections the instance had finished when measured
	// collectedGCs is how many collections it had finished when the check
	// last collected it.
	collectedGCs uint64
	// seen is how many invocations it had begun when a check first saw
	// that count (restingSince); discarded, that count when the check
	// last dropped its compiled code (-1: never).
	seen, discarded int64
	restingSince    time.Time
}

// sampleCPU adds the CPU time each instance's VM thread used since the
// last check to outpost_cpu_seconds_total. Each VM runs on a thread of its
// own, so the thread's time is the worker's JavaScript (and its ops). It
// is a sample: an instance replaced between two checks (after a limit)
// contributes only what was read before its thread ended.
func (s *Server) sampleCPU(ws *workerState, instances []*runtime.Instance, idle map[*runtime.Instance]bool) {
	if ws.cpu == nil {
		ws.cpu = map[*runtime.Instance]*cpuSample{}
	}
	live := map[*runtime.Instance]bool{}
	counter := s.obs.cpu.With(ws.name)
	for _, in := range instances {
		live[in] = true
		smp := ws.cpu[in]
		if smp == nil {
			var tid int
			if err := in.OnThread(func() { tid = threadID() }); err != nil || tid == 0 {
				continue
			}
			smp = &cpuSample{tid: tid, invocations: -1, measured: -1, seen: -1, discarded: -1}
			ws.cpu[in] = smp
		}
		if idle[in] {
			continue
		}
		used, err := threadCPU(smp.tid)
		if err != nil {
			continue
		}
		d := used - smp.last
		if d > 0 {
			counter.Add(d.Seconds())
		}
		smp.last = used
	}
	for in, smp := range ws.cpu {
		if !live[in] {
			// Replaced since the last check: count what its thread used
			// if it still runs (time after the last read is lost once the
			// thread has exited).
			if used, err := threadCPU(smp.tid); err == nil && used > smp.last {
				counter.Add((used - smp.last).Seconds())
			}
			delete(ws.cpu, in)
		}
	}
}
