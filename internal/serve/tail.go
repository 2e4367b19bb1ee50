package serve

import (
	"encoding/json"
	"sync"
	"time"
)

// TailEvent is one line of `outpost tail`: a finished request or
// scheduled event (with its outcome and exception) or a console message of
// the worker. Console messages are not tied to the request that logged
// them: requests interleave on an instance.
type TailEvent struct {
	Type      string         `json:"type"` // "request", "scheduled", "queue" or "log"
	Worker    string         `json:"worker"`
	Timestamp int64          `json:"timestamp"` // milliseconds since the epoch
	Outcome   string         `json:"outcome,omitempty"`
	Request   *TailRequest   `json:"request,omitempty"`
	Status    int            `json:"status,omitempty"`
	Duration  float64        `json:"durationMs,omitempty"`
	Level     string         `json:"level,omitempty"`
	Message   string         `json:"message,omitempty"`
	Exception *TailException `json:"exception,omitempty"`
}

// TailRequest is the request a tail event is about.
type TailRequest struct {
	Method string `json:"method"`
	URL    string `json:"url"`
}

// TailException is an uncaught exception, as wrangler tail shows it.
type TailException struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Stack   string `json:"stack,omitempty"`
}

// tailHub fans a worker's events out to live tail sessions. A slow reader
// loses events rather than slowing the worker down.
type tailHub struct {
	mu   sync.Mutex
	subs map[string]map[chan []byte]struct{}
}

// tailBuffer is how many events a session may lag behind.
const tailBuffer = 256

func newTailHub() *tailHub { return &tailHub{subs: map[string]map[chan []byte]struct{}{}} }

// subscribe returns a channel of JSON lines for worker and a cancel func.
func (h *tailHub) subscribe(worker string) (<-chan []byte, func()) {
	ch := make(chan []byte, tailBuffer)
	h.mu.Lock()
	if h.subs[worker] == nil {
		h.subs[worker] = map[chan []byte]struct{}{}
	}
	h.subs[worker][ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		delete(h.subs[worker], ch)
		h.mu.Unlock()
	}
}

// active reports whether anyone tails worker (events are built only then).
func (h *tailHub) active(worker string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.subs[worker]) > 0
}

func (h *tailHub) publish(ev TailEvent) {
	if !h.active(ev.Worker) {
		return
	}
	if ev.Timestamp == 0 {
		ev.Timestamp = time.Now().UnixMilli()
	}
	line, err := json.Marshal(ev)
	if err != nil {
		return
	}
	line = append(line, '\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[ev.Worker] {
		select {
		case ch <- line:
		default: // the session is behind: drop rather than block the worker
		}
	}
}
