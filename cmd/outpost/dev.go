package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"sort"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/outpost-dev/outpost/internal/assets"
	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/dap"
	"github.com/outpost-dev/outpost/internal/dashboard"
	"github.com/outpost-dev/outpost/internal/httpcompress"
	"github.com/outpost-dev/outpost/internal/inspector"
	"github.com/outpost-dev/outpost/internal/logging"
	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/project"
	"github.com/outpost-dev/outpost/internal/runtime"
	"github.com/outpost-dev/outpost/internal/server"
)

const devUsage = `Usage: outpost dev [DIR] [flags]

Runs the Workers project in DIR (default: the current directory) on a local
HTTP server, with state kept in DIR/.outpost/state, and reloads it when a
source file changes. With several -c/--config files, every worker runs in
this one process: the first serves HTTP, the others are reached through
service bindings (as wrangler dev -c a -c b does).

Flags:
`

type devFlags struct {
	port          int
	ip            string
	env           string
	vars          multiFlag
	persistTo     string
	origin        string
	configs       multiFlag
	testScheduled bool
	crons         bool
	cache         bool
	compress      bool
	host          string
	localUpstream string
	inspect       inspectFlag
	noDashboard   bool
}

func runDev(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	var f devFlags
	fs := newFlagSet("outpost dev", devUsage, stderr)
	fs.IntVar(&f.port, "port", 0, "port to listen on (default: [dev] port, else 8787)")
	fs.StringVar(&f.ip, "ip", "", "address to listen on (default: [dev] ip, else localhost)")
	fs.StringVar(&f.env, "env", "", "environment from the config's [env.NAME] to use")
	fs.Var(&f.vars, "var", "a var to add or override, as KEY:VALUE (repeatable)")
	fs.StringVar(&f.persistTo, "persist-to", "", "directory for KV and cache state (default DIR/.outpost/state)")
	fs.StringVar(&f.origin, "origin", "", "origin URL for pass-through and same-host fetch() (default: config `origin`)")
	fs.Var(&f.configs, "config", "config file (default: wrangler.json, wrangler.jsonc or wrangler.toml in DIR); repeat for more workers")
	fs.Var(&f.configs, "c", "short for --config")
	fs.BoolVar(&f.testScheduled, "test-scheduled", false, "expose /__scheduled and /cdn-cgi/handler/scheduled to fire scheduled events")
	fs.BoolVar(&f.crons, "crons", true, "fire [triggers] crons on schedule")
	fs.BoolVar(&f.cache, "cache", true, "Cache API and fetch() caching; false makes caches no-ops that always miss")
	fs.BoolVar(&f.compress, "compress", true, "compress compressible responses for clients that accept gzip or brotli, as Cloudflare does; false when a proxy in front compresses")
	fs.StringVar(&f.host, "host", "", "the host request.url carries (default: [dev] host, else the first route's host)")
	fs.StringVar(&f.localUpstream, "local-upstream", "", "the host request.url carries; wins over --host")
	fs.Var(&f.inspect, "inspect", "debug the workers: --inspect or --inspect=PORT (default 9229) serves the Debug Adapter Protocol and the WebKit Inspector protocol on 127.0.0.1")
	fs.BoolVar(&f.noDashboard, "no-dashboard", false, "do not serve the local explorer at "+dashboard.Path)
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	platform.Warm()
	dir, script := ".", ""
	if len(pos) > 1 {
		fs.Usage()
		return errUsage
	}
	if len(pos) == 1 {
		// outpost dev src/index.ts takes the entry script, as wrangler dev
		// SCRIPT does; outpost dev DIR the project directory.
		if st, err := os.Stat(pos[0]); err == nil && !st.IsDir() {
			script = pos[0]
		} else {
			dir = pos[0]
		}
	}
	vars := map[string]string{}
	for _, v := range f.vars {
		k, val, err := project.ParseVar(v)
		if err != nil {
			return err
		}
		vars[k] = val
	}
	// As wrangler dev: NODE_ENV is "development" unless the shell sets it.
	nodeEnv := os.Getenv("NODE_ENV")
	if nodeEnv == "" {
		nodeEnv = "development"
	}
	configs := []string(f.configs)
	if len(configs) == 0 {
		configs = []string{""}
	}
	var projects []project.Options
	for i, c := range configs {
		o := project.Options{Dir: dir, ConfigPath: c, Env: f.env, Vars: vars, NodeEnv: nodeEnv}
		if i == 0 {
			o.Script = script
		}
		projects = append(projects, o)
	}

	// One batched writer for log lines and console output: order is kept,
	// and a busy server writes once per batch rather than once per request.
	out := logging.NewBatchWriter(stdout, 20*time.Millisecond)
	defer out.Flush()
	logger := slog.New(logging.NewDev(out, slog.LevelInfo))
	console := logging.NewConsole(out)

	builds := make([]*project.Build, len(projects))
	for i, o := range projects {
		b, err := project.Load(o)
		if err != nil {
			return err
		}
		for _, w := range b.Warnings {
			logger.Warn(w)
		}
		for _, prev := range builds[:i] {
			if prev.Name() == b.Name() {
				return fmt.Errorf("%s and %s both name a worker %q: each worker needs its own name", prev.Config.Path, b.Config.Path, b.Name())
			}
		}
		if err := oneConsumerPerQueue(builds[:i], b); err != nil {
			return err
		}
		builds[i] = b
	}
	cfg := builds[0].Config
	ip := firstNonEmpty(f.ip, cfg.Dev.IP, "localhost")
	port := f.port
	if port == 0 {
		port = cfg.Dev.Port
	}
	if port == 0 {
		port = 8787
	}
	originStr := firstNonEmpty(f.origin, cfg.Origin)
	var origin *url.URL
	if originStr != "" {
		origin, err = url.Parse(originStr)
		if err != nil || origin.Host == "" || (origin.Scheme != "http" && origin.Scheme != "https") {
			return fmt.Errorf("origin %q: expected an http(s) URL such as http://127.0.0.1:8080", originStr)
		}
	}
	stateDir, err := project.StateDir(cfg.Dir, f.persistTo)
	if err != nil {
		return err
	}

	ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		return fmt.Errorf("cannot listen on %s:%d: %w (is another server using it? try --port)", ip, port, err)
	}
	addr := ln.Addr().(*net.TCPAddr)
	selfHosts := []string{
		net.JoinHostPort(ip, strconv.Itoa(addr.Port)),
		net.JoinHostPort("localhost", strconv.Itoa(addr.Port)),
		net.JoinHostPort("127.0.0.1", strconv.Itoa(addr.Port)),
		net.JoinHostPort("::1", strconv.Itoa(addr.Port)),
	}
	for _, r := range cfg.Routes {
		if h := routeHost(r.Pattern); h != "" {
			selfHosts = append(selfHosts, h)
		}
	}
	consolePrint, adapter := console.Print, (*dap.Server)(nil)
	if f.inspect.on {
		adapter = &dap.Server{}
		consolePrint = teeConsole(console.Print, adapter)
	}
	// The dashboard's request log records every request, console line
	// and subrequest; --no-dashboard leaves it out.
	var rec *dashboard.Recorder
	if !f.noDashboard {
		rec = dashboard.NewRecorder(500)
	}
	services, err := openServices(stateDir, f.cache, logger, consolePrint, rec)
	if err != nil {
		ln.Close()
		return err
	}
	defer services.Close()

	var hub *inspector.Hub
	if f.inspect.on {
		if hub = startInspection(logger); hub != nil {
			defer hub.Close()
		}
	}
	dev := &devServer{node: services.node, logger: logger}
	services.pullConsumer = dev.pullConsumer
	defer dev.closeSites()
	for i, b := range builds {
		s := &platform.Settings{Name: b.Name(), Secrets: b.Secrets, Vars: b.Vars}
		if i == 0 {
			s.Origin, s.SelfHosts = origin, selfHosts
		}
		dw, err := dev.start(projects[i], b, s)
		if err != nil {
			ln.Close()
			return err
		}
		dev.workers = append(dev.workers, dw)
	}
	primary := dev.workers[0]
	debuggerAddr := ""
	if hub != nil {
		isrv, err := serveInspection(hub, adapter, f.inspect.port, dev, logger)
		if err != nil {
			ln.Close()
			return err
		}
		defer isrv.Close()
		debuggerAddr = isrv.Addr().String()
	}

	handler := &server.Handler{
		Target:   func() (server.Target, error) { return primary.current(), nil },
		Origin:   origin,
		Dev:      true,
		Logger:   logger,
		Upstream: upstream(f, cfg),
		Compress: f.compress,
	}
	handler.Extra = services.devEndpoints(primary, f.testScheduled)
	if primary.site != nil {
		// Static assets answer before the worker, as on Cloudflare.
		endpoints := handler.Extra
		handler.Extra = func(w http.ResponseWriter, r *http.Request) bool {
			if endpoints(w, r) {
				return true
			}
			start := time.Now()
			cw := httpcompress.Wrap(w, r, f.compress)
			status := primary.currentSite().ServeBeforeWorker(cw, r)
			cw.Close()
			if status != 0 {
				logger.Info(fmt.Sprintf("%s %s %d %s (%s) (asset)", r.Method, r.URL.RequestURI(), status, http.StatusText(status), time.Since(start).Round(time.Microsecond)))
				if rec != nil {
					rec.MarkAsset(r.Context())
				}
			}
			return status != 0
		}
	}
	var root http.Handler = handler
	if rec != nil {
		dash, err := dev.dashboard(rec, stateDir, services.node)
		if err != nil {
			ln.Close()
			return err
		}
		handler.Failed = func(r *http.Request, outcome runtime.Outcome, err error) { rec.Finish(r.Context(), outcome, err) }
		endpoints := handler.Extra
		handler.Extra = func(w http.ResponseWriter, r *http.Request) bool {
			if r.URL.Path == dashboard.Path || strings.HasPrefix(r.URL.Path, dashboard.Path+"/") {
				dash.ServeHTTP(w, r)
				return true
			}
			return endpoints(w, r)
		}
		root = rec.Wrap(primary.name, handler)
	}
	srv := &http.Server{Handler: root, ReadHeaderTimeout: 30 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	dev.queues = newDevQueues(ctx, services.node)
	if err := dev.watch(ctx); err != nil {
		logger.Warn("file watching is off: " + err.Error())
	}
	if f.crons {
		for _, dw := range dev.workers {
			if err := services.node.StartCrons(ctx, dw.name, dw.build().Config.Crons, dw.current); err != nil {
				return err
			}
		}
	}
	// Queue consumers run on whatever version of their worker is current;
	// a reload that changes them restarts them.
	for _, dw := range dev.workers {
		dev.queues.apply(dw)
	}
	if err := services.writeDevState(fmt.Sprintf("http://%s", net.JoinHostPort(ip, strconv.Itoa(addr.Port)))); err != nil {
		logger.Warn("cannot write " + devStateFile + ": " + err.Error())
	}
	shownHost := ip
	if strings.Contains(shownHost, ":") {
		shownHost = "[" + shownHost + "]"
	}
	baseURL := fmt.Sprintf("http://%s:%d", shownHost, addr.Port)
	explorerURL := ""
	if rec != nil {
		explorerURL = baseURL + dashboard.Path
	}
	dev.banner(out, stateDir, services.node.KVWhere())
	logger.Info(fmt.Sprintf("⎔ Ready on %s (%s, built in %s)", baseURL, primary.name, builds[0].Took.Round(time.Millisecond)))
	for _, dw := range dev.workers[1:] {
		logger.Info(fmt.Sprintf("⎔ Also running %s (service bindings reach it)", dw.name))
	}
	if explorerURL != "" {
		logger.Info("⎔ Explorer on " + explorerURL)
	}
	// Keys only from a terminal in the foreground: CI has no stdin, and a
	// pipe is not for us to read.
	keys := &devKeys{out: out, url: baseURL, explorer: explorerURL, debugger: debuggerAddr, stop: stop}
	if tty, ok := stdin.(*os.File); ok {
		if restore, ok := keys.start(ctx, tty); ok {
			defer restore()
			fmt.Fprintln(out, keys.hint())
		}
	}
	for _, b := range builds {
		warnUnappliedD1(ctx, logger, services.node.D1(), b.Config)
	}
	for _, b := range builds {
		if len(b.Bundle.R2Buckets) > 0 {
			logger.Info("R2 buckets in " + services.node.R2().Where())
			break
		}
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	// Bundling leaves garbage on the Go heap: it goes back to the system
	// before idling, but after the first requests rather than before them.
	time.AfterFunc(250*time.Millisecond, debug.FreeOSMemory)
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(shutCtx)
	for _, dw := range dev.workers {
		dw.current().Close(5 * time.Second)
	}
	return nil
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}

// upstream is the scheme and host request.url carries under outpost dev:
// --local-upstream, --host, [dev] host, else the host of the first route
// without a wildcard; "" keeps the dev server's own address.
func upstream(f devFlags, cfg *config.Config) string {
	host := firstNonEmpty(f.localUpstream, f.host, cfg.Dev.Host)
	for _, r := range cfg.Routes {
		if host != "" {
			break
		}
		host = routeHost(r.Pattern)
	}
	if host == "" {
		return ""
	}
	return firstNonEmpty(cfg.Dev.UpstreamProtocol, "http") + "://" + host
}

// routeHost is the host part of a route pattern like "example.com/*".
func routeHost(pattern string) string {
	p := strings.TrimPrefix(strings.TrimPrefix(pattern, "https://"), "http://")
	if i := strings.IndexByte(p, '/'); i >= 0 {
		p = p[:i]
	}
	if strings.Contains(p, "*") {
		return ""
	}
	return p
}

// devServer holds the workers of one `outpost dev`: each is rebuilt and
// swapped when one of its inputs changes.
type devServer struct {
	node    *platform.Node
	logger  *slog.Logger
	workers []*devWorker
	watcher *fsnotify.Watcher
	watched map[string]bool
	queues  *devQueues // devqueues.go
}

// banner lists each worker's bindings and where the state lives, before
// the Ready line, as wrangler dev does.
func (d *devServer) banner(out io.Writer, stateDir, kvWhere string) {
	var b strings.Builder
	for _, dw := range d.workers {
		bs := dashboard.Bindings(d.dashboardWorker(dw))
		if len(bs) == 0 {
			fmt.Fprintf(&b, "%s has no bindings.\n", dw.name)
			continue
		}
		fmt.Fprintf(&b, "%s has access to the following bindings:\n", dw.name)
		width := 0
		for _, x := range bs {
			width = max(width, len("env.")+len(x.Name))
		}
		for _, x := range bs {
			fmt.Fprintf(&b, "  %-*s  %-22s  %s\n", width, "env."+x.Name, x.Type, x.What)
		}
	}
	fmt.Fprintf(&b, "State in %s", stateDir)
	if !strings.HasPrefix(kvWhere, stateDir) {
		fmt.Fprintf(&b, " (KV in %s)", kvWhere)
	}
	fmt.Fprintln(&b)
	io.WriteString(out, b.String())
}

func (d *devServer) dashboardWorker(dw *devWorker) dashboard.Worker {
	b := dw.build()
	var secrets []string
	for k := range b.Secrets {
		secrets = append(secrets, k)
	}
	sort.Strings(secrets)
	return dashboard.Worker{Name: dw.name, Bundle: b.Bundle, Secrets: secrets, Current: dw.current}
}

// dashboard builds the local explorer over the dev server's workers.
func (d *devServer) dashboard(rec *dashboard.Recorder, stateDir string, node *platform.Node) (*dashboard.Dashboard, error) {
	return dashboard.New(dashboard.Options{
		Node:     node,
		Recorder: rec,
		StateDir: stateDir,
		Workers: func() []dashboard.Worker {
			var out []dashboard.Worker
			for _, dw := range d.workers {
				out = append(out, d.dashboardWorker(dw))
			}
			return out
		},
	})
}

// devWorker is one project of the dev server.
type devWorker struct {
	name     string
	opts     project.Options
	settings *platform.Settings
	host     *runtime.Host

	mu     sync.Mutex
	b      *project.Build
	worker *runtime.Worker
	site   *assets.Site
}

func (d *devWorker) current() *runtime.Worker {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.worker
}

func (d *devWorker) currentSite() *assets.Site {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.site
}

func (d *devWorker) build() *project.Build {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.b
}

// start runs the first build of a project and registers it with the node.
func (d *devServer) start(o project.Options, b *project.Build, s *platform.Settings) (*devWorker, error) {
	site, err := b.Site()
	if err != nil {
		return nil, err
	}
	s.Site = site
	dw := &devWorker{name: b.Name(), opts: o, settings: s, host: d.node.Host(s), b: b, site: site}
	rc, err := d.node.Config(b.Bundle, s, dw.host)
	if err == nil {
		dw.worker, err = runtime.NewWorker(rc, 1)
	}
	if err != nil {
		if site != nil {
			site.Close()
		}
		return nil, err
	}
	d.node.Register(dw.name, dw.current)
	return dw, nil
}

func (d *devServer) closeSites() {
	for _, dw := range d.workers {
		if s := dw.currentSite(); s != nil {
			s.Close()
		}
	}
}

// reload rebuilds a project and swaps the new version in; on failure the
// last good version keeps serving and the error is printed.
func (d *devServer) reload(dw *devWorker) {
	start := time.Now()
	// The new version's VM and prelude are made while the project is
	// bundled again; it adopts them (a spare made here and not adopted,
	// because the build failed, waits for the next reload).
	platform.Warm()
	b, err := project.Load(dw.opts)
	var site *assets.Site
	if err == nil && b.Name() != dw.name {
		err = fmt.Errorf("the worker's name changed from %q to %q: restart outpost dev to rename it", dw.name, b.Name())
	}
	if err == nil {
		site, err = b.Site()
	}
	if err == nil {
		s := *dw.settings
		s.Secrets, s.Site = b.Secrets, site
		var rc *runtime.Config
		if rc, err = d.node.Config(b.Bundle, &s, dw.host); err == nil {
			err = dw.current().Swap(rc)
		}
	}
	if err != nil {
		if site != nil {
			site.Close()
		}
		d.logger.Error("reload failed, still serving the last good version:\n" + err.Error())
		return
	}
	dw.mu.Lock()
	old := dw.site
	dw.b, dw.site = b, site
	dw.mu.Unlock()
	if old != nil {
		old.Close()
	}
	for _, w := range b.Warnings {
		d.logger.Warn(w)
	}
	if d.queues != nil {
		d.queues.apply(dw)
	}
	d.addWatches(b.Inputs)
	what := ""
	if len(d.workers) > 1 {
		what = " " + dw.name
	}
	d.logger.Info(fmt.Sprintf("⎔ Reloaded%s in %s", what, time.Since(start).Round(time.Millisecond)))
}

// watch reloads a worker when one of its inputs changes (debounced).
func (d *devServer) watch(ctx context.Context) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	d.watcher = w
	d.watched = map[string]bool{}
	for _, dw := range d.workers {
		b := dw.build()
		d.addWatches(append(b.Inputs, filepath.Join(b.Config.Dir, "x")))
	}
	go func() {
		defer w.Close()
		var timer *time.Timer
		fire := make(chan struct{}, 1)
		var mu sync.Mutex
		changed := map[string]bool{}
		for {
			select {
			case <-ctx.Done():
				return
			case ev, ok := <-w.Events:
				if !ok {
					return
				}
				if ev.Op == fsnotify.Chmod || ignoredPath(ev.Name) {
					continue
				}
				mu.Lock()
				changed[ev.Name] = true
				mu.Unlock()
				if timer != nil {
					timer.Stop()
				}
				timer = time.AfterFunc(100*time.Millisecond, func() {
					select {
					case fire <- struct{}{}:
					default:
					}
				})
			case <-fire:
				mu.Lock()
				files := changed
				changed = map[string]bool{}
				mu.Unlock()
				for _, dw := range d.workers {
					if dw.touchedBy(files) {
						d.reload(dw)
					}
				}
			case err, ok := <-w.Errors:
				if !ok {
					return
				}
				d.logger.Warn("file watcher: " + err.Error())
			}
		}
	}()
	return nil
}

// touchedBy reports whether a change to one of files concerns the worker:
// one of its inputs, a new file beside its sources, or the project's
// package manifest or lockfile. Other files in the project directory (a
// log the server itself writes there, a database) do not.
func (d *devWorker) touchedBy(files map[string]bool) bool {
	b := d.build()
	inputDirs := map[string]bool{}
	for _, in := range b.Inputs {
		if files[in] {
			return true
		}
		inputDirs[filepath.Dir(in)] = true
	}
	for f := range files {
		dir := filepath.Dir(f)
		if dir == b.Config.Dir {
			if packageFiles[filepath.Base(f)] {
				return true
			}
			continue
		}
		if inputDirs[dir] {
			return true
		}
	}
	return false
}

// packageFiles change when the project's packages are (re)installed.
var packageFiles = map[string]bool{
	"package.json": true, "package-lock.json": true, "npm-shrinkwrap.json": true,
	"yarn.lock": true, "pnpm-lock.yaml": true, "bun.lock": true, "bun.lockb": true,
}

func ignoredPath(p string) bool {
	base := filepath.Base(p)
	return strings.HasPrefix(base, ".#") || strings.HasSuffix(base, "~") || strings.HasSuffix(base, ".swp") ||
		strings.Contains(p, string(filepath.Separator)+".outpost"+string(filepath.Separator)) ||
		strings.Contains(p, string(filepath.Separator)+".git"+string(filepath.Separator))
}

// addWatches watches the directories of the inputs that are not in
// node_modules (packages change by reinstalling, which touches the
// lockfile in the project directory).
func (d *devServer) addWatches(inputs []string) {
	if d.watcher == nil {
		return
	}
	for _, in := range inputs {
		dir := filepath.Dir(in)
		if strings.Contains(dir, "node_modules") || d.watched[dir] {
			continue
		}
		if err := d.watcher.Add(dir); err != nil && !errors.Is(err, os.ErrNotExist) {
			d.logger.Warn("cannot watch " + dir + ": " + err.Error())
			continue
		}
		d.watched[dir] = true
	}
}
