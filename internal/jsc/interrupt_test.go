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
	vm := newVM(t, Options{InterruptEvery: 5 * time.Millisecond, Interrupt: func(c *Context) bool {
		return calls.Add(1) >= stopAfter.Load()
	}})
	// A script that runs is interrupted and goes on. The check counts CPU
	// time, which a busy machine hands out slowly: run until it was made
	// three times (bounded).
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
