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
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/fsnotify/fsnotify"

	"github.com/outpost-dev/outpost/internal/assets"
	"github.com/outpost-dev/outpost/internal/logging"
	"github.com/outpost-dev/outpost/internal/project"
	"github.com/outpost-dev/outpost/internal/runtime"
	"github.com/outpost-dev/outpost/internal/server"
)

const devUsage = `Usage: outpost dev [DIR] [flags]

Runs the Workers project in DIR (default: the current directory) on a local
HTTP server, with state kept in DIR/.outpost/state, and reloads it when a
source file changes.

Flags:
`

type devFlags struct {
	port          int
	ip            string
	env           string
	vars          multiFlag
	persistTo     string
	origin        string
	configPath    string
	testScheduled bool
	crons         bool
	cache         bool
}

func runDev(args []string, stdout, stderr io.Writer) error {
	var f devFlags
	fs := newFlagSet("outpost dev", devUsage, stderr)
	fs.IntVar(&f.port, "port", 0, "port to listen on (default: [dev] port, else 8787)")
	fs.StringVar(&f.ip, "ip", "", "address to listen on (default: [dev] ip, else localhost)")
	fs.StringVar(&f.env, "env", "", "environment from the config's [env.NAME] to use")
	fs.Var(&f.vars, "var", "a var to add or override, as KEY:VALUE (repeatable)")
	fs.StringVar(&f.persistTo, "persist-to", "", "directory for KV and cache state (default DIR/.outpost/state)")
	fs.StringVar(&f.origin, "origin", "", "origin URL for pass-through and same-host fetch() (default: config `origin`)")
	fs.StringVar(&f.configPath, "config", "", "config file (default: wrangler.json, wrangler.jsonc or wrangler.toml in DIR)")
	fs.BoolVar(&f.testScheduled, "test-scheduled", false, "expose /__scheduled and /cdn-cgi/handler/scheduled to fire scheduled events")
	fs.BoolVar(&f.crons, "crons", true, "fire [triggers] crons on schedule")
	fs.BoolVar(&f.cache, "cache", true, "Cache API and fetch() caching; false makes caches no-ops that always miss")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	dir := "."
	if len(pos) > 1 {
		fs.Usage()
		return errUsage
	}
	if len(pos) == 1 {
		dir = pos[0]
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
	opts := project.Options{Dir: dir, ConfigPath: f.configPath, Env: f.env, Vars: vars, NodeEnv: nodeEnv}

	// One batched writer for log lines and console output: order is kept,
	// and a busy server writes once per batch rather than once per request.
	out := logging.NewBatchWriter(stdout, 20*time.Millisecond)
	defer out.Flush()
	logger := slog.New(logging.NewDev(out, slog.LevelInfo))
	console := logging.NewConsole(out)

	b, err := project.Load(opts)
	if err != nil {
		return err
	}
	for _, w := range b.Warnings {
		logger.Warn(w)
	}
	cfg := b.Config
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
	host := &runtime.Host{
		Logger:  logger,
		Console: console.Print,
		Fetch:   &runtime.Fetcher{Origin: origin, SelfHosts: selfHosts},
	}
	services, err := openServices(stateDir, host, logger)
	if err != nil {
		return err
	}
	defer services.Close()
	services.useCache(host, f.cache)
	var site *assets.Site
	if cfg.Assets != nil && cfg.Assets.Directory != "" {
		if site, err = assets.New(cfg.Assets, cfg.Main != ""); err != nil {
			return err
		}
		defer site.Close()
		host.Extensions = append(host.Extensions, site.Extension())
	}

	b.Runtime.Host = host
	worker, err := runtime.NewWorker(b.Runtime, 1)
	if err != nil {
		ln.Close()
		return err
	}
	dev := &devServer{worker: worker, opts: opts, host: host, logger: logger}

	handler := &server.Handler{
		Target: dev.target,
		Origin: origin,
		Dev:    true,
		Logger: logger,
	}
	handler.Extra = services.devEndpoints(dev, f.testScheduled)
	if site != nil {
		// Static assets answer before the worker, as on Cloudflare.
		endpoints := handler.Extra
		handler.Extra = func(w http.ResponseWriter, r *http.Request) bool {
			if endpoints(w, r) {
				return true
			}
			start := time.Now()
			status := site.ServeBeforeWorker(w, r)
			if status != 0 {
				logger.Info(fmt.Sprintf("%s %s %d %s (%s) (asset)", r.Method, r.URL.RequestURI(), status, http.StatusText(status), time.Since(start).Round(time.Microsecond)))
			}
			return status != 0
		}
	}
	srv := &http.Server{Handler: handler, ReadHeaderTimeout: 30 * time.Second}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := dev.watch(ctx, b.Inputs, cfg.Dir); err != nil {
		logger.Warn("file watching is off: " + err.Error())
	}
	go services.kv.StartSweeper(ctx, time.Minute, logger)
	if f.crons {
		if err := services.startCrons(ctx, dev, cfg.Name, cfg.Crons); err != nil {
			return err
		}
	}
	if err := services.writeDevState(fmt.Sprintf("http://%s", net.JoinHostPort(ip, strconv.Itoa(addr.Port)))); err != nil {
		logger.Warn("cannot write " + devStateFile + ": " + err.Error())
	}
	shownHost := ip
	if strings.Contains(shownHost, ":") {
		shownHost = "[" + shownHost + "]"
	}
	logger.Info(fmt.Sprintf("⎔ Ready on http://%s:%d (%s, built in %s)", shownHost, addr.Port, cfg.Name, b.Took.Round(time.Millisecond)))
	if len(cfg.KVNamespaces) > 0 {
		logger.Info("KV in " + services.kvWhere)
	}
	// Bundling leaves garbage on the Go heap; give it back before idling.
	debug.FreeOSMemory()
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	logger.Info("shutting down")
	shutCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	srv.Shutdown(shutCtx)
	dev.current().Close(5 * time.Second)
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

// devServer holds the running version of the project and swaps in new ones.
type devServer struct {
	mu      sync.Mutex
	worker  *runtime.Worker
	opts    project.Options
	host    *runtime.Host
	logger  *slog.Logger
	watcher *fsnotify.Watcher
	watched map[string]bool
}

func (d *devServer) current() *runtime.Worker {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.worker
}

func (d *devServer) target() (server.Target, error) {
	return d.current(), nil
}

// reload rebuilds the project and swaps the new version in; on failure the
// last good version keeps serving and the error is printed.
func (d *devServer) reload() {
	start := time.Now()
	b, err := project.Load(d.opts)
	if err == nil {
		b.Runtime.Host = d.host
		err = d.current().Swap(b.Runtime)
	}
	if err != nil {
		d.logger.Error("reload failed, still serving the last good version:\n" + err.Error())
		return
	}
	for _, w := range b.Warnings {
		d.logger.Warn(w)
	}
	d.addWatches(b.Inputs)
	d.logger.Info(fmt.Sprintf("⎔ Reloaded in %s", time.Since(start).Round(time.Millisecond)))
}

// watch reloads when an input file changes (debounced).
func (d *devServer) watch(ctx context.Context, inputs []string, projectDir string) error {
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return err
	}
	d.watcher = w
	d.watched = map[string]bool{}
	d.addWatches(append(inputs, filepath.Join(projectDir, "x")))
	go func() {
		defer w.Close()
		var timer *time.Timer
		fire := make(chan struct{}, 1)
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
				d.reload()
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
