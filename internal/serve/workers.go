package serve

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// workerState is one worker of the server: its configuration, the host
// its instances share, and the version it runs now.
type workerState struct {
	name     string
	conf     *WorkerConfig
	settings *platform.Settings
	host     *runtime.Host
	bundle   *platform.Bundle // the running version's (the explorer shows its bindings)

	applyMu  sync.Mutex // serialises version changes
	mu       sync.Mutex
	w        *runtime.Worker
	ver      int
	hash     string
	crons    []string
	stopCron context.CancelFunc
	// consumers are the queues the running version consumes (queues.go).
	consumers     []platform.QueueConsumer
	stopConsumers context.CancelFunc

	heapBytes atomic.Int64
	checking  atomic.Bool
	// Used by the memory and CPU checks only, one goroutine at a time.
	checks int
	cpu    map[*runtime.Instance]*cpuSample
}

func (ws *workerState) current() *runtime.Worker {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.w
}

func (ws *workerState) version() int {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	return ws.ver
}

// newWorkerState prepares a worker; it serves nothing until a version is
// applied.
func (s *Server) newWorkerState(conf *WorkerConfig) (*workerState, error) {
	settings := &platform.Settings{Name: conf.Name, Secrets: conf.Vars, CPULimit: conf.Limits.CPU, CacheZone: conf.CacheZone}
	if conf.Origin != "" {
		u, err := url.Parse(conf.Origin)
		if err != nil {
			return nil, err
		}
		settings.Origin = u
		for _, r := range conf.Routes {
			if r.host != "" && !r.hostPrefix {
				settings.SelfHosts = append(settings.SelfHosts, r.host)
			}
		}
	}
	ws := &workerState{name: conf.Name, conf: conf, settings: settings}
	ws.host = s.node.Host(settings)
	s.node.Register(conf.Name, ws.current)
	return ws, nil
}

// console receives the workers' console output: a JSON log line and the
// live tail sessions.
func (s *Server) console(worker, level, text string) {
	l := slog.LevelInfo
	switch level {
	case "error":
		l = slog.LevelError
	case "warn":
		l = slog.LevelWarn
	case "debug":
		l = slog.LevelDebug
	}
	s.log.Log(context.Background(), l, text, "worker", worker, "source", "console")
	s.tail.publish(TailEvent{Type: "log", Worker: worker, Level: level, Message: text})
	s.rec.Console(worker, level, text)
}

// apply makes version (0: the project directory's build) of b the running
// version of ws. The new instances start before the switch; requests in
// flight finish on the old ones. On error the old version keeps serving.
func (s *Server) apply(ws *workerState, version int, b *Bundle) error {
	ws.applyMu.Lock()
	defer ws.applyMu.Unlock()
	hash := b.Hash()
	ws.mu.Lock()
	same := ws.w != nil && ws.ver == version && ws.hash == hash
	ws.mu.Unlock()
	if same {
		return nil
	}
	rc, err := s.runtimeConfig(ws, b)
	if err != nil {
		return err
	}
	start := time.Now()
	cur := ws.current()
	if ws.conf.StartOnRequest && version == 0 {
		// A build of the project directory was checked by nobody yet: its
		// script must start (deployed versions were checked at deploy).
		if err := runtime.CheckStart(rc); err != nil {
			return fmt.Errorf("worker %s v%d: %w", ws.name, version, err)
		}
	}
	if cur == nil {
		var w *runtime.Worker
		if ws.conf.StartOnRequest {
			w = runtime.NewIdleWorker(rc, ws.conf.Instances)
		} else if w, err = runtime.NewWorker(rc, ws.conf.Instances); err != nil {
			return fmt.Errorf("worker %s v%d: %w", ws.name, version, err)
		}
		w.ReleaseIdle(s.cfg.ReleaseIdleAfter)
		ws.mu.Lock()
		ws.w = w
		ws.mu.Unlock()
	} else if err := cur.Swap(rc); err != nil {
		return fmt.Errorf("worker %s v%d: %w", ws.name, version, err)
	}
	ws.mu.Lock()
	ws.ver, ws.hash, ws.bundle = version, hash, b
	ws.mu.Unlock()
	s.obs.deploys.With(ws.name).Inc()
	s.log.Info("version active", "worker", ws.name, "version", version, "sha256", hash[:12],
		"instances", ws.conf.Instances, "started", len(ws.current().Instances()), "took_ms", time.Since(start).Milliseconds())
	s.restartCrons(ws, b.Crons)
	s.restartConsumers(ws, b.QueueConsumers)
	return nil
}

// restartCrons runs the worker's cron triggers; with a shared store every
// scheduled time is claimed by one node only.
func (s *Server) restartCrons(ws *workerState, crons []string) {
	ws.mu.Lock()
	defer ws.mu.Unlock()
	if slices.Equal(ws.crons, crons) && (ws.stopCron != nil) == (len(crons) > 0) {
		return
	}
	if ws.stopCron != nil {
		ws.stopCron()
		ws.stopCron = nil
	}
	ws.crons = crons
	if len(crons) == 0 || s.runCtx == nil {
		return
	}
	ctx, cancel := context.WithCancel(s.runCtx)
	if err := s.node.StartCrons(ctx, ws.name, crons, ws.current); err != nil {
		cancel()
		s.log.Error("cron triggers are off", "worker", ws.name, "error", err.Error())
		return
	}
	ws.stopCron = cancel
}

// serveEvents logs scheduled runs as JSON lines and sends them to tail.
type serveEvents struct{ s *Server }

func (e serveEvents) Scheduled(worker, expr string, at time.Time, took time.Duration, res runtime.ScheduledResult, err error) {
	e.s.rec.Scheduled(worker, expr, at, took, err)
	outcome := runtime.OutcomeOf(err, false)
	attrs := []any{"worker", worker, "cron", expr, "scheduled_time", at.UTC().Format(time.RFC3339), "took_ms", took.Milliseconds(), "outcome", string(outcome)}
	if err != nil {
		e.s.log.Error("scheduled event failed", append(attrs, "error", err.Error())...)
		e.s.tail.publish(TailEvent{Type: "scheduled", Worker: worker, Outcome: string(outcome), Message: expr, Exception: exceptionOf(err)})
		return
	}
	e.s.log.Info("scheduled event", append(attrs, "no_retry", res.NoRetry)...)
	e.s.tail.publish(TailEvent{Type: "scheduled", Worker: worker, Outcome: string(outcome), Message: expr})
}
