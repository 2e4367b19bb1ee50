package serve

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/outpost-dev/outpost/internal/metrics"
	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/queue"
	"github.com/outpost-dev/outpost/internal/queue/pullapi"
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
	// Calls for one worker are serialized by apply (ws.applyMu); claims
	// are taken without ws.mu, as they may read other workers' state.
	ws.mu.Lock()
	same := slices.Equal(ws.consumers, consumers) && (ws.stopConsumers != nil) == (len(consumers) > 0)
	old := ws.consumers
	ws.mu.Unlock()
	if same {
		return
	}
	// A version stored before another worker took one of its queues does
	// not consume that queue (deploys refuse it; this covers the rest).
	var mine []platform.QueueConsumer
	if s.runCtx != nil {
		s.releaseConsumers(s.runCtx, ws.name, old, consumers)
		for _, c := range consumers {
			if err := s.claimConsumer(s.runCtx, ws.name, c.Queue); err != nil {
				s.log.Error(err.Error(), "worker", ws.name)
				continue
			}
			mine = append(mine, c)
		}
	}
	ws.mu.Lock()
	stop := ws.stopConsumers
	ws.stopConsumers = nil
	ws.consumers = consumers
	ws.mu.Unlock()
	if stop != nil {
		stop()
	}
	if len(consumers) == 0 || s.runCtx == nil {
		return
	}
	// Not under ws.mu: starting asks ws.current for the running version.
	ctx, cancel := context.WithCancel(s.runCtx)
	s.node.StartConsumers(ctx, ws.name, mine, ws.current)
	ws.mu.Lock()
	ws.stopConsumers = cancel
	ws.mu.Unlock()
}

// claimConsumers makes worker the consumer of every queue b consumes, or
// says which queue has another consumer worker: Cloudflare allows one
// consumer worker per queue, on every node of a fleet (the claims live
// with the messages, in PostgreSQL on a fleet). The same worker on many
// nodes shares its queues.
func (s *Server) claimConsumers(ctx context.Context, worker string, b *Bundle) error {
	for _, c := range b.QueueConsumers {
		if err := s.claimConsumer(ctx, worker, c.Queue); err != nil {
			return err
		}
	}
	return nil
}

func (s *Server) claimConsumer(ctx context.Context, worker, q string) error {
	qs := s.node.Queues()
	if qs == nil {
		return nil
	}
	store := qs.Store()
	for range 2 {
		owner, err := store.ClaimConsumer(ctx, q, worker)
		if err != nil {
			return fmt.Errorf("claiming queue %s for worker %s: %w", q, worker, err)
		}
		if owner == worker {
			return nil
		}
		// A claim whose worker's active version no longer consumes the
		// queue is stale (a version stored by a deploy that then failed).
		if s.consumes(ctx, owner, q) {
			return fmt.Errorf("queue %s already has a consumer, worker %s: a queue has one consumer worker, so %s cannot consume it (remove the [[queues.consumers]] entry from one of them)", q, owner, worker)
		}
		if err := store.ReleaseConsumer(ctx, q, owner); err != nil {
			return fmt.Errorf("claiming queue %s for worker %s: %w", q, worker, err)
		}
	}
	return fmt.Errorf("queue %s: another worker claimed it at the same time as %s", q, worker)
}

// consumes says whether worker's active version consumes q; when that
// cannot be read, it does (a claim is not taken over on doubt).
func (s *Server) consumes(ctx context.Context, worker, q string) bool {
	active, err := s.store.Active(ctx)
	if err != nil {
		return true
	}
	v, ok := active[worker]
	if !ok {
		// Not deployed: a worker run from its project directory.
		s.mu.Lock()
		ws := s.workers[worker]
		s.mu.Unlock()
		if ws == nil {
			// Perhaps run from its directory on another node of the fleet.
			return true
		}
		ws.mu.Lock()
		defer ws.mu.Unlock()
		return slices.ContainsFunc(ws.consumers, func(c platform.QueueConsumer) bool { return c.Queue == q })
	}
	b, err := s.store.Get(ctx, worker, v)
	if err != nil {
		return true
	}
	return slices.ContainsFunc(b.QueueConsumers, func(c platform.QueueConsumer) bool { return c.Queue == q })
}

// releaseConsumers ends worker's claims on the queues it consumed (old)
// and no longer does (now).
func (s *Server) releaseConsumers(ctx context.Context, worker string, old, now []platform.QueueConsumer) {
	qs := s.node.Queues()
	if qs == nil {
		return
	}
	for _, c := range old {
		if slices.ContainsFunc(now, func(n platform.QueueConsumer) bool { return n.Queue == c.Queue }) {
			continue
		}
		if err := qs.Store().ReleaseConsumer(ctx, c.Queue, worker); err != nil {
			s.log.Warn(fmt.Sprintf("releasing queue %s: %v", c.Queue, err), "worker", worker)
		}
	}
}

// pullConsumer finds the running worker that declares q's HTTP pull
// consumer.
func (s *Server) pullConsumer(q string) (queue.PullConsumer, bool) {
	for _, ws := range s.snapshot() {
		ws.mu.Lock()
		var b *Bundle
		if ws.w != nil {
			b = ws.bundle
		}
		ws.mu.Unlock()
		if b == nil {
			continue
		}
		for _, c := range b.QueueConsumers {
			if c.Queue == q && c.Type == "http_pull" {
				return pullapi.FromConsumer(q, c.MaxRetries, c.DeadLetterQueue, c.RetryDelay, c.VisibilityTimeoutMs), true
			}
		}
	}
	return queue.PullConsumer{}, false
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
