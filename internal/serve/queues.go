package serve

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/outpost-dev/outpost/internal/metrics"
	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/queue"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// Queues is the [queues] table: where messages live and how long a
// delivery stays leased to a node that stopped renewing it.
type Queues struct {
	// URL is a postgres:// URL shared by the fleet (OUTPOST_QUEUES_URL);
	// empty keeps messages in SQLite under state_dir, for one node.
	URL string
	// Lease bounds how soon a batch of a node that died is delivered
	// again elsewhere (default 30 s).
	Lease time.Duration
}

type rawQueues struct {
	URL   string `toml:"url"`
	Lease string `toml:"lease"`
}

func (r rawQueues) apply(envURL string, fail func(field, format string, args ...any) error) (Queues, error) {
	q := Queues{URL: r.URL, Lease: 30 * time.Second}
	if envURL != "" {
		q.URL = envURL
	}
	if q.URL != "" && !isPostgresURL(q.URL) {
		return q, fail("queues.url", "expected a postgres:// URL, got %q", redactURL(q.URL))
	}
	if r.Lease != "" {
		d, err := parseDuration(r.Lease)
		if err != nil {
			return q, fail("queues.lease", "%v", err)
		}
		if d < time.Second {
			return q, fail("queues.lease", "expected at least 1s, got %s", d)
		}
		q.Lease = d
	}
	return q, nil
}

// restartConsumers runs the queues the worker's active version consumes;
// with PostgreSQL every node of the fleet consumes them, each batch on one
// node.
func (s *Server) restartConsumers(ws *workerState, consumers []platform.QueueConsumer) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if slices.Equal(ws.consumers, consumers) && (ws.stopConsumers != nil) == (len(consumers) > 0) {
		return
	}
	if ws.stopConsumers != nil {
		ws.stopConsumers()
		ws.stopConsumers = nil
	}
	ws.consumers = consumers
	if len(consumers) == 0 || s.runCtx == nil {
		return
	}
	ctx, cancel := context.WithCancel(s.runCtx)
	s.node.StartConsumers(ctx, ws.name, consumers, ws.current)
	ws.stopConsumers = cancel
}

// queueMetrics count consumer invocations and what became of messages.
type queueMetrics struct {
	batches  *metrics.Vec
	messages *metrics.Vec
}

func newQueueMetrics(reg *metrics.Registry) queueMetrics {
	return queueMetrics{
		batches: reg.Counter("outpost_queue_batches_total",
			"Queue consumer invocations, by worker, queue and outcome.", "worker", "queue", "outcome"),
		messages: reg.Counter("outpost_queue_messages_total",
			"Messages delivered to consumers, by worker, queue and result (acked, retried, dead_lettered, dropped).", "worker", "queue", "result"),
	}
}

// queueEvent logs a queue delivery as a JSON line, counts it and sends it
// to tail.
func (s *Server) queueEvent(worker string, r queue.Report, outcome runtime.Outcome) {
	m := s.queueMetrics
	m.batches.With(worker, r.Queue, string(outcome)).Inc()
	for result, n := range map[string]int{"acked": r.Acked, "retried": r.Retried, "dead_lettered": r.DeadLettered, "dropped": r.Dropped} {
		if n > 0 {
			m.messages.With(worker, r.Queue, result).Add(float64(n))
		}
	}
	attrs := []any{"worker", worker, "queue", r.Queue, "messages", r.Messages, "acked", r.Acked, "retried", r.Retried,
		"dead_lettered", r.DeadLettered, "dropped", r.Dropped, "took_ms", r.Took.Milliseconds(), "outcome", string(outcome)}
	ev := TailEvent{Type: "queue", Worker: worker, Outcome: string(outcome), Duration: float64(r.Took.Microseconds()) / 1000,
		Message: fmt.Sprintf("%s %d/%d acked", r.Queue, r.Acked, r.Messages)}
	if r.Err != nil {
		attrs = append(attrs, "error", r.Err.Error())
		s.log.Error(fmt.Sprintf("queue %s delivery failed", r.Queue), attrs...)
		ev.Exception = exceptionOf(r.Err)
	} else {
		s.log.Info("queue delivery", attrs...)
	}
	s.tail.publish(ev)
}
