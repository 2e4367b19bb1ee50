package e2e

import (
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/pgtest"
)

// TestDurableObjectsFleetThroughput measures requests per second to
// Durable Objects on a two-node fleet: one object through its owner, the
// same object through the other node (forwarded), and 200 objects through
// both (each opened once before the measurement: opening an object takes
// its lease and restores it, a cost paid once per move). Not a check: run it on purpose with
//
//	OUTPOST_BENCH_DO_FLEET=1 go test -count=1 -v -run TestDurableObjectsFleetThroughput ./e2e/
func TestDurableObjectsFleetThroughput(t *testing.T) {
	if os.Getenv("OUTPOST_BENCH_DO_FLEET") == "" {
		t.Skip("set OUTPOST_BENCH_DO_FLEET=1 to measure")
	}
	dsn := pgtest.DSN(t)
	a := startDOFleetNode(t, dsn, "a", "10m")
	b := startDOFleetNode(t, dsn, "b", "10m")
	if s := a.objectCall(t, "/inc/one"); s.Node != "a" {
		t.Fatalf("one = %+v", s)
	}
	const clients, duration = 16, 5 * time.Second
	measure := func(name string, path func(client, i int) (*serveNode, string)) {
		var ok, failed atomic.Int64
		var wg sync.WaitGroup
		stop := time.Now().Add(duration)
		for c := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for i := 0; time.Now().Before(stop); i++ {
					n, p := path(c, i)
					if code, _, good := tryGet(n, p); good && code == 200 {
						ok.Add(1)
					} else {
						failed.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		t.Logf("%-45s %7.0f req/s (%d failed)", name, float64(ok.Load())/duration.Seconds(), failed.Load())
	}
	measure("one object, through its owner", func(int, int) (*serveNode, string) { return a, "/inc/one" })
	measure("one object, through the other node", func(int, int) (*serveNode, string) { return b, "/inc/one" })
	many := func(c, i int) (*serveNode, string) {
		n := a
		if c%2 == 1 {
			n = b
		}
		return n, fmt.Sprintf("/inc/o-%d", (c*7919+i)%200)
	}
	for i := range 200 {
		if code, body, ok := tryGet(a, fmt.Sprintf("/inc/o-%d", i)); !ok || code != 200 {
			t.Fatalf("opening o-%d: %d %s", i, code, body)
		}
	}
	measure("200 objects, through both nodes", many)
}
