package main

import (
	"context"
	"slices"
	"sync"

	"github.com/outpost-dev/outpost/internal/platform"
)

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
