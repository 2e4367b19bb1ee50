package platform

import (
	"context"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	queuebinding "github.com/outpost-dev/outpost/internal/bindings/queue"
	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/queue"
	queuepostgres "github.com/outpost-dev/outpost/internal/queue/postgres"
	queuesqlite "github.com/outpost-dev/outpost/internal/queue/sqlite"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// QueueProducerBinding binds a queue to a name on env.
type QueueProducerBinding struct {
	Binding       string `json:"binding"`
	Queue         string `json:"queue"`
	DeliveryDelay int    `json:"delivery_delay,omitempty"`
}

// QueueConsumer is a queue the worker consumes, with its settings.
type QueueConsumer struct {
	Queue           string  `json:"queue"`
	MaxBatchSize    int     `json:"max_batch_size"`
	MaxBatchTimeout float64 `json:"max_batch_timeout"`
	MaxRetries      int     `json:"max_retries"`
	DeadLetterQueue string  `json:"dead_letter_queue,omitempty"`
	MaxConcurrency  int     `json:"max_concurrency,omitempty"`
	RetryDelay      int     `json:"retry_delay,omitempty"`
	// Type is "http_pull" for a pull consumer (read over HTTP, no push).
	Type                string `json:"type,omitempty"`
	VisibilityTimeoutMs int    `json:"visibility_timeout_ms,omitempty"`
}

func (b *Bundle) addQueues(cfg *config.Config) {
	for _, p := range cfg.QueueProducers {
		b.QueueProducers = append(b.QueueProducers, QueueProducerBinding{Binding: p.Binding, Queue: p.Queue, DeliveryDelay: p.DeliveryDelay})
	}
	for _, c := range cfg.QueueConsumers {
		qc := QueueConsumer{
			Queue: c.Queue, MaxBatchSize: c.MaxBatchSize, MaxBatchTimeout: c.MaxBatchTimeout, MaxRetries: c.MaxRetries,
			DeadLetterQueue: c.DeadLetterQueue, MaxConcurrency: c.MaxConcurrency, RetryDelay: c.RetryDelay,
		}
		if c.Pull {
			qc.Type, qc.VisibilityTimeoutMs = "http_pull", c.VisibilityTimeoutMs
		}
		b.QueueConsumers = append(b.QueueConsumers, qc)
	}
}

// validateQueues checks the queue bindings of an uploaded bundle.
func (b *Bundle) validateQueues() error {
	for i, p := range b.QueueProducers {
		if p.Binding == "" || !ValidName(p.Queue) || p.DeliveryDelay < 0 || p.DeliveryDelay > queue.MaxDelaySeconds {
			return fmt.Errorf("bundle: queue_producers[%d]: a binding, a queue name and a delivery_delay from 0 to %d are required", i, queue.MaxDelaySeconds)
		}
	}
	for i, c := range b.QueueConsumers {
		if !ValidName(c.Queue) || (c.DeadLetterQueue != "" && !ValidName(c.DeadLetterQueue)) ||
			c.MaxBatchSize < 1 || c.MaxBatchSize > queue.MaxConsumerBatchSize ||
			c.MaxBatchTimeout < 0 || c.MaxBatchTimeout > queue.MaxConsumerBatchTimeout.Seconds() ||
			c.MaxRetries < 0 || c.MaxRetries > queue.MaxConsumerRetries ||
			c.MaxConcurrency < 0 || c.MaxConcurrency > queue.MaxConsumerConcurrency ||
			c.RetryDelay < 0 || c.RetryDelay > queue.MaxDelaySeconds ||
			(c.Type != "" && c.Type != "http_pull") || c.VisibilityTimeoutMs < 0 || c.VisibilityTimeoutMs > queue.MaxDelaySeconds*1000 {
			return fmt.Errorf("bundle: queue_consumers[%d]: settings outside Cloudflare's limits", i)
		}
	}
	return nil
}

// queueJSONByDefault applies queues_json_messages: producers send JSON
// unless told otherwise from compatibility date 2024-03-18 (v8 before).
func (b *Bundle) queueJSONByDefault() bool {
	if slices.Contains(b.CompatibilityFlag, "no_queues_json_messages") {
		return false
	}
	return b.CompatibilityDate >= "2024-03-18" || slices.Contains(b.CompatibilityFlag, "queues_json_messages")
}

// OpenQueueStore opens queue storage: PostgreSQL when url is set (shared
// by every node that points at it), else SQLite under stateDir. It also
// says where the messages live, for the log.
func OpenQueueStore(ctx context.Context, stateDir, url string) (queue.Store, string, error) {
	if url != "" {
		pg, err := queuepostgres.Open(ctx, url)
		if err != nil {
			return nil, "", fmt.Errorf("queues in PostgreSQL (%s): %w", RedactURL(url), err)
		}
		return pg, "PostgreSQL " + RedactURL(url), nil
	}
	lite, err := queuesqlite.OpenStateDir(stateDir)
	if err != nil {
		return nil, "", fmt.Errorf("opening queues in %s: %w", filepath.Join(stateDir, "queues"), err)
	}
	return lite, lite.Path(), nil
}

// openQueues opens the node's queue broker.
func (n *Node) openQueues(ctx context.Context) error {
	store, where, err := OpenQueueStore(ctx, n.opts.StateDir, n.opts.QueueURL)
	if err != nil {
		return err
	}
	n.queueWhere = where
	n.closers = append(n.closers, func() { store.Close() })
	n.queues = queue.NewBroker(store, queue.Options{Now: n.opts.Clock.Now, Logger: n.log, Lease: n.opts.QueueLease})
	return nil
}

// Queues is the node's queue broker (for the CLI and tests).
func (n *Node) Queues() *queue.Broker { return n.queues }

// QueuesWhere says where queue messages live, for the log.
func (n *Node) QueuesWhere() string { return n.queueWhere }

// StartConsumers delivers the queues a worker consumes to whatever
// version current returns, until ctx ends. Every delivery is reported to
// Options.QueueEvents, or else logged ("QUEUE jobs 3/5 (12ms)", as
// wrangler dev does).
func (n *Node) StartConsumers(ctx context.Context, name string, consumers []QueueConsumer, current func() *runtime.Worker) {
	for _, c := range consumers {
		if other := n.claimQueue(ctx, c.Queue, name); other != "" {
			n.log.Error(fmt.Sprintf("worker %s: queue %s already has a consumer, worker %s; a queue has one consumer, so %s does not consume it", name, c.Queue, other, name))
			continue
		}
		if c.Type == "http_pull" {
			continue // read over HTTP (queue/pullapi), never pushed
		}
		qc := queue.Consumer{
			Queue:           c.Queue,
			MaxBatchSize:    c.MaxBatchSize,
			MaxBatchTimeout: time.Duration(c.MaxBatchTimeout * float64(time.Second)),
			MaxRetries:      c.MaxRetries,
			DeadLetterQueue: c.DeadLetterQueue,
			MaxConcurrency:  c.MaxConcurrency,
			RetryDelay:      c.RetryDelay,
		}
		if qc.MaxConcurrency == 0 {
			// Cloudflare scales consumers up by itself; one node runs as
			// many batches at once as the worker has instances.
			qc.MaxConcurrency = 1
			if w := current(); w != nil {
				qc.MaxConcurrency = w.Size()
			}
		}
		go n.queues.Consume(ctx, qc, queuebinding.Deliverer(current), func(r queue.Report) {
			n.reportQueue(name, r)
		})
	}
}

// claimQueue makes worker the consumer of q on this node until ctx ends;
// it returns the other worker that consumes q already, if any.
func (n *Node) claimQueue(ctx context.Context, q, worker string) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.consumers == nil {
		n.consumers = map[string]*consumerClaim{}
	}
	if other := n.consumers[q]; other != nil && other.worker != worker {
		return other.worker
	}
	claim := &consumerClaim{worker: worker}
	n.consumers[q] = claim
	context.AfterFunc(ctx, func() {
		n.mu.Lock()
		defer n.mu.Unlock()
		if n.consumers[q] == claim {
			delete(n.consumers, q)
		}
	})
	return ""
}

// consumerClaim is one worker consuming a queue (a new version of it
// makes a new claim).
type consumerClaim struct{ worker string }

func (n *Node) reportQueue(worker string, r queue.Report) {
	if n.opts.QueueEvents != nil {
		n.opts.QueueEvents(worker, r, runtime.OutcomeOf(r.Err, false))
		return
	}
	if r.Err != nil {
		n.log.Error(fmt.Sprintf("worker %s: queue %s: %v", worker, r.Queue, r.Err))
	}
	n.log.Info(fmt.Sprintf("QUEUE %s %d/%d (%dms)", r.Queue, r.Acked, r.Messages, r.Took.Milliseconds()))
}
