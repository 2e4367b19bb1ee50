package cron

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// maxSleep caps each wait so that a wall clock that jumps (NTP, a suspended
// laptop) is noticed within a minute; timers run on the monotonic clock.
const maxSleep = time.Minute

// Options configure a Scheduler.
type Options struct {
	// Worker names the worker in logs and claims.
	Worker string
	// Crons are the expressions from the worker's triggers.crons, verbatim.
	Crons []string
	// Fire runs the worker's scheduled handler. cron is the expression exactly
	// as configured (controller.cron); scheduledTime is the time it was due
	// (controller.scheduledTime), not the time it started.
	Fire func(ctx context.Context, cron string, scheduledTime time.Time) error
	// Claim, if set, is asked before every fire; only the node whose claim
	// succeeds runs it. Leave nil on a single node.
	Claim Claimer
	// Clock defaults to the system clock.
	Clock Clock
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Claimer makes sure each scheduled time runs once across a fleet.
type Claimer interface {
	// Claim returns true to exactly one caller per (worker, cron,
	// scheduledTime), whichever asks first.
	Claim(ctx context.Context, worker, cron string, scheduledTime time.Time) (bool, error)
}

// Scheduler fires a worker's cron triggers on time.
type Scheduler struct {
	opts      Options
	schedules []*Schedule
	clock     Clock
	log       *slog.Logger
	running   sync.WaitGroup
}

// New checks every expression and returns a Scheduler; the error names the
// first expression Cloudflare would reject.
func New(opts Options) (*Scheduler, error) {
	if opts.Fire == nil {
		return nil, errors.New("cron: Options.Fire is required")
	}
	if opts.Claim != nil && opts.Worker == "" {
		// Claims are keyed by worker; without a name two workers with the
		// same cron would take each other's runs.
		return nil, errors.New("cron: Options.Worker is required with a Claimer")
	}
	s := &Scheduler{opts: opts, clock: opts.Clock, log: opts.Logger}
	if s.clock == nil {
		s.clock = systemClock{}
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.log = s.log.With("worker", opts.Worker)
	seen := map[string]bool{}
	for i, expr := range opts.Crons {
		sched, err := Parse(expr)
		if err != nil {
			return nil, fmt.Errorf("triggers.crons[%d]: %w", i, err)
		}
		if seen[expr] {
			// One trigger per distinct expression: controller.cron could not
			// tell the copies apart anyway.
			s.log.Warn("cron trigger listed twice; it fires once", "cron", expr)
			continue
		}
		seen[expr] = true
		s.schedules = append(s.schedules, sched)
	}
	return s, nil
}

// Run fires the schedules until ctx is done, then waits for the fires it
// started (they see ctx's cancellation) and returns. Each fire runs on its own
// goroutine, so a slow handler never delays another trigger or its own next
// time. Scheduled times that passed while Run was not running are not
// replayed.
func (s *Scheduler) Run(ctx context.Context) {
	defer s.running.Wait()
	now := s.clock.Now()
	next := make([]time.Time, len(s.schedules))
	for i, sched := range s.schedules {
		next[i] = sched.Next(now)
		if next[i].IsZero() {
			s.log.Warn("cron trigger can never fire", "cron", sched.String())
		}
	}
	for {
		now = s.clock.Now()
		var earliest time.Time
		for i, sched := range s.schedules {
			if next[i].IsZero() {
				continue
			}
			if !next[i].After(now) {
				due, missed := latestDue(sched, next[i], now)
				if missed > 0 {
					s.log.Warn("cron trigger missed scheduled times (clock jumped or process stalled); firing only the latest",
						"cron", sched.String(), "missed", missed, "scheduledTime", due)
				}
				s.start(ctx, sched.String(), due)
				next[i] = sched.Next(due)
			}
			if earliest.IsZero() || next[i].Before(earliest) {
				earliest = next[i]
			}
		}
		sleep := maxSleep
		if !earliest.IsZero() {
			sleep = min(earliest.Sub(now), maxSleep)
		}
		timer := s.clock.NewTimer(sleep)
		select {
		case <-ctx.Done():
			timer.Stop()
			return
		case <-timer.C():
		}
	}
}

// latestDue returns the last fire time at or before now, starting from first,
// and how many earlier ones it skipped.
func latestDue(sched *Schedule, first, now time.Time) (due time.Time, missed int) {
	due = first
	for {
		n := sched.Next(due)
		if n.IsZero() || n.After(now) {
			return due, missed
		}
		due, missed = n, missed+1
	}
}

func (s *Scheduler) start(ctx context.Context, cron string, due time.Time) {
	s.running.Add(1)
	go func() {
		defer s.running.Done()
		s.fire(ctx, cron, due)
	}()
}

func (s *Scheduler) fire(ctx context.Context, cron string, due time.Time) {
	log := s.log.With("cron", cron, "scheduledTime", due)
	if s.opts.Claim != nil {
		ok, err := s.opts.Claim.Claim(ctx, s.opts.Worker, cron, due)
		if err != nil {
			// Without a claim we cannot know that no other node runs it;
			// skipping risks one lost run, firing risks a duplicate.
			log.Error("cron trigger skipped: claiming it failed", "err", err)
			return
		}
		if !ok {
			log.Debug("cron trigger runs on another node")
			return
		}
	}
	started := time.Now()
	err := s.call(ctx, cron, due)
	if err != nil {
		log.Error("cron trigger failed", "err", err, "duration", time.Since(started))
		return
	}
	log.Info("cron trigger ran", "duration", time.Since(started))
}

// call runs Fire, turning a panic into an error so one bad run cannot take
// the process down.
func (s *Scheduler) call(ctx context.Context, cron string, due time.Time) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("panic: %v", r)
		}
	}()
	return s.opts.Fire(ctx, cron, due)
}
