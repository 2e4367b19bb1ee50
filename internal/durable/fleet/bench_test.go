package fleet

import (
	"context"
	"encoding/binary"
	"fmt"
	"os"
	"testing"

	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

// benchDSN is OUTPOST_BENCH_PG_DSN (a server with its default durability
// settings, for numbers worth quoting), else a database on the test
// server, which runs with fsync off: a write then costs less than it would.
func benchDSN(b *testing.B) string {
	if dsn := os.Getenv("OUTPOST_BENCH_PG_DSN"); dsn != "" {
		return dsn
	}
	b.Log("OUTPOST_BENCH_PG_DSN is not set: PostgreSQL runs with fsync off")
	return pgtest.DSN(b)
}

func benchPut(b *testing.B, n *Node, s *durable.Store, id string, size int) {
	o, err := s.Object("w", "C", id)
	if err != nil {
		b.Fatal(err)
	}
	v := make([]byte, size)
	b.SetBytes(int64(size))
	b.ResetTimer()
	before := n.Stats()
	for i := range b.N {
		// A new value each time: SQLite skips writing a cell that did not change.
		binary.BigEndian.PutUint64(v, uint64(i)+1)
		if err := o.Put([]durable.Entry{{Key: fmt.Sprintf("k%d", i%1000), Value: v}}); err != nil {
			b.Fatal(err)
		}
	}
	if after := n.Stats(); after.Commits > before.Commits {
		b.ReportMetric(float64(after.Pages-before.Pages)/float64(after.Commits-before.Commits), "pages/write")
	}
}

// go test -run '^$' -bench . -benchtime 2000x -count 5 ./internal/durable/fleet/
func BenchmarkPut(b *testing.B) {
	dsn := benchDSN(b)
	n, err := Start(context.Background(), Config{Pool: newPool(b, dsn), Node: "bench", Addr: "bench:1"})
	if err != nil {
		b.Fatal(err)
	}
	defer n.Close(context.Background())
	fleet := n.Store(b.TempDir())
	defer fleet.Close()
	local := durable.NewStore(b.TempDir())
	defer local.Close()
	for _, size := range []int{100, 4096, 64 << 10} {
		b.Run(fmt.Sprintf("node/%dB", size), func(b *testing.B) { benchPut(b, n, local, durable.NewUniqueID("w/C"), size) })
		b.Run(fmt.Sprintf("fleet/%dB", size), func(b *testing.B) { benchPut(b, n, fleet, durable.NewUniqueID("w/C"), size) })
	}
	// A read on the fleet checks the lease by the node's clock: no round trip.
	for name, s := range map[string]*durable.Store{"node": local, "fleet": fleet} {
		b.Run(name+"/get", func(b *testing.B) {
			o, err := s.Object("w", "C", durable.IDFromName("w/C", "get"))
			if err != nil {
				b.Fatal(err)
			}
			o.Put([]durable.Entry{{Key: "k", Value: []byte("v")}})
			b.ResetTimer()
			for range b.N {
				if _, err := o.Get([]string{"k"}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	// Many objects written at once (commits of several objects share
	// PostgreSQL's WAL flushes), each by its own goroutine (as each
	// object's thread would): commits of different objects overlap.
	b.Run("fleet/100B-16-objects", func(b *testing.B) {
		b.SetParallelism(8) // × GOMAXPROCS goroutines
		before := n.Stats()
		b.Cleanup(func() {
			if got := n.Stats().Commits - before.Commits; got < int64(b.N) {
				b.Errorf("%d commits stored for %d writes", got, b.N)
			}
		})
		b.ResetTimer()
		b.RunParallel(func(pb *testing.PB) {
			o, err := fleet.Object("w", "C", durable.NewUniqueID("w/C"))
			if err != nil {
				b.Error(err)
				return
			}
			v := make([]byte, 100)
			for i := 0; pb.Next(); i++ {
				binary.BigEndian.PutUint64(v, uint64(i)+1)
				if err := o.Put([]durable.Entry{{Key: fmt.Sprintf("k%d", i%1000), Value: v}}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
