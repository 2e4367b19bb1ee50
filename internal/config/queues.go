package config

import (
	"fmt"

	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// QueueProducer is a [[queues.producers]] binding.
type QueueProducer struct {
	Binding       string
	Queue         string
	DeliveryDelay int // seconds
}

// QueueConsumer is a [[queues.consumers]] entry with Cloudflare's defaults
// applied to what it leaves out.
type QueueConsumer struct {
	Queue           string
	MaxBatchSize    int
	MaxBatchTimeout float64 // seconds
	MaxRetries      int
	DeadLetterQueue string
	MaxConcurrency  int // 0: not set (Cloudflare scales up by itself)
	RetryDelay      int // seconds
	// Pull is type = "http_pull": the queue is read over HTTP (the
	// messages/pull and messages/ack API), not pushed to this worker.
	Pull bool
	// VisibilityTimeoutMs is how long a pulled message stays leased.
	VisibilityTimeoutMs int
}

// Cloudflare's limits and defaults for queue settings
// (developers.cloudflare.com/queues/platform/limits and configuration).
const (
	queueMaxBatchSize    = 100
	queueMaxBatchTimeout = 60
	queueMaxRetries      = 100
	queueMaxConcurrency  = 250
	queueMaxDelay        = 43200

	QueueDefaultBatchSize    = 10
	QueueDefaultBatchTimeout = 5
	QueueDefaultMaxRetries   = 3
)

var queueName = lazyregexp.New(`^[a-zA-Z0-9_-]{1,63}$`)

// readQueues reads queues = { producers = [...], consumers = [...] }.
func readQueues(r *reader, c *Config, v any, f string) {
	m, ok := r.table(v, f)
	if !ok {
		return
	}
	r.known(m, f, "producers", "consumers")
	c.QueueProducers, c.QueueConsumers = nil, nil
	name := func(s, field string) bool {
		if !queueName.MatchString(s) {
			r.errorf(field, "expected a queue name of 1 to 63 letters, digits, - and _, found %q", s)
			return false
		}
		return true
	}
	intIn := func(t map[string]any, key, field string, lo, hi, def int) int {
		x, present := t[key]
		if !present {
			return def
		}
		n, ok := r.integer(x, field+"."+key)
		if !ok {
			return def
		}
		if n < int64(lo) || n > int64(hi) {
			r.errorf(field+"."+key, "expected a whole number from %d to %d, found %d", lo, hi, n)
			return def
		}
		return int(n)
	}
	if list, ok := m["producers"]; ok {
		if a, ok := r.array(list, f+".producers"); ok {
			for i, e := range a {
				ef := fmt.Sprintf("%s.producers[%d]", f, i)
				t, ok := r.table(e, ef)
				if !ok {
					continue
				}
				r.known(t, ef, "binding", "queue", "delivery_delay", "remote")
				b, ok1 := r.required(t, "binding", ef)
				q, ok2 := r.required(t, "queue", ef)
				if !ok1 || !ok2 || !r.bindingName(b, ef+".binding") || !name(q, ef+".queue") {
					continue
				}
				c.QueueProducers = append(c.QueueProducers, QueueProducer{
					Binding: b, Queue: q, DeliveryDelay: intIn(t, "delivery_delay", ef, 0, queueMaxDelay, 0),
				})
			}
		}
	}
	if list, ok := m["consumers"]; ok {
		if a, ok := r.array(list, f+".consumers"); ok {
			seen := map[string]bool{}
			for i, e := range a {
				ef := fmt.Sprintf("%s.consumers[%d]", f, i)
				t, ok := r.table(e, ef)
				if !ok {
					continue
				}
				r.known(t, ef, "queue", "type", "max_batch_size", "max_batch_timeout", "max_retries",
					"dead_letter_queue", "max_concurrency", "retry_delay", "visibility_timeout_ms")
				q, ok := r.required(t, "queue", ef)
				if !ok || !name(q, ef+".queue") {
					continue
				}
				pull := false
				switch typ := r.optional(t, "type", ef); typ {
				case "", "worker":
				case "http_pull":
					pull = true
				default:
					r.errorf(ef+".type", `expected "worker" or "http_pull", found %q`, typ)
					continue
				}
				if seen[q] {
					r.errorf(ef+".queue", "queue %q has two consumers in this worker; a queue has one consumer", q)
					continue
				}
				seen[q] = true
				qc := QueueConsumer{
					Queue:           q,
					MaxBatchSize:    intIn(t, "max_batch_size", ef, 1, queueMaxBatchSize, QueueDefaultBatchSize),
					MaxBatchTimeout: QueueDefaultBatchTimeout,
					MaxRetries:      intIn(t, "max_retries", ef, 0, queueMaxRetries, QueueDefaultMaxRetries),
					MaxConcurrency:  intIn(t, "max_concurrency", ef, 1, queueMaxConcurrency, 0),
					RetryDelay:      intIn(t, "retry_delay", ef, 0, queueMaxDelay, 0),
					Pull:            pull,
				}
				if pull {
					qc.VisibilityTimeoutMs = intIn(t, "visibility_timeout_ms", ef, 0, queueMaxDelay*1000, 30_000)
				}
				if x, present := t["max_batch_timeout"]; present {
					var secs float64
					switch n := x.(type) {
					case int64:
						secs = float64(n)
					case float64:
						secs = n
					default:
						r.expected(ef+".max_batch_timeout", "a number of seconds", x)
						secs = -1
					}
					if secs >= 0 && secs <= queueMaxBatchTimeout {
						qc.MaxBatchTimeout = secs
					} else if secs != -1 {
						r.errorf(ef+".max_batch_timeout", "expected a number of seconds from 0 to %d, found %v", queueMaxBatchTimeout, secs)
					}
				}
				if d := r.optional(t, "dead_letter_queue", ef); d != "" {
					if name(d, ef+".dead_letter_queue") {
						if d == q {
							r.errorf(ef+".dead_letter_queue", "a queue cannot be its own dead letter queue (%q)", q)
						} else {
							qc.DeadLetterQueue = d
						}
					}
				}
				c.QueueConsumers = append(c.QueueConsumers, qc)
			}
		}
	}
}
