package queue

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Options tune a Broker.
type Options struct {
	// Now is the clock (default time.Now).
	Now func() time.Time
	// Logger receives the broker's own log lines (retries, dead letters).
	Logger *slog.Logger
	// Lease is how long a delivery stays hidden before another consumer
	// may take it; it is renewed while the consumer runs, so it bounds how
	// soon a batch of a dead node is delivered again (default 30 s).
	Lease time.Duration
	// Poll is how often a consumer looks for messages sent by other
	// processes (default 1 s); sends in this process wake it at once.
	Poll time.Duration
}

// Broker sends messages to queues and runs consumers over a Store.
type Broker struct {
	store Store
	now   func() time.Time
	log   *slog.Logger
	lease time.Duration
	poll  time.Duration

	mu      sync.Mutex
	waiters map[string]map[chan struct{}]struct{}
	backlog map[string]backlogRead // by queue: the last metrics read
}

// backlogRead is a queue's metrics as read from the store at read (real
// time), plus this broker's sends since.
type backlogRead struct {
	read time.Time
	m    Metrics
}

// backlogFresh is how long a read of a queue's metrics answers sends: the
// metrics in send()'s answer are at most this old, plus this node's own
// sends since, so a send does not pay for a scan of its queue.
const backlogFresh = time.Second

// NewBroker makes a broker over store.
func NewBroker(store Store, o Options) *Broker {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.Poll <= 0 {
		o.Poll = time.Second
	}
	return &Broker{store: store, now: o.Now, log: o.Logger, lease: o.Lease, poll: o.Poll, waiters: map[string]map[chan struct{}]struct{}{}, backlog: map[string]backlogRead{}}
}

// Store is the broker's store (for the command line and tests).
func (b *Broker) Store() Store { return b.store }

// Now is the broker's clock.
func (b *Broker) Now() time.Time { return b.now() }

// Send validates and stores messages for queue (batch: a sendBatch()),
// then wakes the queue's consumers in this process. deliveryDelay is the
// producer's delivery_delay, used when a message sets none.
func (b *Broker) Send(ctx context.Context, queue string, msgs []Outgoing, batch bool, deliveryDelay int) error {
	rows, err := Validate(msgs, batch, deliveryDelay, b.now())
	if err != nil {
		return err
	}
	if err := b.store.Insert(ctx, queue, rows); err != nil {
		return err
	}
	b.mu.Lock()
	if r, ok := b.backlog[queue]; ok {
		for _, row := range rows {
			r.m.BacklogCount++
			r.m.BacklogBytes += int64(len(row.Body))
			if sent := time.UnixMilli(row.SentAt.UnixMilli()); r.m.Oldest.IsZero() || sent.Before(r.m.Oldest) {
				r.m.Oldest = sent
			}
		}
		b.backlog[queue] = r
	}
	b.mu.Unlock()
	b.wake(queue)
	return nil
}

// Metrics describes a queue's backlog: what producers see in the answer
// to send() and in metrics().
type Metrics struct {
	BacklogCount int
	BacklogBytes int64
	Oldest       time.Time // zero when the queue is empty
}

// Metrics reads queue's backlog: every stored message, delivered or not,
// until it is acknowledged.
func (b *Broker) Metrics(ctx context.Context, queue string) (Metrics, error) {
	read := time.Now()
	st, err := b.store.Stats(ctx, queue, b.now())
	if err != nil {
		return Metrics{}, err
	}
	var m Metrics
	if len(st) > 0 {
		m = Metrics{BacklogCount: st[0].Messages, BacklogBytes: st[0].Bytes, Oldest: st[0].Oldest}
	}
	b.mu.Lock()
	b.backlog[queue] = backlogRead{read: read, m: m}
	b.mu.Unlock()
	return m, nil
}

// Backlog is queue's metrics for the answer to a send: a read of at most
// backlogFresh ago with this broker's sends since, else a new read.
func (b *Broker) Backlog(ctx context.Context, queue string) (Metrics, error) {
	b.mu.Lock()
	r, ok := b.backlog[queue]
	b.mu.Unlock()
	if ok && time.Since(r.read) < backlogFresh {
		return r.m, nil
	}
	return b.Metrics(ctx, queue)
}

func (b *Broker) wake(queue string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for ch := range b.waiters[queue] {
		select {
		case ch <- struct{}{}:
		default:
		}
	}
}

func (b *Broker) subscribe(queue string) (chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	b.mu.Lock()
	if b.waiters[queue] == nil {
		b.waiters[queue] = map[chan struct{}]struct{}{}
	}
	b.waiters[queue][ch] = struct{}{}
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		delete(b.waiters[queue], ch)
		b.mu.Unlock()
	}
}

// Consumer is a [[queues.consumers]] entry with its defaults applied
// (the config package applies Cloudflare's).
type Consumer struct {
	Queue           string
	MaxBatchSize    int // messages per batch (0: DefaultBatchSize)
	MaxBatchTimeout time.Duration
	MaxRetries      int
	DeadLetterQueue string
	MaxConcurrency  int // deliveries at once on this node (0: one)
	RetryDelay      int // seconds
}

// Batch is what a consumer invocation receives.
type Batch struct {
	Queue    string
	Messages []Message
	// Metrics is the queue's backlog when the batch was taken (at most
	// backlogFresh old), for the batch's metadata.
	Metrics Metrics
}

// Result is what the consumer's handler decided (workerd's
// QueueEventResult), read also when the handler threw.
type Result struct {
	AckAll        bool
	RetryAll      bool
	RetryAllDelay *int
	Acks          []string
	Retries       map[string]*int // message id → its retry delay, if given
}

// Deliver runs one batch on the consumer worker. A non-nil error is an
// exception (or the worker could not run): every message the result does
// not explicitly acknowledge is retried.
type Deliver func(ctx context.Context, batch Batch) (Result, error)

// Report is how one delivery ended, for logs, tail and metrics.
type Report struct {
	Queue        string
	Messages     int
	Acked        int
	Retried      int
	DeadLettered int
	Dropped      int
	Took         time.Duration
	Err          error
}

// Consume runs c until ctx ends: it leases batches (full ones at once, a
// partial one when its oldest message waited MaxBatchTimeout), runs up to
// MaxConcurrency deliveries at a time and applies each result. report,
// when set, is told of every delivery.
func (b *Broker) Consume(ctx context.Context, c Consumer, deliver Deliver, report func(Report)) {
	if c.MaxBatchSize <= 0 {
		c.MaxBatchSize = DefaultBatchSize
	}
	if c.MaxConcurrency <= 0 {
		c.MaxConcurrency = 1
	}
	wake, unsubscribe := b.subscribe(c.Queue)
	defer unsubscribe()
	slots := make(chan struct{}, c.MaxConcurrency)
	done := make(chan struct{}, c.MaxConcurrency)
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		// Wait for a free slot.
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			return
		}
		wait, batch, err := b.next(ctx, c)
		if err != nil {
			<-slots
			if ctx.Err() != nil {
				return
			}
			b.log.Warn(fmt.Sprintf("queue %s: %v", c.Queue, err))
			wait = b.poll
		}
		if batch != nil {
			wg.Add(1)
			go func() {
				defer wg.Done()
				r := b.run(ctx, c, batch, deliver)
				if report != nil {
					report(r)
				}
				<-slots
				select {
				case done <- struct{}{}:
				default:
				}
			}()
			continue
		}
		<-slots
		if wait > b.poll {
			wait = b.poll
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-wake:
		case <-done:
		case <-t.C:
		}
		t.Stop()
	}
}

// next leases a batch when one is due, or says how long to wait.
func (b *Broker) next(ctx context.Context, c Consumer) (time.Duration, *Batch, error) {
	now := b.now()
	p, err := b.store.Pending(ctx, c.Queue, now, c.MaxBatchSize)
	if err != nil {
		return 0, nil, err
	}
	if p.Ready == 0 {
		if p.NextVisible.IsZero() {
			return b.poll, nil, nil
		}
		return max(p.NextVisible.Sub(now), time.Millisecond), nil, nil
	}
	if p.Ready < c.MaxBatchSize {
		if due := p.ReadySince.Add(c.MaxBatchTimeout); due.After(now) {
			return due.Sub(now), nil, nil
		}
	}
	msgs, err := b.store.Lease(ctx, c.Queue, c.MaxBatchSize, now, now.Add(b.lease))
	if err != nil || len(msgs) == 0 {
		return time.Millisecond, nil, err
	}
	// The batch is delivered whether or not its metrics could be read.
	m, _ := b.Backlog(ctx, c.Queue)
	return 0, &Batch{Queue: c.Queue, Messages: msgs, Metrics: m}, nil
}

// run delivers one batch, keeping its lease alive, and applies the result.
func (b *Broker) run(ctx context.Context, c Consumer, batch *Batch, deliver Deliver) Report {
	lease := batch.Messages[0].Lease
	runCtx, stop := context.WithCancel(ctx)
	renewed := make(chan struct{})
	go func() {
		defer close(renewed)
		t := time.NewTicker(b.lease / 3)
		defer t.Stop()
		for {
			select {
			case <-runCtx.Done():
				return
			case <-t.C:
				if err := b.store.Extend(runCtx, c.Queue, lease, b.now().Add(b.lease)); err != nil && runCtx.Err() == nil {
					b.log.Warn(fmt.Sprintf("queue %s: renewing a delivery's lease: %v", c.Queue, err))
				}
			}
		}
	}()
	start := time.Now()
	res, derr := deliver(runCtx, *batch)
	stop()
	<-renewed
	rep := Report{Queue: c.Queue, Messages: len(batch.Messages), Took: time.Since(start), Err: derr}
	if ctx.Err() != nil {
		// Shutting down: the lease runs out and the batch is delivered
		// again (at least once).
		return rep
	}
	b.apply(context.WithoutCancel(ctx), c, batch, res, derr, &rep)
	return rep
}

// decide is what happens to one message of a delivered batch: acked, or
// retried with its delay.
func decide(m Message, res Result, failed bool, retryDelay int) (ack bool, delay int) {
	for _, id := range res.Acks {
		if id == m.ID {
			return true, 0
		}
	}
	if d, ok := res.Retries[m.ID]; ok {
		if d != nil {
			return false, *d
		}
		if res.RetryAllDelay != nil {
			return false, *res.RetryAllDelay
		}
		return false, retryDelay
	}
	switch {
	case res.AckAll:
		return true, 0
	case res.RetryAll:
		if res.RetryAllDelay != nil {
			return false, *res.RetryAllDelay
		}
		return false, retryDelay
	case failed:
		return false, retryDelay
	}
	return true, 0
}

func (b *Broker) apply(ctx context.Context, c Consumer, batch *Batch, res Result, derr error, rep *Report) {
	lease := batch.Messages[0].Lease
	maxAttempts := c.MaxRetries + 1
	s := ""
	if maxAttempts != 1 {
		s = "s"
	}
	var acks []string
	var errs []error
	for _, m := range batch.Messages {
		ack, delay := decide(m, res, derr != nil, c.RetryDelay)
		if ack {
			acks = append(acks, m.ID)
			continue
		}
		delay = min(max(delay, 0), MaxDelaySeconds)
		switch {
		case m.Attempts < maxAttempts:
			rep.Retried++
			errs = append(errs, b.store.Retry(ctx, c.Queue, lease, m.ID, b.now().Add(time.Duration(delay)*time.Second)))
		case c.DeadLetterQueue != "":
			rep.DeadLettered++
			b.log.Warn(fmt.Sprintf("Moving message %q on queue %q to dead letter queue %q after %d failed attempt%s...", m.ID, c.Queue, c.DeadLetterQueue, maxAttempts, s))
			errs = append(errs, b.store.Move(ctx, c.Queue, lease, m.ID, c.DeadLetterQueue, b.now()))
			b.wake(c.DeadLetterQueue)
		default:
			rep.Dropped++
			b.log.Warn(fmt.Sprintf("Dropped message %q on queue %q after %d failed attempt%s!", m.ID, c.Queue, maxAttempts, s))
			acks = append(acks, m.ID)
		}
	}
	rep.Acked = len(acks) - rep.Dropped
	if len(acks) > 0 {
		errs = append(errs, b.store.Ack(ctx, c.Queue, lease, acks))
	}
	if err := errors.Join(errs...); err != nil {
		// The lease runs out and the messages come again: at least once.
		b.log.Warn(fmt.Sprintf("queue %s: recording a delivery's result: %v", c.Queue, err))
	}
}
