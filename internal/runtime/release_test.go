package runtime

import (
	"testing"
	"time"
)

// An idle worker releases its instances and starts them again on the next
// request; in-memory state goes with them.
func TestReleaseIdle(t *testing.T) {
	w := newTestWorker(t, moduleScript, true, 2)
	if _, body, err := fetchText(t, w, "GET", "/wait", ""); err != nil || body != "w" {
		t.Fatalf("first request: %q, %v", body, err)
	}
	w.ReleaseIdle(50 * time.Millisecond)
	deadline := time.Now().Add(20 * time.Second)
	for len(w.Instances()) > 0 {
		if time.Now().After(deadline) {
			t.Fatalf("%d instances still running long after the worker went idle", len(w.Instances()))
		}
		time.Sleep(20 * time.Millisecond)
	}
	resp, body, err := fetchText(t, w, "GET", "/hello", "")
	if err != nil || resp.Status != 200 || body != "hi outpost 2" {
		t.Fatalf("request after the release: %v %q %v", resp, body, err)
	}
	if n := len(w.Instances()); n == 0 {
		t.Fatal("no instance after the request that restarted the worker")
	}
	// The restarted instance is fresh: the global set before is gone.
	if _, body, _ := fetchText(t, w, "GET", "/waited", ""); body != "false" {
		t.Errorf("globalThis.waited after the release = %q, want a fresh global scope", body)
	}
	// Turned off, the worker keeps its instances.
	w.ReleaseIdle(0)
	time.Sleep(200 * time.Millisecond)
	if len(w.Instances()) == 0 {
		t.Error("instances released after ReleaseIdle(0)")
	}
}
