package runtime

import (
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// spareExtensions are extensions no other test uses, so that the spares of
// these tests have a prelude, and so a slot, of their own. The module
// reports whether its op, installed when the worker is adopted, is there.
func spareExtensions(name string) []Extension {
	return []Extension{{
		Name:   name,
		Module: `import ops from "runtime:ops.js"; globalThis.__spareProbe = () => typeof ops.spareProbe;`,
		Install: func(h BindingHost, c *jsc.Context, ops jsc.Value) error {
			return ops.Set("spareProbe", c.Function("spareProbe", func(call *jsc.Call) (jsc.Value, error) {
				return call.Ctx.Undefined(), nil
			}))
		},
	}}
}

// waitForSpare blocks until the slot of exts' prelude holds a made spare
// (or fails the test after a while) and says whether it holds one at all.
func waitForSpare(t testing.TB, exts []Extension) bool {
	t.Helper()
	p, err := preludeFor(exts)
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		spares.mu.Lock()
		var ch chan spareResult
		if s := spares.slots[p]; s != nil {
			ch = s.next
		}
		spares.mu.Unlock()
		if ch != nil {
			select {
			case r := <-ch:
				ch <- r // put back: only looking
				if r.err != nil {
					t.Fatal(r.err)
				}
				return true
			case <-time.After(time.Until(deadline)):
				t.Fatal("no spare instance made within 30 s")
			}
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(5 * time.Millisecond)
	}
}

const spareProbeWorker = `var __outpost_entry = { default: {
	fetch() {
		return new Response([typeof Buffer, __spareProbe(), typeof process].join(","));
	},
} };`

func newSpareWorkerInstance(t *testing.T, exts []Extension, nodeCompat bool) *Instance {
	t.Helper()
	return newTestInstance(t, &Config{
		Name:       "spare-test",
		Script:     Script{Code: spareProbeWorker, URL: "worker.js", Modules: true},
		Host:       &Host{Extensions: exts},
		NodeCompat: nodeCompat,
	})
}

func TestSpareInstanceIsAdopted(t *testing.T) {
	exts := spareExtensions("spare-kept")
	KeepSpare(exts)
	waitForSpare(t, exts)

	before := time.Now()
	in := newSpareWorkerInstance(t, exts, false)
	if !in.start.Before(before) {
		t.Fatal("NewInstance made a VM although a spare was ready")
	}
	// The extension's op, installed on adoption, is on the object the
	// prelude captured; without nodejs_compat there is no Buffer.
	if _, body, err := benchFetch(in, "http://spare.example/"); err != nil || string(body) != "undefined,function,undefined" {
		t.Fatalf("fetch = %q, %v", body, err)
	}

	// KeepSpare made the next one; this worker has nodejs_compat, which
	// its setup turns on in the spare's prelude.
	waitForSpare(t, exts)
	before = time.Now()
	node := newSpareWorkerInstance(t, exts, true)
	if !node.start.Before(before) {
		t.Fatal("the second worker did not adopt the next spare")
	}
	if _, body, err := benchFetch(node, "http://spare.example/"); err != nil || string(body) != "function,function,object" {
		t.Fatalf("fetch with nodejs_compat = %q, %v", body, err)
	}
}

func TestWarmMakesOneSpare(t *testing.T) {
	exts := spareExtensions("spare-warm")
	Warm(exts)
	waitForSpare(t, exts)
	before := time.Now()
	if in := newSpareWorkerInstance(t, exts, false); !in.start.Before(before) {
		t.Fatal("the first instance did not adopt Warm's spare")
	}
	// Warm makes one, not more: the next instance makes its own VM.
	before = time.Now()
	if in := newSpareWorkerInstance(t, exts, false); in.start.Before(before) {
		t.Fatal("Warm kept making spares")
	}
}

func TestWithoutSpareTheInstanceIsMadeInline(t *testing.T) {
	exts := spareExtensions("spare-none")
	before := time.Now()
	in := newSpareWorkerInstance(t, exts, true)
	if in.start.Before(before) {
		t.Fatal("adopted a spare nobody made")
	}
	if _, body, err := benchFetch(in, "http://spare.example/"); err != nil || string(body) != "function,function,object" {
		t.Fatalf("fetch = %q, %v", body, err)
	}
}
