// Package queue is Cloudflare Queues' semantics over a Store: what a
// producer may send (Cloudflare's limits and messages), how messages wait
// (delays, batching by size and by timeout), how a consumer's answer is
// applied (ack, retry with delays, dead-letter queues after max_retries)
// and how deliveries are leased so that a consumer that dies mid-batch
// has its messages delivered again. queue/sqlite keeps messages in one
// file for `outpost dev`; queue/postgres shares them between the nodes of
// a fleet. Both pass one conformance suite (queue/queuetest).
package queue

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"time"
)

// Cloudflare's limits (developers.cloudflare.com/queues/platform/limits).
const (
	MaxMessageBytes  = 128_000 // one message's body
	MaxBatchMessages = 100     // messages in one sendBatch()
	MaxBatchBytes    = 256_000 // bodies of one sendBatch()
	MaxDelaySeconds  = 43_200  // 12 hours, for delivery and retry delays

	MaxConsumerBatchSize    = 100
	MaxConsumerBatchTimeout = 60 * time.Second
	MaxConsumerRetries      = 100
	MaxConsumerConcurrency  = 250

	// Defaults of a [[queues.consumers]] entry, as Cloudflare documents them.
	DefaultBatchSize    = 10
	DefaultBatchTimeout = 5 * time.Second
	DefaultMaxRetries   = 3
)

// Content types of a message body.
const (
	ContentText  = "text"
	ContentJSON  = "json"
	ContentBytes = "bytes"
	ContentV8    = "v8"
)

// Outgoing is a message a producer sends.
type Outgoing struct {
	Body        []byte
	ContentType string
	// DelaySeconds, when set, delays delivery (else the producer's
	// delivery_delay applies).
	DelaySeconds *int
}

// Message is a stored message.
type Message struct {
	ID          string
	Queue       string
	Body        []byte
	ContentType string
	Timestamp   time.Time // when it was sent
	// Attempts counts deliveries, this one included: 1 on the first.
	Attempts int
	// Lease identifies the delivery: acks and retries of an expired lease
	// change nothing.
	Lease int64
}

// Row is a message as a Store writes it.
type Row struct {
	ID          string
	Body        []byte
	ContentType string
	SentAt      time.Time
	VisibleAt   time.Time
	Attempts    int
}

// Pending says what a queue holds for a consumer at a moment.
type Pending struct {
	Ready       int       // deliverable now, up to the limit asked for
	ReadySince  time.Time // the earliest time one of those became deliverable
	NextVisible time.Time // when the next delayed or leased message becomes deliverable (zero: none)
}

// Stats describe a queue for the command line.
type Stats struct {
	Queue    string
	Messages int // all stored
	Ready    int // deliverable now
	Delayed  int // waiting for a delay or a retry delay
	Leased   int // being delivered
	Bytes    int64
	Oldest   time.Time // when the oldest stored message was sent; zero when none
}

// Store keeps messages. Times come from the caller (the broker's clock);
// every method is safe for concurrent use, also from several processes
// sharing one database (PostgreSQL).
type Store interface {
	// Insert adds rows to queue, atomically.
	Insert(ctx context.Context, queue string, rows []Row) error
	// Pending reports what queue holds at now, counting at most limit
	// ready messages (a consumer only asks whether a batch is full; a
	// count of the whole backlog at every poll would grow with it).
	Pending(ctx context.Context, queue string, now time.Time, limit int) (Pending, error)
	// Lease takes up to max deliverable messages (oldest first), hides
	// them until until, counts the delivery in Attempts and gives them
	// one new lease token. Two concurrent leases never get one message.
	Lease(ctx context.Context, queue string, max int, now, until time.Time) ([]Message, error)
	// Extend keeps a lease's messages hidden until until.
	Extend(ctx context.Context, queue string, lease int64, until time.Time) error
	// Ack deletes messages of a lease.
	Ack(ctx context.Context, queue string, lease int64, ids []string) error
	// Retry makes a leased message deliverable again at visibleAt.
	Retry(ctx context.Context, queue string, lease int64, id string, visibleAt time.Time) error
	// Move moves a leased message to another queue (a dead-letter queue),
	// deliverable there at now with no attempts, atomically.
	Move(ctx context.Context, queue string, lease int64, id, to string, now time.Time) error
	// Stats describes each queue that holds messages, or only the named one.
	Stats(ctx context.Context, queue string, now time.Time) ([]Stats, error)
	// Peek lists up to limit messages of queue in delivery order without
	// taking them.
	Peek(ctx context.Context, queue string, limit int) ([]Peeked, error)
	// Purge deletes every message of queue and says how many there were.
	Purge(ctx context.Context, queue string) (int, error)
	// ClaimConsumer makes worker the consumer of queue unless another
	// worker is, and returns the consumer (worker when the claim holds):
	// a queue has one consumer worker, on every node sharing the store.
	ClaimConsumer(ctx context.Context, queue, worker string) (string, error)
	// ReleaseConsumer ends worker's claim on queue, if it holds one.
	ReleaseConsumer(ctx context.Context, queue, worker string) error
	Close() error
}

// Peeked is a stored message as the command line shows it.
type Peeked struct {
	Message
	VisibleAt time.Time // when it can be delivered (next)
	Leased    bool      // a delivery of it is running
}

// Error is a rejected send: the message is workerd's.
type Error struct{ Message string }

func (e *Error) Error() string { return e.Message }

// NewID makes a message id: 32 hex digits, as Cloudflare's.
func NewID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// Validate checks a send (batch: sendBatch()) against Cloudflare's limits
// and returns the rows to store.
func Validate(msgs []Outgoing, batch bool, deliveryDelay int, now time.Time) ([]Row, error) {
	op := "send"
	if batch {
		op = "sendBatch"
		if len(msgs) > MaxBatchMessages {
			return nil, &Error{fmt.Sprintf("Queue sendBatch failed: batch message count of %d exceeds limit of %d", len(msgs), MaxBatchMessages)}
		}
	}
	total := 0
	rows := make([]Row, len(msgs))
	for i, m := range msgs {
		switch m.ContentType {
		case ContentText, ContentJSON, ContentBytes, ContentV8:
		default:
			return nil, &Error{fmt.Sprintf("Queue %s failed: message content type %s is invalid; if specified, must be one of 'text', 'json', 'bytes', or 'v8'", op, m.ContentType)}
		}
		if len(m.Body) > MaxMessageBytes {
			if batch {
				return nil, &Error{fmt.Sprintf("Queue sendBatch failed: message in batch has length %d bytes which exceeds single message size limit of %d", len(m.Body), MaxMessageBytes)}
			}
			return nil, &Error{fmt.Sprintf("Queue send failed: message length of %d bytes exceeds limit of %d", len(m.Body), MaxMessageBytes)}
		}
		total += len(m.Body)
		delay := deliveryDelay
		if m.DelaySeconds != nil {
			delay = *m.DelaySeconds
			if err := CheckDelay("Queue "+op+" failed: message", delay); err != nil {
				return nil, err
			}
		}
		rows[i] = Row{ID: NewID(), Body: m.Body, ContentType: m.ContentType, SentAt: now, VisibleAt: now.Add(time.Duration(delay) * time.Second)}
	}
	if total > MaxBatchBytes {
		return nil, &Error{fmt.Sprintf("Queue %s failed: batch size of %d bytes exceeds limit of %d", op, total, MaxBatchBytes)}
	}
	return rows, nil
}

// CheckDelay checks a delay in seconds; what names the delay in the error.
func CheckDelay(what string, secs int) error {
	if secs < 0 || secs > MaxDelaySeconds {
		return &Error{fmt.Sprintf("%s delay %d is invalid: it must be a whole number of seconds from 0 to %d (12 hours)", what, secs, MaxDelaySeconds)}
	}
	return nil
}
