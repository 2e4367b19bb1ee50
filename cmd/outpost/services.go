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

	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/cron"
	"github.com/outpost-dev/outpost/internal/kv"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// services are the stateful parts around a dev server's worker: KV, the
// Cache API, cron, and the local endpoints the CLI talks to.
type services struct {
	stateDir string
	token    string // guards the CLI's endpoints on the dev server
	logger   *slog.Logger
	closers  []func()
	cache    *cache.Store
	kv       *kv.KV
	kvWhere  string
	// clock is the time KV expiry, the cache and cron see: the system
	// clock, or with OUTPOST_TEST_CLOCK=manual one that only moves when
	// told to (end-to-end tests of TTLs and schedules without waiting).
	clock cron.Clock
}

func openServices(stateDir string, host *runtime.Host, logger *slog.Logger) (*services, error) {
	s := &services{stateDir: stateDir, logger: logger, clock: cron.SystemClock()}
	if os.Getenv("OUTPOST_TEST_CLOCK") == "manual" {
		s.clock = cron.NewManualClock(time.Now())
		logger.Warn("OUTPOST_TEST_CLOCK=manual: time for KV, cache and cron moves only through /cdn-cgi/outpost/clock")
	}
	b := make([]byte, 16)
	rand.Read(b)
	s.token = hex.EncodeToString(b)
	if err := s.openStores(host); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

func (s *services) Close() {
	for i := len(s.closers) - 1; i >= 0; i-- {
		s.closers[i]()
	}
	os.Remove(filepath.Join(s.stateDir, devStateFile))
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
func (s *services) devEndpoints(dev *devServer, testScheduled bool) func(w http.ResponseWriter, r *http.Request) bool {
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
				http.NotFound(w, r)
			}
			return true
		}
		return false
	}
}

// serveScheduled fires a scheduled event: ?cron=EXPR&time=MILLIS, as
// wrangler's /__scheduled and Miniflare's /cdn-cgi/handler/scheduled do.
func (s *services) serveScheduled(w http.ResponseWriter, r *http.Request, dev *devServer) {
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
	start := time.Now()
	res, err := dev.current().Scheduled(r.Context(), cron, when)
	took := time.Since(start).Round(time.Millisecond)
	if err != nil {
		s.logger.Error(fmt.Sprintf("scheduled %q: exception (%s)\n%s", cron, took, err))
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.logger.Info(fmt.Sprintf("scheduled %q: ok (%s)", cron, took))
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if res.NoRetry {
		fmt.Fprintln(w, "ok (noRetry)")
		return
	}
	fmt.Fprintln(w, "ok")
}

// startCrons fires the worker's cron triggers on schedule, which wrangler
// dev never does. One log line per run with its outcome and duration.
func (s *services) startCrons(ctx context.Context, dev *devServer, name string, crons []string) error {
	if len(crons) == 0 {
		return nil
	}
	sched, err := cron.New(cron.Options{
		Worker: name,
		Crons:  crons,
		Clock:  s.clock,
		Logger: s.logger,
		Fire: func(ctx context.Context, expr string, at time.Time) error {
			start := time.Now()
			res, err := dev.current().Scheduled(ctx, expr, at)
			took := time.Since(start).Round(time.Millisecond)
			if err != nil {
				s.logger.Error(fmt.Sprintf("cron %q at %s: exception (%s)\n%s", expr, at.UTC().Format(time.RFC3339), took, err))
				return nil
			}
			outcome := "ok"
			if res.NoRetry {
				outcome = "ok (noRetry)"
			}
			s.logger.Info(fmt.Sprintf("cron %q at %s: %s (%s)", expr, at.UTC().Format(time.RFC3339), outcome, took))
			return nil
		},
	})
	if err != nil {
		return err
	}
	go sched.Run(ctx)
	return nil
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
