package e2e

import (
	"testing"
	"time"
)

// With release_idle_after, a worker nobody calls holds no instance, and a
// request brings it back.
func TestServeReleasesIdleWorkers(t *testing.T) {
	n := startServe(t, t.TempDir(), apiAuthConfig(`release_idle_after = "300ms"`))
	instances := func(worker string) float64 {
		v, _ := metric(n.metrics(), `outpost_instances{worker="`+worker+`"}`)
		return v
	}
	// Neither worker was requested: both release the instance their
	// start made.
	if !waitFor(30*time.Second, func() bool { return instances("api") == 0 && instances("auth") == 0 }) {
		t.Fatalf("idle workers kept their instances\n%s", n.metrics())
	}
	code, body := n.hostGet("auth.test", "/")
	if code != 200 {
		t.Fatalf("auth after its release: %d %s", code, body)
	}
	if !waitFor(30*time.Second, func() bool { return instances("auth") == 0 }) {
		t.Fatalf("auth kept its instance after going idle again\n%s", n.metrics())
	}
	if code, body := n.hostGet("auth.test", "/"); code != 200 {
		t.Fatalf("auth after its second release: %d %s", code, body)
	}
}
