package runtime

import (
	"fmt"
	"sort"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// Timers: the prelude's setTimeout/setInterval keep their callbacks; Go
// keeps each timer's deadline and its owner (the invocation that armed
// it). One Go timer per instance wakes the VM's thread for the earliest
// deadline, and at most one wake task is queued at a time, so a storm of
// zero-delay timers costs its own invocation CPU time and nothing else: no
// goroutines or queued tasks pile up. A timer ends with its invocation.

// globalScopeMessage is workerd's, for asynchronous work started by a
// worker's global scope, where no request exists to own it.
const globalScopeMessage = "Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), setting a timeout, and generating random values are not allowed within global scope. To fix this error, perform this operation within a handler. https://developers.cloudflare.com/workers/runtime-apis/handlers/"

// atGlobalScope reports whether the worker's global scope is running: its
// start, top-level awaits included, outside any invocation. Test harnesses
// that run their files there (GlobalScopeTimers) are exempt (VM thread).
func (in *Instance) atGlobalScope() bool {
	return in.cur == 0 && in.phase != phaseRunning && !in.cfg.GlobalScopeTimers
}

func (in *Instance) installTimerOps(c *jsc.Context, def func(string, jsc.Func)) {
	def("timerStart", func(call *jsc.Call) (jsc.Value, error) {
		id := call.Arg(0).Int()
		d := time.Duration(call.Arg(1).Float() * float64(time.Millisecond))
		if err := in.startTimer(call.Ctx, id, d, call.Arg(2).Bool()); err != nil {
			return jsc.Value{}, err
		}
		return call.Ctx.Undefined(), nil
	})
	def("timerCancel", func(call *jsc.Call) (jsc.Value, error) {
		in.cancelTimer(call.Arg(0).Int())
		return call.Ctx.Undefined(), nil
	})
}

// startTimer arms (or re-arms) the prelude's timer id. Timers that come
// due together run in deadline order, then creation order.
func (in *Instance) startTimer(c *jsc.Context, id int64, d time.Duration, repeat bool) error {
	if d < 0 {
		d = 0
	}
	if repeat && d < minInterval {
		d = minInterval
	}
	old, rearm := in.timers[id]
	if rearm {
		in.dropTimer(id, old)
	}
	inv := in.current()
	active := in.globalTimers
	switch {
	case in.cur == 0 && in.cfg.GlobalScopeTimers:
		// Armed by a test harness's global scope: it lives with the
		// instance, within the same cap.
	case in.atGlobalScope():
		return jsc.Throw(c.NewError("Error", globalScopeMessage))
	case inv == nil:
		// Code still running for a request that has ended (an abandoned
		// promise continuation): its timers would never be cancelled.
		return jsc.Throw(c.NewError("Error", "Cannot set a timer: the request this code runs for has already ended."))
	default:
		active = inv.timers
	}
	if active >= MaxTimers {
		return jsc.Throw(domException(c, fmt.Sprintf("You have exceeded the number of active timeouts you may set. max active timeouts: %d, current active timeouts: %d", MaxTimers, active), "QuotaExceededError"))
	}
	if inv != nil {
		inv.timers++
	} else {
		in.globalTimers++
	}
	in.timerSeq++
	tm := &timer{deadline: time.Now().Add(d), seq: in.timerSeq, owner: in.cur}
	in.timers[id] = tm
	if in.wakeAt.IsZero() || tm.deadline.Before(in.wakeAt) {
		in.armWake(tm.deadline)
	}
	return nil
}

func (in *Instance) cancelTimer(id int64) {
	if t, ok := in.timers[id]; ok {
		in.dropTimer(id, t)
	}
}

// dropTimer forgets a timer and its place in its owner's count.
func (in *Instance) dropTimer(id int64, t *timer) {
	delete(in.timers, id)
	if inv := in.reqs[t.owner]; inv != nil {
		inv.timers--
	} else if t.owner == 0 {
		in.globalTimers--
	}
}

// armWake sets the instance's one Go timer to fire at deadline.
func (in *Instance) armWake(deadline time.Time) {
	in.wakeAt = deadline
	d := time.Until(deadline)
	if in.wake == nil {
		in.wake = time.AfterFunc(d, in.onWake)
		return
	}
	in.wake.Reset(d)
}

// onWake runs on the Go timer's goroutine: it queues one run of the due
// timers unless one is queued already.
func (in *Instance) onWake() {
	if !in.wakeQueued.CompareAndSwap(false, true) {
		return
	}
	if in.vm.Enqueue(func(c *jsc.Context) {
		in.wakeQueued.Store(false)
		in.runDueTimers(c)
	}) != nil {
		in.wakeQueued.Store(false)
	}
}

// runDueTimers calls hooks.timer for every timer whose deadline passed,
// then arms the wake for the next one. Timers armed by these callbacks,
// even with no delay, wait for the next wake.
func (in *Instance) runDueTimers(c *jsc.Context) {
	in.wakeAt = time.Time{}
	defer in.rearmWake()
	now := time.Now()
	type due struct {
		id int64
		tm *timer
	}
	var list []due
	for id, tm := range in.timers {
		if !tm.deadline.After(now) {
			list = append(list, due{id, tm})
		}
	}
	sort.Slice(list, func(i, j int) bool {
		if !list[i].tm.deadline.Equal(list[j].tm.deadline) {
			return list[i].tm.deadline.Before(list[j].tm.deadline)
		}
		return list[i].tm.seq < list[j].tm.seq
	})
	for _, d := range list {
		// A callback may have cancelled or re-armed a later timer.
		if cur, ok := in.timers[d.id]; !ok || cur != d.tm {
			continue
		}
		in.dropTimer(d.id, d.tm)
		if in.hooks == nil {
			return
		}
		var err error
		in.within(d.tm.owner, func() { _, err = in.hooks.Value().CallMethod("timer", c.Number(float64(d.id))) })
		if err != nil {
			in.reportUncaught(err)
			if in.vm.Terminated() {
				return
			}
		}
	}
}

// rearmWake arms the wake for the earliest pending timer.
func (in *Instance) rearmWake() {
	var next time.Time
	for _, tm := range in.timers {
		if next.IsZero() || tm.deadline.Before(next) {
			next = tm.deadline
		}
	}
	if next.IsZero() || in.vm.Terminated() {
		return
	}
	if in.wakeAt.IsZero() || next.Before(in.wakeAt) {
		in.armWake(next)
	}
}
