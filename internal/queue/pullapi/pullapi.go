// Package pullapi serves Cloudflare's HTTP pull consumer API for queues
// whose consumer is type = "http_pull": POST
// /client/v4/accounts/{account}/queues/{queue}/messages/pull leases a
// batch, POST …/messages/ack acknowledges or retries its messages by
// lease_id. The queue is named where Cloudflare puts its id; the account
// is not checked. Callers authenticate requests before this handler.
package pullapi

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/outpost-dev/outpost/internal/queue"
)

// Prefix is where the API lives, as in Cloudflare's API base URL.
const Prefix = "/client/v4/accounts/{account}/queues/{queue}/messages/"

// Limits of a pull, as Cloudflare documents them.
const (
	DefaultBatchSize = 5
	MaxBatchSize     = 100
	MaxVisibility    = 12 * time.Hour
)

// Lookup finds the pull consumer of a queue.
type Lookup func(queue string) (queue.PullConsumer, bool)

// Handler serves the API over b.
func Handler(b *queue.Broker, lookup Lookup) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+Prefix+"pull", func(w http.ResponseWriter, r *http.Request) { pull(w, r, b, lookup) })
	mux.HandleFunc("POST "+Prefix+"ack", func(w http.ResponseWriter, r *http.Request) { ack(w, r, b, lookup) })
	return mux
}

type message struct {
	ID          string            `json:"id"`
	Body        string            `json:"body"`
	Attempts    int               `json:"attempts"`
	LeaseID     string            `json:"lease_id"`
	TimestampMs int64             `json:"timestamp_ms"`
	Metadata    map[string]string `json:"metadata"`
}

func consumer(w http.ResponseWriter, r *http.Request, lookup Lookup) (queue.PullConsumer, bool) {
	q := r.PathValue("queue")
	c, ok := lookup(q)
	if !ok {
		fail(w, http.StatusNotFound, fmt.Sprintf("queue %s has no HTTP pull consumer: add a [[queues.consumers]] entry with queue = %q and type = \"http_pull\" to a worker's configuration", q, q))
	}
	return c, ok
}

// decode reads a JSON body into v; an empty body leaves v as it is.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(v)
	if err != nil && !errors.Is(err, io.EOF) {
		fail(w, http.StatusBadRequest, "bad request body: "+err.Error())
		return false
	}
	return true
}

func pull(w http.ResponseWriter, r *http.Request, b *queue.Broker, lookup Lookup) {
	c, ok := consumer(w, r, lookup)
	if !ok {
		return
	}
	var req struct {
		BatchSize           *int   `json:"batch_size"`
		VisibilityTimeoutMs *int64 `json:"visibility_timeout_ms"`
	}
	if !decode(w, r, &req) {
		return
	}
	size := DefaultBatchSize
	if req.BatchSize != nil {
		size = *req.BatchSize
		if size < 1 || size > MaxBatchSize {
			fail(w, http.StatusBadRequest, fmt.Sprintf("batch_size must be from 1 to %d, found %d", MaxBatchSize, size))
			return
		}
	}
	vis := c.VisibilityTimeout
	if req.VisibilityTimeoutMs != nil {
		vis = time.Duration(*req.VisibilityTimeoutMs) * time.Millisecond
		if vis <= 0 || vis > MaxVisibility {
			fail(w, http.StatusBadRequest, fmt.Sprintf("visibility_timeout_ms must be from 1 to %d (12 hours), found %d", MaxVisibility.Milliseconds(), *req.VisibilityTimeoutMs))
			return
		}
	}
	got, err := b.Pull(r.Context(), c, size, vis)
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	m, err := b.Metrics(r.Context(), c.Queue)
	if err != nil {
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	msgs := make([]message, len(got))
	for i, p := range got {
		msgs[i] = message{ID: p.ID, Body: bodyText(p.Message), Attempts: p.Attempts, LeaseID: p.LeaseID,
			TimestampMs: p.Timestamp.UnixMilli(), Metadata: map[string]string{"CF-Content-Type": p.ContentType}}
	}
	metrics := map[string]any{"backlog_count": m.BacklogCount, "backlog_bytes": m.BacklogBytes}
	if !m.Oldest.IsZero() {
		metrics["oldest_message_timestamp_ms"] = m.Oldest.UnixMilli()
	}
	ok200(w, map[string]any{"message_backlog_count": m.BacklogCount, "messages": msgs, "metadata": map[string]any{"metrics": metrics}})
}

// bodyText is a body as the pull API carries it: text and JSON as they
// were sent, bytes and v8 (which only a Worker can decode) in base64.
func bodyText(m queue.Message) string {
	switch m.ContentType {
	case queue.ContentText, queue.ContentJSON:
		return string(m.Body)
	}
	return base64.StdEncoding.EncodeToString(m.Body)
}

func ack(w http.ResponseWriter, r *http.Request, b *queue.Broker, lookup Lookup) {
	c, ok := consumer(w, r, lookup)
	if !ok {
		return
	}
	var req struct {
		Acks []struct {
			LeaseID string `json:"lease_id"`
		} `json:"acks"`
		Retries []struct {
			LeaseID      string `json:"lease_id"`
			DelaySeconds *int   `json:"delay_seconds"`
		} `json:"retries"`
	}
	if !decode(w, r, &req) {
		return
	}
	acks := make([]string, len(req.Acks))
	for i, a := range req.Acks {
		acks[i] = a.LeaseID
	}
	retries := make([]queue.PullRetry, len(req.Retries))
	for i, rt := range req.Retries {
		retries[i] = queue.PullRetry{LeaseID: rt.LeaseID, Delay: rt.DelaySeconds}
	}
	acked, retried, err := b.AckPulled(r.Context(), c, acks, retries)
	var qe *queue.Error
	switch {
	case errors.Is(err, queue.ErrLeaseID), errors.As(err, &qe):
		fail(w, http.StatusBadRequest, err.Error())
		return
	case err != nil:
		fail(w, http.StatusInternalServerError, err.Error())
		return
	}
	ok200(w, map[string]any{"ackCount": acked, "retryCount": retried, "warnings": []string{}})
}

// Answers have Cloudflare's API envelope.
func ok200(w http.ResponseWriter, result any) {
	write(w, http.StatusOK, map[string]any{"success": true, "errors": []any{}, "messages": []any{}, "result": result})
}

func fail(w http.ResponseWriter, status int, msg string) {
	write(w, status, map[string]any{"success": false, "errors": []any{map[string]any{"code": status, "message": msg}}, "messages": []any{}, "result": nil})
}

func write(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	json.NewEncoder(w).Encode(v)
}

// FromConsumer makes the pull consumer of a configured consumer entry.
func FromConsumer(q string, maxRetries int, dlq string, retryDelay, visibilityMs int) queue.PullConsumer {
	vis := time.Duration(visibilityMs) * time.Millisecond
	if vis <= 0 {
		vis = 30 * time.Second
	}
	return queue.PullConsumer{Queue: q, MaxRetries: maxRetries, DeadLetterQueue: dlq, RetryDelay: retryDelay, VisibilityTimeout: vis}
}
