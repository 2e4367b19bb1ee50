package jsc

import (
	"syscall"
	"testing"
	"time"
	"unsafe"
)

func rawClock(id uintptr) time.Duration {
	var ts syscall.Timespec
	syscall.RawSyscall(syscall.SYS_CLOCK_GETTIME, id, uintptr(unsafe.Pointer(&ts)), 0)
	return time.Duration(ts.Nano())
}

// threadCPU is the calling thread's CPU time, read from the kernel.
func threadCPU() time.Duration { return rawClock(3) } // CLOCK_THREAD_CPUTIME_ID

func monotonic() time.Duration { return rawClock(1) } // CLOCK_MONOTONIC

// near reports whether a is within 50 ms of b.
func near(a, b time.Duration) bool { return (a - b).Abs() < 50*time.Millisecond }

// The thread CPU clock the engine reads is the monotonic clock on the
// thread of a VM with an interrupt check, and the thread's CPU time on
// every other thread: a VM with only a time limit (which the engine's
// watchdog enforces alone) and Go's own threads.
func TestEngineThreadClock(t *testing.T) {
	if monotonic() < time.Second {
		t.Skip("the machine has been up for less than a second: the clocks cannot be told apart")
	}
	checked := newVM(t, Options{Interrupt: func(c *Context) (bool, time.Duration) { return false, 0 }})
	run(t, checked, func(c *Context) error {
		if got, want := engineThreadClock(), monotonic(); !near(got, want) {
			t.Errorf("VM with an interrupt check: engine reads %v, monotonic clock %v", got, want)
		}
		return nil
	})
	limited := newVM(t, Options{TimeLimit: time.Second})
	run(t, limited, func(c *Context) error {
		if got, want := engineThreadClock(), threadCPU(); !near(got, want) {
			t.Errorf("VM with a time limit: engine reads %v, thread CPU %v", got, want)
		}
		return nil
	})
	if got, want := engineThreadClock(), threadCPU(); !near(got, want) {
		t.Errorf("Go's thread: engine reads %v, thread CPU %v", got, want)
	}
}

// A VM with only a time limit is stopped by the engine's watchdog alone,
// on the thread's CPU time: a script that waits in a host function for
// longer than the limit, using no CPU, is not stopped.
func TestTimeLimitCountsCPU(t *testing.T) {
	vm := newVM(t, Options{TimeLimit: 100 * time.Millisecond})
	run(t, vm, func(c *Context) error {
		c.Global().Set("pause", c.Function("pause", func(call *Call) (Value, error) {
			time.Sleep(300 * time.Millisecond)
			return call.Ctx.Undefined(), nil
		}))
		_, err := c.Eval(`pause(); let n = 0; for (let i = 0; i < 1000; i++) n += i;`, "pause.js")
		return err
	})
	if vm.Terminated() {
		t.Fatal("a script that slept 300 ms in a host function was stopped by a 100 ms CPU limit")
	}
}
