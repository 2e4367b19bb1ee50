package queue_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/queue"
	queuesqlite "github.com/outpost-dev/outpost/internal/queue/sqlite"
)

// clock is the brokers' time: real time plus an offset the test moves.
type clock struct{ off atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) Advance(d time.Duration) { c.off.Add(int64(d)) }

type logBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuf) Write(p []byte) (int, error) { l.mu.Lock(); defer l.mu.Unlock(); return l.b.Write(p) }
func (l *logBuf) String() string              { l.mu.Lock(); defer l.mu.Unlock(); return l.b.String() }

type env struct {
	store queue.Store
	clock *clock
	log   *logBuf
}

func newEnv(t *testing.T) *env {
	s, err := queuesqlite.Open(filepath.Join(t.TempDir(), "q.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &env{store: s, clock: &clock{}, log: &logBuf{}}
}

func (e *env) broker(lease time.Duration) *queue.Broker {
	return queue.NewBroker(e.store, queue.Options{Now: e.clock.Now, Logger: slog.New(slog.NewTextHandler(e.log, nil)), Lease: lease, Poll: 20 * time.Millisecond})
}

// consume runs c until the test ends; deliveries go to ch.
func consume(t *testing.T, b *queue.Broker, c queue.Consumer, d queue.Deliver) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); b.Consume(ctx, c, d, nil) }()
	t.Cleanup(func() { cancel(); <-done })
}

func send(t *testing.T, b *queue.Broker, q string, bodies ...string) {
	t.Helper()
	var msgs []queue.Outgoing
	for _, s := range bodies {
		msgs = append(msgs, queue.Outgoing{Body: []byte(s), ContentType: queue.ContentText})
	}
	if err := b.Send(context.Background(), q, msgs, true, 0); err != nil {
		t.Fatal(err)
	}
}

// waitFor polls cond (the deadline only bounds a failing test).
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("gave up waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

type delivery struct {
	bodies   []string
	attempts []int
}

type recorder struct {
	mu  sync.Mutex
	all []delivery
}

func (r *recorder) add(b queue.Batch) {
	var d delivery
	for _, m := range b.Messages {
		d.bodies = append(d.bodies, string(m.Body))
		d.attempts = append(d.attempts, m.Attempts)
	}
	r.mu.Lock()
	r.all = append(r.all, d)
	r.mu.Unlock()
}

func (r *recorder) get() []delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]delivery(nil), r.all...)
}

func (r *recorder) count() int { return len(r.get()) }

func stats(t *testing.T, s queue.Store, q string, now time.Time) queue.Stats {
	st, err := s.Stats(context.Background(), q, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(st) == 0 {
		return queue.Stats{Queue: q}
	}
	return st[0]
}

// TestRetriesThenDeadLetter: an exception retries the batch until
// max_retries, then the message moves to the dead-letter queue, where it
// starts with attempts 1 and its id.
func TestRetriesThenDeadLetter(t *testing.T) {
	e := newEnv(t)
	b := e.broker(time.Minute)
	var main, dead recorder
	var deadID atomic.Value
	consume(t, b, queue.Consumer{Queue: "q", MaxBatchSize: 10, MaxRetries: 2, DeadLetterQueue: "dlq"}, func(ctx context.Context, batch queue.Batch) (queue.Result, error) {
		main.add(batch)
		deadID.Store(batch.Messages[0].ID)
		return queue.Result{}, errors.New("boom")
	})
	consume(t, b, queue.Consumer{Queue: "dlq", MaxBatchSize: 10}, func(ctx context.Context, batch queue.Batch) (queue.Result, error) {
		if batch.Messages[0].ID != deadID.Load() {
			t.Errorf("dead letter id %s, want %s", batch.Messages[0].ID, deadID.Load())
		}
		dead.add(batch)
		return queue.Result{}, nil
	})
	send(t, b, "q", "m")
	waitFor(t, "the dead letter", func() bool { return dead.count() == 1 })
	if got := fmt.Sprint(main.get()); got != "[{[m] [1]} {[m] [2]} {[m] [3]}]" {
		t.Errorf("deliveries = %s, want three attempts", got)
	}
	if got := fmt.Sprint(dead.get()); got != "[{[m] [1]}]" {
		t.Errorf("dead letters = %s", got)
	}
	if !strings.Contains(e.log.String(), `to dead letter queue \"dlq\" after 3 failed attempts`) {
		t.Errorf("log: %s", e.log.String())
	}
	waitFor(t, "both queues empty", func() bool {
		return stats(t, e.store, "q", e.clock.Now()).Messages == 0 && stats(t, e.store, "dlq", e.clock.Now()).Messages == 0
	})
}

// TestDropWithoutDeadLetterQueue: max_retries 0 and no dead-letter queue:
// one failed attempt drops the message, with a warning.
func TestDropWithoutDeadLetterQueue(t *testing.T) {
	e := newEnv(t)
	b := e.broker(time.Minute)
	var rec recorder
	consume(t, b, queue.Consumer{Queue: "q", MaxBatchSize: 10, MaxRetries: 0}, func(ctx context.Context, batch queue.Batch) (queue.Result, error) {
		rec.add(batch)
		return queue.Result{RetryAll: true}, nil
	})
	send(t, b, "q", "m")
	waitFor(t, "the drop", func() bool { return strings.Contains(e.log.String(), "after 1 failed attempt!") })
	if stats(t, e.store, "q", e.clock.Now()).Messages != 0 || rec.count() != 1 {
		t.Fatalf("want one delivery and an empty queue; deliveries %v", rec.get())
	}
}

// TestExceptionKeepsExplicitAcks: a handler acks one message and throws:
// the others come again with attempts 2, the acked one never does.
func TestExceptionKeepsExplicitAcks(t *testing.T) {
	e := newEnv(t)
	b := e.broker(time.Minute)
	var rec recorder
	consume(t, b, queue.Consumer{Queue: "q", MaxBatchSize: 3, MaxBatchTimeout: time.Hour, MaxRetries: 3}, func(ctx context.Context, batch queue.Batch) (queue.Result, error) {
		rec.add(batch)
		if batch.Messages[0].Attempts == 1 {
			return queue.Result{Acks: []string{batch.Messages[0].ID}}, errors.New("boom")
		}
		return queue.Result{}, nil
	})
	// A full batch goes at once, though the batch timeout is an hour.
	send(t, b, "q", "a", "b", "c")
	waitFor(t, "the retry", func() bool {
		st := stats(t, e.store, "q", e.clock.Now())
		return st.Messages == 2 && st.Ready == 2
	})
	// The two that come back are a partial batch: it goes when its oldest
	// message has waited the batch timeout.
	if got := fmt.Sprint(rec.get()); got != "[{[a b c] [1 1 1]}]" {
		t.Fatalf("deliveries before the timeout = %s", got)
	}
	e.clock.Advance(time.Hour)
	waitFor(t, "the redelivery", func() bool { return stats(t, e.store, "q", e.clock.Now()).Messages == 0 })
	if got := fmt.Sprint(rec.get()); got != "[{[a b c] [1 1 1]} {[b c] [2 2]}]" {
		t.Fatalf("deliveries = %s", got)
	}
}

// TestRetryDelaysAndBatchDecisions: retry({delaySeconds}) and
// retryAll({delaySeconds}) hold messages back for that long; an ack
// beats ackAll-less defaults; retry_delay applies when none is given.
func TestRetryDelaysAndBatchDecisions(t *testing.T) {
	e := newEnv(t)
	b := e.broker(time.Minute)
	var rec recorder
	d := func(n int) *int { return &n }
	consume(t, b, queue.Consumer{Queue: "q", MaxBatchSize: 10, MaxRetries: 5, RetryDelay: 30}, func(ctx context.Context, batch queue.Batch) (queue.Result, error) {
		rec.add(batch)
		res := queue.Result{Retries: map[string]*int{}}
		for _, m := range batch.Messages {
			switch string(m.Body) {
			case "delay-100":
				if m.Attempts == 1 {
					res.Retries[m.ID] = d(100)
				}
			case "default-delay":
				if m.Attempts == 1 {
					res.Retries[m.ID] = nil
				}
			}
		}
		return res, nil
	})
	send(t, b, "q", "delay-100", "default-delay", "ok")
	waitFor(t, "the first delivery", func() bool { return stats(t, e.store, "q", e.clock.Now()).Messages == 2 })
	e.clock.Advance(29 * time.Second)
	if st := stats(t, e.store, "q", e.clock.Now()); st.Ready != 0 || st.Delayed != 2 {
		t.Fatalf("at +29s: %+v, want both retries still delayed", st)
	}
	e.clock.Advance(time.Second) // retry_delay 30 s
	waitFor(t, "the default-delay retry", func() bool { return stats(t, e.store, "q", e.clock.Now()).Messages == 1 })
	e.clock.Advance(70 * time.Second) // the explicit 100 s
	waitFor(t, "the 100 s retry", func() bool { return stats(t, e.store, "q", e.clock.Now()).Messages == 0 })
	if got := fmt.Sprint(rec.get()); got != "[{[delay-100 default-delay ok] [1 1 1]} {[default-delay] [2]} {[delay-100] [2]}]" {
		t.Fatalf("deliveries = %s", got)
	}
}

// TestLeaseExpiryRedelivers: a consumer that stops mid-batch (its node
// died) applies nothing; when its lease runs out another consumer gets
// the batch with the attempt counted.
func TestLeaseExpiryRedelivers(t *testing.T) {
	e := newEnv(t)
	dying := e.broker(200 * time.Millisecond)
	ctx, die := context.WithCancel(context.Background())
	started := make(chan struct{})
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		dying.Consume(ctx, queue.Consumer{Queue: "q", MaxBatchSize: 10}, func(ctx context.Context, batch queue.Batch) (queue.Result, error) {
			close(started)
			<-ctx.Done()
			return queue.Result{AckAll: true}, ctx.Err()
		}, nil)
	}()
	send(t, dying, "q", "m1", "m2")
	<-started
	die()
	<-stopped
	if st := stats(t, e.store, "q", e.clock.Now()); st.Leased != 2 {
		t.Fatalf("after the consumer died: %+v, want its two messages still leased", st)
	}
	var rec recorder
	consume(t, e.broker(time.Minute), queue.Consumer{Queue: "q", MaxBatchSize: 10}, func(ctx context.Context, batch queue.Batch) (queue.Result, error) {
		rec.add(batch)
		return queue.Result{}, nil
	})
	waitFor(t, "the redelivery", func() bool { return stats(t, e.store, "q", e.clock.Now()).Messages == 0 })
	if got := fmt.Sprint(rec.get()); got != "[{[m1 m2] [2 2]}]" {
		t.Fatalf("deliveries = %s", got)
	}
}

// TestLeaseRenewedWhileRunning: a batch that runs longer than the lease
// is not given to another consumer.
func TestLeaseRenewedWhileRunning(t *testing.T) {
	e := newEnv(t)
	release := make(chan struct{})
	var first, second recorder
	consume(t, e.broker(600*time.Millisecond), queue.Consumer{Queue: "q", MaxBatchSize: 10}, func(ctx context.Context, batch queue.Batch) (queue.Result, error) {
		first.add(batch)
		<-release
		return queue.Result{}, nil
	})
	send(t, e.broker(time.Minute), "q", "m")
	waitFor(t, "the first delivery", func() bool { return first.count() == 1 })
	consume(t, e.broker(time.Minute), queue.Consumer{Queue: "q", MaxBatchSize: 10}, func(ctx context.Context, batch queue.Batch) (queue.Result, error) {
		second.add(batch)
		return queue.Result{}, nil
	})
	// Five lease lengths pass: the renewal keeps the message leased.
	for i := 0; i < 5; i++ {
		time.Sleep(600 * time.Millisecond)
		if st := stats(t, e.store, "q", e.clock.Now()); st.Leased != 1 {
			t.Fatalf("lease lost while the batch runs: %+v", st)
		}
	}
	close(release)
	waitFor(t, "the ack", func() bool { return stats(t, e.store, "q", e.clock.Now()).Messages == 0 })
	if second.count() != 0 {
		t.Fatalf("a second consumer got %v", second.get())
	}
}

// TestMaxConcurrency: at most max_concurrency batches run at once.
func TestMaxConcurrency(t *testing.T) {
	e := newEnv(t)
	b := e.broker(time.Minute)
	var running, peak, total atomic.Int32
	release := make(chan struct{})
	consume(t, b, queue.Consumer{Queue: "q", MaxBatchSize: 1, MaxConcurrency: 2}, func(ctx context.Context, batch queue.Batch) (queue.Result, error) {
		n := running.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		<-release
		running.Add(-1)
		total.Add(1)
		return queue.Result{}, nil
	})
	send(t, b, "q", "1", "2", "3", "4", "5")
	waitFor(t, "two batches running", func() bool { return running.Load() == 2 })
	if st := stats(t, e.store, "q", e.clock.Now()); st.Leased != 2 || st.Ready != 3 {
		t.Fatalf("with two running: %+v, want 2 leased and 3 waiting", st)
	}
	close(release)
	waitFor(t, "all five", func() bool { return total.Load() == 5 })
	if peak.Load() != 2 {
		t.Fatalf("peak concurrency %d, want 2", peak.Load())
	}
}

// TestSendLimits: Cloudflare's limits, with its messages.
func TestSendLimits(t *testing.T) {
	now := time.Now()
	big := make([]byte, queue.MaxMessageBytes+1)
	ok := make([]byte, queue.MaxMessageBytes)
	neg, over := -1, queue.MaxDelaySeconds+1
	for _, tc := range []struct {
		msgs  []queue.Outgoing
		batch bool
		want  string
	}{
		{[]queue.Outgoing{{Body: big, ContentType: "text"}}, false, "Queue send failed: message length of 128001 bytes exceeds limit of 128000"},
		{[]queue.Outgoing{{Body: ok, ContentType: "text"}, {Body: ok, ContentType: "text"}, {Body: []byte("x"), ContentType: "text"}}, true, "Queue sendBatch failed: batch size of 256001 bytes exceeds limit of 256000"},
		{make([]queue.Outgoing, 101), true, "Queue sendBatch failed: batch message count of 101 exceeds limit of 100"},
		{[]queue.Outgoing{{Body: []byte("x"), ContentType: "text", DelaySeconds: &neg}}, false, "Queue send failed: message delay -1 is invalid"},
		{[]queue.Outgoing{{Body: []byte("x"), ContentType: "text", DelaySeconds: &over}}, false, "Queue send failed: message delay 43201 is invalid"},
		{[]queue.Outgoing{{Body: []byte("x"), ContentType: "xml"}}, false, "Queue send failed: message content type xml is invalid"},
	} {
		_, err := queue.Validate(tc.msgs, tc.batch, 0, now)
		if err == nil || !strings.HasPrefix(err.Error(), tc.want) {
			t.Errorf("error %v, want %q", err, tc.want)
		}
	}
	rows, err := queue.Validate([]queue.Outgoing{{Body: ok, ContentType: "bytes"}, {Body: []byte("1"), ContentType: "json", DelaySeconds: &over}}[:1], false, 60, now)
	if err != nil || len(rows) != 1 || !rows[0].VisibleAt.Equal(now.Add(time.Minute)) || len(rows[0].ID) != 32 {
		t.Fatalf("rows %+v, err %v: want a 128000-byte message accepted, delivery_delay applied", rows, err)
	}
}

// Metrics reads the store; Backlog answers sends from that read plus the
// broker's own sends since, without a scan per send.
func TestMetricsAndBacklog(t *testing.T) {
	e := newEnv(t)
	b := e.broker(time.Minute)
	ctx := context.Background()
	if m, err := b.Backlog(ctx, "q"); err != nil || m != (queue.Metrics{}) {
		t.Fatalf("backlog of an empty queue = %+v, %v", m, err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(b.Send(ctx, "q", []queue.Outgoing{{Body: []byte("abc"), ContentType: "text"}}, false, 0))
	must(b.Send(ctx, "q", []queue.Outgoing{{Body: []byte("de"), ContentType: "text"}, {Body: []byte("f"), ContentType: "text"}}, true, 0))
	m, err := b.Backlog(ctx, "q")
	if err != nil || m.BacklogCount != 3 || m.BacklogBytes != 6 || m.Oldest.IsZero() {
		t.Fatalf("backlog after three sends = %+v, %v", m, err)
	}
	// Another producer on the same store: a fresh read sees it.
	other := e.broker(time.Minute)
	must(other.Send(ctx, "q", []queue.Outgoing{{Body: []byte("g"), ContentType: "text"}}, false, 0))
	fresh, err := b.Metrics(ctx, "q")
	if err != nil || fresh.BacklogCount != 4 || fresh.BacklogBytes != 7 || !fresh.Oldest.Equal(m.Oldest) {
		t.Fatalf("metrics = %+v, %v; want 4 messages, 7 bytes, oldest %v", fresh, err, m.Oldest)
	}
}
