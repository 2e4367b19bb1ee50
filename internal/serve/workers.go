package serve

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outpost-dev/outpost/internal/cron"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// workerState is one worker of the server: its configuration, the host
// its instances share, and the version it runs now.
type workerState struct {
	name string
	conf *WorkerConfig
	host *runtime.Host

	applyMu  sync.Mutex // serialises version changes
	mu       sync.Mutex
	w        *runtime.Worker
	ver      int
	hash     string
	crons    []string
	stopCron context.CancelFunc

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
	ws := &workerState{name: conf.Name, conf: conf}
	fetcher := &runtime.Fetcher{}
	if conf.Origin != "" {
		u, err := url.Parse(conf.Origin)
		if err != nil {
			return nil, err
		}
		fetcher.Origin = u
		for _, r := range conf.Routes {
			if r.host != "" && !r.hostPrefix {
				fetcher.SelfHosts = append(fetcher.SelfHosts, r.host)
			}
		}
	}
	fetcher.Client = &http.Client{Transport: &countingTransport{
		next:  s.subrequestTransport(fetcher.Origin),
		count: s.obs.subrequests.With(conf.Name, "fetch"),
	}}
	ws.host = &runtime.Host{
		Logger:     s.log.With("worker", conf.Name),
		Console:    s.console,
		Fetch:      fetcher,
		Extensions: append(append([]runtime.Extension{s.serviceExtension}, s.opts.Extensions...), s.metricsExtension),
	}
	return ws, nil
}

// subrequestTransport sends a worker's fetch() calls. With
// deny_private_subrequests every connection's resolved address must be
// public, except to the worker's configured origin, which the operator
// chose (and which is usually on the private network).
func (s *Server) subrequestTransport(origin *url.URL) http.RoundTripper {
	plain := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	dial := plain.DialContext
	proxy := http.ProxyFromEnvironment
	if s.cfg.Security.DenyPrivateSubrequests {
		guarded := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second, Control: runtime.DenyPrivateControl}
		originAddr := ""
		if origin != nil {
			originAddr = hostPort(origin)
		}
		dial = func(ctx context.Context, network, addr string) (net.Conn, error) {
			if originAddr != "" && strings.EqualFold(addr, originAddr) {
				return plain.DialContext(ctx, network, addr)
			}
			return guarded.DialContext(ctx, network, addr)
		}
		proxy = nil // a proxy would reach the private address on our behalf
	}
	return &http.Transport{
		Proxy:                 proxy,
		DialContext:           dial,
		MaxIdleConnsPerHost:   256,
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
}

// hostPort is u's host with the scheme's default port when it has none.
func hostPort(u *url.URL) string {
	if u.Port() != "" {
		return u.Host
	}
	port := "80"
	if u.Scheme == "https" {
		port = "443"
	}
	return net.JoinHostPort(u.Hostname(), port)
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
	rc, err := b.runtimeConfig(ws.conf, ws.host)
	if err != nil {
		return err
	}
	start := time.Now()
	cur := ws.current()
	if cur == nil {
		w, err := runtime.NewWorker(rc, ws.conf.Instances)
		if err != nil {
			return fmt.Errorf("worker %s v%d: %w", ws.name, version, err)
		}
		ws.mu.Lock()
		ws.w = w
		ws.mu.Unlock()
	} else if err := cur.Swap(rc); err != nil {
		return fmt.Errorf("worker %s v%d: %w", ws.name, version, err)
	}
	ws.mu.Lock()
	ws.ver, ws.hash = version, hash
	ws.mu.Unlock()
	s.obs.deploys.With(ws.name).Inc()
	s.log.Info("version active", "worker", ws.name, "version", version, "sha256", hash[:12],
		"instances", ws.conf.Instances, "took_ms", time.Since(start).Milliseconds())
	s.restartCrons(ws, b.Crons)
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
	name := ws.name
	sched, err := cron.New(cron.Options{
		Worker: name,
		Crons:  crons,
		Claim:  s.claimer,
		Clock:  s.opts.Clock,
		Logger: s.log,
		Fire: func(ctx context.Context, expr string, at time.Time) error {
			w := ws.current()
			if w == nil {
				return nil
			}
			start := time.Now()
			res, err := w.Scheduled(ctx, expr, at)
			attrs := []any{"worker", name, "cron", expr, "scheduled_time", at.UTC().Format(time.RFC3339), "took_ms", time.Since(start).Milliseconds()}
			if err != nil {
				s.log.Error("scheduled event failed", append(attrs, "error", err.Error())...)
				s.tail.publish(TailEvent{Type: "scheduled", Worker: name, Outcome: "exception", Message: expr, Exception: exceptionOf(err)})
				return nil
			}
			s.log.Info("scheduled event", append(attrs, "no_retry", res.NoRetry)...)
			s.tail.publish(TailEvent{Type: "scheduled", Worker: name, Outcome: "ok", Message: expr})
			return nil
		},
	})
	if err != nil {
		s.log.Error("cron triggers are off", "worker", name, "error", err.Error())
		return
	}
	ctx, cancel := context.WithCancel(s.runCtx)
	ws.stopCron = cancel
	go sched.Run(ctx)
}
