package fleet

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/outpost-dev/outpost/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func newPool(t testing.TB, dsn string) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// clock is a node's own clock; stopping it plays a paused process, which
// does not notice that time went by.
type clock struct {
	mu      sync.Mutex
	stopped time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.stopped.IsZero() {
		return c.stopped
	}
	return time.Now()
}

func (c *clock) stop() { c.mu.Lock(); c.stopped = time.Now(); c.mu.Unlock() }

var nodeSeq atomic.Int64

func startNode(t *testing.T, dsn string, ttl time.Duration, c *clock) *Node {
	t.Helper()
	cfg := Config{Pool: newPool(t, dsn), Node: fmt.Sprintf("node-%d", nodeSeq.Add(1)), Addr: "127.0.0.1:0", LeaseTTL: ttl}
	if c != nil {
		cfg.Now = c.Now
	}
	n, err := Start(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { n.Close(context.Background()) })
	return n
}

// pauseRenewals holds a node's renewal loop until the returned func runs.
func pauseRenewals(n *Node) func() {
	resume := make(chan struct{})
	n.pause <- resume
	var once sync.Once
	return func() { once.Do(func() { close(resume) }) }
}

func TestLeasesAndTokens(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	// TTLs with room for a loaded machine: renewals must keep the lease.
	a := startNode(t, dsn, 2*time.Second, nil)
	b := startNode(t, dsn, 2*time.Second, nil)

	la, err := a.Acquire(ctx, "w/C/1")
	if err != nil {
		t.Fatal(err)
	}
	var held *HeldError
	if _, err := b.Acquire(ctx, "w/C/1"); !errors.As(err, &held) || held.Owner != a.Name() {
		t.Fatalf("b acquired a held lease: %v", err)
	}
	if owner, _, ok, err := b.Owner(ctx, "w/C/1"); err != nil || !ok || owner != a.Name() {
		t.Errorf("Owner = %q, %v, %v", owner, ok, err)
	}
	// Renewals keep it past several TTLs.
	time.Sleep(5 * time.Second)
	if err := la.Check(); err != nil {
		t.Fatalf("a renewed lease is lost: %v", err)
	}
	if _, err := b.Acquire(ctx, "w/C/1"); !errors.As(err, &held) {
		t.Fatalf("b took a renewed lease: %v", err)
	}
	// Released: b takes it at once, with a higher token.
	if err := la.Release(ctx); err != nil {
		t.Fatal(err)
	}
	lb, err := b.Acquire(ctx, "w/C/1")
	if err != nil {
		t.Fatal(err)
	}
	if lb.Token <= la.Token {
		t.Errorf("tokens went %d then %d", la.Token, lb.Token)
	}
	if la.Check() == nil {
		t.Error("a released lease still checks")
	}
	ms, err := a.Members(ctx)
	if err != nil || len(ms) != 2 {
		t.Errorf("members = %+v, %v", ms, err)
	}
}

func TestTakeoverOfADeadOwner(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	ttl := time.Second
	a := startNode(t, dsn, ttl, nil)
	b := startNode(t, dsn, 5*time.Second, nil)
	lost := make(chan string, 1)
	a.cfg.OnLost = func(o string, _ int64) { lost <- o }
	la, err := a.Acquire(ctx, "w/C/2")
	if err != nil {
		t.Fatal(err)
	}
	resume := pauseRenewals(a) // a stops renewing, as a dead node would
	defer resume()
	start := time.Now()
	var lb *Lease
	for lb == nil {
		if lb, err = b.Acquire(ctx, "w/C/2"); err != nil {
			var held *HeldError
			if !errors.As(err, &held) {
				t.Fatal(err)
			}
			if time.Since(start) > 3*ttl {
				t.Fatalf("no takeover after %v", time.Since(start))
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	took := time.Since(start)
	t.Logf("taken over after %v (TTL %v)", took, ttl)
	if took > 2*ttl {
		t.Errorf("takeover took %v", took)
	}
	if lb.Token != la.Token+1 {
		t.Errorf("tokens %d then %d", la.Token, lb.Token)
	}
	if la.Check() == nil {
		t.Error("a still believes it holds the lease after its deadline")
	}
	resume()
	select {
	case o := <-lost:
		if o != "w/C/2" {
			t.Errorf("lost %q", o)
		}
	case <-time.After(3 * ttl):
		t.Error("OnLost was not called")
	}
}

// Nodes racing for the same free objects: each object gets exactly one
// owner, and every acquisition a token of its own.
func TestRacingAcquisitions(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	nodes := []*Node{startNode(t, dsn, 5*time.Second, nil), startNode(t, dsn, 5*time.Second, nil), startNode(t, dsn, 5*time.Second, nil)}
	const objects = 30
	winners := make([][]int64, objects) // tokens won, per object
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, n := range nodes {
		for i := range objects {
			wg.Add(1)
			go func() {
				defer wg.Done()
				l, err := n.Acquire(ctx, fmt.Sprintf("w/C/race%d", i))
				var held *HeldError
				if errors.As(err, &held) {
					return
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				winners[i] = append(winners[i], l.Token)
				mu.Unlock()
			}()
		}
	}
	wg.Wait()
	for i, w := range winners {
		if len(w) != 1 || w[0] != 1 {
			t.Errorf("object %d was won %d times (tokens %v)", i, len(w), w)
		}
	}
}
