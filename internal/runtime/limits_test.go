package runtime

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

const limitsScript = `var __outpost_entry = { default: {
	async fetch(req, env, ctx) {
		const url = new URL(req.url);
		switch (url.pathname) {
		case "/ticks": return new Response(String(globalThis.ticks || 0));
		case "/leave-interval":
			setInterval(() => { globalThis.ticks = (globalThis.ticks || 0) + 1; }, 0);
			return new Response("left");
		case "/timers":
			try { for (let i = 0; i < 10001; i++) setTimeout(() => {}, 60000); return new Response("all"); }
			catch (e) { return new Response(e.name + ": " + e.message); }
		case "/hang": return new Promise(() => {});
		case "/hang-wasm":
			// Whatever the engine does with it, the request ends.
			return new Promise(() => {}).then(() => new Response("never"));
		case "/slices":
			// n slices of 20 ms of busy work, against a 300 ms limit per
			// invocation.
			for (let i = 0; i < Number(url.searchParams.get("n")); i++) {
				const end = Date.now() + 20;
				while (Date.now() < end) {}
				await new Promise((r) => setTimeout(r, 0));
			}
			return new Response("done");
		case "/alloc": { const keep = []; for (;;) keep.push(new Array(1 << 16).fill(1)); }
		case "/sleep": await new Promise((r) => setTimeout(r, 60000)); return new Response("late");
		}
		return new Response("nf", { status: 404 });
	},
} };`

func TestTimersEndWithTheirInvocation(t *testing.T) {
	w := newTestWorker(t, limitsScript, true, 1)
	if _, body, err := fetchText(t, w, "GET", "/leave-interval", ""); err != nil || body != "left" {
		t.Fatalf("/leave-interval = %q %v", body, err)
	}
	_, before, _ := fetchText(t, w, "GET", "/ticks", "")
	time.Sleep(100 * time.Millisecond)
	_, after, _ := fetchText(t, w, "GET", "/ticks", "")
	if before != after {
		t.Errorf("an interval outlived its request: ticks %s → %s", before, after)
	}
	in := w.Instances()[0]
	if err := in.OnThread(func() {
		if len(in.timers) != 0 {
			t.Errorf("%d timers left", len(in.timers))
		}
	}); err != nil {
		t.Fatal(err)
	}
	_, body, _ := fetchText(t, w, "GET", "/timers", "")
	if body != "QuotaExceededError: You have exceeded the number of active timeouts you may set. max active timeouts: 10000, current active timeouts: 10000" {
		t.Errorf("/timers = %q", body)
	}
}

func TestHangDetection(t *testing.T) {
	w := newTestWorker(t, limitsScript, true, 1)
	for _, path := range []string{"/hang", "/hang-wasm"} {
		_, _, err := fetchText(t, w, "GET", path, "")
		var se *ScriptError
		if !errors.As(err, &se) || se.Message != hangMessage || OutcomeOf(err, false) != OutcomeException {
			t.Errorf("%s: err = %v", path, err)
		}
	}
	// A request waiting on a timer is not hung; its client leaving ends it.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	_, err := w.Fetch(ctx, &Request{Method: "GET", URL: "http://example.com/sleep", Header: http.Header{}})
	if !errors.Is(err, context.Canceled) || OutcomeOf(err, true) != OutcomeCanceled {
		t.Errorf("/sleep with a client that left: %v", err)
	}
	waitInflight(t, w)

	// A hung request is found while another request on the same instance
	// still waits on a timer of its own (workerd judges each request).
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	go w.Fetch(ctx, &Request{Method: "GET", URL: "http://example.com/sleep", Header: http.Header{}})
	time.Sleep(50 * time.Millisecond)
	start := time.Now()
	_, _, err = fetchText(t, w, "GET", "/hang", "")
	var se *ScriptError
	if !errors.As(err, &se) || se.Message != hangMessage {
		t.Errorf("/hang beside a sleeping request: err = %v after %s", err, time.Since(start))
	}
	cancel()
	waitInflight(t, w)
}

func waitInflight(t *testing.T, w *Worker) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for w.Instances()[0].Inflight() != 0 {
		if time.Now().After(deadline) {
			t.Fatal("requests still in flight")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestCPUIsSummedOverTheInvocation(t *testing.T) {
	w := newTestWorker(t, limitsScript, true, 1)
	if _, body, err := fetchText(t, w, "GET", "/slices?n=5", ""); err != nil || body != "done" {
		t.Fatalf("100 ms of CPU under a 300 ms limit: %q %v", body, err)
	}
	// Up to 20 s of busy slices (however much of it is CPU on a loaded
	// machine) end once 300 ms of CPU are used.
	_, _, err := fetchText(t, w, "GET", "/slices?n=1000", "")
	if OutcomeOf(err, false) != OutcomeExceededCPU {
		t.Fatalf("busy 20 ms slices past the limit: %v", err)
	}
}

func TestMemoryCheckedWhileTheScriptRuns(t *testing.T) {
	w := newQuietWorker(t, &Config{Name: "mem", Script: Script{Code: limitsScript, Modules: true}, MemoryLimit: 32 << 20})
	_, _, err := fetchText(t, w, "GET", "/alloc", "")
	var se *ScriptError
	if OutcomeOf(err, false) != OutcomeExceededMemory || !errors.As(err, &se) || !strings.Contains(se.Message, "Worker exceeded memory limit (32 MB).") {
		t.Fatalf("/alloc: %v", err)
	}
	if _, body, err := fetchText(t, w, "GET", "/ticks", ""); err != nil || body != "0" {
		t.Errorf("after the replacement: %q %v", body, err)
	}
}

func TestWallLimit(t *testing.T) {
	w := newQuietWorker(t, &Config{Name: "wall", Script: Script{Code: limitsScript, Modules: true}, WallLimit: 200 * time.Millisecond})
	_, _, err := fetchText(t, w, "GET", "/sleep", "")
	if OutcomeOf(err, false) != OutcomeExceededResources {
		t.Fatalf("/sleep past the wall limit: %v", err)
	}
	waitInflight(t, w)
}

// A worker's global scope cannot arm a timer, as on workerd: no request
// would own it, so nothing would charge or end it.
func TestGlobalScopeTimersRefused(t *testing.T) {
	w := newTestWorker(t, `
let refused = "none";
try { setInterval(() => {}, 0); } catch (e) { refused = e.message; }
var __outpost_entry = { default: { fetch() { return new Response(refused); } } };`, true, 1)
	_, body, err := fetchText(t, w, "GET", "/", "")
	if err != nil || body != globalScopeMessage {
		t.Fatalf("global setInterval: %q %v", body, err)
	}
	in := w.Instances()[0]
	if err := in.OnThread(func() {
		if len(in.timers) != 0 || in.globalTimers != 0 {
			t.Errorf("%d timers armed by the global scope", len(in.timers))
		}
	}); err != nil {
		t.Fatal(err)
	}
}

// A loop is stopped at its invocation's CPU limit, not at the longer period
// the interrupt checks used while the instance started (the prelude and
// the worker's global scope have limits of a second and more).
func TestCPULimitStopsALoopOnTime(t *testing.T) {
	w := newQuietWorker(t, &Config{Name: "loop", Script: Script{Code: moduleScript, Modules: true}, CPULimit: 50 * time.Millisecond})
	start := time.Now()
	_, _, err := fetchText(t, w, "GET", "/loop", "")
	if OutcomeOf(err, false) != OutcomeExceededCPU {
		t.Fatalf("/loop: %v", err)
	}
	// The checks of a started instance are at most a second apart; this
	// one's limit allows 50 ms.
	if d := time.Since(start); d > 900*time.Millisecond {
		t.Errorf("a loop under a 50 ms CPU limit ran %s", d)
	}
}

// newQuietWorker starts a one-instance worker of cfg whose console output
// is dropped; it is closed when the test ends.
func newQuietWorker(t *testing.T, cfg *Config) *Worker {
	t.Helper()
	cfg.Host = &Host{Console: func(string, string, string) {}}
	w, err := NewWorker(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(time.Second) })
	return w
}

// Time an entry spends off the CPU (blocked, or waiting for a core on a
// loaded machine) does not stop it in the middle: the engine's watchdog
// times entries on the monotonic clock, and the check that comes to an
// entry not measured from its start only starts measuring it. The
// instance answers and is kept.
func TestOffCPUTimeDoesNotStopAnEntry(t *testing.T) {
	w := newQuietWorker(t, &Config{Name: "blocked", CPULimit: 20 * time.Millisecond, Script: Script{Modules: true, Code: `var __outpost_entry = { default: {
	fetch() {
		Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 80);
		return new Response("ok");
	},
} };`}})
	before := w.Instances()[0]
	resp, body, err := fetchText(t, w, "GET", "/", "")
	if err != nil || resp.Status != 200 || body != "ok" {
		t.Fatalf("a handler blocked 80 ms off the CPU under a 20 ms limit: %v %v %q", err, resp, body)
	}
	if after := w.Instances()[0]; after != before || after.Broken() {
		t.Errorf("the instance was stopped or replaced")
	}
}
