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

// TestD1FleetThroughput measures D1 queries per second through a worker
// on a two-node fleet: inserts and point reads through the database's
// owner and through the other node (forwarded to the owner). Not a check:
// run it on purpose with
//
//	OUTPOST_BENCH_D1_FLEET=1 go test -count=1 -v -run TestD1FleetThroughput ./e2e/
func TestD1FleetThroughput(t *testing.T) {
	if os.Getenv("OUTPOST_BENCH_D1_FLEET") == "" {
		t.Skip("set OUTPOST_BENCH_D1_FLEET=1 to measure")
	}
	dsn := pgtest.DSN(t)
	a, _ := startD1FleetNode(t, dsn, "a")
	b, _ := startD1FleetNode(t, dsn, "b")
	d1CLI(t, a, "migrations", "apply", "DB") // a owns the database
	var note struct{ ID int64 }
	d1Call(t, a, "POST", "/note", "a note", &note)
	const clients, duration = 16, 5 * time.Second
	var seq atomic.Int64
	measure := func(name string, via *serveNode, path func() string) {
		var ok, failed atomic.Int64
		var wg sync.WaitGroup
		stop := time.Now().Add(duration)
		for range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for time.Now().Before(stop) {
					if code, _, good := tryHost(via, "d1.test", path()); good && code == 200 {
						ok.Add(1)
					} else {
						failed.Add(1)
					}
				}
			}()
		}
		wg.Wait()
		t.Logf("%-40s %7.0f req/s (%d failed)", name, float64(ok.Load())/duration.Seconds(), failed.Load())
	}
	insert := func() string { return fmt.Sprintf("/insert?n=%d", seq.Add(1)) }
	read := func() string { return "/notes?bookmark=first-unconstrained" }
	measure("insert, through the owner", a, insert)
	measure("insert, through the other node", b, insert)
	measure("read, through the owner", a, read)
	measure("read, through the other node", b, read)
}
