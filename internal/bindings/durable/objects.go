package durablebinding

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/durable/fleet"
	"github.com/outpost-dev/outpost/internal/durable/forward"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// DefaultIdleTimeout is how long an object with no request, no open
// socket and no alarm running stays in memory: Cloudflare evicts such an
// object after 70 to 140 seconds. The sweep runs every half of it.
const DefaultIdleTimeout = 70 * time.Second

// hibernateAfter is how long an object whose only open sockets are
// hibernatable ones stays in memory without an event: about 10 s on
// Cloudflare (never longer than the idle timeout).
const hibernateAfter = 10 * time.Second

// Remote reaches the objects other nodes own (forward.Client).
type Remote interface {
	Fetch(ctx context.Context, addr, worker string, req *runtime.Request) (*runtime.Response, error)
	Call(ctx context.Context, addr, worker string, depth int, obj runtime.ObjectAddress, path []string, args *runtime.Message) (*runtime.Message, error)
}

// ObjectsConfig configures a node's Objects.
type ObjectsConfig struct {
	Store   *durable.Store
	Workers Workers
	// Remote forwards calls for objects another node owns; nil on one
	// node, where every object is local.
	Remote Remote
	// IdleTimeout evicts objects idle this long (default DefaultIdleTimeout).
	IdleTimeout time.Duration
	// MoveTimeout bounds how long a call waits for an object whose owner
	// is unreachable to move (its lease to expire; default 30 s).
	MoveTimeout time.Duration
	Log         *slog.Logger
	Now         func() time.Time
}

// Objects runs the calls to one node's Durable Objects: it opens an
// object's storage before its first event (on a fleet: takes its lease, or
// learns which node owns it and forwards the call there), counts the
// events in flight and evicts objects that stay idle — their in-memory
// instance goes, their storage stays — and drops objects whose lease was
// lost.
type Objects struct {
	cfg       ObjectsConfig
	alarms    *Alarms
	hibernate time.Duration // for objects with only hibernatable sockets

	mu   sync.Mutex
	live map[string]*liveObject // worker/class/id

	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// liveObject is what the node knows of an object it runs.
type liveObject struct {
	worker   string
	addr     runtime.ObjectAddress
	inflight int       // events running: requests, calls, open sockets, alarms
	sockets  int       // of which WebSockets the object answered with
	last     time.Time // when the last event ended
	// hibernated: out of memory with its hibernatable sockets open; its
	// storage (and lease) stay on this node, where the sockets are.
	hibernated bool
	// evicting is closed when an eviction (idle, or a lost lease) ends;
	// new events wait for it and then open the object again.
	evicting chan struct{}
}

// NewObjects starts a node's object runner and its idle sweep.
func NewObjects(cfg ObjectsConfig) *Objects {
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = DefaultIdleTimeout
	}
	if cfg.MoveTimeout <= 0 {
		cfg.MoveTimeout = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	o := &Objects{cfg: cfg, live: map[string]*liveObject{}, stop: make(chan struct{}), done: make(chan struct{}),
		hibernate: min(hibernateAfter, cfg.IdleTimeout)}
	o.alarms = newAlarms(o)
	go o.sweep()
	return o
}

// Alarms is the node's alarm scheduler.
func (o *Objects) Alarms() *Alarms { return o.alarms }

// Store is the node's object storage.
func (o *Objects) Store() *durable.Store { return o.cfg.Store }

// Close stops the sweep and the alarms.
func (o *Objects) Close() {
	o.once.Do(func() { close(o.stop) })
	<-o.done
	o.alarms.Close()
}

func objectKey(worker string, a runtime.ObjectAddress) string {
	return worker + "/" + a.Class + "/" + a.ID
}

// enter counts an event of an object, after any eviction of it ends.
func (o *Objects) enter(worker string, addr runtime.ObjectAddress) *liveObject {
	key := objectKey(worker, addr)
	o.mu.Lock()
	defer o.mu.Unlock()
	for {
		lo := o.live[key]
		if lo == nil {
			lo = &liveObject{worker: worker, addr: addr}
			o.live[key] = lo
		}
		if lo.evicting == nil {
			lo.inflight++
			lo.hibernated = false
			return lo
		}
		wait := lo.evicting
		o.mu.Unlock()
		<-wait
		o.mu.Lock()
	}
}

// exit ends an event.
func (o *Objects) exit(lo *liveObject) {
	o.mu.Lock()
	lo.inflight--
	lo.last = o.cfg.Now()
	o.mu.Unlock()
}

// open counts an event and opens the object's storage here. On a fleet it
// returns a *fleet.HeldError (and counts nothing) when another node owns
// the object. An object left unusable (its lease lost, a write that did
// not reach PostgreSQL) is dropped and opened again — restored from
// PostgreSQL on a fleet — once no other event runs on it.
func (o *Objects) open(worker string, addr runtime.ObjectAddress) (*liveObject, *durable.Object, error) {
	key := objectKey(worker, addr)
	for {
		lo := o.enter(worker, addr)
		st, err := o.cfg.Store.Object(worker, addr.Class, addr.ID)
		if err != nil {
			// Not run here (another node owns it): not a live object here
			// unless it already was.
			o.mu.Lock()
			lo.inflight--
			if lo.inflight == 0 && lo.evicting == nil && lo.last.IsZero() && o.live[key] == lo {
				delete(o.live, key)
			}
			o.mu.Unlock()
			return nil, nil, err
		}
		serr := st.Err()
		if serr == nil {
			return lo, st, nil
		}
		o.mu.Lock()
		lo.inflight--
		if lo.inflight > 0 || lo.evicting != nil {
			lo.inflight++
			o.mu.Unlock()
			return lo, st, nil // the object's calls fail with serr
		}
		lo.evicting = make(chan struct{})
		o.mu.Unlock()
		o.cfg.Log.Warn("durable object: storage unusable here; opening it again", "object", key, "error", serr.Error())
		o.evict(lo, true)
	}
}

// Fetch runs a stub.fetch() on the object req.Object of worker: here, or
// on the node that owns it.
func (o *Objects) Fetch(ctx context.Context, w *runtime.Worker, worker string, req *runtime.Request) (*runtime.Response, error) {
	body := newReplayBody(req.Body)
	var resp *runtime.Response
	err := o.route(ctx, worker, *req.Object, func(lo *liveObject) error {
		req.Body = body.local()
		var err error
		resp, err = w.Fetch(ctx, req)
		if err == nil {
			o.holdFor(lo, resp)
		}
		return err
	}, func(addr string) (bool, error) {
		b, ok := body.again()
		if !ok {
			return false, errors.New("the Durable Object moved while its request body was being sent; the request was not run")
		}
		fwd := *req
		fwd.Body = b
		var err error
		resp, err = o.cfg.Remote.Fetch(ctx, addr, worker, &fwd)
		return retryable(err), err
	})
	body.close()
	return resp, err
}

// Call runs an RPC method (or the alarm handler) of an object of worker.
func (o *Objects) Call(ctx context.Context, w *runtime.Worker, worker string, depth int, addr runtime.ObjectAddress, path []string, args *runtime.Message) (*runtime.Message, error) {
	var res *runtime.Message
	err := o.route(ctx, worker, addr, func(lo *liveObject) error {
		defer o.exit(lo)
		var err error
		res, err = w.CallObject(ctx, depth, addr, path, args)
		return err
	}, func(owner string) (bool, error) {
		var err error
		res, err = o.cfg.Remote.Call(ctx, owner, worker, depth, addr, path, args)
		return retryable(err), err
	})
	return res, err
}

// retryable says whether a forwarded call was refused before it ran.
func retryable(err error) bool {
	var moved *forward.MovedError
	return errors.Is(err, forward.ErrUnreachable) || errors.As(err, &moved)
}

// route runs a call on the object: local runs it here (it must end the
// event it is given), remote forwards it to the owner's address and says
// whether the call may be sent again (it did not run). An object whose
// owner is unreachable is taken over once its lease expires.
func (o *Objects) route(ctx context.Context, worker string, addr runtime.ObjectAddress, local func(*liveObject) error, remote func(addr string) (bool, error)) error {
	deadline := time.Now().Add(o.cfg.MoveTimeout)
	backoff := 20 * time.Millisecond
	for {
		lo, _, err := o.open(worker, addr)
		var held *fleet.HeldError
		if !errors.As(err, &held) || o.cfg.Remote == nil {
			if err != nil {
				return err
			}
			return local(lo)
		}
		again, err := true, error(forward.ErrUnreachable)
		if held.Addr != "" {
			again, err = remote(held.Addr)
		}
		if !again || time.Now().After(deadline) {
			return err
		}
		o.cfg.Log.Debug("durable object: retrying a forwarded call", "object", held.Object, "owner", held.Owner, "error", err.Error())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

// holdFor keeps the object's event open while its response streams or its
// WebSocket is open.
func (o *Objects) holdFor(lo *liveObject, resp *runtime.Response) {
	switch {
	case resp.WebSocket != nil:
		o.mu.Lock()
		lo.sockets++
		o.mu.Unlock()
		go func() {
			<-resp.WebSocket.Done()
			o.mu.Lock()
			lo.sockets--
			if lo.sockets == 0 {
				lo.hibernated = false // nothing left to keep: evict when idle
			}
			o.mu.Unlock()
			o.exit(lo)
		}()
		if resp.Body != nil {
			resp.Body.Close()
			resp.Body = nil
		}
	case resp.Body != nil:
		resp.Body = &eventBody{ReadCloser: resp.Body, end: func() { o.exit(lo) }}
	default:
		o.exit(lo)
	}
}

// eventBody ends an object's event when its response body is closed.
type eventBody struct {
	io.ReadCloser
	once sync.Once
	end  func()
}

func (b *eventBody) Close() error {
	err := b.ReadCloser.Close()
	b.once.Do(b.end)
	return err
}

// ServeFetch runs a stub.fetch() another node forwarded: only if this
// node owns the object (or takes it now); never forwarded again.
func (o *Objects) ServeFetch(ctx context.Context, worker string, req *runtime.Request) (*runtime.Response, error) {
	w := o.cfg.Workers.Lookup(worker)
	if w == nil {
		return nil, fmt.Errorf("worker %q, which defines the Durable Object class %s, is not running on this node", worker, req.Object.Class)
	}
	lo, _, err := o.open(worker, *req.Object)
	if err != nil {
		return nil, moved(err)
	}
	resp, err := w.Fetch(ctx, req)
	if err != nil {
		o.exit(lo)
		return nil, err
	}
	o.holdFor(lo, resp)
	return resp, nil
}

// ServeCall runs an RPC call another node forwarded.
func (o *Objects) ServeCall(ctx context.Context, worker string, depth int, addr runtime.ObjectAddress, path []string, args *runtime.Message) (*runtime.Message, error) {
	w := o.cfg.Workers.Lookup(worker)
	if w == nil {
		return nil, fmt.Errorf("worker %q, which defines the Durable Object class %s, is not running on this node", worker, addr.Class)
	}
	lo, _, err := o.open(worker, addr)
	if err != nil {
		return nil, moved(err)
	}
	defer o.exit(lo)
	return w.CallObject(ctx, depth, addr, path, args)
}

func moved(err error) error {
	var held *fleet.HeldError
	if errors.As(err, &held) {
		return &forward.MovedError{Node: held.Owner}
	}
	return err
}

// sweep evicts objects that stayed idle for the idle timeout.
func (o *Objects) sweep() {
	defer close(o.done)
	t := time.NewTicker(max(o.hibernate/2, 10*time.Millisecond))
	defer t.Stop()
	for {
		select {
		case <-o.stop:
			return
		case <-t.C:
		}
		now := o.cfg.Now()
		var idle []*liveObject
		o.mu.Lock()
		for _, lo := range o.live {
			// Open sockets only: the object decides (idle, hibernatable).
			if lo.inflight == lo.sockets && !lo.hibernated && lo.evicting == nil && (lo.sockets > 0 || now.Sub(lo.last) >= o.cfg.IdleTimeout) {
				lo.evicting = make(chan struct{})
				idle = append(idle, lo)
			}
		}
		o.mu.Unlock()
		for _, lo := range idle {
			o.evict(lo, false)
		}
	}
}

// Lost drops an object whose lease the node lost (fleet.Config.OnLost):
// its live instance goes at once, events in flight or not, and its
// storage is closed; the next event opens it again (here, or forwarded to
// its new owner).
func (o *Objects) Lost(object string) {
	worker, class, id, ok := fleet.ParseObjectKey(object)
	if !ok {
		return
	}
	addr := runtime.ObjectAddress{Class: class, ID: id}
	key := objectKey(worker, addr)
	o.mu.Lock()
	lo := o.live[key]
	if lo == nil {
		lo = &liveObject{worker: worker, addr: addr}
		o.live[key] = lo
	}
	if lo.evicting != nil {
		o.mu.Unlock()
		return
	}
	lo.evicting = make(chan struct{})
	o.mu.Unlock()
	o.cfg.Log.Warn("durable object: lease lost; dropping the object here", "object", object)
	// Not on the caller's goroutine: it renews the node's other leases.
	go o.evict(lo, true)
}

// evict removes the object's live instance (an "evict" event the object
// host in durable.js handles), then closes its storage, which on a fleet
// gives its lease up. Unforced, the object may refuse (still active) or
// hibernate (only hibernatable sockets open): then it stays open here.
func (o *Objects) evict(lo *liveObject, force bool) {
	o.mu.Lock()
	sockets := lo.sockets
	o.mu.Unlock()
	result := "evicted"
	if w := o.cfg.Workers.Lookup(lo.worker); w != nil {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		idle := o.cfg.IdleTimeout
		if sockets > 0 {
			idle = o.hibernate
		}
		arg := fmt.Sprintf(`["a",[%t,%d,%d]]`, force, sockets, idle.Milliseconds())
		res, err := w.CallObject(ctx, 0, lo.addr, []string{"\x00evict"}, &runtime.Message{JSON: arg})
		cancel()
		if err != nil {
			o.cfg.Log.Debug("durable object: evicting", "worker", lo.worker, "class", lo.addr.Class, "id", lo.addr.ID, "error", err.Error())
		} else if !force {
			result = evictResult(res)
		}
	} else if !force && sockets > 0 {
		result = "busy"
	}
	key := objectKey(lo.worker, lo.addr)
	if result == "evicted" {
		if err := o.cfg.Store.Drop(lo.worker, lo.addr.Class, lo.addr.ID); err != nil {
			o.cfg.Log.Debug("durable object: closing its storage", "worker", lo.worker, "class", lo.addr.Class, "id", lo.addr.ID, "error", err.Error())
		}
	}
	o.mu.Lock()
	switch {
	case result == "evicted" && o.live[key] == lo:
		delete(o.live, key)
	case result == "hibernated" && lo.inflight == lo.sockets:
		lo.hibernated = true
	}
	close(lo.evicting)
	lo.evicting = nil
	o.mu.Unlock()
}

// evictResult reads durable.js's answer to an eviction: "evicted",
// "hibernated" or "busy" (encoded as an RPC result, ["o",{"ok":…}]).
func evictResult(m *runtime.Message) string {
	var v []json.RawMessage
	var r struct {
		OK string `json:"ok"`
	}
	if m == nil || json.Unmarshal([]byte(m.JSON), &v) != nil || len(v) != 2 || json.Unmarshal(v[1], &r) != nil || r.OK == "" {
		return "evicted"
	}
	return r.OK
}

// awake notes that an object's instance was made again (an event on a
// hibernated socket reaches JavaScript without passing here).
func (o *Objects) awake(worker, class, id string) {
	o.mu.Lock()
	if lo := o.live[objectKey(worker, runtime.ObjectAddress{Class: class, ID: id})]; lo != nil {
		lo.hibernated = false
	}
	o.mu.Unlock()
}

// Live counts the objects in memory on this node (for tests and metrics).
func (o *Objects) Live() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	for _, lo := range o.live {
		if !lo.hibernated {
			n++
		}
	}
	return n
}

// replayBody lets a request body be sent again when the first attempt
// never reached an owner: bodies up to replayLimit are kept in memory;
// a longer one streams once.
type replayBody struct {
	orig   io.ReadCloser
	kept   []byte
	big    io.Reader // the rest of a long body, not kept
	used   bool
	handed bool // orig itself went to the local run, which closes it
}

const replayLimit = 1 << 20

func newReplayBody(b io.ReadCloser) *replayBody { return &replayBody{orig: b} }

// local is the body to run the request with here.
func (r *replayBody) local() io.ReadCloser {
	if r.orig == nil {
		return nil
	}
	if r.kept == nil && r.big == nil {
		r.used, r.handed = true, true
		return r.orig
	}
	b, _ := r.again()
	return b
}

// again is the body for one more attempt; false when it was streamed.
func (r *replayBody) again() (io.ReadCloser, bool) {
	if r.orig == nil {
		return nil, true
	}
	if r.kept == nil && r.big == nil {
		if r.used {
			return nil, false
		}
		head, err := io.ReadAll(io.LimitReader(r.orig, replayLimit+1))
		if err != nil {
			return nil, false
		}
		if len(head) <= replayLimit {
			r.kept = head
		} else {
			r.big = io.MultiReader(bytes.NewReader(head), r.orig)
		}
	}
	if r.big != nil {
		if r.used {
			return nil, false
		}
		r.used = true
		return io.NopCloser(r.big), true
	}
	return io.NopCloser(bytes.NewReader(r.kept)), true
}

// close closes the original body unless the local run took it.
func (r *replayBody) close() {
	if r.orig != nil && !r.handed {
		r.orig.Close()
	}
}
