package runtime

import (
	"context"
	"errors"
	"sync"
	"time"
)

// Worker is a named pool of instances of one script. Requests go to the
// least busy instance; an instance stopped by a limit is replaced (the
// replacement starts outside the pool's lock, so requests keep flowing to
// the healthy instances meanwhile); Swap deploys a new version without
// dropping requests in flight.
type Worker struct {
	name string
	size int

	mu        sync.Mutex
	cfg       *Config
	pool      []*Instance
	starting  int           // replacements being started
	refreshed chan struct{} // closed and renewed whenever a replacement is done
	startErr  error         // the last replacement's failure
	closed    bool
	retired   sync.WaitGroup

	// Idle release (ReleaseIdle): the instances close after idle without
	// a request; released says the pool is empty for that reason, so the
	// next request starts it again.
	lastUsed    time.Time
	released    bool
	stopRelease chan struct{}
}

// NewWorker starts size instances of cfg (at least one).
func NewWorker(cfg *Config, size int) (*Worker, error) {
	if size < 1 {
		size = 1
	}
	w := &Worker{name: cfg.Name, size: size, refreshed: make(chan struct{}), lastUsed: time.Now()}
	pool, err := startPool(cfg, size)
	if err != nil {
		return nil, err
	}
	w.cfg, w.pool = cfg, pool
	return w, nil
}

// NewIdleWorker returns a worker of cfg that holds no instance yet: its
// first request or event starts the pool (once, however many arrive
// together), as after an idle release. The caller checks beforehand, if
// it must, that cfg starts (CheckStart).
func NewIdleWorker(cfg *Config, size int) *Worker {
	if size < 1 {
		size = 1
	}
	initHost(cfg)
	return &Worker{name: cfg.Name, size: size, cfg: cfg, refreshed: make(chan struct{}), lastUsed: time.Now(), released: true}
}

// initHost fills in cfg's host defaults before instances start
// concurrently (each NewInstance would otherwise fill them in at once).
func initHost(cfg *Config) {
	if cfg.Host != nil {
		cfg.Host.init()
	}
}

// CheckStart starts one instance of cfg and closes it: the script's top
// level runs, so a syntax error, a top-level exception or a missing
// handler is reported as it would be by NewWorker, and no VM is kept.
func CheckStart(cfg *Config) error {
	in, err := NewInstance(cfg)
	if err != nil {
		return err
	}
	in.Close()
	return nil
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

// Size is the number of instances the worker runs once started (it holds
// none while idle).
func (w *Worker) Size() int { return w.size }

// idle says whether the worker holds no instance and starts none: never
// requested, or released (caller holds mu).
func (w *Worker) idle() bool {
	return !w.closed && w.released && len(w.pool) == 0 && w.starting == 0
}

// ErrClosed is returned by a worker that was closed.
var ErrClosed = errors.New("the worker is shut down")

// pick returns the least busy healthy instance. Broken instances leave
// the pool and a replacement for each starts in the background; only when
// no healthy instance is left does pick wait for one.
func (w *Worker) pick(ctx context.Context) (*Instance, error) {
	for {
		w.mu.Lock()
		if w.closed {
			w.mu.Unlock()
			return nil, ErrClosed
		}
		w.lastUsed = time.Now()
		if w.released && len(w.pool) == 0 && w.starting == 0 {
			w.restart()
		}
		healthy := w.pool[:0]
		for _, in := range w.pool {
			if in.Broken() {
				w.retire(in)
				w.starting++
				go w.replace(w.cfg)
				continue
			}
			healthy = append(healthy, in)
		}
		clear(w.pool[len(healthy):])
		w.pool = healthy
		var best *Instance
		for _, in := range w.pool {
			if best == nil || in.Inflight() < best.Inflight() {
				best = in
			}
		}
		if best != nil {
			w.mu.Unlock()
			return best, nil
		}
		if w.starting == 0 {
			// Every replacement failed: try once more, in the open.
			err := w.startErr
			if err == nil {
				err = ErrBroken
			}
			w.starting++
			go w.replace(w.cfg)
			w.mu.Unlock()
			return nil, err
		}
		wait := w.refreshed
		w.mu.Unlock()
		select {
		case <-wait:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// objectInstance is the instance the worker's Durable Objects live in: the
// first healthy one of the pool, so that each object has one live
// instance (a replaced or swapped instance takes its objects' in-memory
// state with it; their storage stays).
func (w *Worker) objectInstance(ctx context.Context) (*Instance, error) {
	w.mu.Lock()
	w.lastUsed = time.Now()
	if len(w.pool) > 0 && !w.pool[0].Broken() && !w.closed {
		in := w.pool[0]
		w.mu.Unlock()
		return in, nil
	}
	w.mu.Unlock()
	if _, err := w.pick(ctx); err != nil {
		return nil, err
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(w.pool) == 0 {
		return nil, ErrBroken
	}
	return w.pool[0], nil
}

// replace starts an instance of cfg and adds it to the pool, unless the
// worker was closed or swapped to another version meanwhile.
func (w *Worker) replace(cfg *Config) {
	in, err := NewInstance(cfg)
	w.mu.Lock()
	defer w.mu.Unlock()
	w.starting--
	w.startErr = err
	close(w.refreshed)
	w.refreshed = make(chan struct{})
	if err != nil {
		return
	}
	if w.closed || w.cfg != cfg || len(w.pool) >= w.size {
		go in.Close()
		return
	}
	w.pool = append(w.pool, in)
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

// Fetch runs a request on one of the worker's instances (a request for a
// Durable Object on the instance its objects live in).
func (w *Worker) Fetch(ctx context.Context, req *Request) (*Response, error) {
	for attempt := 0; ; attempt++ {
		var in *Instance
		var err error
		if req.Object != nil {
			in, err = w.objectInstance(ctx)
		} else {
			in, err = w.pick(ctx)
		}
		if err != nil {
			return nil, err
		}
		resp, err := in.Fetch(ctx, req)
		if errors.Is(err, errNotStarted) && attempt < 3 {
			continue
		}
		return resp, resourcesError(err)
	}
}

// resourcesError tells a request that failed because its instance was
// stopped under it (another invocation on it hit a limit) from other
// failures: a resource error (503), as Cloudflare reports for requests
// sharing an isolate that was reset.
func resourcesError(err error) error {
	var se *ScriptError
	if err != nil && errors.Is(err, ErrBroken) && !errors.As(err, &se) {
		return &ScriptError{Name: "Error", Limit: true, Resources: true,
			Message: "Worker exceeded resource limits: its instance was stopped by a limit another request hit"}
	}
	return err
}

// Scheduled runs a scheduled event on one instance.
func (w *Worker) Scheduled(ctx context.Context, cron string, t time.Time) (ScheduledResult, error) {
	in, err := w.pick(ctx)
	if err != nil {
		return ScheduledResult{}, err
	}
	res, err := in.Scheduled(ctx, cron, t)
	return res, resourcesError(err)
}

// Swap replaces every instance with instances of cfg. If cfg fails to
// start, the old version keeps serving and the error is returned. Requests
// in flight finish on the old instances. A worker that holds no instance
// (never requested, or released) stays so: cfg becomes the version its
// next request starts, and the caller checks beforehand that it starts.
func (w *Worker) Swap(cfg *Config) error {
	w.mu.Lock()
	if w.idle() {
		initHost(cfg)
		w.cfg, w.startErr = cfg, nil
		w.mu.Unlock()
		return nil
	}
	w.mu.Unlock()
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
	if w.stopRelease != nil {
		close(w.stopRelease)
	}
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

// ReleaseIdle makes the worker close its instances once it has had no
// request for idle (0: never), so that a worker nobody calls holds no VM;
// the next request starts them again, paying a cold start. In-memory state
// (globals, Durable Objects' fields) goes with them, as when Cloudflare
// evicts an idle isolate. Instances with work in flight, open streams,
// sockets or subrequests are kept.
func (w *Worker) ReleaseIdle(idle time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.stopRelease != nil {
		close(w.stopRelease)
		w.stopRelease = nil
	}
	if idle <= 0 || w.closed {
		return
	}
	stop := make(chan struct{})
	w.stopRelease = stop
	go func() {
		tick := time.NewTicker(max(idle/4, 10*time.Millisecond))
		defer tick.Stop()
		for {
			select {
			case <-stop:
				return
			case <-tick.C:
				w.releaseIfIdle(idle)
			}
		}
	}()
}

func (w *Worker) releaseIfIdle(idle time.Duration) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed || len(w.pool) == 0 || w.starting > 0 || time.Since(w.lastUsed) < idle {
		return
	}
	for _, in := range w.pool {
		if !in.Quiet() {
			return
		}
	}
	for _, in := range w.pool {
		w.retire(in)
	}
	clear(w.pool)
	w.pool = w.pool[:0]
	w.released = true
}

// restart starts a released worker's instances again (caller holds mu).
func (w *Worker) restart() {
	w.released = false
	w.startErr = nil
	w.starting += w.size
	for range w.size {
		go w.replace(w.cfg)
	}
}

// Quiet says whether the instance holds nothing that closing it would cut:
// no invocation, stream, WebSocket or subrequest.
func (in *Instance) Quiet() bool {
	if in.Inflight() > 0 {
		return false
	}
	in.streams.mu.Lock()
	n := len(in.streams.m)
	in.streams.mu.Unlock()
	in.sockets.mu.Lock()
	n += len(in.sockets.m)
	in.sockets.mu.Unlock()
	in.fetchMu.Lock()
	n += len(in.fetches)
	in.fetchMu.Unlock()
	return n == 0
}
