// Package queuetest is the conformance suite every queue.Store passes
// (SQLite and PostgreSQL): ordering, delays, leases and their expiry,
// fencing of stale leases, dead-letter moves, concurrent consumers.
package queuetest

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/queue"
)

var epoch = time.UnixMilli(1_750_000_000_000)

// Run runs the suite; newStore returns a fresh, empty store (the suite
// closes it).
func Run(t *testing.T, newStore func(t *testing.T) queue.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s queue.Store)
	}{
		{"OrderAndAttempts", testOrder},
		{"Delays", testDelays},
		{"LeaseHidesAndExpires", testLeaseExpiry},
		{"StaleLeaseChangesNothing", testStaleLease},
		{"RetryAndMove", testRetryMove},
		{"QueuesAreSeparate", testSeparate},
		{"StatsAndPurge", testStats},
		{"Peek", testPeek},
		{"ConcurrentLeases", testConcurrent},
		{"ConcurrentSends", testConcurrentSends},
		{"DuplicateIDFailsAlone", testDuplicateID},
		{"OneConsumerWorker", testConsumerClaims},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			t.Cleanup(func() { s.Close() })
			tc.fn(t, s)
		})
	}
}

var ctx = context.Background()

func rows(n int, at time.Time, delay time.Duration) []queue.Row {
	out := make([]queue.Row, n)
	for i := range out {
		out[i] = queue.Row{ID: queue.NewID(), Body: []byte(fmt.Sprintf("m%d", i)), ContentType: queue.ContentText, SentAt: at, VisibleAt: at.Add(delay)}
	}
	return out
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func bodies(ms []queue.Message) []string {
	var out []string
	for _, m := range ms {
		out = append(out, string(m.Body))
	}
	return out
}

func testOrder(t *testing.T, s queue.Store) {
	must(t, s.Insert(ctx, "q", rows(5, epoch, 0)))
	got, err := s.Lease(ctx, "q", 3, epoch, epoch.Add(time.Minute))
	must(t, err)
	if fmt.Sprint(bodies(got)) != "[m0 m1 m2]" {
		t.Fatalf("lease = %v, want the first three in order", bodies(got))
	}
	for _, m := range got {
		if m.Attempts != 1 || m.Lease == 0 || m.Lease != got[0].Lease || !m.Timestamp.Equal(epoch) || m.ContentType != queue.ContentText || m.Queue != "q" {
			t.Fatalf("message %+v: want attempts 1, one lease, the send time", m)
		}
	}
	rest, err := s.Lease(ctx, "q", 10, epoch, epoch.Add(time.Minute))
	must(t, err)
	if fmt.Sprint(bodies(rest)) != "[m3 m4]" || rest[0].Lease == got[0].Lease {
		t.Fatalf("second lease = %v, want m3 m4 with a new lease", bodies(rest))
	}
	must(t, s.Ack(ctx, "q", got[0].Lease, []string{got[0].ID, got[1].ID, got[2].ID}))
	st, err := s.Stats(ctx, "q", epoch)
	must(t, err)
	if len(st) != 1 || st[0].Messages != 2 || st[0].Leased != 2 {
		t.Fatalf("stats = %+v, want 2 leased messages left", st)
	}
}

func testDelays(t *testing.T, s queue.Store) {
	must(t, s.Insert(ctx, "q", rows(2, epoch, 10*time.Second)))
	p, err := s.Pending(ctx, "q", epoch, 100)
	must(t, err)
	if p.Ready != 0 || !p.NextVisible.Equal(epoch.Add(10*time.Second)) {
		t.Fatalf("pending = %+v, want none ready, next at +10s", p)
	}
	got, err := s.Lease(ctx, "q", 10, epoch.Add(9999*time.Millisecond), epoch.Add(time.Minute))
	must(t, err)
	if len(got) != 0 {
		t.Fatalf("leased %d delayed messages before their time", len(got))
	}
	p, err = s.Pending(ctx, "q", epoch.Add(10*time.Second), 100)
	must(t, err)
	if p.Ready != 2 || !p.ReadySince.Equal(epoch.Add(10*time.Second)) || !p.NextVisible.IsZero() {
		t.Fatalf("pending at +10s = %+v, want 2 ready since +10s", p)
	}
	// The count stops at the limit; the times do not depend on it.
	p, err = s.Pending(ctx, "q", epoch.Add(10*time.Second), 1)
	must(t, err)
	if p.Ready != 1 || !p.ReadySince.Equal(epoch.Add(10*time.Second)) {
		t.Fatalf("pending with limit 1 = %+v, want 1 ready since +10s", p)
	}
}

func testLeaseExpiry(t *testing.T, s queue.Store) {
	must(t, s.Insert(ctx, "q", rows(1, epoch, 0)))
	first, err := s.Lease(ctx, "q", 10, epoch, epoch.Add(30*time.Second))
	must(t, err)
	if len(first) != 1 {
		t.Fatalf("leased %d, want 1", len(first))
	}
	if again, _ := s.Lease(ctx, "q", 10, epoch.Add(29*time.Second), epoch.Add(time.Minute)); len(again) != 0 {
		t.Fatal("a leased message was leased again before its lease ended")
	}
	must(t, s.Extend(ctx, "q", first[0].Lease, epoch.Add(60*time.Second)))
	if again, _ := s.Lease(ctx, "q", 10, epoch.Add(45*time.Second), epoch.Add(time.Minute)); len(again) != 0 {
		t.Fatal("an extended lease was taken over")
	}
	again, err := s.Lease(ctx, "q", 10, epoch.Add(60*time.Second), epoch.Add(90*time.Second))
	must(t, err)
	if len(again) != 1 || again[0].ID != first[0].ID || again[0].Attempts != 2 || again[0].Lease == first[0].Lease {
		t.Fatalf("after the lease ran out: %+v, want the message again with attempts 2 and a new lease", again)
	}
}

func testStaleLease(t *testing.T, s queue.Store) {
	must(t, s.Insert(ctx, "q", rows(1, epoch, 0)))
	first, _ := s.Lease(ctx, "q", 10, epoch, epoch.Add(time.Second))
	second, _ := s.Lease(ctx, "q", 10, epoch.Add(time.Second), epoch.Add(time.Minute))
	if len(first) != 1 || len(second) != 1 {
		t.Fatal("want the message leased twice")
	}
	// The first consumer comes back after its lease ran out: nothing it
	// does counts.
	must(t, s.Ack(ctx, "q", first[0].Lease, []string{first[0].ID}))
	must(t, s.Retry(ctx, "q", first[0].Lease, first[0].ID, epoch))
	must(t, s.Move(ctx, "q", first[0].Lease, first[0].ID, "dlq", epoch))
	must(t, s.Extend(ctx, "q", first[0].Lease, epoch.Add(time.Hour)))
	st, _ := s.Stats(ctx, "", epoch.Add(2*time.Second))
	if len(st) != 1 || st[0].Queue != "q" || st[0].Leased != 1 {
		t.Fatalf("stats = %+v, want the message still leased by the second consumer", st)
	}
	must(t, s.Ack(ctx, "q", second[0].Lease, []string{second[0].ID}))
	st, _ = s.Stats(ctx, "", epoch.Add(2*time.Second))
	if len(st) != 0 {
		t.Fatalf("stats = %+v, want the queue empty after the current lease's ack", st)
	}
}

func testRetryMove(t *testing.T, s queue.Store) {
	must(t, s.Insert(ctx, "q", rows(2, epoch, 0)))
	got, _ := s.Lease(ctx, "q", 10, epoch, epoch.Add(time.Minute))
	must(t, s.Retry(ctx, "q", got[0].Lease, got[0].ID, epoch.Add(5*time.Second)))
	must(t, s.Move(ctx, "q", got[0].Lease, got[1].ID, "dlq", epoch))
	if again, _ := s.Lease(ctx, "q", 10, epoch.Add(4*time.Second), epoch.Add(time.Minute)); len(again) != 0 {
		t.Fatal("a retried message came back before its retry delay")
	}
	again, _ := s.Lease(ctx, "q", 10, epoch.Add(5*time.Second), epoch.Add(time.Minute))
	if len(again) != 1 || again[0].ID != got[0].ID || again[0].Attempts != 2 {
		t.Fatalf("retried = %+v, want m0 with attempts 2", again)
	}
	dead, _ := s.Lease(ctx, "dlq", 10, epoch, epoch.Add(time.Minute))
	if len(dead) != 1 || dead[0].ID != got[1].ID || dead[0].Attempts != 1 || string(dead[0].Body) != "m1" || !dead[0].Timestamp.Equal(epoch) {
		t.Fatalf("dead letters = %+v, want m1 with its id, body and timestamp, attempts counted anew", dead)
	}
}

func testSeparate(t *testing.T, s queue.Store) {
	must(t, s.Insert(ctx, "a", rows(1, epoch, 0)))
	must(t, s.Insert(ctx, "b", rows(2, epoch, 0)))
	got, _ := s.Lease(ctx, "a", 10, epoch, epoch.Add(time.Minute))
	if len(got) != 1 {
		t.Fatalf("queue a leased %d, want 1", len(got))
	}
	// A lease token of queue a acks nothing in queue b.
	must(t, s.Ack(ctx, "b", got[0].Lease, []string{got[0].ID}))
	p, _ := s.Pending(ctx, "b", epoch, 100)
	if p.Ready != 2 {
		t.Fatalf("queue b ready = %d, want 2", p.Ready)
	}
	n, err := s.Purge(ctx, "b")
	must(t, err)
	if n != 2 {
		t.Fatalf("purged %d, want 2", n)
	}
}

func testStats(t *testing.T, s queue.Store) {
	must(t, s.Insert(ctx, "q", rows(3, epoch, 0)))
	must(t, s.Insert(ctx, "q", rows(2, epoch, time.Hour)))
	must(t, s.Insert(ctx, "r", rows(1, epoch.Add(-time.Minute), 0)))
	must(t, s.Insert(ctx, "r", rows(1, epoch, 0)))
	if _, err := s.Lease(ctx, "q", 1, epoch, epoch.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	st, err := s.Stats(ctx, "", epoch)
	must(t, err)
	if len(st) != 2 || st[0].Queue != "q" || st[0].Messages != 5 || st[0].Ready != 2 || st[0].Delayed != 2 || st[0].Leased != 1 || st[0].Bytes != 10 || !st[0].Oldest.Equal(epoch) || st[1].Queue != "r" {
		t.Fatalf("stats = %+v", st)
	}
	one, _ := s.Stats(ctx, "r", epoch)
	if len(one) != 1 || one[0].Messages != 2 || !one[0].Oldest.Equal(epoch.Add(-time.Minute)) {
		t.Fatalf("stats of r = %+v", one)
	}
}

func testPeek(t *testing.T, s queue.Store) {
	must(t, s.Insert(ctx, "q", rows(2, epoch, time.Minute)))
	must(t, s.Insert(ctx, "q", rows(1, epoch, 0)))
	if _, err := s.Lease(ctx, "q", 1, epoch, epoch.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err := s.Peek(ctx, "q", 10)
	must(t, err)
	if len(got) != 3 || string(got[0].Body) != "m0" || got[0].Leased || !got[0].VisibleAt.Equal(epoch.Add(time.Minute)) ||
		string(got[2].Body) != "m0" || !got[2].Leased || got[2].Attempts != 1 {
		t.Fatalf("peek = %+v", got)
	}
	if again, _ := s.Peek(ctx, "q", 1); len(again) != 1 {
		t.Fatalf("peek with limit 1 gave %d", len(again))
	}
	if p, _ := s.Pending(ctx, "q", epoch.Add(time.Minute), 100); p.Ready != 2 {
		t.Fatalf("peek took messages: %+v", p)
	}
}

func testConcurrent(t *testing.T, s queue.Store) {
	const n = 200
	must(t, s.Insert(ctx, "q", rows(n, epoch, 0)))
	var mu sync.Mutex
	seen := map[string]int{}
	var wg sync.WaitGroup
	for w := 0; w < 4; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				got, err := s.Lease(ctx, "q", 7, epoch, epoch.Add(time.Hour))
				if err != nil {
					t.Error(err)
					return
				}
				if len(got) == 0 {
					return
				}
				mu.Lock()
				for _, m := range got {
					seen[m.ID]++
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	var dup []string
	for id, c := range seen {
		if c != 1 {
			dup = append(dup, id)
		}
	}
	sort.Strings(dup)
	if len(seen) != n || len(dup) > 0 {
		t.Fatalf("leased %d distinct messages (want %d); leased more than once: %v", len(seen), n, dup)
	}
}

func testConcurrentSends(t *testing.T, s queue.Store) {
	var wg sync.WaitGroup
	for i := 0; i < 40; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := s.Insert(ctx, "q", rows(3, epoch, 0)); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	got, err := s.Lease(ctx, "q", 1000, epoch, epoch.Add(time.Hour))
	must(t, err)
	if len(got) != 120 {
		t.Fatalf("leased %d, want all 120 sent", len(got))
	}
}

// testDuplicateID: a send that fails (here: an id already in the queue)
// fails alone, and stores nothing of itself.
func testDuplicateID(t *testing.T, s queue.Store) {
	r := rows(2, epoch, 0)
	must(t, s.Insert(ctx, "q", r[:1]))
	var wg sync.WaitGroup
	errs := make([]error, 10)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == 0 {
				errs[i] = s.Insert(ctx, "q", []queue.Row{r[1], r[0]})
			} else {
				errs[i] = s.Insert(ctx, "q", rows(1, epoch, 0))
			}
		}()
	}
	wg.Wait()
	if errs[0] == nil {
		t.Fatal("a send repeating an id was accepted")
	}
	for _, err := range errs[1:] {
		must(t, err)
	}
	got, _ := s.Lease(ctx, "q", 100, epoch, epoch.Add(time.Hour))
	if len(got) != 10 {
		t.Fatalf("stored %d messages, want the first and the 9 good sends", len(got))
	}
}

// testConsumerClaims: a queue has one consumer worker; the same worker
// claims again (another node, a new version), a release frees the queue.
func testConsumerClaims(t *testing.T, s queue.Store) {
	claim := func(q, w, want string) {
		t.Helper()
		got, err := s.ClaimConsumer(ctx, q, w)
		must(t, err)
		if got != want {
			t.Errorf("ClaimConsumer(%s, %s) = %s, want %s", q, w, got, want)
		}
	}
	claim("jobs", "a", "a")
	claim("jobs", "a", "a")
	claim("jobs", "b", "a")
	claim("other", "b", "b")
	must(t, s.ReleaseConsumer(ctx, "jobs", "b")) // not b's: changes nothing
	claim("jobs", "b", "a")
	must(t, s.ReleaseConsumer(ctx, "jobs", "a"))
	claim("jobs", "b", "b")
}
