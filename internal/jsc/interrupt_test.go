package jsc

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestInterruptStopsAndContinues(t *testing.T) {
	var calls atomic.Int64
	var stopAfter atomic.Int64
	stopAfter.Store(1 << 62)
	vm := newVM(t, Options{InterruptEvery: 5 * time.Millisecond, Interrupt: func(c *Context) (bool, time.Duration) {
		return calls.Add(1) >= stopAfter.Load(), 0
	}})
	// A script that runs is interrupted and goes on: run until the check
	// was made three times (bounded).
	for i := 0; i < 40 && calls.Load() < 3; i++ {
		run(t, vm, func(c *Context) error {
			_, err := c.Eval(`{ const end = Date.now() + 100; while (Date.now() < end) {} }`, "busy.js")
			return err
		})
	}
	if calls.Load() < 3 {
		t.Fatalf("the check ran %d times in up to 4 s of JavaScript", calls.Load())
	}
	stopAfter.Store(calls.Load() + 3)
	err := vm.Run(func(c *Context) error {
		_, err := c.Eval(`for (;;) {}`, "loop.js")
		return err
	})
	var te *TerminatedError
	if !errors.As(err, &te) || !vm.Terminated() {
		t.Fatalf("err = %v, terminated %v", err, vm.Terminated())
	}
}

// The check's answer sets when it runs next within the task: a script
// that runs 400 ms with checks asked for every 100 ms is checked at most
// five times.
func TestInterruptSetsTheNextCheck(t *testing.T) {
	var calls atomic.Int64
	vm := newVM(t, Options{InterruptEvery: 5 * time.Millisecond, Interrupt: func(c *Context) (bool, time.Duration) {
		calls.Add(1)
		return false, 100 * time.Millisecond
	}})
	run(t, vm, func(c *Context) error {
		_, err := c.Eval(`{ const end = Date.now() + 400; while (Date.now() < end) {} }`, "busy.js")
		return err
	})
	if n := calls.Load(); n < 1 || n > 5 {
		t.Errorf("checked %d times in 400 ms with a 100 ms period", n)
	}
}

// SetInterruptEvery sets the period from the next entry on. The period is
// counted on the monotonic clock (watchclock_linux.go): 300 ms of a busy
// script with a 200 ms period is checked once, twice if the timer is late,
// however busy the machine.
func TestSetInterruptEvery(t *testing.T) {
	var calls atomic.Int64
	vm := newVM(t, Options{Interrupt: func(c *Context) (bool, time.Duration) {
		calls.Add(1)
		return false, 0
	}})
	run(t, vm, func(c *Context) error {
		c.SetInterruptEvery(200 * time.Millisecond)
		return nil
	})
	run(t, vm, func(c *Context) error {
		_, err := c.Eval(`{ const end = Date.now() + 300; while (Date.now() < end) {} }`, "busy.js")
		return err
	})
	if n := calls.Load(); n < 1 || n > 2 {
		t.Errorf("checked %d times in 300 ms with a 200 ms period", n)
	}
}
