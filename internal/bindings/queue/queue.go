// Package queuebinding is Cloudflare Queues for workers: the producer
// binding (env.MY_QUEUE, queue.js) over internal/queue's broker, and the
// delivery of batches to a consumer worker's queue() handler.
package queuebinding

import (
	"context"
	_ "embed"
	"errors"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/queue"
	"github.com/outpost-dev/outpost/internal/runtime"
)

//go:embed queue.js
var module string

// Extension is the Queues family: WorkerQueue, Message, MessageBatch and
// the queue event.
func Extension() runtime.Extension { return runtime.Extension{Name: "queue", Module: module} }

// Producer is a [[queues.producers]] binding: sends go to one queue.
type Producer struct {
	Broker *queue.Broker
	Queue  string
	// DeliveryDelay is the producer's delivery_delay in seconds.
	DeliveryDelay int
	// DefaultContentType is "json" from compatibility date 2024-03-18
	// (queues_json_messages), "v8" before.
	DefaultContentType string
}

// Kind names the JavaScript factory (queue.js).
func (Producer) Kind() string { return "queue" }

// sendTimeout bounds one send against the store.
const sendTimeout = 30 * time.Second

// Install makes the host object behind one producer binding: it reaches
// only its queue.
func (p Producer) Install(h runtime.BindingHost, c *jsc.Context) (jsc.Value, error) {
	obj := c.Object()
	obj.Set("defaultContentType", c.String(p.DefaultContentType))
	obj.Set("send", c.Function("send", func(call *jsc.Call) (jsc.Value, error) {
		items := call.Arg(0)
		batch := call.Arg(1).Bool()
		msgs := make([]queue.Outgoing, items.Len())
		for i := range msgs {
			it := items.Index(i)
			body, ok := it.Index(0).CopyBytes()
			if !ok {
				return jsc.Value{}, jsc.TypeError("queue: a message body is not bytes")
			}
			msgs[i] = queue.Outgoing{Body: body, ContentType: it.Index(1).String()}
			if d := it.Index(2); d.IsNumber() {
				n := int(d.Int())
				msgs[i].DelaySeconds = &n
			}
		}
		op := "send"
		if batch {
			op = "send_batch"
		}
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			ctx, cancel := context.WithTimeout(ctx, sendTimeout)
			defer cancel()
			err := p.Broker.Send(ctx, p.Queue, msgs, batch, p.DeliveryDelay)
			if err != nil {
				h.Observe("queue", op, "error")
				var qe *queue.Error
				if errors.As(err, &qe) {
					return nil, &jsc.Error{Name: "Error", Message: qe.Message}
				}
				return nil, err
			}
			h.Observe("queue", op, "ok")
			// The answer carries the backlog after the send, as Cloudflare's
			// does; a send that was stored is not failed over its metrics.
			m, _ := p.Broker.Backlog(ctx, p.Queue)
			return func(c *jsc.Context) (jsc.Value, error) { return metricsToJS(c, m) }, nil
		})
	}))
	obj.Set("metrics", c.Function("metrics", func(call *jsc.Call) (jsc.Value, error) {
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			ctx, cancel := context.WithTimeout(ctx, sendTimeout)
			defer cancel()
			m, err := p.Broker.Metrics(ctx, p.Queue)
			h.Observe("queue", "metrics", runtime.OK(err))
			if err != nil {
				return nil, err
			}
			return func(c *jsc.Context) (jsc.Value, error) { return metricsToJS(c, m) }, nil
		})
	}))
	return obj, nil
}

// metricsToJS is [backlogCount, backlogBytes, oldest ms or null]; queue.js
// makes the object.
func metricsToJS(c *jsc.Context, m queue.Metrics) (jsc.Value, error) {
	oldest := c.Null()
	if !m.Oldest.IsZero() {
		oldest = c.Number(float64(m.Oldest.UnixMilli()))
	}
	return c.Array(c.Number(float64(m.BacklogCount)), c.Number(float64(m.BacklogBytes)), oldest)
}

// Deliverer runs batches on the consumer worker that current returns (the
// running version; nil while there is none, and the batch is retried).
func Deliverer(current func() *runtime.Worker) queue.Deliver {
	return func(ctx context.Context, b queue.Batch) (queue.Result, error) {
		w := current()
		if w == nil {
			return queue.Result{}, errors.New("the consumer worker is not running")
		}
		msgs := make([]runtime.QueueMessage, len(b.Messages))
		for i, m := range b.Messages {
			msgs[i] = runtime.QueueMessage{ID: m.ID, Timestamp: m.Timestamp, Body: m.Body, ContentType: m.ContentType, Attempts: m.Attempts}
		}
		metrics := runtime.QueueMetrics{BacklogCount: b.Metrics.BacklogCount, BacklogBytes: b.Metrics.BacklogBytes, Oldest: b.Metrics.Oldest}
		res, err := w.Queue(ctx, b.Queue, msgs, metrics)
		out := queue.Result{AckAll: res.AckAll, RetryAll: res.RetryAll, RetryAllDelay: res.RetryAllDelay, Acks: res.Acks}
		if len(res.Retries) > 0 {
			out.Retries = map[string]*int{}
			for _, r := range res.Retries {
				out.Retries[r.ID] = r.Delay
			}
		}
		return out, err
	}
}
