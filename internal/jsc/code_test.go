package jsc

import (
	"errors"
	"testing"
)

// DiscardCode drops compiled code, which the engine compiles again on the
// next call: functions still answer, an async function suspended at an
// await resumes where it was, and the heap holds less afterwards.
func TestDiscardCode(t *testing.T) {
	if !deleteAllCodeFound() {
		t.Skip("the engine library does not export JSC::VM::deleteAllCode")
	}
	vm := newVM(t, Options{})
	run(t, vm, func(c *Context) error {
		_, err := c.Eval(`
			globalThis.fib = (n) => n < 2 ? n : fib(n - 1) + fib(n - 2);
			for (let i = 0; i < 200; i++) fib(12);
			globalThis.log = [];
			globalThis.gate = new Promise((resolve) => { globalThis.release = resolve; });
			(async function waiter() {
				const seen = [];
				for (let i = 0; i < 3; i++) seen.push(i);
				log.push("before");
				const v = await gate;
				log.push("after " + v + " " + seen.join(",") + " " + fib(10));
			})();
		`, "code.js")
		return err
	})
	var before, after HeapStats
	run(t, vm, func(c *Context) error {
		c.GC()
		before = c.HeapStats()
		if !c.DiscardCode() {
			return errors.New("DiscardCode did nothing between tasks")
		}
		c.GC()
		after = c.HeapStats()
		return nil
	})
	t.Logf("heap %d → %d bytes, %d → %d objects", before.HeapSize, after.HeapSize, before.ObjectCount, after.ObjectCount)
	if after.HeapSize >= before.HeapSize {
		t.Errorf("heap after discarding code %d bytes, before %d", after.HeapSize, before.HeapSize)
	}
	run(t, vm, func(c *Context) error {
		_, err := c.Eval(`release(7)`, "release.js")
		return err
	})
	run(t, vm, func(c *Context) error {
		v, err := c.Eval(`log.join("|") + " " + fib(20)`, "check.js")
		if err != nil {
			return err
		}
		if got, want := v.String(), "before|after 7 0,1,2 55 6765"; got != want {
			t.Errorf("after discarding code: %q, want %q", got, want)
		}
		return nil
	})
	// With JavaScript on the stack (inside a host function) it does nothing.
	run(t, vm, func(c *Context) error {
		var inside bool
		c.Global().Set("tryDiscard", c.Function("tryDiscard", func(call *Call) (Value, error) {
			inside = call.Ctx.DiscardCode()
			return call.Ctx.Undefined(), nil
		}))
		if _, err := c.Eval(`tryDiscard()`, "inside.js"); err != nil {
			return err
		}
		if inside {
			t.Error("DiscardCode ran with JavaScript on the stack")
		}
		return nil
	})
}
