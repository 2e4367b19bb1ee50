package cron

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/outpost-dev/outpost/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// lockedConn shares one *pgx.Conn between goroutines, standing in for the
// pool a server would pass.
type lockedConn struct {
	mu   sync.Mutex
	conn *pgx.Conn
}

func (c *lockedConn) Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conn.Exec(ctx, sql, args...)
}

func dial(t *testing.T, dsn string) *lockedConn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return &lockedConn{conn: conn}
}

func newClaimer(t *testing.T, dsn, node string) *PostgresClaimer {
	t.Helper()
	c, err := NewPostgresClaimer(context.Background(), dial(t, dsn), node)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestTwoNodesFireEachScheduledTimeOnce(t *testing.T) {
	dsn := pgtest.DSN(t)
	clock := NewManualClock(utc("2024-02-28T23:45:10Z"))
	var log fireLog
	crons := []string{"* * * * *", "*/2 * * * *", "0 0 * * *"}
	var nodes []*harness
	for _, node := range []string{"a", "b"} {
		nodes = append(nodes, startScheduler(t, clock, Options{
			Worker: "app",
			Crons:  crons,
			Claim:  newClaimer(t, dsn, node),
			Fire: func(ctx context.Context, cron string, at time.Time) error {
				log.add(node, cron, at)
				return nil
			},
		}))
	}
	stepMinutes(t, clock, 2, 30) // through midnight into 29 February

	want := map[string]bool{}
	for m := 1; m <= 30; m++ {
		at := utc("2024-02-28T23:45:00Z").Add(time.Duration(m) * time.Minute)
		for _, cron := range crons {
			if MustParse(cron).Next(at.Add(-time.Second)).Equal(at) {
				want[fmt.Sprintf("%s|%s", cron, at.Format("2006-01-02T15:04"))] = true
			}
		}
	}
	// Fires (and their claims) run asynchronously: give them time to land
	// before stopping the nodes, which would cancel claims still in flight.
	waitForFires(t, &log, len(want))
	for _, h := range nodes {
		h.stop()
	}
	counts := map[string]int{}
	for _, f := range log.list() {
		_, key, _ := strings.Cut(f, "|")
		counts[key]++
	}
	for key := range want {
		if counts[key] != 1 {
			t.Errorf("%s ran %d times across the fleet, want 1", key, counts[key])
		}
	}
	for key, n := range counts {
		if !want[key] {
			t.Errorf("%s ran %d times but is not a scheduled time", key, n)
		}
	}
	if !want["0 0 * * *|2024-02-29T00:00"] || len(want) != 30+15+1 {
		t.Fatalf("test expects 46 scheduled times including midnight, computed %d", len(want))
	}

	var rows int
	if err := dial(t, dsn).conn.QueryRow(context.Background(), "SELECT count(*) FROM "+claimsTable).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != len(want) {
		t.Errorf("%d claims recorded, want %d", rows, len(want))
	}
}

func TestDeadNodeDoesNotBlockTheNextTime(t *testing.T) {
	dsn := pgtest.DSN(t)
	clock := NewManualClock(utc("2024-01-01T00:00:30Z"))
	var log fireLog
	running := make(chan struct{})

	// Node a claims 00:01 and dies in the middle of running it.
	a := startScheduler(t, clock, Options{
		Worker: "app",
		Crons:  []string{"* * * * *"},
		Claim:  newClaimer(t, dsn, "a"),
		Fire: func(ctx context.Context, cron string, at time.Time) error {
			log.add("a", cron, at)
			close(running)
			<-ctx.Done()
			return ctx.Err()
		},
	})
	settle(t, clock, 1)
	clock.AdvanceTo(utc("2024-01-01T00:01:00Z"))
	<-running
	a.stop()

	// Node b carries on: 00:01 is not run again, 00:02 and 00:03 run.
	b := startScheduler(t, clock, Options{
		Worker: "app",
		Crons:  []string{"* * * * *"},
		Claim:  newClaimer(t, dsn, "b"),
		Fire: func(ctx context.Context, cron string, at time.Time) error {
			log.add("b", cron, at)
			return nil
		},
	})
	stepMinutes(t, clock, 1, 2)
	waitForFires(t, &log, 3)
	b.stop()
	want := []string{"a|* * * * *|2024-01-01T00:01", "b|* * * * *|2024-01-01T00:02", "b|* * * * *|2024-01-01T00:03"}
	if got := log.list(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("fires %v, want %v", got, want)
	}
}

func waitForFires(t *testing.T, log *fireLog, n int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(log.list()) < n {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d fires arrived: %v", len(log.list()), n, log.list())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestClaimIsPerWorkerCronAndTime(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	a, b := newClaimer(t, dsn, "a"), newClaimer(t, dsn, "b")
	at := utc("2024-01-01T00:00:00Z")
	steps := []struct {
		c            *PostgresClaimer
		worker, cron string
		at           time.Time
		want         bool
	}{
		{a, "app", "* * * * *", at, true},
		{b, "app", "* * * * *", at, false},
		{a, "app", "* * * * *", at, false}, // not even the same node twice
		{b, "app", "*/5 * * * *", at, true},
		{b, "other", "* * * * *", at, true},
		{b, "app", "* * * * *", at.Add(time.Minute), true},
		// The same instant in another zone is the same scheduled time.
		{a, "app", "* * * * *", at.In(time.FixedZone("X", 3600)), false},
	}
	for i, s := range steps {
		got, err := s.c.Claim(ctx, s.worker, s.cron, s.at)
		if err != nil {
			t.Fatal(err)
		}
		if got != s.want {
			t.Errorf("step %d: Claim(%s, %q, %s) = %v, want %v", i, s.worker, s.cron, s.at, got, s.want)
		}
	}
}

func TestClaimerDeletesOldClaims(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	c := newClaimer(t, dsn, "a")
	old := utc("2024-01-01T00:00:00Z")
	if ok, err := c.Claim(ctx, "app", "* * * * *", old); err != nil || !ok {
		t.Fatalf("first claim: %v, %v", ok, err)
	}
	// A claim more than the retention later sweeps the old row away.
	if ok, err := c.Claim(ctx, "app", "* * * * *", old.Add(claimRetention+2*cleanupEvery)); err != nil || !ok {
		t.Fatalf("later claim: %v, %v", ok, err)
	}
	var rows int
	if err := dial(t, dsn).conn.QueryRow(ctx, "SELECT count(*) FROM "+claimsTable+" WHERE scheduled_time = $1", old).Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 0 {
		t.Errorf("claim from %s still stored after %s", old, claimRetention)
	}
}

func TestNodesCreateTheTableConcurrently(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for i := range 8 {
		conn := dial(t, dsn)
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := NewPostgresClaimer(context.Background(), conn, fmt.Sprint("node", i))
			errs <- err
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
}
