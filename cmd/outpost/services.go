package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/outpost-dev/outpost/internal/queue/pullapi"

	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/cron"
	"github.com/outpost-dev/outpost/internal/dashboard"
	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// services are the node a dev server's workers run on (KV, the Cache API,
// cron) and the local endpoints the CLI talks to.
type services struct {
	stateDir string
	token    string // guards the CLI's endpoints on the dev server
	logger   *slog.Logger
	node     *platform.Node
	// clock is the time KV expiry, the cache and cron see: the system
	// clock, or with OUTPOST_TEST_CLOCK=manual one that only moves when
	// told to (end-to-end tests of TTLs and schedules without waiting).
	clock cron.Clock
	// pullConsumer finds a queue's HTTP pull consumer (devqueues.go).
	pullConsumer pullapi.Lookup
}

func openServices(stateDir string, cacheOn bool, logger *slog.Logger, console func(worker, level, text string), rec *dashboard.Recorder) (*services, error) {
	s := &services{stateDir: stateDir, logger: logger, clock: cron.SystemClock()}
	if os.Getenv("OUTPOST_TEST_CLOCK") == "manual" {
		s.clock = cron.NewManualClock(time.Now())
		logger.Warn("OUTPOST_TEST_CLOCK=manual: time for KV, cache and cron moves only through /cdn-cgi/outpost/clock")
	}
	if !cacheOn {
		logger.Info("Cache API off (--cache=false): cache.match always misses, fetch() is not cached")
	}
	b := make([]byte, 16)
	rand.Read(b)
	s.token = hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var subrequest func(string, *http.Request, *http.Response, error, time.Duration)
	var consoleContext func(context.Context, string, string, string)
	if rec != nil {
		print := console
		console = func(worker, level, text string) {
			print(worker, level, text)
			rec.Console(worker, level, text)
		}
		// Lines written by an invocation reach the request it serves.
		consoleContext = func(ctx context.Context, worker, level, text string) {
			print(worker, level, text)
			rec.ConsoleContext(ctx, worker, level, text)
		}
		subrequest = rec.Subrequest
	}
	node, err := platform.Open(ctx, platform.Options{
		StateDir: stateDir,
		// OUTPOST_KV_URL=postgres://… keeps KV in PostgreSQL, shared by
		// every process that points at it.
		KVURL:          os.Getenv("OUTPOST_KV_URL"),
		CacheOff:       !cacheOn,
		Clock:          s.clock,
		Logger:         logger,
		Console:        console,
		ConsoleContext: consoleContext,
		Subrequest:     subrequest,
		Events:         devEvents{logger, rec},
	})
	if err != nil {
		if os.Getenv("OUTPOST_KV_URL") != "" {
			err = fmt.Errorf("OUTPOST_KV_URL: %w", err)
		}
		return nil, err
	}
	s.node = node
	return s, nil
}

func (s *services) Close() {
	s.node.Close()
	os.Remove(filepath.Join(s.stateDir, devStateFile))
}

// devEvents logs cron runs as one line each, with outcome and duration.
type devEvents struct {
	logger *slog.Logger
	rec    *dashboard.Recorder // the dashboard's last runs; nil without it
}

func (e devEvents) Scheduled(worker, expr string, at time.Time, took time.Duration, res runtime.ScheduledResult, err error) {
	if e.rec != nil {
		e.rec.Scheduled(worker, expr, at, took, err)
	}
	took = took.Round(time.Millisecond)
	when := at.UTC().Format(time.RFC3339)
	if err != nil {
		e.logger.Error(fmt.Sprintf("cron %q at %s: %s (%s)\n%s", expr, when, runtime.OutcomeOf(err, false), took, err))
		return
	}
	outcome := "ok"
	if res.NoRetry {
		outcome = "ok (noRetry)"
	}
	e.logger.Info(fmt.Sprintf("cron %q at %s: %s (%s)", expr, when, outcome, took))
}

// devStateFile tells the CLI where the running dev server is.
const devStateFile = "dev-server.json"

type devState struct {
	URL   string `json:"url"`
	PID   int    `json:"pid"`
	Token string `json:"token"`
}

func (s *services) writeDevState(url string) error {
	b, _ := json.MarshalIndent(devState{URL: url, PID: os.Getpid(), Token: s.token}, "", "  ")
	return os.WriteFile(filepath.Join(s.stateDir, devStateFile), b, 0o600)
}

// devEndpoints serves the endpoints Outpost adds in front of the worker.
func (s *services) devEndpoints(dev *devWorker, testScheduled bool) func(w http.ResponseWriter, r *http.Request) bool {
	return func(w http.ResponseWriter, r *http.Request) bool {
		p := r.URL.Path
		switch {
		case testScheduled && (p == "/__scheduled" || p == "/cdn-cgi/handler/scheduled" || p == "/cdn-cgi/mf/scheduled"):
			s.serveScheduled(w, r, dev)
			return true
		case strings.HasPrefix(p, "/cdn-cgi/outpost/"):
			if r.Header.Get("Authorization") != "Bearer "+s.token {
				http.Error(w, "missing or wrong token: use the outpost CLI in the project directory", http.StatusUnauthorized)
				return true
			}
			switch p {
			case "/cdn-cgi/outpost/scheduled":
				s.serveScheduled(w, r, dev)
			case "/cdn-cgi/outpost/cache/purge":
				s.servePurge(w, r)
			case "/cdn-cgi/outpost/clock":
				s.serveClock(w, r)
			default:
				if strings.HasPrefix(p, "/cdn-cgi/outpost/client/v4/") && s.pullConsumer != nil {
					http.StripPrefix("/cdn-cgi/outpost", pullapi.Handler(s.node.Queues(), s.pullConsumer)).ServeHTTP(w, r)
					return true
				}
				http.NotFound(w, r)
			}
			return true
		}
		return false
	}
}

// serveScheduled fires a scheduled event: ?cron=EXPR&time=MILLIS, as
// wrangler's /__scheduled and Miniflare's /cdn-cgi/handler/scheduled do.
func (s *services) serveScheduled(w http.ResponseWriter, r *http.Request, dev *devWorker) {
	q := r.URL.Query()
	cron := q.Get("cron")
	when := time.Now()
	if t := q.Get("time"); t != "" {
		ms, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			http.Error(w, "time must be milliseconds since the epoch", http.StatusBadRequest)
			return
		}
		when = time.UnixMilli(ms)
	}
	res, err := s.node.RunScheduled(r.Context(), dev.name, dev.current(), cron, when)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if res.NoRetry {
		fmt.Fprintln(w, "ok (noRetry)")
		return
	}
	fmt.Fprintln(w, "ok")
}

// serveClock advances the manual clock (OUTPOST_TEST_CLOCK=manual):
// POST /cdn-cgi/outpost/clock?advance=90s.
func (s *services) serveClock(w http.ResponseWriter, r *http.Request) {
	mc, ok := s.clock.(*cron.ManualClock)
	if !ok {
		http.Error(w, "the clock is not manual: start outpost dev with OUTPOST_TEST_CLOCK=manual", http.StatusConflict)
		return
	}
	if a := r.URL.Query().Get("advance"); a != "" {
		d, err := time.ParseDuration(a)
		if err != nil || d < 0 {
			http.Error(w, "advance must be a positive duration such as 90s", http.StatusBadRequest)
			return
		}
		mc.Advance(d)
	}
	fmt.Fprintln(w, mc.Now().UTC().Format(time.RFC3339Nano))
}

func (s *services) servePurge(w http.ResponseWriter, r *http.Request) {
	var p purgeRequest
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		http.Error(w, "bad purge request: "+err.Error(), http.StatusBadRequest)
		return
	}
	n, err := s.node.Cache().Purge(cache.Purge{URLs: p.URLs, Prefixes: p.Prefixes, Tags: p.Tags, All: p.All})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.logger.Info(fmt.Sprintf("cache purge: %d entries removed", n))
	fmt.Fprintf(w, "purged %d cache entries\n", n)
}
