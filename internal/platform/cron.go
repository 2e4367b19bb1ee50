package platform

import (
	"context"
	"time"

	"github.com/outpost-dev/outpost/internal/cron"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// StartCrons fires a worker's cron triggers on schedule until ctx ends,
// on whatever version current returns then. With a claimer each time
// fires once across the fleet. Every run is reported to Options.Events.
func (n *Node) StartCrons(ctx context.Context, name string, crons []string, current func() *runtime.Worker) error {
	if len(crons) == 0 {
		return nil
	}
	sched, err := cron.New(cron.Options{
		Worker: name,
		Crons:  crons,
		Claim:  n.opts.Claimer,
		Clock:  n.opts.Clock,
		Logger: n.log,
		Fire: func(ctx context.Context, expr string, at time.Time) error {
			n.RunScheduled(ctx, name, current(), expr, at)
			return nil
		},
	})
	if err != nil {
		return err
	}
	go sched.Run(ctx)
	return nil
}

// RunScheduled runs one scheduled event on w and reports it to
// Options.Events (a cron trigger, or one fired by hand).
func (n *Node) RunScheduled(ctx context.Context, name string, w *runtime.Worker, expr string, at time.Time) (runtime.ScheduledResult, error) {
	if w == nil {
		return runtime.ScheduledResult{}, nil
	}
	start := time.Now()
	res, err := w.Scheduled(ctx, expr, at)
	if n.opts.Events != nil {
		n.opts.Events.Scheduled(name, expr, at, time.Since(start), res, err)
	}
	return res, err
}
