package serve

import (
	"net/http/httptest"
	"testing"
	"time"
)

// The instance check skips an instance that ran nothing since it was last
// measured, and one that ran without the engine collecting; one that grew
// its heap is measured again: the memory is seen (and counts against the
// limit) at the next check. One that ran and then rests is collected once.
func TestInstanceCheckMeasuresWhatRan(t *testing.T) {
	s := newTestServer(t, `limits = { memory = "128MB" }`)
	ws, get, check := checkedFront(t, s, `{ async fetch(req) {
		if (new URL(req.url).pathname === "/grow") globalThis.kept = new Array(2_000_000).fill(0).map((_, i) => ({ i }));
		return new Response("ok");
	} }`)
	get("/")
	check()
	in := ws.current().Instances()[0]
	if smp := ws.cpu[in]; smp == nil || smp.measured != in.Invocations() {
		t.Fatalf("the instance was not measured after its request: %+v", smp)
	}
	// Resting after it ran, it is collected once (and measured exactly).
	gcs := in.Collections()
	check()
	if in.Collections() <= gcs {
		t.Errorf("a resting instance that ran was not collected")
	}
	before := ws.heapBytes.Load()
	if before == 0 {
		t.Errorf("no heap measured after a full collection")
	}
	// Nothing ran since: the next check keeps the measurement, and does
	// not collect again.
	gcs = in.Collections()
	check()
	if got := ws.heapBytes.Load(); got != before {
		t.Errorf("an idle instance's heap changed from %d to %d", before, got)
	}
	if in.Collections() != gcs {
		t.Errorf("an idle instance was collected again")
	}
	// A small request that left no collection behind keeps the figure
	// (reading the statistics walks the heap).
	gcs = in.Collections()
	get("/")
	check()
	if in.Collections() == gcs {
		if got := ws.heapBytes.Load(); got != before {
			t.Errorf("the heap was measured again after a request without a collection: %d, before %d", got, before)
		}
		if smp := ws.cpu[in]; smp.measured != in.Invocations() {
			t.Errorf("the request was not noted: measured %d of %d invocations", smp.measured, in.Invocations())
		}
	}
	// /grow allocates far past the engine's threshold: collections run,
	// and the next check measures.
	get("/grow")
	check()
	if got := ws.heapBytes.Load(); got < before+20<<20 {
		t.Errorf("after /grow the check saw %d bytes, before %d", got, before)
	}
}

// checkedFront deploys module to the worker "front" and returns its state,
// a GET through the server's handler (which must answer 200 "ok"), and one
// instance check of it.
func checkedFront(t *testing.T, s *Server, module string) (*workerState, func(path string), func()) {
	t.Helper()
	if code, body := call(t, s.AdminHandler(), "POST", "/admin/workers/front/deployments", testToken, DeployRequest{Bundle: moduleBundle(module)}); code != 201 {
		t.Fatalf("deploy: %d %s", code, body)
	}
	traffic := s.Handler()
	get := func(path string) {
		t.Helper()
		rec := httptest.NewRecorder()
		traffic.ServeHTTP(rec, httptest.NewRequest("GET", "http://front.test"+path, nil))
		if rec.Code != 200 || rec.Body.String() != "ok" {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
	}
	ws := s.workers["front"]
	check := func() {
		// As watchInstances does: one check of a worker at a time.
		for !ws.checking.CompareAndSwap(false, true) {
			time.Sleep(time.Millisecond)
		}
		defer ws.checking.Store(false)
		s.checkInstances(ws)
	}
	return ws, get, check
}

// An instance that has begun no invocation for discard_code_after drops
// its compiled code once per rest (the heap holds less than after a plain
// collection) and answers as before; one that runs again rests anew.
func TestInstanceCheckDiscardsRestingCode(t *testing.T) {
	s := newTestServer(t, `discard_code_after = "50ms"`)
	ws, get, check := checkedFront(t, s, `{ async fetch(req) {
		const url = new URL(req.url);
		const h = new Headers({ "x-path": url.pathname });
		return new Response(h.get("x-path") ? "ok" : "no", { headers: { "content-type": "text/plain" } });
	} }`)
	discards := s.obs.discarded.With("front")
	for range 3 {
		get("/")
	}
	check() // the rest begins
	in := ws.current().Instances()[0]
	collected, err := in.CollectGarbage()
	if err != nil {
		t.Fatal(err)
	}
	check()
	if got := discards.Get(); got != 0 {
		t.Fatalf("discarded %v times before the instance rested 50 ms", got)
	}
	time.Sleep(60 * time.Millisecond)
	check()
	if got := discards.Get(); got != 1 {
		t.Fatalf("discarded %v times after a rest of 50 ms, want 1", got)
	}
	if smp := ws.cpu[in]; smp.heap >= collected.HeapSize {
		t.Errorf("heap after discarding code %d bytes, after a collection %d", smp.heap, collected.HeapSize)
	}
	time.Sleep(60 * time.Millisecond)
	check()
	if got := discards.Get(); got != 1 {
		t.Errorf("discarded again in the same rest (%v times)", got)
	}
	get("/x")
	check()
	time.Sleep(60 * time.Millisecond)
	check()
	if got := discards.Get(); got != 2 {
		t.Errorf("discarded %v times after running and resting again, want 2", got)
	}
	get("/y")
}
