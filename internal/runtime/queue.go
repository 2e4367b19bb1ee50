package runtime

import (
	"context"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// QueueMessage is one message of a batch handed to a consumer.
type QueueMessage struct {
	ID          string
	Timestamp   time.Time
	Body        []byte
	ContentType string // "text", "json", "bytes", "v8"
	Attempts    int
}

// QueueMetrics is the queue's backlog as a batch's metadata carries it
// (workerd's MessageBatchMetadata); Oldest is zero for an empty queue.
type QueueMetrics struct {
	BacklogCount int
	BacklogBytes int64
	Oldest       time.Time
}

// QueueRetry is a message the consumer retried; Delay is nil when
// retry() was given no delaySeconds.
type QueueRetry struct {
	ID    string
	Delay *int
}

// QueueResult is what the consumer decided about its batch (workerd's
// QueueEventResult): it is read whether the handler returned or threw.
type QueueResult struct {
	AckAll        bool
	RetryAll      bool
	RetryAllDelay *int
	Acks          []string
	Retries       []QueueRetry
}

// Queue runs the worker's queue handler on one instance with a batch of
// queueName's messages and waits for it and its waitUntil work. err is
// the handler's exception (the result is still what it decided before).
func (w *Worker) Queue(ctx context.Context, queueName string, msgs []QueueMessage, metrics QueueMetrics) (QueueResult, error) {
	in, err := w.pick(ctx)
	if err != nil {
		return QueueResult{}, err
	}
	res, err := in.Queue(ctx, queueName, msgs, metrics)
	return res, resourcesError(err)
}

// Queue runs a queue event on this instance (see Worker.Queue).
func (in *Instance) Queue(ctx context.Context, queueName string, msgs []QueueMessage, metrics QueueMetrics) (QueueResult, error) {
	if in.Broken() {
		return QueueResult{}, ErrBroken
	}
	in.begin()
	defer in.inflight.Add(-1)
	in.background.Add(1)
	type result struct {
		read *jsc.Handle // the prelude's read(): the decisions, once waitUntil work is done
		err  error
		st   *Invocation
	}
	done := make(chan result, 1)
	var reqID int64
	const what = "running the queue handler"
	err := in.vm.Enqueue(func(c *jsc.Context) {
		if in.vm.Terminated() || in.hooks == nil {
			done <- result{err: ErrBroken}
			return
		}
		st := in.newInvocation("queue", 0, ctx)
		// A handler that hangs (or hits a limit) ends the delivery with
		// that error: its messages are retried.
		st.onFail = func(err error) {
			select {
			case done <- result{err: err, st: st}:
			default:
			}
		}
		reqID = st.ID
		// A canceled delivery (the node shuts down) cancels the work.
		context.AfterFunc(ctx, func() { in.vm.Enqueue(func(*jsc.Context) { st.cancel() }) })
		list := make([]jsc.Value, len(msgs))
		for i, m := range msgs {
			body, err := c.Bytes(m.Body)
			if err != nil {
				done <- result{err: in.scriptError(what, err), st: st}
				return
			}
			o := c.Object()
			o.Set("id", c.String(m.ID))
			o.Set("timestamp", c.Number(float64(m.Timestamp.UnixMilli())))
			o.Set("body", body)
			o.Set("contentType", c.String(m.ContentType))
			o.Set("attempts", c.Number(float64(m.Attempts)))
			list[i] = o
		}
		arr, err := c.Array(list...)
		if err != nil {
			done <- result{err: in.scriptError(what, err), st: st}
			return
		}
		oldest := c.Null()
		if !metrics.Oldest.IsZero() {
			oldest = c.Number(float64(metrics.Oldest.UnixMilli()))
		}
		meta, err := c.Array(c.Number(float64(metrics.BacklogCount)), c.Number(float64(metrics.BacklogBytes)), oldest)
		if err != nil {
			done <- result{err: in.scriptError(what, err), st: st}
			return
		}
		hooks := in.hooks.Value()
		in.within(reqID, func() {
			err = hooks.Get("queue").CallThen(hooks, []jsc.Value{c.String(queueName), arr, c.Number(float64(reqID)), meta}, func(v jsc.Value) {
				// Settled: from here on only its waitUntil work may run.
				st.responded = true
				r := result{read: v.Get("read").Keep(), st: st}
				if v.Get("threw").Bool() {
					r.err = in.errorFromValue(what, v.Get("error"))
				}
				select {
				case done <- r:
				default:
					r.read.Release()
				}
			}, func(v jsc.Value) {
				st.responded = true
				select {
				case done <- result{err: in.errorFromValue(what, v), st: st}:
				default:
				}
			})
		})
		if err != nil {
			st.onFail(in.scriptError(what, err))
		}
	})
	if err != nil {
		in.background.Done()
		return QueueResult{}, ErrBroken
	}
	var res result
	select {
	case res = <-done:
	case <-in.vm.Done():
		in.background.Done()
		return QueueResult{}, ErrBroken
	}
	if res.st == nil {
		in.background.Done()
		in.broken.Store(true)
		return QueueResult{}, res.err
	}
	// As workerd (without queue_consumer_no_wait_for_wait_until), the
	// result counts once the waitUntil work is done.
	in.awaitWaitUntil(ctx, res.st, WaitUntilLimit)
	var decided QueueResult
	read := make(chan struct{})
	if in.vm.Enqueue(func(c *jsc.Context) {
		defer close(read)
		if res.read != nil {
			if v, err := res.read.Value().Call(c.Undefined()); err == nil {
				decided = queueResultFromJS(v)
			}
			res.read.Release()
		}
		in.endInvocation(reqID)
	}) != nil {
		res.st.cancel()
		close(read)
	}
	select {
	case <-read:
	case <-in.vm.Done():
	}
	in.background.Done()
	if in.vm.Terminated() {
		in.broken.Store(true)
	}
	return decided, res.err
}

// queueResultFromJS reads the prelude's { ackAll, retryAll, retryDelay,
// acks: [id], retries: [[id, delay|null]] }.
func queueResultFromJS(v jsc.Value) QueueResult {
	var r QueueResult
	if !v.IsObject() {
		return r
	}
	r.AckAll = v.Get("ackAll").Bool()
	r.RetryAll = v.Get("retryAll").Bool()
	r.RetryAllDelay = optDelay(v.Get("retryDelay"))
	acks := v.Get("acks")
	for i := 0; i < acks.Len(); i++ {
		r.Acks = append(r.Acks, acks.Index(i).String())
	}
	retries := v.Get("retries")
	for i := 0; i < retries.Len(); i++ {
		e := retries.Index(i)
		r.Retries = append(r.Retries, QueueRetry{ID: e.Index(0).String(), Delay: optDelay(e.Index(1))})
	}
	return r
}

func optDelay(v jsc.Value) *int {
	if !v.IsNumber() {
		return nil
	}
	n := int(v.Int())
	return &n
}
