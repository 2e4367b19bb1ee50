package postgres

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// A database that stops answering (a frozen VM, a full disk, a lock) does
// not close connections: without a watch, every KV call would wait out its
// own timeout. A prober on a connection of its own (so that a busy pool
// is not taken for a dead database) asks the database every probeEvery;
// after stallAfter without an answer the store counts as stalled: calls
// fail at once with a clear error, and calls already waiting are
// cancelled. The first answer ends the stall.
const (
	probeEvery   = time.Second
	probeTimeout = 2 * time.Second
	stallAfter   = 3 * time.Second
)

// ErrStalled is the error of KV calls while the database does not answer.
var ErrStalled = errors.New("kv: the PostgreSQL database is not answering")

type health struct {
	dsn  string
	stop chan struct{}
	done chan struct{}

	mu      sync.Mutex
	lastOK  time.Time
	stalled bool
	// live is cancelled when the database stalls and made anew when it
	// answers again: calls in flight hang their cancellation on it.
	live   context.Context
	cancel context.CancelFunc
}

func newHealth(dsn string) *health {
	h := &health{dsn: dsn, stop: make(chan struct{}), done: make(chan struct{}), lastOK: time.Now()}
	h.live, h.cancel = context.WithCancel(context.Background())
	go h.probe()
	return h
}

func (h *health) close() {
	close(h.stop)
	<-h.done
}

// probe asks the database every probeEvery on one connection, dialled
// again after any failure.
func (h *health) probe() {
	defer close(h.done)
	var conn *pgx.Conn
	defer func() {
		if conn != nil {
			conn.Close(context.Background())
		}
	}()
	tick := time.NewTicker(probeEvery)
	defer tick.Stop()
	for {
		select {
		case <-h.stop:
			return
		case <-tick.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), probeTimeout)
		var err error
		if conn == nil {
			conn, err = pgx.Connect(ctx, h.dsn)
			if err != nil {
				conn = nil
			}
		}
		if conn != nil {
			if _, err = conn.Exec(ctx, "SELECT 1"); err != nil {
				conn.Close(context.Background())
				conn = nil
			}
		}
		cancel()
		h.record(err == nil, time.Now())
	}
}

func (h *health) record(ok bool, now time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	switch {
	case ok:
		h.lastOK = now
		if h.stalled {
			h.stalled = false
			h.live, h.cancel = context.WithCancel(context.Background())
		}
	case !h.stalled && now.Sub(h.lastOK) >= stallAfter:
		h.stalled = true
		h.cancel()
	}
}

// err is ErrStalled, with how long it has lasted, while the database does
// not answer.
func (h *health) err() error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.stalled {
		return fmt.Errorf("%w (no answer for %s)", ErrStalled, time.Since(h.lastOK).Round(time.Second))
	}
	return nil
}

// guard gives a KV call its context: it fails at once while the database
// is stalled and is cancelled when it stalls. release must be called when
// the call ends.
func (h *health) guard(ctx context.Context) (_ context.Context, release func(), _ error) {
	h.mu.Lock()
	stalled, live := h.stalled, h.live
	h.mu.Unlock()
	if stalled {
		return nil, nil, h.err()
	}
	ctx, cancel := context.WithCancelCause(ctx)
	stop := context.AfterFunc(live, func() { cancel(ErrStalled) })
	return ctx, func() { stop(); cancel(nil) }, nil
}
