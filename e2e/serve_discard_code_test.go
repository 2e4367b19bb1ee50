package e2e

import (
	"testing"
	"time"
)

// With discard_code_after, a worker that rests drops its compiled code,
// and its next requests answer as before (the code is compiled again).
func TestServeDiscardsRestingWorkersCode(t *testing.T) {
	n := startServe(t, t.TempDir(), apiAuthConfig(`discard_code_after = "1s"`))
	code, first := n.hostGet("api.test", "/whoami")
	if code != 200 {
		t.Fatalf("api: %d %s", code, first)
	}
	discards := func(worker string) float64 {
		v, _ := metric(n.metrics(), `outpost_code_discards_total{worker="`+worker+`"}`)
		return v
	}
	if !waitFor(30*time.Second, func() bool { return discards("api") >= 1 && discards("auth") >= 1 }) {
		t.Fatalf("resting workers kept their compiled code\n%s", n.metrics())
	}
	if code, again := n.hostGet("api.test", "/whoami"); code != 200 || again != first {
		t.Fatalf("api after discarding its code: %d %s, before %s", code, again, first)
	}
	if code, body := n.hostGet("api.test", "/"); code != 200 || body != "api here" {
		t.Fatalf("api /: %d %s", code, body)
	}
}
