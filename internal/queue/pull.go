package queue

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// PullConsumer is a [[queues.consumers]] entry of type "http_pull": its
// messages are read over HTTP (queue/pullapi) instead of pushed.
type PullConsumer struct {
	Queue             string
	MaxRetries        int
	DeadLetterQueue   string
	RetryDelay        int           // seconds
	VisibilityTimeout time.Duration // default for a pull that sets none
}

// Pulled is a message handed to a pull consumer, with its lease id.
type Pulled struct {
	Message
	LeaseID string
}

// Pull leases up to max deliverable messages of c's queue for
// visibility. A message whose earlier leases all ran out without an
// answer more than max_retries times goes to the dead-letter queue (or is
// dropped), as a retried one would.
func (b *Broker) Pull(ctx context.Context, c PullConsumer, max int, visibility time.Duration) ([]Pulled, error) {
	now := b.now()
	msgs, err := b.store.Lease(ctx, c.Queue, max, now, now.Add(visibility))
	if err != nil {
		return nil, err
	}
	out := make([]Pulled, 0, len(msgs))
	for _, m := range msgs {
		if m.Attempts > c.MaxRetries+1 {
			if err := b.giveUp(ctx, c, m); err != nil {
				return nil, err
			}
			continue
		}
		out = append(out, Pulled{Message: m, LeaseID: leaseID(m)})
	}
	return out, nil
}

// PullRetry is a retry of a pulled message; Delay nil means the
// consumer's retry_delay.
type PullRetry struct {
	LeaseID string
	Delay   *int
}

// ErrLeaseID is a lease id that this broker did not make.
var ErrLeaseID = errors.New("invalid lease_id")

// AckPulled applies a pull consumer's acks and retries. A lease that ran
// out (the message was pulled again since) changes nothing, as with
// Cloudflare. It says how many acks and retries it applied.
func (b *Broker) AckPulled(ctx context.Context, c PullConsumer, acks []string, retries []PullRetry) (int, int, error) {
	type parsed struct {
		lease    int64
		attempts int
		id       string
	}
	parse := func(s string) (parsed, error) {
		raw, err := base64.RawURLEncoding.DecodeString(s)
		parts := strings.SplitN(string(raw), ".", 3)
		if err != nil || len(parts) != 3 {
			return parsed{}, fmt.Errorf("%w %q", ErrLeaseID, s)
		}
		lease, err1 := strconv.ParseInt(parts[0], 10, 64)
		attempts, err2 := strconv.Atoi(parts[1])
		if err1 != nil || err2 != nil {
			return parsed{}, fmt.Errorf("%w %q", ErrLeaseID, s)
		}
		return parsed{lease, attempts, parts[2]}, nil
	}
	// Check everything before changing anything.
	ap := make([]parsed, len(acks))
	for i, a := range acks {
		p, err := parse(a)
		if err != nil {
			return 0, 0, err
		}
		ap[i] = p
	}
	rp := make([]parsed, len(retries))
	for i, r := range retries {
		p, err := parse(r.LeaseID)
		if err != nil {
			return 0, 0, err
		}
		if r.Delay != nil {
			if err := CheckDelay("retries["+strconv.Itoa(i)+"].delay_seconds:", *r.Delay); err != nil {
				return 0, 0, err
			}
		}
		rp[i] = p
	}
	for _, p := range ap {
		if err := b.store.Ack(ctx, c.Queue, p.lease, []string{p.id}); err != nil {
			return 0, 0, err
		}
	}
	for i, p := range rp {
		m := Message{ID: p.id, Queue: c.Queue, Attempts: p.attempts, Lease: p.lease}
		if p.attempts >= c.MaxRetries+1 {
			if err := b.giveUp(ctx, c, m); err != nil {
				return len(ap), i, err
			}
			continue
		}
		delay := c.RetryDelay
		if retries[i].Delay != nil {
			delay = *retries[i].Delay
		}
		if err := b.store.Retry(ctx, c.Queue, p.lease, p.id, b.now().Add(time.Duration(delay)*time.Second)); err != nil {
			return len(ap), i, err
		}
	}
	b.wake(c.Queue)
	return len(ap), len(rp), nil
}

// giveUp dead-letters (or drops) a leased message that used up its
// attempts.
func (b *Broker) giveUp(ctx context.Context, c PullConsumer, m Message) error {
	if c.DeadLetterQueue != "" {
		b.log.Warn(fmt.Sprintf("Moving message %q on queue %q to dead letter queue %q after %d failed attempts...", m.ID, c.Queue, c.DeadLetterQueue, c.MaxRetries+1))
		err := b.store.Move(ctx, c.Queue, m.Lease, m.ID, c.DeadLetterQueue, b.now())
		b.wake(c.DeadLetterQueue)
		return err
	}
	b.log.Warn(fmt.Sprintf("Dropped message %q on queue %q after %d failed attempts!", m.ID, c.Queue, c.MaxRetries+1))
	return b.store.Ack(ctx, c.Queue, m.Lease, []string{m.ID})
}

// leaseID names one delivery of one message: its lease token, attempts
// and id, opaque to clients.
func leaseID(m Message) string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("%d.%d.%s", m.Lease, m.Attempts, m.ID)))
}
