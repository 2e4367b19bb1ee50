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
	// resets counts the object's resets (ctx.abort()): the calls that
	// fail across one get durableObjectReset.
	resets int
	// storage is the object's storage as the last event opened it.
	storage *durable.Object
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
		o.mu.Lock()
		lo.storage = st
		o.mu.Unlock()
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
		resets := o.resets(lo)
		var err error
		resp, err = w.Fetch(o.outputGate(ctx, lo), req)
		if err = o.gated(lo, resp, o.callError(lo, resets, err)); err != nil {
			o.exit(lo)
			return err
		}
		o.holdFor(lo, resp)
		return nil
	}, func(addr string) (bool, error) {
		b, ok := body.again()
		if !ok {
			return false, errors.New("the Durable Object moved while its request body was being sent; the request was not run")
		}
		fwd := *req
		fwd.Body = b
		var err error
		resp, err = o.cfg.Remote.Fetch(ctx, addr, worker, &fwd)
		return retryable(err), lostConnection(err)
	})
	body.close()
	return resp, err
}

// Call runs an RPC method (or the alarm handler) of an object of worker.
func (o *Objects) Call(ctx context.Context, w *runtime.Worker, worker string, depth int, addr runtime.ObjectAddress, path []string, args *runtime.Message) (*runtime.Message, error) {
	var res *runtime.Message
	err := o.route(ctx, worker, addr, func(lo *liveObject) error {
		defer o.exit(lo)
		resets := o.resets(lo)
		var err error
		res, err = o.callResult(lo, resets)(w.CallObject(o.outputGate(ctx, lo), depth, addr, path, args))
		return o.gated(lo, nil, err)
	}, func(owner string) (bool, error) {
		var err error
		res, err = o.cfg.Remote.Call(ctx, owner, worker, depth, addr, path, args)
		return retryable(err), lostConnection(err)
	})
	return res, err
}

// retryable says whether a forwarded call was refused before it ran.
func retryable(err error) bool {
	var moved *forward.MovedError
	return errors.Is(err, forward.ErrUnreachable) || errors.As(err, &moved)
}

// resets reads the object's reset count before an event runs.
func (o *Objects) resets(lo *liveObject) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return lo.resets
}

// Reset notes that the object was reset (ctx.abort()): the events that
// fail across it report durableObjectReset.
func (o *Objects) Reset(worker string, addr runtime.ObjectAddress) {
	o.mu.Lock()
	if lo := o.live[objectKey(worker, addr)]; lo != nil {
		lo.resets++
	}
	o.mu.Unlock()
}

// callError is what the stub's caller gets of an event that failed here:
// an exception of the object's is remote; it reports a reset when the
// object was reset while the event ran (abort()), a limit stopped it or
// its storage failed (its later calls open it again); a memory limit
// overloaded it.
func (o *Objects) callError(lo *liveObject, resetsBefore int, err error) error {
	if err == nil {
		return nil
	}
	var ce *durable.CallError
	if errors.As(err, &ce) {
		return err
	}
	var se *runtime.ScriptError
	if !errors.As(err, &se) {
		return err
	}
	o.mu.Lock()
	reset := lo.resets != resetsBefore
	st := lo.storage
	o.mu.Unlock()
	out := &durable.CallError{Name: orDefault(se.Name, "Error"), Message: se.Message, Remote: true, Reset: reset}
	if se.Limit {
		out.Reset = true
		out.Overloaded = se.Memory
	}
	if st != nil && st.Err() != nil {
		out.Reset = true
	}
	return out
}

// callResult is what the caller gets of an RPC call that ran here: a
// method's exception travels in its result (the caller marks it remote),
// unless the object was reset meanwhile (abort()): then it is an error
// that says so.
func (o *Objects) callResult(lo *liveObject, resetsBefore int) func(*runtime.Message, error) (*runtime.Message, error) {
	return func(res *runtime.Message, err error) (*runtime.Message, error) {
		if err != nil {
			return nil, o.callError(lo, resetsBefore, err)
		}
		if o.resets(lo) == resetsBefore {
			return res, nil
		}
		if name, message, ok := thrownError(res); ok {
			return nil, &durable.CallError{Name: name, Message: message, Remote: true, Reset: true}
		}
		return res, nil
	}
}

// thrownError reads the exception an RPC result carries, as the prelude
// encodes it: ["o",{"throw":["e",name,message,cause]}].
func thrownError(m *runtime.Message) (name, message string, ok bool) {
	var top []json.RawMessage
	var body struct {
		Throw []json.RawMessage `json:"throw"`
	}
	if m == nil || json.Unmarshal([]byte(m.JSON), &top) != nil || len(top) != 2 || json.Unmarshal(top[1], &body) != nil ||
		len(body.Throw) < 3 || string(body.Throw[0]) != `"e"` {
		return "", "", false
	}
	if json.Unmarshal(body.Throw[1], &name) != nil || json.Unmarshal(body.Throw[2], &message) != nil {
		return "", "", false
	}
	return name, message, true
}

// lostConnection is what a caller gets when a forwarded call failed
// without an answer from the object's node: the call may not have run,
// and may be sent again (retryable, as Cloudflare marks a lost
// connection to an object).
func lostConnection(err error) error {
	var ce *durable.CallError
	if err == nil || errors.As(err, &ce) || errors.Is(err, forward.ErrStubs) ||
		errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return &durable.CallError{Name: "Error", Message: "Network connection lost: " + err.Error(), Retryable: true}
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
			return lostConnection(err)
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
		resp.Body = &eventBody{ReadCloser: resp.Body, end: func() { o.exit(lo) }, flush: func() error { return o.flush(lo) }}
	default:
		o.exit(lo)
	}
}

// eventBody ends an object's event when its response body is closed, and
// holds each chunk the object streams until the writes made before it are
// durable.
type eventBody struct {
	io.ReadCloser
	once  sync.Once
	end   func()
	flush func() error
}

func (b *eventBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		if ferr := b.flush(); ferr != nil {
			return 0, ferr
		}
	}
	return n, err
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
	resets := o.resets(lo)
	resp, err := w.Fetch(o.outputGate(ctx, lo), req)
	if err = o.gated(lo, resp, o.callError(lo, resets, err)); err != nil {
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
	res, err := o.callResult(lo, o.resets(lo))(w.CallObject(o.outputGate(ctx, lo), depth, addr, path, args))
	return res, o.gated(lo, nil, err)
}

// gated is the output gate: an event's outcome (its response or error)
// leaves only once the writes made before it are durable. When they
// cannot be made so, the object is reset and the response dropped.
func (o *Objects) gated(lo *liveObject, resp *runtime.Response, err error) error {
	if ferr := o.flush(lo); ferr != nil {
		if resp != nil && err == nil {
			discard(resp)
		}
		return ferr
	}
	return err
}

// outputGate is ctx with the object's output gate: the fetch() calls of
// the event it runs wait for the object's writes before them.
func (o *Objects) outputGate(ctx context.Context, lo *liveObject) context.Context {
	return runtime.WithOutputGate(ctx, func() error { return o.flush(lo) })
}

// flush makes the object's writes so far durable.
func (o *Objects) flush(lo *liveObject) error {
	o.mu.Lock()
	st := lo.storage
	o.mu.Unlock()
	if st == nil {
		return nil
	}
	if err := st.Flush(); err != nil {
		return &durable.CallError{Name: "Error", Message: "Durable Object reset: its storage could not make a write durable: " + err.Error(), Reset: true}
	}
	return nil
}

func discard(resp *runtime.Response) {
	if resp.Body != nil {
		resp.Body.Close()
	}
	if resp.WebSocket != nil {
		resp.WebSocket.Reject()
	}
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
