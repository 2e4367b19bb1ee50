package runtime

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Worker is a named pool of instances of one script. Requests go to the
// least busy instance; an instance stopped by a limit is replaced; Swap
// deploys a new version without dropping requests in flight.
type Worker struct {
	name string
	size int

	mu      sync.Mutex
	cfg     *Config
	pool    []*Instance
	closed  bool
	retired sync.WaitGroup
}

// NewWorker starts size instances of cfg (at least one).
func NewWorker(cfg *Config, size int) (*Worker, error) {
	if size < 1 {
		size = 1
	}
	w := &Worker{name: cfg.Name, size: size}
	pool, err := startPool(cfg, size)
	if err != nil {
		return nil, err
	}
	w.cfg, w.pool = cfg, pool
	return w, nil
}

func startPool(cfg *Config, size int) ([]*Instance, error) {
	pool := make([]*Instance, 0, size)
	for i := 0; i < size; i++ {
		in, err := NewInstance(cfg)
		if err != nil {
			for _, p := range pool {
				p.Close()
			}
			return nil, err
		}
		pool = append(pool, in)
	}
	return pool, nil
}

// Name is the worker's name.
func (w *Worker) Name() string { return w.name }

// ErrClosed is returned by a worker that was closed.
var ErrClosed = errors.New("the worker is shut down")

// pick returns the least busy healthy instance, replacing broken ones.
func (w *Worker) pick() (*Instance, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil, ErrClosed
	}
	var best *Instance
	for i, in := range w.pool {
		if in.Broken() {
			fresh, err := NewInstance(w.cfg)
			if err != nil {
				return nil, err
			}
			w.retire(in)
			w.pool[i] = fresh
			in = fresh
		}
		if best == nil || in.Inflight() < best.Inflight() {
			best = in
		}
	}
	return best, nil
}

// retire closes an instance once its work is done (caller holds mu).
func (w *Worker) retire(in *Instance) {
	w.retired.Add(1)
	go func() {
		defer w.retired.Done()
		deadline := time.Now().Add(WaitUntilLimit + 5*time.Second)
		for in.Inflight() > 0 && time.Now().Before(deadline) && !in.vm.Terminated() {
			time.Sleep(10 * time.Millisecond)
		}
		in.Wait(time.Until(deadline))
		in.Close()
	}()
}

// Fetch runs a request on one of the worker's instances.
func (w *Worker) Fetch(ctx context.Context, req *Request) (*Response, error) {
	for attempt := 0; ; attempt++ {
		in, err := w.pick()
		if err != nil {
			return nil, err
		}
		resp, err := in.Fetch(ctx, req)
		if errors.Is(err, errNotStarted) && attempt < 3 {
			continue
		}
		return resp, err
	}
}

// Scheduled runs a scheduled event on one instance.
func (w *Worker) Scheduled(ctx context.Context, cron string, t time.Time) (ScheduledResult, error) {
	in, err := w.pick()
	if err != nil {
		return ScheduledResult{}, err
	}
	return in.Scheduled(ctx, cron, t)
}

// Swap replaces every instance with instances of cfg. If cfg fails to
// start, the old version keeps serving and the error is returned. Requests
// in flight finish on the old instances.
func (w *Worker) Swap(cfg *Config) error {
	pool, err := startPool(cfg, w.size)
	if err != nil {
		return err
	}
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		for _, in := range pool {
			in.Close()
		}
		return ErrClosed
	}
	old := w.pool
	w.cfg, w.pool = cfg, pool
	for _, in := range old {
		w.retire(in)
	}
	w.mu.Unlock()
	return nil
}

// Instances returns the current instances (for metrics and tests).
func (w *Worker) Instances() []*Instance {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]*Instance(nil), w.pool...)
}

// Close drains the instances (up to timeout for in-flight and waitUntil
// work) and stops them.
func (w *Worker) Close(timeout time.Duration) {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return
	}
	w.closed = true
	pool := w.pool
	w.pool = nil
	w.mu.Unlock()
	deadline := time.Now().Add(timeout)
	for _, in := range pool {
		for in.Inflight() > 0 && time.Now().Before(deadline) {
			time.Sleep(10 * time.Millisecond)
		}
		in.Wait(time.Until(deadline))
		in.Close()
	}
	w.retired.Wait()
}
