package cron

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// fireLog records fires from any number of goroutines.
type fireLog struct {
	mu    sync.Mutex
	fires []string
}

func (l *fireLog) add(node, cron string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.fires = append(l.fires, fmt.Sprintf("%s|%s|%s", node, cron, at.UTC().Format("2006-01-02T15:04")))
}

func (l *fireLog) list() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := slices.Clone(l.fires)
	slices.Sort(out)
	return out
}

func quietLogger() *slog.Logger { return slog.New(slog.NewTextHandler(io.Discard, nil)) }

// harness runs a Scheduler on a ManualClock.
type harness struct {
	t      *testing.T
	clock  *ManualClock
	cancel context.CancelFunc
	done   chan struct{}
}

func startScheduler(t *testing.T, clock *ManualClock, opts Options) *harness {
	t.Helper()
	opts.Clock = clock
	if opts.Logger == nil {
		opts.Logger = quietLogger()
	}
	s, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{t: t, clock: clock, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(h.done)
		s.Run(ctx)
	}()
	t.Cleanup(h.stop)
	return h
}

// stop cancels Run and waits for it and its fires to return.
func (h *harness) stop() {
	h.cancel()
	select {
	case <-h.done:
	case <-time.After(10 * time.Second):
		h.t.Fatal("Run did not return after its context was cancelled")
	}
}

// settle waits until n schedulers sleep on the clock again.
func settle(t *testing.T, clock *ManualClock, n int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := clock.BlockUntil(ctx, n); err != nil {
		t.Fatalf("schedulers did not go back to sleep: %v", err)
	}
}

// stepMinutes advances the clock one minute at a time.
func stepMinutes(t *testing.T, clock *ManualClock, schedulers, minutes int) {
	t.Helper()
	for i := 0; i < minutes; i++ {
		settle(t, clock, schedulers)
		next := clock.Now().Truncate(time.Minute).Add(time.Minute)
		clock.AdvanceTo(next)
	}
	settle(t, clock, schedulers)
}

func TestSchedulerFiresEachExpressionOnTime(t *testing.T) {
	clock := NewManualClock(utc("2024-01-01T10:00:30Z"))
	var log fireLog
	h := startScheduler(t, clock, Options{
		Worker: "w",
		Crons:  []string{"* * * * *", "*/5 * * * *", "0 0 * * *"},
		Fire: func(ctx context.Context, cron string, at time.Time) error {
			log.add("n", cron, at)
			return nil
		},
	})
	stepMinutes(t, clock, 1, 10)
	h.stop()
	var want []string
	for m := 1; m <= 10; m++ {
		want = append(want, fmt.Sprintf("n|* * * * *|2024-01-01T10:%02d", m))
	}
	want = append(want, "n|*/5 * * * *|2024-01-01T10:05", "n|*/5 * * * *|2024-01-01T10:10")
	slices.Sort(want)
	if got := log.list(); !slices.Equal(got, want) {
		t.Errorf("fires:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestSchedulerDoesNotReplayMissedTimes(t *testing.T) {
	// The process "starts" at 12:30; the 12:00 run and earlier are gone.
	clock := NewManualClock(utc("2024-01-01T12:30:00Z"))
	var log fireLog
	var logs bytes.Buffer
	var logsMu sync.Mutex
	h := startScheduler(t, clock, Options{
		Worker: "w",
		Crons:  []string{"0 * * * *"},
		Logger: slog.New(slog.NewTextHandler(lockedWriter{&logsMu, &logs}, nil)),
		Fire: func(ctx context.Context, cron string, at time.Time) error {
			log.add("n", cron, at)
			return nil
		},
	})
	settle(t, clock, 1)
	if got := log.list(); len(got) != 0 {
		t.Fatalf("fired at start-up: %v", got)
	}
	stepMinutes(t, clock, 1, 30) // to 13:00
	// The clock jumps 3h10m (a suspended machine): 14:00 and 15:00 are
	// skipped, 16:00 fires once, late.
	clock.Advance(3*time.Hour + 10*time.Minute)
	settle(t, clock, 1)
	h.stop()
	want := []string{"n|0 * * * *|2024-01-01T13:00", "n|0 * * * *|2024-01-01T16:00"}
	if got := log.list(); !slices.Equal(got, want) {
		t.Errorf("fires %v, want %v", got, want)
	}
	logsMu.Lock()
	defer logsMu.Unlock()
	if !strings.Contains(logs.String(), "missed=2") {
		t.Errorf("no warning about the two missed times in the log:\n%s", logs.String())
	}
}

type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

func TestSchedulerRunsSlowAndFailingFiresIndependently(t *testing.T) {
	clock := NewManualClock(utc("2024-01-01T00:00:00Z"))
	release := make(chan struct{})
	var log fireLog
	h := startScheduler(t, clock, Options{
		Worker: "w",
		Crons:  []string{"* * * * *", "*/2 * * * *"},
		Fire: func(ctx context.Context, cron string, at time.Time) error {
			log.add("n", cron, at)
			switch {
			case cron == "* * * * *" && at.Minute() == 1:
				<-release // a run that outlives the next minute
			case cron == "*/2 * * * *":
				panic("handler bug")
			case at.Minute() == 3:
				return errors.New("handler threw")
			}
			return nil
		},
	})
	stepMinutes(t, clock, 1, 4)
	close(release)
	h.stop()
	want := []string{
		"n|* * * * *|2024-01-01T00:01", "n|* * * * *|2024-01-01T00:02", "n|* * * * *|2024-01-01T00:03",
		"n|* * * * *|2024-01-01T00:04", "n|*/2 * * * *|2024-01-01T00:02", "n|*/2 * * * *|2024-01-01T00:04",
	}
	if got := log.list(); !slices.Equal(got, want) {
		t.Errorf("fires %v, want %v", got, want)
	}
}

func TestRunWaitsForFiresAndCancelsThem(t *testing.T) {
	clock := NewManualClock(utc("2024-01-01T00:00:00Z"))
	started := make(chan struct{})
	finished := make(chan error, 1)
	h := startScheduler(t, clock, Options{
		Worker: "w",
		Crons:  []string{"* * * * *"},
		Fire: func(ctx context.Context, cron string, at time.Time) error {
			close(started)
			<-ctx.Done()
			finished <- ctx.Err()
			return ctx.Err()
		},
	})
	settle(t, clock, 1)
	clock.Advance(time.Minute)
	<-started
	h.stop() // returns only after the fire has returned
	select {
	case err := <-finished:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("fire saw %v, want context.Canceled", err)
		}
	default:
		t.Error("Run returned while a fire was still running")
	}
}

type failingClaimer struct{}

func (failingClaimer) Claim(context.Context, string, string, time.Time) (bool, error) {
	return false, errors.New("database down")
}

func TestSchedulerSkipsWhenClaimFails(t *testing.T) {
	clock := NewManualClock(utc("2024-01-01T00:00:00Z"))
	var log fireLog
	h := startScheduler(t, clock, Options{
		Worker: "w",
		Crons:  []string{"* * * * *"},
		Claim:  failingClaimer{},
		Fire: func(ctx context.Context, cron string, at time.Time) error {
			log.add("n", cron, at)
			return nil
		},
	})
	stepMinutes(t, clock, 1, 3)
	h.stop()
	if got := log.list(); len(got) != 0 {
		t.Errorf("fired without a claim: %v", got)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	fire := func(context.Context, string, time.Time) error { return nil }
	cases := []struct {
		opts Options
		want string
	}{
		{Options{Crons: []string{"* * * * *"}}, "Fire is required"},
		{Options{Crons: []string{"* * * * *", "0 0 * * 0"}, Fire: fire}, `triggers.crons[1]: cron "0 0 * * 0": day-of-week`},
		{Options{Crons: []string{"0 * * * *"}, Fire: fire, Claim: failingClaimer{}}, "Worker is required"},
	}
	for _, c := range cases {
		_, err := New(c.opts)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("New(%v): err = %v, want one containing %q", c.opts.Crons, err, c.want)
		}
	}
	if _, err := New(Options{Fire: fire}); err != nil {
		t.Errorf("a worker without crons: %v", err)
	}
	s, err := New(Options{Crons: []string{"0 * * * *", "0 * * * *", "0  * * * *"}, Fire: fire, Logger: quietLogger()})
	if err != nil || len(s.schedules) != 2 {
		t.Errorf("a repeated expression must fire once, a differently spaced one separately: %v, %d schedules", err, len(s.schedules))
	}
}

func TestManualClockTimers(t *testing.T) {
	c := NewManualClock(utc("2024-01-01T00:00:00Z"))
	now := <-c.NewTimer(0).C()
	if !now.Equal(c.Now()) {
		t.Errorf("NewTimer(0) delivered %s", now)
	}
	stopped := c.NewTimer(time.Second)
	if !stopped.Stop() || stopped.Stop() {
		t.Error("Stop on a pending timer must report true once")
	}
	ch := c.NewTimer(90 * time.Second).C()
	c.Advance(time.Minute)
	select {
	case <-ch:
		t.Fatal("a 90s timer fired after 60s")
	default:
	}
	c.Advance(30 * time.Second)
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	if err := c.BlockUntil(ctx, 1); err == nil {
		t.Error("BlockUntil(1) succeeded with no timer pending (the stopped one must not count)")
	}
	select {
	case at := <-ch:
		if !at.Equal(utc("2024-01-01T00:01:30Z")) {
			t.Errorf("timer delivered %s", at)
		}
	default:
		t.Fatal("a 90s timer did not fire after 90s")
	}
}
