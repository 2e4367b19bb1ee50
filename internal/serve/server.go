// Package serve runs many workers in one process for production: routes,
// service bindings, deployments kept in a store (files or PostgreSQL) and
// picked up by every node, per-request limits, metrics, live tail and a
// graceful shutdown. `outpost serve` is a thin CLI over it.
package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	goruntime "runtime"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"golang.org/x/sync/errgroup"

	"github.com/outpost-dev/outpost/internal/assets"
	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/cron"
	"github.com/outpost-dev/outpost/internal/dashboard"
	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/project"
)

// Options are what the process around the server provides.
type Options struct {
	// Logger receives structured logs (JSON in production).
	Logger *slog.Logger
	// Store overrides the deployment store the configuration selects.
	Store Store
	// Clock drives cron triggers (default: the system clock).
	Clock cron.Clock
	// InstanceCheck is how often instances' heaps and CPU time are
	// measured (default 2 s).
	InstanceCheck time.Duration
}

// Server is a running set of workers.
type Server struct {
	cfg       *Config
	opts      Options
	log       *slog.Logger
	store     Store
	obs       *observer
	tail      *tailHub
	claimer   cron.Claimer
	node      *platform.Node
	closersMu sync.Mutex // openSite runs for several workers at once
	closers   []func()

	mu      sync.RWMutex
	workers map[string]*workerState
	routes  Routes

	ready    atomic.Bool
	deps     depsCheck
	draining atomic.Bool
	stopping chan struct{} // closed when shutdown begins: ends tail streams
	runCtx   context.Context

	queueMetrics queueMetrics // queues.go

	// rec records requests for the explorer on the admin listener
	// (explorer.go); explorer is nil without an admin token.
	rec      *dashboard.Recorder
	explorer *dashboard.Dashboard
}

// New prepares a server: it opens the deployment store but starts no
// worker yet (Start does).
func New(ctx context.Context, cfg *Config, opts Options) (*Server, error) {
	if opts.Logger == nil {
		opts.Logger = slog.Default()
	}
	if opts.InstanceCheck <= 0 {
		opts.InstanceCheck = 2 * time.Second
	}
	s := &Server{cfg: cfg, opts: opts, log: opts.Logger, tail: newTailHub(), workers: map[string]*workerState{}, stopping: make(chan struct{})}
	if cfg.Admin.Token != "" {
		// Requests are recorded only for the explorer, which needs the token.
		s.rec = dashboard.NewRecorder(500)
	}
	s.obs = newObserver(s)
	s.queueMetrics = newQueueMetrics(s.obs.reg)
	s.store = opts.Store
	if s.store == nil {
		var err error
		if cfg.Deployments.URL != "" {
			s.store, err = OpenPostgresStore(ctx, cfg.Deployments.URL)
		} else {
			s.store, err = OpenFileStore(filepath.Join(cfg.StateDir, "deployments"))
		}
		if err != nil {
			return nil, err
		}
		s.closers = append(s.closers, func() { s.store.Close() })
	}
	if cfg.Deployments.URL != "" {
		// Crons run once per scheduled time across the fleet.
		pool, err := pgxpool.New(ctx, cfg.Deployments.URL)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.closers = append(s.closers, pool.Close)
		c, err := cron.NewPostgresClaimer(ctx, pool, "")
		if err != nil {
			s.Close()
			return nil, fmt.Errorf("cron claims in %s: %w", redactURL(cfg.Deployments.URL), err)
		}
		s.claimer = c
	}
	if cfg.KV.URL != "" && !isPostgresURL(cfg.KV.URL) {
		s.Close()
		return nil, fmt.Errorf("%s: kv.url: expected a postgres:// URL, got %q", cfg.Path, redactURL(cfg.KV.URL))
	}
	// The node's services: KV (PostgreSQL shared by the fleet, else
	// SQLite), the Cache API (per node, as on Cloudflare, shared by the
	// workers like a zone's cache), the outbound network, cron.
	node, err := platform.Open(ctx, platform.Options{
		StateDir:               cfg.StateDir,
		KVURL:                  cfg.KV.URL,
		QueueURL:               cfg.Queues.URL,
		R2S3:                   cfg.R2.S3,
		QueueLease:             cfg.Queues.Lease,
		QueueEvents:            s.queueEvent,
		DenyPrivateSubrequests: cfg.Security.DenyPrivateSubrequests,
		Clock:                  opts.Clock,
		Claimer:                s.claimer,
		Logger:                 s.log,
		Console:                s.console,
		ObserveOp:              s.observeOp,
		CountSubrequest:        func(worker string) { s.obs.subrequests.With(worker, "fetch").Inc() },
		Events:                 serveEvents{s},
		Subrequest:             s.rec.Subrequest,
		ObjectsFleet:           cfg.DurableObjects.fleetOptions(),
		ObjectIdleTimeout:      cfg.DurableObjects.IdleTimeout,
	})
	if err != nil {
		s.Close()
		return nil, fmt.Errorf("%s: %w", cfg.Path, err)
	}
	s.node = node
	s.closers = append(s.closers, node.Close)
	if err := s.openExplorer(); err != nil {
		s.Close()
		return nil, err
	}
	s.log.Info("Durable Objects in " + node.ObjectsWhere())
	s.log.Info("D1 databases in " + node.D1Where())
	s.obs.reg.GaugeFunc("outpost_durable_objects_live", "Durable Objects in memory on this node (evicted when idle).", nil,
		func(emit func(float64, ...string)) { emit(float64(node.LiveObjects())) })
	var routes []Route
	for i := range cfg.Workers {
		ws, err := s.newWorkerState(&cfg.Workers[i])
		if err != nil {
			s.Close()
			return nil, err
		}
		s.workers[ws.name] = ws
		routes = append(routes, cfg.Workers[i].Routes...)
	}
	s.routes = SortRoutes(routes)
	return s, nil
}

// Close releases the store; Run calls it on its way out.
func (s *Server) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	s.closers = nil
}

// Ready reports whether the node takes traffic: every configured worker
// runs a version and no shutdown has begun.
func (s *Server) Ready() bool { return s.ready.Load() && !s.draining.Load() }

// snapshot lists the workers in name order.
func (s *Server) snapshot() []*workerState {
	s.mu.RLock()
	defer s.mu.RUnlock()
	out := make([]*workerState, 0, len(s.workers))
	for _, ws := range s.workers {
		out = append(out, ws)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

func (s *Server) worker(name string) *workerState {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.workers[name]
}

// workerFor returns the state of a worker, adding one that is not in the
// configuration (deployed only; reachable through service bindings).
func (s *Server) workerFor(name string) (*workerState, error) {
	if ws := s.worker(name); ws != nil {
		return ws, nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ws := s.workers[name]; ws != nil {
		return ws, nil
	}
	conf := &WorkerConfig{Name: name, Instances: s.cfg.Instances, Limits: s.cfg.Limits, CacheZone: "worker:" + name, StartOnRequest: s.cfg.StartOnRequest}
	ws, err := s.newWorkerState(conf)
	if err != nil {
		return nil, err
	}
	s.workers[name] = ws
	return ws, nil
}

// Start builds the workers that have a project directory and loads the
// active deployments; a deployed version wins over the directory's build.
func (s *Server) Start(ctx context.Context) error {
	s.runCtx = ctx
	active, err := s.store.Active(ctx)
	if err != nil {
		return fmt.Errorf("reading the deployments: %w", err)
	}
	// Building and starting each worker is work of its own (bundling, then
	// evaluating its script): as many at once as there are cores. Queue
	// consumers are claimed and started one after the other, in the
	// configuration's order, as a claim is judged by what runs already.
	var fromDir []*workerState
	load := newLimitedGroup()
	for _, ws := range s.snapshot() {
		if ws.conf.Dir == "" {
			continue
		}
		if _, deployed := active[ws.name]; deployed {
			// The project directory still supplies the static assets.
			load.Go(func() error { return s.openSite(ws, nil) })
			continue
		}
		fromDir = append(fromDir, ws)
	}
	builds := make([]*project.Build, len(fromDir))
	for i, ws := range fromDir {
		load.Go(func() (err error) {
			builds[i], err = s.buildDir(ws)
			return err
		})
	}
	if err := load.Wait(); err != nil {
		return err
	}
	start := newLimitedGroup()
	for i, ws := range fromDir {
		b := builds[i].Bundle
		if len(b.QueueConsumers) == 0 {
			start.Go(func() error { return s.apply(ws, 0, b) })
			continue
		}
		err := s.claimConsumers(ctx, ws.name, b)
		if err != nil {
			err = fmt.Errorf("%s (worker %s): %w", s.cfg.Path, ws.name, err)
		} else {
			err = s.apply(ws, 0, b)
		}
		if err != nil {
			start.Wait()
			return err
		}
	}
	if err := start.Wait(); err != nil {
		return err
	}
	if err := s.sync(ctx, active); err != nil {
		return err
	}
	for _, ws := range s.snapshot() {
		if ws.current() == nil {
			s.log.Warn("worker has no version yet: its routes answer 503 until `outpost deploy`", "worker", ws.name)
		}
	}
	s.ready.Store(true)
	go s.pollDeployments(ctx)
	go s.watchInstances(ctx)
	return nil
}

// buildDir builds ws's project directory and opens its static assets.
func (s *Server) buildDir(ws *workerState) (*project.Build, error) {
	b, err := project.Load(project.Options{Dir: ws.conf.Dir, Env: ws.conf.Env})
	if err != nil {
		return nil, fmt.Errorf("%s (worker %s): %w", s.cfg.Path, ws.name, err)
	}
	for _, w := range b.Warnings {
		s.log.Warn(w, "worker", ws.name)
	}
	return b, s.openSite(ws, b)
}

// newLimitedGroup runs as many functions at once as there are cores.
func newLimitedGroup() *errgroup.Group {
	g := new(errgroup.Group)
	g.SetLimit(goruntime.GOMAXPROCS(0))
	return g
}

// openSite serves the static assets ([assets]) of a worker's project
// directory; b is its build when there is one.
func (s *Server) openSite(ws *workerState, b *project.Build) error {
	var cfg *config.Config
	if b != nil {
		cfg = b.Config
	} else {
		var err error
		if cfg, err = config.Load(config.Options{Dir: ws.conf.Dir, Env: ws.conf.Env}); err != nil {
			return fmt.Errorf("%s (worker %s): %w", s.cfg.Path, ws.name, err)
		}
	}
	if cfg.Assets == nil || cfg.Assets.Directory == "" {
		return nil
	}
	site, err := assets.New(cfg.Assets, cfg.Main != "")
	if err != nil {
		return fmt.Errorf("%s (worker %s): %w", s.cfg.Path, ws.name, err)
	}
	s.closersMu.Lock()
	s.closers = append(s.closers, func() { site.Close() })
	s.closersMu.Unlock()
	ws.settings.Site = site
	return nil
}

// sync applies the store's active versions that differ from what runs.
func (s *Server) sync(ctx context.Context, active map[string]int) error {
	var errs []error
	names := make([]string, 0, len(active))
	for name := range active {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		v := active[name]
		ws, err := s.workerFor(name)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ws.current() != nil && ws.version() == v {
			continue
		}
		b, err := s.store.Get(ctx, name, v)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if err := s.apply(ws, v, b); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// pollDeployments picks up versions other nodes deployed or rolled back.
// Polling one small table is cheap and survives lost connections, which a
// LISTEN-based scheme would have to detect and replay.
func (s *Server) pollDeployments(ctx context.Context) {
	t := time.NewTicker(s.cfg.Deployments.Poll)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		active, err := s.store.Active(ctx)
		if err == nil {
			err = s.sync(ctx, active)
		}
		if err != nil && ctx.Err() == nil {
			s.log.Error("syncing deployments", "error", err.Error())
		}
	}
}

// Run starts the workers and the listeners and serves until ctx is done,
// then shuts down gracefully: it stops accepting, lets requests in flight
// and their waitUntil work finish (up to ShutdownTimeout) and returns.
// onReady is called with the bound addresses once traffic is accepted.
func (s *Server) Run(ctx context.Context, onReady func(addrs map[string]string)) error {
	defer s.Close()
	workCtx, stopWork := context.WithCancel(context.Background())
	defer stopWork()
	if err := s.Start(workCtx); err != nil {
		s.closeWorkers(time.Second)
		return err
	}
	type listener struct {
		name string
		ln   net.Listener
		srv  *http.Server
	}
	var lns []listener
	listen := func(name, addr string, h http.Handler) error {
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			return fmt.Errorf("%s: cannot listen on %s for %s: %w", s.cfg.Path, addr, name, err)
		}
		srv := &http.Server{Handler: h, ReadHeaderTimeout: 30 * time.Second, IdleTimeout: DefaultIdleTimeout}
		if name == "workers" {
			ln, srv = s.trafficServer(ln, h)
		}
		lns = append(lns, listener{name, ln, srv})
		return nil
	}
	err := listen("workers", s.cfg.Listen, s.Handler())
	if err == nil && s.cfg.Admin.Token != "" {
		err = listen("admin", s.cfg.Admin.Listen, s.AdminHandler())
	}
	if err == nil && s.cfg.Ops.Listen != "" {
		err = listen("ops", s.cfg.Ops.Listen, s.OpsHandler())
	}
	if h := s.node.ObjectsHandler(); err == nil && h != nil {
		err = listen("durable_objects", s.cfg.DurableObjects.Listen, h)
	}
	if err != nil {
		for _, l := range lns {
			l.ln.Close()
		}
		s.closeWorkers(time.Second)
		return err
	}
	errc := make(chan error, len(lns))
	addrs := map[string]string{}
	for _, l := range lns {
		addrs[l.name] = l.ln.Addr().String()
		go func() {
			if err := l.srv.Serve(l.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				errc <- fmt.Errorf("%s listener: %w", l.name, err)
			}
		}()
	}
	attrs := []any{}
	for _, l := range lns {
		attrs = append(attrs, l.name, addrs[l.name])
	}
	s.log.Info("serving", attrs...)
	if onReady != nil {
		onReady(addrs)
	}
	var runErr error
	select {
	case <-ctx.Done():
	case runErr = <-errc:
	}

	// Graceful shutdown: readiness fails first, then the listeners close
	// and the requests in flight finish, then waitUntil work drains.
	s.draining.Store(true)
	close(s.stopping)
	s.log.Info("shutting down", "timeout", s.cfg.ShutdownTimeout.String(), "drain_delay", s.cfg.DrainDelay.String())
	if s.cfg.DrainDelay > 0 && runErr == nil {
		time.Sleep(s.cfg.DrainDelay)
	}
	deadline := time.Now().Add(s.cfg.ShutdownTimeout)
	shutCtx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	var wg sync.WaitGroup
	for _, l := range lns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := l.srv.Shutdown(shutCtx); err != nil {
				s.log.Warn("requests still running at the shutdown deadline were cut off", "listener", l.name)
				l.srv.Close()
			}
		}()
	}
	wg.Wait()
	stopWork() // crons and polling stop; the store stays open until Close
	s.closeWorkers(time.Until(deadline))
	s.log.Info("stopped")
	return runErr
}

// closeWorkers drains every worker in parallel, sharing one deadline.
func (s *Server) closeWorkers(timeout time.Duration) {
	if timeout < 0 {
		timeout = 0
	}
	var wg sync.WaitGroup
	for _, ws := range s.snapshot() {
		w := ws.current()
		if w == nil {
			continue
		}
		wg.Add(1)
		go func() { defer wg.Done(); w.Close(timeout) }()
	}
	wg.Wait()
}
