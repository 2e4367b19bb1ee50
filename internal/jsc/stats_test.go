package jsc

import "testing"

// Collections counts the engine's own collections (made on allocation)
// and GC's, and is readable from other goroutines, also after Close.
func TestCollectionsCounted(t *testing.T) {
	vm := newVM(t, Options{})
	if n := vm.Collections(); n != 0 {
		t.Fatalf("a new VM has %d collections", n)
	}
	run(t, vm, func(c *Context) error {
		_, err := c.Eval("for (let i = 0; i < 200; i++) { const a = []; for (let j = 0; j < 10000; j++) a.push({ j }); }", "alloc.js")
		return err
	})
	byEngine := vm.Collections()
	if byEngine == 0 {
		t.Fatal("no collection was counted while allocating about 200 MB")
	}
	run(t, vm, func(c *Context) error { c.GC(); return nil })
	if n := vm.Collections(); n <= byEngine {
		t.Fatalf("GC did not count: %d, then %d", byEngine, n)
	}
	vm.Close()
	vm.Collections()
}
