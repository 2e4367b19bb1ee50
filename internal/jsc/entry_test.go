package jsc

import (
	"runtime"
	"strings"
	"testing"
)

// The drain the trampoline needs is in the library CI runs on; without it
// every call would still work, only slower, so its absence is a failure
// here rather than a silent loss.
func TestEntryDrainFound(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("the drain is looked up in WebKitGTK's library")
	}
	if !drainFound() {
		t.Fatal("JSC::VM::drainMicrotasks is not exported by the linked JavaScriptCore")
	}
	vm := newVM(t, Options{})
	run(t, vm, func(c *Context) error {
		if vm.entry == nil {
			t.Error("the VM has no trampoline")
		}
		return nil
	})
}

// A call from Go runs the microtasks it queued before it returns, in order,
// also when it throws; a call made inside a host function leaves them for
// the checkpoint after the whole stack has returned.
func TestEntryRunsMicrotasksInOrder(t *testing.T) {
	vm := newVM(t, Options{})
	run(t, vm, func(c *Context) error {
		if _, err := c.Eval(`globalThis.log = [];
			globalThis.queue = (name) => { log.push(name);
				Promise.resolve().then(() => { log.push(name + ".a"); Promise.resolve().then(() => log.push(name + ".c")) });
				Promise.resolve().then(() => log.push(name + ".b")) };
			globalThis.fails = () => { queue("fails"); throw new Error("no") }`, "setup.js"); err != nil {
			return err
		}
		g := c.Global()
		if _, err := g.Get("queue").Call(c.Undefined(), c.String("f")); err != nil {
			return err
		}
		if got := logJSON(g); !strings.Contains(got, `"f","f.a","f.b","f.c"`) {
			t.Errorf("after a call: %s", got)
		}
		if _, err := g.Get("fails").Call(c.Undefined()); err == nil || !strings.Contains(err.Error(), "no") {
			t.Errorf("a throwing call gave %v", err)
		}
		if got := logJSON(g); !strings.Contains(got, `"fails","fails.a","fails.b","fails.c"`) {
			t.Errorf("after a throwing call: %s", got)
		}
		g.Set("host", c.Function("host", func(call *Call) (Value, error) {
			if _, err := call.Arg(0).Call(call.Ctx.Undefined(), call.Ctx.String("nested")); err != nil {
				return Value{}, err
			}
			log := call.Ctx.Global().Get("log")
			log.CallMethod("push", call.Ctx.String("host returns"))
			return call.Ctx.Undefined(), nil
		}))
		if _, err := c.Eval(`log.length = 0; host(queue); log.push("script ends")`, "nested.js"); err != nil {
			return err
		}
		if got, want := logJSON(g), `["nested","host returns","script ends","nested.a","nested.b","nested.c"]`; got != want {
			t.Errorf("nested call: got %s want %s", got, want)
		}
		return nil
	})
}

// A call with no this object gets the global object, as the C API gives
// it, strict functions included.
func TestEntryThisIsTheGlobalObject(t *testing.T) {
	vm := newVM(t, Options{})
	run(t, vm, func(c *Context) error {
		for _, src := range []string{`(function(){ return this === globalThis })`, `(function(){ "use strict"; return this === globalThis })`} {
			fn, err := c.Eval(src, "this.js")
			if err != nil {
				return err
			}
			v, err := fn.Call(c.Undefined())
			if err != nil {
				return err
			}
			if !v.Bool() {
				t.Errorf("%s: this is not the global object", src)
			}
		}
		return nil
	})
}

func logJSON(g Value) string {
	s, _ := g.Get("log").JSON(0)
	return s
}
