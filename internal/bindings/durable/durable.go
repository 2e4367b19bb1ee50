// Package durablebinding is Durable Objects on one node: the namespace
// binding (ids, stubs that reach an object by fetch() or RPC), the host
// that runs a worker's objects (one live instance per object, in the
// worker's object instance), their storage (internal/durable) and alarms.
package durablebinding

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/durable/fleet"
	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/runtime"
)

//go:embed durable.js
var module string

// Workers finds the running version of a worker by name (nil when none).
type Workers interface {
	Lookup(name string) *runtime.Worker
}

// Classes tells a worker's Durable Object classes, each true when its
// storage is SQLite-backed (new_sqlite_classes).
type Classes func(worker string) map[string]bool

// Extension gives every instance the Durable Objects API: namespaces
// (durable.js), and the storage of the objects of its own worker.
// With objects nil it is only the extension's JavaScript (for building the
// prelude ahead of time); it must not be installed.
func Extension(objects *Objects, classes Classes) runtime.Extension {
	return runtime.Extension{
		Name:   "durable",
		Module: module,
		Install: func(h runtime.BindingHost, c *jsc.Context, ops jsc.Value) error {
			store, alarms, workers := objects.cfg.Store, objects.alarms, objects.cfg.Workers
			// durableSelf(class): ctx.exports' namespace of one of the
			// worker's own Durable Object classes.
			if err := ops.Set("durableSelf", c.Function("durableSelf", func(call *jsc.Call) (jsc.Value, error) {
				class := call.Arg(0).String()
				if _, ok := classes(h.Worker())[class]; !ok {
					return jsc.Value{}, &jsc.Error{Name: "Error", Message: fmt.Sprintf("%q is not a Durable Object class of worker %s: add it to new_sqlite_classes (or new_classes) in a [[migrations]] entry", class, h.Worker())}
				}
				return Namespace{Script: h.Worker(), Class: class, Workers: workers, Objects: objects}.Install(h, call.Ctx)
			})); err != nil {
				return err
			}
			// durableFlush(): the output gate for WebSocket messages an
			// instance sends — the writes its objects made before a
			// message are durable before the message leaves.
			var opened []*durable.Object
			if err := ops.Set("durableFlush", c.Function("durableFlush", func(call *jsc.Call) (jsc.Value, error) {
				for _, o := range opened {
					if err := o.Flush(); err != nil {
						return jsc.Value{}, &jsc.Error{Name: "Error", Message: "Durable Object reset: its storage could not make a write durable: " + err.Error()}
					}
				}
				return c.Undefined(), nil
			})); err != nil {
				return err
			}
			// doStorage(class, id, sqlite) → the host object of one
			// object's storage; an instance reaches only the objects of
			// its own worker.
			return ops.Set("doStorage", c.Function("doStorage", func(call *jsc.Call) (jsc.Value, error) {
				class, id := call.Arg(0).String(), call.Arg(1).String()
				sqlite, declared := classes(h.Worker())[class]
				if !declared {
					return jsc.Value{}, &jsc.Error{Name: "Error", Message: fmt.Sprintf("%q is not a Durable Object class of worker %s: "+
						"add it to new_sqlite_classes (or new_classes) in a [[migrations]] entry of its wrangler config", class, h.Worker())}
				}
				o, err := store.Object(h.Worker(), class, id)
				if err != nil {
					return jsc.Value{}, err
				}
				o.Gate()
				if !slices.Contains(opened, o) {
					opened = slices.DeleteFunc(opened, func(x *durable.Object) bool { return x.Err() != nil })
					opened = append(opened, o)
				}
				objects.awake(h.Worker(), class, id)
				host, err := storageHost(c, o, alarms, runtime.ObjectAddress{Class: class, ID: id, Name: call.Arg(2).String()}, h.Worker())
				if err == nil {
					err = host.Set("sqlite", c.Bool(sqlite))
				}
				return host, err
			}))
		},
	}
}

// Namespace is a Durable Object namespace binding: the objects of class
// Class of worker Script.
type Namespace struct {
	Script  string
	Class   string
	Workers Workers
	Objects *Objects // runs the calls (here, or forwarded to the owner)
}

// Kind names the JavaScript factory (durable.js).
func (Namespace) Kind() string { return "durable_object_namespace" }

func (n Namespace) key() string { return n.Script + "/" + n.Class }

// Install makes the namespace's host object.
func (n Namespace) Install(h runtime.BindingHost, c *jsc.Context) (jsc.Value, error) {
	obj := c.Object()
	def := func(name string, fn jsc.Func) { obj.Set(name, c.Function(name, fn)) }
	def("idFromName", func(call *jsc.Call) (jsc.Value, error) {
		return c.String(durable.IDFromName(n.key(), call.Arg(0).String())), nil
	})
	def("newUniqueId", func(call *jsc.Call) (jsc.Value, error) {
		return c.String(durable.NewUniqueID(n.key())), nil
	})
	def("checkId", func(call *jsc.Call) (jsc.Value, error) {
		if err := durable.CheckID(n.key(), call.Arg(0).String()); err != nil {
			return jsc.Value{}, jsError(err)
		}
		return c.Undefined(), nil
	})
	// fetch(id, name, init): stub.fetch().
	def("fetch", func(call *jsc.Call) (jsc.Value, error) {
		depth, target, err := n.start(h)
		if err != nil {
			return jsc.Value{}, err
		}
		req, err := runtime.RequestFromJS(call.Arg(2))
		if err != nil {
			return jsc.Value{}, err
		}
		req.Depth = depth
		req.Object = &runtime.ObjectAddress{Class: n.Class, ID: call.Arg(0).String(), Name: call.Arg(1).String()}
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			resp, err := n.Objects.Fetch(ctx, target, n.Script, req)
			if err != nil {
				return callFailed(err)
			}
			return func(c *jsc.Context) (jsc.Value, error) {
				if resp.WebSocket != nil {
					return runtime.WebSocketResponseToJS(h, c, req.URL, resp)
				}
				return runtime.ResponseToJS(h, c, req.URL, resp.Status, resp.StatusText, resp.Header, runtime.ReceivedBody(resp))
			}, nil
		})
	})
	// call(id, name, path, message): an RPC method of the object.
	def("call", func(call *jsc.Call) (jsc.Value, error) {
		depth, target, err := n.start(h)
		if err != nil {
			return jsc.Value{}, err
		}
		addr := runtime.ObjectAddress{Class: n.Class, ID: call.Arg(0).String(), Name: call.Arg(1).String()}
		path := make([]string, call.Arg(2).Len())
		for i := range path {
			path[i] = call.Arg(2).Index(i).String()
			if strings.HasPrefix(path[i], "\x00") {
				return jsc.Value{}, jsc.TypeError("The RPC receiver does not implement the method %q.", path[i])
			}
		}
		var args *runtime.Message
		if m := call.Arg(3); !m.IsNullish() {
			if args, err = h.RPCMessage(m); err != nil {
				return jsc.Value{}, err
			}
		}
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			res, err := n.Objects.Call(ctx, target, n.Script, depth, addr, path, args)
			if err != nil {
				return callFailed(err)
			}
			return func(c *jsc.Context) (jsc.Value, error) { return h.RPCValue(c, res) }, nil
		})
	})
	return obj, nil
}

// start counts a call to an object as a subrequest and finds the worker
// that runs its class.
func (n Namespace) start(h runtime.BindingHost) (int, *runtime.Worker, error) {
	depth, err := h.Subrequest("service")
	if err != nil {
		return 0, nil, err
	}
	target := n.Workers.Lookup(n.Script)
	if target == nil {
		h.Observe("durable_object", "call", "error")
		return 0, nil, fmt.Errorf("Durable Object namespace %s: worker %q, which defines the class, is not running here "+
			"(outpost dev: add its config with another -c; outpost serve: deploy it)", n.Class, n.Script)
	}
	h.Observe("durable_object", "call", "ok")
	return depth, target, nil
}

// callFailed rejects a stub's call with what its caller sees of the
// failure: the exception by name and message, with the remote, retryable,
// overloaded and durableObjectReset properties Cloudflare sets (only those
// that are true, as workerd does).
func callFailed(err error) (runtime.Settle, error) {
	var ce *durable.CallError
	if !errors.As(err, &ce) {
		return nil, err
	}
	return func(c *jsc.Context) (jsc.Value, error) {
		v := c.NewError(orDefault(ce.Name, "Error"), ce.Message)
		for _, p := range []struct {
			name string
			set  bool
		}{{"remote", ce.Remote}, {"retryable", ce.Retryable}, {"overloaded", ce.Overloaded}, {"durableObjectReset", ce.Reset}} {
			if p.set {
				v.Set(p.name, c.Bool(true))
			}
		}
		return jsc.Value{}, jsc.Throw(v)
	}, nil
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

func jsError(err error) error {
	var de *durable.Error
	if errors.As(err, &de) {
		return &jsc.Error{Name: de.Name, Message: de.Message}
	}
	return err
}

// storageHost is the host object behind one object's ctx.storage: every
// call is synchronous on the VM's thread, so no other event of the object
// runs while a storage operation is in flight, and a write is durable
// before anything that follows it (the input and output gates).
func storageHost(c *jsc.Context, o *durable.Object, alarms *Alarms, addr runtime.ObjectAddress, worker string) (jsc.Value, error) {
	obj := c.Object()
	def := func(name string, fn jsc.Func) { obj.Set(name, c.Function(name, fn)) }
	entriesToJS := func(c *jsc.Context, es []durable.Entry) (jsc.Value, error) {
		out := make([]jsc.Value, len(es))
		for i, e := range es {
			v, err := c.Bytes(e.Value)
			if err != nil {
				return v, err
			}
			if out[i], err = c.Array(c.String(e.Key), v); err != nil {
				return out[i], err
			}
		}
		return c.Array(out...)
	}
	keysFromJS := func(v jsc.Value) []string {
		keys := make([]string, v.Len())
		for i := range keys {
			keys[i] = v.Index(i).String()
		}
		return keys
	}
	def("get", func(call *jsc.Call) (jsc.Value, error) {
		es, err := o.Get(keysFromJS(call.Arg(0)))
		if err != nil {
			return jsc.Value{}, jsError(err)
		}
		return entriesToJS(call.Ctx, es)
	})
	def("put", func(call *jsc.Call) (jsc.Value, error) {
		list := call.Arg(0)
		es := make([]durable.Entry, list.Len())
		for i := range es {
			pair := list.Index(i)
			b, ok := pair.Index(1).CopyBytes()
			if !ok {
				return jsc.Value{}, jsc.TypeError("storage: a value must be serialized bytes")
			}
			es[i] = durable.Entry{Key: pair.Index(0).String(), Value: b}
		}
		return call.Ctx.Undefined(), jsError(o.Put(es))
	})
	def("delete", func(call *jsc.Call) (jsc.Value, error) {
		n, err := o.Delete(keysFromJS(call.Arg(0)))
		if err != nil {
			return jsc.Value{}, jsError(err)
		}
		return call.Ctx.Number(float64(n)), nil
	})
	def("list", func(call *jsc.Call) (jsc.Value, error) {
		opt := call.Arg(0)
		var lo durable.ListOptions
		if v := opt.Get("start"); v.IsString() {
			lo.Start, lo.HasStart = v.String(), true
		}
		if v := opt.Get("startAfter"); v.IsString() {
			lo.StartAfter, lo.HasStartAfter = v.String(), true
		}
		if v := opt.Get("end"); v.IsString() {
			lo.End, lo.HasEnd = v.String(), true
		}
		if v := opt.Get("prefix"); v.IsString() {
			lo.Prefix = v.String()
		}
		lo.Reverse = opt.Get("reverse").Bool()
		if v := opt.Get("limit"); v.IsNumber() {
			f := v.Float()
			if f <= 0 || math.IsNaN(f) {
				return jsc.Value{}, jsc.TypeError("List limit must be positive.")
			}
			lo.Limit = int(f)
		}
		es, err := o.List(lo)
		if err != nil {
			return jsc.Value{}, jsError(err)
		}
		return entriesToJS(call.Ctx, es)
	})
	def("deleteAll", func(call *jsc.Call) (jsc.Value, error) {
		if err := o.DeleteAll(); err != nil {
			return jsc.Value{}, jsError(err)
		}
		alarms.Cancel(worker, addr)
		return call.Ctx.Undefined(), nil
	})
	def("begin", func(call *jsc.Call) (jsc.Value, error) { return call.Ctx.Undefined(), jsError(o.Begin()) })
	def("end", func(call *jsc.Call) (jsc.Value, error) {
		return call.Ctx.Undefined(), jsError(o.End(call.Arg(0).Bool()))
	})
	def("exec", func(call *jsc.Call) (jsc.Value, error) {
		args := make([]any, call.Arg(1).Len())
		for i := range args {
			v := call.Arg(1).Index(i)
			switch {
			case v.IsNull() || v.IsUndefined():
				args[i] = nil
			case v.IsNumber():
				f := v.Float()
				if f == math.Trunc(f) && math.Abs(f) < 1<<53 {
					args[i] = int64(f)
				} else {
					args[i] = f
				}
			case v.IsString():
				args[i] = v.String()
			default:
				if b, ok := v.CopyBytes(); ok {
					args[i] = b
				} else {
					args[i] = v.String()
				}
			}
		}
		res, err := o.Exec(call.Arg(0).String(), args)
		if err != nil {
			return jsc.Value{}, jsError(err)
		}
		return resultToJS(call.Ctx, res)
	})
	def("size", func(call *jsc.Call) (jsc.Value, error) { return call.Ctx.Number(float64(o.Size())), nil })
	// reset: ctx.abort() reset the object; the calls it fails report it.
	def("reset", func(call *jsc.Call) (jsc.Value, error) {
		alarms.objects.Reset(worker, addr)
		return call.Ctx.Undefined(), nil
	})
	// stale: the storage this instance was made with was closed (the
	// object was evicted or lost here): the instance must not run again.
	def("stale", func(call *jsc.Call) (jsc.Value, error) { return call.Ctx.Bool(o.Err() != nil), nil })
	def("getAlarm", func(call *jsc.Call) (jsc.Value, error) {
		at, _, ok, err := o.Alarm()
		if err != nil {
			return jsc.Value{}, err
		}
		if !ok || alarms.running(worker, addr, at) {
			return call.Ctx.Null(), nil
		}
		return call.Ctx.Number(float64(at.UnixMilli())), nil
	})
	def("setAlarm", func(call *jsc.Call) (jsc.Value, error) {
		at := time.UnixMilli(int64(call.Arg(0).Float()))
		if err := o.SetAlarm(at, 0); err != nil {
			return jsc.Value{}, jsError(err)
		}
		alarms.Schedule(worker, addr, at, 0)
		return call.Ctx.Undefined(), nil
	})
	def("deleteAlarm", func(call *jsc.Call) (jsc.Value, error) {
		if err := o.DeleteAlarm(); err != nil {
			return jsc.Value{}, err
		}
		alarms.Cancel(worker, addr)
		return call.Ctx.Undefined(), nil
	})
	return obj, nil
}

// resultToJS is { columns, rows, rowsRead, rowsWritten }.
func resultToJS(c *jsc.Context, r *durable.Result) (jsc.Value, error) {
	out := c.Object()
	cols := make([]jsc.Value, len(r.Columns))
	for i, n := range r.Columns {
		cols[i] = c.String(n)
	}
	colsV, err := c.Array(cols...)
	if err != nil {
		return out, err
	}
	out.Set("columns", colsV)
	rows := make([]jsc.Value, len(r.Rows))
	for i, row := range r.Rows {
		vals := make([]jsc.Value, len(row))
		for j, v := range row {
			switch x := v.(type) {
			case nil:
				vals[j] = c.Null()
			case int64:
				vals[j] = c.Number(float64(x))
			case float64:
				vals[j] = c.Number(x)
			case string:
				vals[j] = c.String(x)
			case []byte:
				b, err := c.Bytes(x)
				if err != nil {
					return out, err
				}
				vals[j] = b
			default:
				vals[j] = c.String(fmt.Sprint(x))
			}
		}
		if rows[i], err = c.Array(vals...); err != nil {
			return out, err
		}
	}
	rowsV, err := c.Array(rows...)
	if err != nil {
		return out, err
	}
	out.Set("rows", rowsV)
	out.Set("rowsRead", c.Number(float64(r.RowsRead)))
	out.Set("rowsWritten", c.Number(float64(r.RowsWritten)))
	return out, nil
}

// Alarms fires objects' alarms: each set alarm is a timer on the node
// that runs the object; a failed alarm() is retried with exponential
// backoff (up to six times, as on Cloudflare). Alarms stored on disk are
// armed again at start (Resume); on a fleet, Poll arms those of the
// objects this node owns or may take over, and an alarm runs only on the
// node holding the object's lease: one run per object across the fleet.
type Alarms struct {
	objects *Objects
	log     *slog.Logger
	now     func() time.Time

	mu     sync.Mutex
	timers map[string]*alarmTimer
	firing map[string]time.Time // the alarm whose alarm() runs now, per object
	closed bool
}

type alarmTimer struct {
	t  *time.Timer
	at time.Time
}

// MaxAlarmRetries is how often a failing alarm is retried.
const MaxAlarmRetries = 6

func newAlarms(o *Objects) *Alarms {
	return &Alarms{objects: o, log: o.cfg.Log, now: o.cfg.Now, timers: map[string]*alarmTimer{}, firing: map[string]time.Time{}}
}

func alarmKey(worker string, a runtime.ObjectAddress) string {
	return worker + "/" + a.Class + "/" + a.ID
}

// Schedule (re)arms an object's alarm.
func (s *Alarms) Schedule(worker string, addr runtime.ObjectAddress, at time.Time, retries int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	key := alarmKey(worker, addr)
	if t := s.timers[key]; t != nil {
		if t.at.Equal(at) {
			return
		}
		t.t.Stop()
	}
	s.timers[key] = &alarmTimer{at: at, t: time.AfterFunc(max(at.Sub(s.now()), 0), func() { s.fire(worker, addr, at) })}
}

// Cancel disarms an object's alarm.
func (s *Alarms) Cancel(worker string, addr runtime.ObjectAddress) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := alarmKey(worker, addr)
	if t := s.timers[key]; t != nil {
		t.t.Stop()
		delete(s.timers, key)
	}
}

// Resume schedules the alarms found on disk (after a restart).
func (s *Alarms) Resume() error {
	list, err := s.objects.cfg.Store.Alarms()
	if err != nil {
		return err
	}
	for _, a := range list {
		s.Schedule(a.Worker, runtime.ObjectAddress{Class: a.Class, ID: a.ID}, a.At, a.Retries)
	}
	return nil
}

// Poll arms the alarms a fleet node lists (fleet.Node.Alarms) every
// interval until ctx ends: those of its objects, and those of objects
// whose owner's lease expired, which the node takes over to run them.
func (s *Alarms) Poll(ctx context.Context, every time.Duration, list func(context.Context) ([]fleet.PendingAlarm, error)) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		pending, err := list(ctx)
		if err != nil && ctx.Err() == nil {
			s.log.Warn("alarms: listing the fleet's alarms", "error", err.Error())
		}
		for _, a := range pending {
			if worker, class, id, ok := fleet.ParseObjectKey(a.Object); ok {
				s.Schedule(worker, runtime.ObjectAddress{Class: class, ID: id}, a.At, 0)
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// running says whether at is the alarm whose alarm() runs now.
func (s *Alarms) running(worker string, addr runtime.ObjectAddress, at time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cur, ok := s.firing[alarmKey(worker, addr)]
	return ok && cur.Equal(at)
}

// Close stops every timer.
func (s *Alarms) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.closed = true
	for k, t := range s.timers {
		t.t.Stop()
		delete(s.timers, k)
	}
}

// fire runs alarm() on the object, on this node only if it holds the
// object; on failure the alarm is set again with a backoff.
func (s *Alarms) fire(worker string, addr runtime.ObjectAddress, at time.Time) {
	key := alarmKey(worker, addr)
	s.mu.Lock()
	if s.timers[key] != nil && s.timers[key].at.Equal(at) {
		delete(s.timers, key)
	}
	if _, busy := s.firing[key]; busy || s.closed {
		s.mu.Unlock()
		return
	}
	s.firing[key] = time.Time{}
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.firing, key)
		s.mu.Unlock()
	}()
	w := s.objects.cfg.Workers.Lookup(worker)
	if w == nil {
		// Not running (yet, at start): try the same alarm again shortly.
		s.mu.Lock()
		if !s.closed && s.timers[key] == nil {
			s.timers[key] = &alarmTimer{at: at, t: time.AfterFunc(time.Second, func() { s.fire(worker, addr, at) })}
		}
		s.mu.Unlock()
		return
	}
	lo, o, err := s.objects.open(worker, addr)
	var held *fleet.HeldError
	if errors.As(err, &held) {
		// Another node runs the object, and its alarm.
		return
	}
	if err != nil {
		s.log.Error("alarm: opening the object", "worker", worker, "class", addr.Class, "id", addr.ID, "error", err.Error())
		return
	}
	defer s.objects.exit(lo)
	// Nothing waits for an alarm's writes: they are made durable when it ends.
	defer o.Flush()
	// The alarm may have been changed or deleted since it was armed.
	cur, retries, ok, err := o.Alarm()
	if err != nil || !ok || cur.After(s.now()) {
		if err == nil && ok {
			s.Schedule(worker, addr, cur, retries)
		}
		return
	}
	if retries > MaxAlarmRetries {
		// Its last attempt was cut off (the node died): give up, as after
		// a last failure.
		s.log.Error("alarm failed and will not be retried", "worker", worker, "class", addr.Class, "id", addr.ID, "retries", retries)
		o.DeleteAlarm()
		return
	}
	// At least once, as on Cloudflare: the alarm stays stored while alarm()
	// runs, counted as an attempt, so a node that dies meanwhile leaves it
	// to run again (a retry) where the object goes next. alarm() sees no
	// alarm set (getAlarm() is null) unless it sets one.
	if err := o.SetAlarm(cur, retries+1); err != nil || o.Flush() != nil {
		return
	}
	s.mu.Lock()
	s.firing[key] = cur
	s.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	// The arguments, as the prelude serializes them: [{ retryCount, isRetry }].
	info := fmt.Sprintf(`["a",[["o",{"retryCount":%d,"isRetry":%t}]]]`, retries, retries > 0)
	_, err = w.CallObject(runtime.WithOutputGate(ctx, o.Flush), 0, addr, []string{"\x00alarm"}, &runtime.Message{JSON: info})
	// Unless alarm() set another alarm (or deleted this one), this one is
	// done, or retried after a backoff.
	now, _, still, aerr := o.Alarm()
	if aerr != nil || !still || !now.Equal(cur) {
		return
	}
	if err == nil {
		o.DeleteAlarm()
		return
	}
	if retries >= MaxAlarmRetries {
		s.log.Error("alarm failed and will not be retried", "worker", worker, "class", addr.Class, "id", addr.ID, "retries", retries, "error", err.Error())
		o.DeleteAlarm()
		return
	}
	next := s.now().Add(time.Duration(1<<retries) * 2 * time.Second)
	s.log.Warn("alarm failed; retrying", "worker", worker, "class", addr.Class, "id", addr.ID, "retry", retries+1, "at", next.UTC().Format(time.RFC3339), "error", err.Error())
	if err := o.SetAlarm(next, retries+1); err == nil {
		s.Schedule(worker, addr, next, retries+1)
	}
}
