package runtime

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// newIdleTestWorker is a worker of code that holds no instance yet; starts
// counts the instances that ran the script's top level.
func newIdleTestWorker(t *testing.T, code string, size int) (*Worker, *atomic.Int64) {
	t.Helper()
	starts := &atomic.Int64{}
	host := &Host{Console: func(worker, level, text string) {
		if text == "top level ran" {
			starts.Add(1)
		}
	}}
	w := NewIdleWorker(&Config{
		Name:     "test",
		Script:   Script{Code: `console.log("top level ran");` + code, URL: "worker.js", Modules: true},
		Bindings: Bindings{Vars: map[string]any{"NAME": "outpost", "CONF": map[string]any{"n": 2}}},
		CPULimit: 300 * time.Millisecond,
		Host:     host,
	}, size)
	t.Cleanup(func() { w.Close(5 * time.Second) })
	return w, starts
}

// Many first requests arriving together start the pool once: size
// instances, each running the script's top level once.
func TestIdleWorkerStartsOnceUnderConcurrentFirstRequests(t *testing.T) {
	w, starts := newIdleTestWorker(t, moduleScript, 2)
	if n := len(w.Instances()); n != 0 {
		t.Fatalf("a worker never requested holds %d instances", n)
	}
	if n := starts.Load(); n != 0 {
		t.Fatalf("the script ran %d times before any request", n)
	}
	var wg sync.WaitGroup
	errs := make(chan string, 32)
	for range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, body, err := fetchText(t, w, "GET", "/hello", "")
			if err != nil || resp.Status != 200 || body != "hi outpost 2" {
				errs <- body
				if err != nil {
					errs <- err.Error()
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("first request: %s", e)
	}
	// The requests were served as soon as one instance was up; the
	// pool's second instance may still be starting.
	waitStarted(t, w)
	if n := starts.Load(); n != 2 {
		t.Errorf("the script's top level ran %d times for 32 concurrent first requests, want 2 (the pool's size)", n)
	}
	if n := len(w.Instances()); n != 2 {
		t.Errorf("%d instances after the first requests, want 2", n)
	}
	// Warm now: later requests start nothing.
	for range 5 {
		if _, body, err := fetchText(t, w, "GET", "/hello", ""); err != nil || body != "hi outpost 2" {
			t.Fatalf("request on the warm worker: %q %v", body, err)
		}
	}
	if n := starts.Load(); n != 2 {
		t.Errorf("the script ran %d times, want 2", n)
	}
}

// A cron (or queue, or Durable Object) event starts an idle worker as a
// request does.
func TestIdleWorkerStartsOnScheduled(t *testing.T) {
	w, starts := newIdleTestWorker(t, moduleScript, 1)
	if _, err := w.Scheduled(context.Background(), "*/5 * * * *", time.Now()); err != nil {
		t.Fatal(err)
	}
	if starts.Load() != 1 || len(w.Instances()) != 1 {
		t.Errorf("after a scheduled event: %d starts, %d instances; want 1 and 1", starts.Load(), len(w.Instances()))
	}
}

// A script that throws at its top level fails CheckStart with the
// exception; an idle worker of it gives every waiting first request that
// error (starting nothing that stays), and a good version swapped in is
// what the next request starts.
func TestIdleWorkerStartFailure(t *testing.T) {
	const broken = `throw new Error("boom at start");`
	cfg := &Config{Name: "test", Script: Script{Code: broken, URL: "worker.js", Modules: true}, Host: &Host{}}
	if err := CheckStart(cfg); err == nil || !strings.Contains(err.Error(), "boom at start") {
		t.Fatalf("CheckStart of a script that throws: %v", err)
	}
	noHandler := &Config{Name: "test", Script: Script{Code: `var __outpost_entry = { default: {} };`, URL: "worker.js", Modules: true}, Host: &Host{}}
	if err := CheckStart(noHandler); err == nil || !strings.Contains(err.Error(), "no fetch, scheduled or queue handler") {
		t.Fatalf("CheckStart of a script without a handler: %v", err)
	}
	syntax := &Config{Name: "test", Script: Script{Code: `export default {`, URL: "worker.js", Modules: true}, Host: &Host{}}
	if err := CheckStart(syntax); err == nil {
		t.Fatal("CheckStart of a syntax error: no error")
	}

	w, starts := newIdleTestWorker(t, broken, 2)
	var wg sync.WaitGroup
	var failed atomic.Int64
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, _, err := fetchText(t, w, "GET", "/hello", "")
			if err != nil && strings.Contains(err.Error(), "boom at start") {
				failed.Add(1)
			} else {
				t.Errorf("first request to a broken worker: %v, want the top-level exception", err)
			}
		}()
	}
	wg.Wait()
	if failed.Load() != 8 {
		t.Fatalf("%d of 8 requests got the start error", failed.Load())
	}
	// Each request waits for a start under way rather than starting its
	// own: at most one attempt per request beyond the pool's first.
	if n := starts.Load(); n > 2+8 {
		t.Errorf("%d start attempts for 8 requests", n)
	}
	if n := len(w.Instances()); n != 0 {
		t.Errorf("%d instances of a script that cannot start", n)
	}

	// Wait for the retries under way, then swap a good version in.
	waitStarted(t, w)
	good := *w.cfg
	good.Script.Code = moduleScript
	if err := w.Swap(&good); err != nil {
		t.Fatal(err)
	}
	if resp, body, err := fetchText(t, w, "GET", "/hello", ""); err != nil || resp.Status != 200 || body != "hi outpost 2" {
		t.Fatalf("after swapping a good version in: %v %q %v", resp, body, err)
	}
}

// Swapping a version into a worker that holds no instance starts nothing:
// the next request starts the new version.
func TestIdleWorkerSwapStaysIdle(t *testing.T) {
	w, starts := newIdleTestWorker(t, moduleScript, 1)
	next := *w.cfg
	next.Script.Code = `console.log("top level ran"); var __outpost_entry = { default: { fetch() { return new Response("v2") } } };`
	if err := w.Swap(&next); err != nil {
		t.Fatal(err)
	}
	if starts.Load() != 0 || len(w.Instances()) != 0 {
		t.Fatalf("a swap into an idle worker started %d instances", starts.Load())
	}
	if _, body, err := fetchText(t, w, "GET", "/", ""); err != nil || body != "v2" {
		t.Fatalf("first request after the swap: %q %v", body, err)
	}
	if starts.Load() != 1 {
		t.Errorf("%d starts, want 1", starts.Load())
	}
}

// waitStarted waits until no instance of w is being started.
func waitStarted(t *testing.T, w *Worker) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		w.mu.Lock()
		busy := w.starting
		w.mu.Unlock()
		if busy == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d instances still starting after 30 s", busy)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
