package main

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/project"
	"github.com/outpost-dev/outpost/internal/queue"
	"github.com/outpost-dev/outpost/internal/queue/pullapi"
)

// pullConsumer finds the dev worker that declares q's HTTP pull consumer.
func (d *devServer) pullConsumer(q string) (queue.PullConsumer, bool) {
	for _, dw := range d.workers {
		for _, c := range dw.build().Bundle.QueueConsumers {
			if c.Queue == q && c.Type == "http_pull" {
				return pullapi.FromConsumer(q, c.MaxRetries, c.DeadLetterQueue, c.RetryDelay, c.VisibilityTimeoutMs), true
			}
		}
	}
	return queue.PullConsumer{}, false
}

// oneConsumerPerQueue refuses a worker b that consumes a queue one of
// prev consumes: Cloudflare allows one consumer worker per queue.
func oneConsumerPerQueue(prev []*project.Build, b *project.Build) error {
	for _, c := range b.Config.QueueConsumers {
		for _, p := range prev {
			for _, pc := range p.Config.QueueConsumers {
				if pc.Queue == c.Queue {
					return fmt.Errorf("%s: worker %q consumes queue %q, which worker %q (%s) consumes already: a queue has one consumer worker", b.Config.Path, b.Name(), c.Queue, p.Name(), p.Config.Path)
				}
			}
		}
	}
	return nil
}

// devQueues runs the dev workers' queue consumers and restarts a worker's
// when a reload changes its [[queues.consumers]].
type devQueues struct {
	ctx  context.Context
	node *platform.Node

	mu      sync.Mutex
	running map[string]devConsumers // by worker
}

type devConsumers struct {
	set  []platform.QueueConsumer
	stop context.CancelFunc
}

func newDevQueues(ctx context.Context, node *platform.Node) *devQueues {
	return &devQueues{ctx: ctx, node: node, running: map[string]devConsumers{}}
}

// apply starts dw's consumers, or restarts them if they changed.
func (q *devQueues) apply(dw *devWorker) {
	set := dw.build().Bundle.QueueConsumers
	q.mu.Lock()
	defer q.mu.Unlock()
	cur, ok := q.running[dw.name]
	if ok && slices.Equal(cur.set, set) {
		return
	}
	if ok {
		cur.stop()
	}
	ctx, stop := context.WithCancel(q.ctx)
	q.running[dw.name] = devConsumers{set: set, stop: stop}
	q.node.StartConsumers(ctx, dw.name, set, dw.current)
}
