// Package runtime runs workers: an Instance is one JavaScript VM with the
// Web API prelude, the worker's script and its bindings, driven by an event
// loop on the VM's thread; a Worker is a pool of instances behind one name.
package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// Script is a bundled worker ready to run.
type Script struct {
	Code string
	// URL names the script in stack traces before source mapping.
	URL string
	// Modules is true for an ES-module worker (a default export), false for
	// the service-worker format.
	Modules bool
	// Stack maps stack traces of the bundle back to the user's sources.
	Stack StackMapper
}

// StackMapper rewrites a JavaScriptCore stack trace to original positions.
type StackMapper interface {
	RewriteStack(stack string) string
}

// Config is what an instance is made from.
type Config struct {
	Name     string
	Script   Script
	Bindings Bindings
	// CPULimit is the CPU time one invocation may use, summed over its
	// entries into JavaScript and the CPU-bound ops run for it (and shared
	// with the service-binding calls it makes). Zero means the default of
	// 30 s.
	CPULimit time.Duration
	// MemoryLimit stops a script whose JavaScript heap grows past it while
	// it runs (the instance is then replaced). Zero: no limit.
	MemoryLimit int64
	// WallLimit bounds how long a fetch handler may take to give its
	// response. Zero means DefaultWallLimit.
	WallLimit time.Duration
	// SubrequestLimit caps the fetch() calls of one invocation (a request
	// with its waitUntil work, or a scheduled event). Zero means
	// Cloudflare's default of 10,000.
	SubrequestLimit int
	Host            *Host
	// NodeCompat turns on the nodejs_compat modules (node:buffer, …)
	// and the Buffer and process globals.
	NodeCompat bool
	// PopulateProcessEnv fills process.env with the text vars and secrets
	// (nodejs_compat_populate_process_env).
	PopulateProcessEnv bool
	// GlobalScopeTimers lets the script's global scope arm timers, which
	// then live as long as the instance. Workers cannot (workerd refuses
	// it, and such a timer would run with no invocation to charge or end
	// it); test harnesses that run their files at global scope can, and
	// may do I/O from there too.
	GlobalScopeTimers bool
}

// Bindings are the worker's env, built from configuration.
type Bindings struct {
	Vars    map[string]any    // strings or JSON values
	Secrets map[string]string // strings
	// Objects are the bindings Go resolves (KV namespaces, services,
	// assets …), each turned into its object by its extension.
	Objects map[string]Binding
}

// StartupTimeLimit bounds the evaluation of a worker's top-level code, as
// Cloudflare's one-second startup limit does.
const StartupTimeLimit = time.Second

// preludeTimeLimit bounds the evaluation of the prelude itself (it takes
// tens of milliseconds; the bound only guards against a broken build).
const preludeTimeLimit = 30 * time.Second

// DefaultCPULimit is Cloudflare's default CPU time per invocation.
const DefaultCPULimit = 30 * time.Second

// Instance is one VM running one worker.
type Instance struct {
	cfg     *Config
	host    *Host
	prelude *Prelude
	vm      *jsc.VM
	start   time.Time
	log     *slog.Logger

	// Only touched on the VM's thread.
	hooks    *jsc.Handle
	ops      *jsc.Handle // the prelude's ops object, until adopt installs the extensions
	timers   map[int64]*timer
	timerSeq int64
	// One Go timer wakes the instance for its earliest JavaScript timer;
	// at most one wake task is queued at a time (timers.go).
	wake       *time.Timer
	wakeAt     time.Time
	wakeQueued atomic.Bool
	// Limits (limits.go).
	entry        entryClock    // the running entry into JavaScript (limits.go)
	offThread    time.Duration // work done for the running entry by other goroutines
	exemptSince  time.Duration // monoNow when Outpost's own work in the entry began; 0 if none runs
	lastGC       time.Time
	stopReason   atomic.Int32
	globalTimers int // timers armed by the script's global scope
	// cur is the invocation the running task works for: set when a handler
	// is called and carried through async ops and timers, so that a
	// subrequest is counted against the invocation that made it.
	cur    int64
	reqs   map[int64]*Invocation
	phase  int // phasePrelude, phaseScript while starting (VM thread only)
	reqSeq int64
	// life ends when the instance is closed: ops not made for an
	// invocation (while the script is evaluated) carry it.
	life context.Context
	stop context.CancelFunc

	// Values kept for the requests to reuse (dispatch.go): repeated
	// strings, and the last request.cf with its JSON text.
	fetchArgs *jsc.Handle // hooks.fetchArgs
	consts    map[string]*jsc.Handle
	lastCF    struct {
		m  map[string]any
		js *jsc.Handle
	}

	rpc     rpcTables
	streams streamTable
	sockets socketTable
	fetchMu sync.Mutex
	fetches map[int64]*openFetch

	inflight   atomic.Int64
	started    atomic.Int64 // invocations ever begun
	background sync.WaitGroup
	broken     atomic.Bool
	closeOnce  sync.Once
}

// timer is a pending setTimeout/setInterval of the prelude.
type timer struct {
	deadline time.Time
	seq      int64
	owner    int64 // the invocation that armed it
}

// within runs f as work of invocation id (VM thread only).
// The outermost entry's CPU time is charged to the invocation.
func (in *Instance) within(id int64, f func()) {
	prev := in.cur
	in.cur = id
	outer := in.enter(in.reqs[id].nearLimit())
	defer func() {
		in.cur = prev
		if outer {
			in.charge(id, in.leave())
		}
	}()
	f()
}

// NewInstance starts a VM, evaluates the prelude and the worker's script
// and initialises its bindings. The VM and the prelude come from a spare
// instance when one was made ahead (see KeepSpare).
func NewInstance(cfg *Config) (*Instance, error) {
	host := cfg.Host
	if host == nil {
		host = &Host{}
	}
	host.init()
	prelude, err := preludeFor(host.Extensions)
	if err != nil {
		return nil, err
	}
	in := takeSpare(prelude)
	if in == nil {
		if in, err = newBlank(prelude, cfg.Name); err != nil {
			return nil, err
		}
	}
	if err := in.adopt(cfg, host); err != nil {
		in.vm.Close()
		in.stop()
		return nil, err
	}
	return in, nil
}

// newBlank makes an instance with no worker yet: a VM with the core ops and
// the prelude evaluated. name is what a debugger shows for the VM.
func newBlank(prelude *Prelude, name string) (*Instance, error) {
	host := &Host{}
	host.init()
	in := &Instance{
		cfg:     &Config{},
		host:    host,
		prelude: prelude,
		start:   time.Now(),
		log:     host.Logger,
		timers:  map[int64]*timer{},
		reqs:    map[int64]*Invocation{},
		fetches: map[int64]*openFetch{},
	}
	in.life, in.stop = context.WithCancel(context.Background())
	// The prelude is Outpost's own code: the worker's limit does not apply
	// to it.
	var err error
	in.vm, err = jsc.New(jsc.Options{
		TimeLimit:            preludeTimeLimit,
		Name:                 name,
		Interrupt:            in.interrupt,
		AfterTask:            func(*jsc.Context) { in.checkHung() },
		OnUnhandledRejection: in.onUnhandledRejection,
		OnPanic: func(v any, stack []byte) {
			in.log.Error(fmt.Sprintf("internal error (a Go panic) while running the worker; the operation failed: %v\n%s", v, stack))
		},
	})
	if err != nil {
		in.stop()
		return nil, err
	}
	err = in.vm.Run(func(c *jsc.Context) error {
		ops := c.Object()
		in.installOps(c, ops)
		if err := c.Global().Set("__outpost_ops", ops); err != nil {
			return err
		}
		// As on Cloudflare, code is fixed at deploy time: eval and
		// new Function throw (libraries probe this and take their
		// non-generating path, as they would on workerd).
		c.DisableEval("Code generation from strings disallowed for this context")
		in.phase = phasePrelude
		if _, err := c.Eval(prelude.Core, "outpost:prelude.js"); err != nil {
			return fmt.Errorf("the Outpost prelude failed to start: %w", err)
		}
		if in.hooks == nil {
			return errors.New("the Outpost prelude did not register its hooks")
		}
		// The extensions' ops join the object the prelude captured when
		// the worker is known (adopt).
		in.ops = ops.Keep()
		return nil
	})
	if err != nil {
		in.vm.Close()
		in.stop()
		return nil, err
	}
	return in, nil
}

// adopt gives a blank instance its worker: the host's extensions, the
// bindings, then the worker's script under the startup limit.
func (in *Instance) adopt(cfg *Config, host *Host) error {
	limit := cfg.CPULimit
	if limit <= 0 {
		limit = DefaultCPULimit
	}
	return in.vm.Run(func(c *jsc.Context) error {
		in.cfg, in.host = cfg, host
		in.log = host.Logger.With("worker", cfg.Name)
		ops := in.ops.Value()
		for _, ext := range host.Extensions {
			if ext.Install == nil {
				continue
			}
			if err := ext.Install(in, c, ops); err != nil {
				return fmt.Errorf("extension %s: %w", ext.Name, err)
			}
		}
		in.ops.Release()
		in.ops = nil
		// The worker's top-level code gets Cloudflare's startup limit (or
		// its CPU limit, when that is longer); handlers get the CPU limit.
		in.setLimit(c, max(limit, StartupTimeLimit))
		in.phase = phaseScript
		url := cfg.Script.URL
		if url == "" {
			url = "worker.js"
		}
		info, err := in.initInfo(c)
		if err != nil {
			return err
		}
		// The worker's global scope runs under the startup limit.
		in.enter(true)
		defer in.leave()
		if _, err := in.hooks.Value().CallMethod("setup", info); err != nil {
			return in.scriptError("setting up the worker's bindings", err)
		}
		if _, err := c.Eval(cfg.Script.Code, url); err != nil {
			return in.scriptError("evaluating the worker's script", err)
		}
		if err := in.settleTopLevelAwait(c); err != nil {
			return err
		}
		if _, err := in.hooks.Value().CallMethod("init"); err != nil {
			return in.scriptError("starting the worker", err)
		}
		in.setLimit(c, limit)
		in.phase = phaseRunning
		return nil
	})
}

// tlaGlobal is bundle.TLAGlobal: a module with top-level await reports
// through it whether its body has finished.
const tlaGlobal = "__outpost_tla"

// settleTopLevelAwait checks, once the worker's script and the microtasks
// it queued have run, that a module with top-level await has finished, as
// workerd requires: a worker starts without I/O, so nothing else could
// settle it later. A module that threw fails the start with its error.
func (in *Instance) settleTopLevelAwait(c *jsc.Context) error {
	const context = "evaluating the worker's script"
	g := c.Global()
	state := g.Get(tlaGlobal)
	if !state.IsObject() {
		return nil
	}
	g.Delete(tlaGlobal)
	if in.vm.Terminated() {
		in.broken.Store(true)
		return in.limitError(context)
	}
	if !state.Get("settled").Bool() {
		// The stack lists the module's top-level awaits.
		return &ScriptError{Context: context, Name: "Error", Message: state.Get("unsettled").String(), Stack: state.Get("awaits").String()}
	}
	if e := state.Get("error"); e.IsObject() {
		se := in.errorFromValue(context, e.Index(0))
		se.Stack = in.moduleFrames(se.Stack, state.Get("awaits").String())
		return se
	}
	return nil
}

// moduleFrames keeps the frames of a stack that point into the user's
// sources (or native code), dropping those of the bundle's own wrapper
// and helpers. When none is left in the sources (an error made by an
// asynchronous operation, or a thrown non-Error), the top-level awaits
// are where the module was.
func (in *Instance) moduleFrames(stack, awaits string) string {
	url := in.cfg.Script.URL
	if url == "" {
		url = "worker.js"
	}
	var kept []string
	inSources := false
	for _, l := range strings.Split(stack, "\n") {
		where := strings.TrimPrefix(strings.TrimSpace(l), "at ")
		where = where[strings.LastIndexByte(where, '@')+1:]
		if where == "" || strings.HasPrefix(where, url+":") {
			continue
		}
		if where != "[native code]" {
			inSources = true
		}
		kept = append(kept, l)
	}
	if !inSources && awaits != "" {
		kept = append(kept, strings.Split(awaits, "\n")...)
	}
	return strings.Join(kept, "\n")
}

func (in *Instance) initInfo(c *jsc.Context) (jsc.Value, error) {
	info := c.Object()
	format := "service-worker"
	if in.cfg.Script.Modules {
		format = "modules"
	}
	info.Set("format", c.String(format))
	b := c.Object()
	for name, v := range in.cfg.Bindings.Vars {
		val, err := toJS(c, v)
		if err != nil {
			return info, fmt.Errorf("vars.%s: %w", name, err)
		}
		b.Set(name, val)
	}
	for name, s := range in.cfg.Bindings.Secrets {
		b.Set(name, c.String(s))
	}
	info.Set("vars", b)
	// [name, kind, host object] for each resolved binding.
	var objects []jsc.Value
	for name, binding := range in.cfg.Bindings.Objects {
		host, err := binding.Install(in, c)
		if err != nil {
			return info, fmt.Errorf("binding %s: %w", name, err)
		}
		entry, err := c.Array(c.String(name), c.String(binding.Kind()), host)
		if err != nil {
			return info, err
		}
		objects = append(objects, entry)
	}
	list, err := c.Array(objects...)
	if err != nil {
		return info, err
	}
	info.Set("bindings", list)
	return info, nil
}

// toJS converts a JSON-able Go value to JavaScript.
func toJS(c *jsc.Context, v any) (jsc.Value, error) {
	switch x := v.(type) {
	case string:
		return c.String(x), nil
	case nil:
		return c.Null(), nil
	case bool:
		return c.Bool(x), nil
	case float64:
		return c.Number(x), nil
	case int:
		return c.Number(float64(x)), nil
	case int64:
		return c.Number(float64(x)), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return c.Undefined(), err
	}
	return c.ParseJSON(string(b))
}

// Name is the worker's name.
func (in *Instance) Name() string { return in.cfg.Name }

// Broken reports an instance that must not take more work: a script was
// stopped by the CPU limit, or the VM failed.
func (in *Instance) Broken() bool { return in.broken.Load() || in.vm.Terminated() }

// Inflight is the number of invocations running on the instance.
func (in *Instance) Inflight() int { return int(in.inflight.Load()) }

// begin counts an invocation that starts.
func (in *Instance) begin() {
	in.inflight.Add(1)
	in.started.Add(1)
}

// Invocations is how many invocations the instance has begun.
func (in *Instance) Invocations() int64 { return in.started.Load() }

// Wait blocks until the instance's background work (waitUntil promises)
// has finished or the timeout passes.
func (in *Instance) Wait(timeout time.Duration) bool {
	done := make(chan struct{})
	go func() { in.background.Wait(); close(done) }()
	select {
	case <-done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// Close stops the VM. In-flight work is abandoned; callers drain first.
func (in *Instance) Close() {
	in.closeOnce.Do(func() {
		in.stop()
		in.vm.Enqueue(func(c *jsc.Context) {
			clear(in.timers)
			if in.wake != nil {
				in.wake.Stop()
			}
			if in.hooks != nil {
				in.hooks.Release()
				in.hooks = nil
			}
			if in.ops != nil {
				in.ops.Release()
				in.ops = nil
			}
			for id, e := range in.rpc.exports {
				e.value.Release()
				delete(in.rpc.exports, id)
			}
		})
		in.vm.Close()
		in.streams.closeAll()
		in.sockets.closeAll()
		in.fetchMu.Lock()
		for _, open := range in.fetches {
			open.cancel()
		}
		in.fetchMu.Unlock()
	})
}

// HeapStats reports the VM's heap (for recycling instances that grow).
// Collections is how many garbage collections of the instance's heap have
// finished. Safe from any goroutine.
func (in *Instance) Collections() uint64 { return in.vm.Collections() }

func (in *Instance) HeapStats() (jsc.HeapStats, error) {
	var st jsc.HeapStats
	err := in.vm.Run(func(c *jsc.Context) error { st = c.HeapStats(); return nil })
	return st, err
}

// ScriptError is an exception thrown by the worker's JavaScript, with its
// stack mapped to the user's sources.
type ScriptError struct {
	Context string // what Outpost was doing, e.g. "handling GET /"
	Name    string
	Message string
	Stack   string
	// Limit is set when a limit stopped the script: the CPU limit, or with
	// Memory the memory limit, or with Resources another invocation's
	// limit that stopped the instance this one ran on.
	Limit     bool
	Memory    bool
	Resources bool
}

func (e *ScriptError) Error() string {
	msg := e.Message
	if e.Name != "" {
		msg = e.Name + ": " + e.Message
	}
	if e.Context != "" {
		msg = e.Context + ": " + msg
	}
	if e.Stack != "" {
		msg += "\n" + indent(e.Stack)
	}
	return msg
}

func indent(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		lines[i] = "    at " + strings.TrimPrefix(strings.TrimSpace(l), "at ")
	}
	return strings.Join(lines, "\n")
}

// scriptError converts an engine error to a ScriptError.
func (in *Instance) scriptError(context string, err error) error {
	var te *jsc.TerminatedError
	if errors.As(err, &te) {
		in.broken.Store(true)
		return in.limitError(context)
	}
	var je *jsc.Error
	if errors.As(err, &je) {
		return &ScriptError{Context: context, Name: je.Name, Message: je.Message, Stack: in.mapStack(je.Stack)}
	}
	var se *ScriptError
	if errors.As(err, &se) {
		return err
	}
	return fmt.Errorf("%s: %w", context, err)
}

// errorFromValue turns a thrown or rejected value into a ScriptError.
func (in *Instance) errorFromValue(context string, v jsc.Value) *ScriptError {
	if in.vm.Terminated() {
		in.broken.Store(true)
		return in.limitError(context)
	}
	se := &ScriptError{Context: context}
	if v.IsObject() {
		se.Name = v.Get("name").String()
		se.Message = v.Get("message").String()
		se.Stack = in.mapStack(v.Get("stack").String())
		if se.Name == "" && se.Message == "" {
			se.Message = v.String()
		}
	} else {
		se.Message = v.String()
	}
	return se
}

// mapStack maps the bundle's positions to source positions and drops the
// prelude's own frames, which mean nothing to the user.
func (in *Instance) mapStack(stack string) string {
	if stack == "" || stack == "undefined" {
		return ""
	}
	if in.cfg.Script.Stack != nil {
		stack = in.cfg.Script.Stack.RewriteStack(stack)
	}
	var kept []string
	for _, line := range strings.Split(stack, "\n") {
		if strings.Contains(line, "outpost:") || strings.TrimSpace(line) == "" {
			continue
		}
		kept = append(kept, line)
	}
	return strings.Join(kept, "\n")
}

func (in *Instance) onUnhandledRejection(c *jsc.Context, reason jsc.Value) {
	se := in.errorFromValue("", reason)
	in.host.Log(in.cfg.Name, "error", "Uncaught (in promise) "+se.Error())
}
