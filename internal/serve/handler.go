package serve

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/outpost-dev/outpost/internal/httpcompress"
	"github.com/outpost-dev/outpost/internal/runtime"
	"github.com/outpost-dev/outpost/internal/server"
)

// Handler serves worker traffic: it picks the worker by route, enforces
// the request limits, and records metrics, logs and tail events.
func (s *Server) Handler() http.Handler { return http.HandlerFunc(s.serveHTTP) }

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/cdn-cgi/outpost/healthz":
		s.serveHealth(w, r)
		return
	case "/cdn-cgi/outpost/readyz":
		s.serveReady(w, r)
		return
	}
	start := time.Now()
	scheme := s.applyForwarded(r)
	route := s.routes.Find(scheme, r.Host, r.URL.RequestURI())
	if route == nil {
		s.obs.requests.With("", "", "404").Inc()
		http.Error(w, fmt.Sprintf("No worker is routed for %s%s on this server.", r.Host, r.URL.Path), http.StatusNotFound)
		return
	}
	ws := s.worker(route.Worker)
	rec := &recorder{ResponseWriter: w}
	logged := s.rec.Begin(ws.name, r)
	outcome := s.serveWorker(rec, r, ws)
	status := rec.status
	if status == 0 {
		status = http.StatusOK
	}
	took := time.Since(start)
	s.rec.Outcome(logged, runtime.Outcome(outcome.name), outcome.err)
	s.rec.End(logged, status, took)
	s.obs.requests.With(ws.name, routeLabel(route), strconv.Itoa(status)).Inc()
	s.obs.duration.Observe(took.Seconds(), ws.name)
	attrs := []any{"worker", ws.name, "route", route.Pattern, "method", r.Method, "host", r.Host, "path", r.URL.Path,
		"status", status, "duration_ms", float64(took.Microseconds()) / 1000, "outcome", outcome.name}
	if outcome.err != nil {
		attrs = append(attrs, "error", outcome.err.Error())
		s.log.Error("request", attrs...)
	} else {
		s.log.Info("request", attrs...)
	}
	s.tail.publish(TailEvent{Type: "request", Worker: ws.name, Outcome: outcome.name, Status: status,
		Duration: float64(took.Microseconds()) / 1000, Request: &TailRequest{Method: r.Method, URL: requestURL(r, scheme)},
		Exception: exceptionOf(outcome.err)})
}

// outcome is how an invocation ended, in wrangler tail's words.
type outcome struct {
	name string // ok, exception, exceededCpu, exceededMemory, canceled, unavailable, error
	err  error
}

func (s *Server) serveWorker(w http.ResponseWriter, r *http.Request, ws *workerState) outcome {
	if s.draining.Load() {
		// A keep-alive connection may deliver one more request after
		// shutdown began; tell the client to come back elsewhere.
		w.Header().Set("Connection", "close")
	}
	cur := ws.current()
	if cur == nil {
		http.Error(w, fmt.Sprintf("Worker %q has no deployed version on this server yet.", ws.name), http.StatusServiceUnavailable)
		return outcome{name: "unavailable"}
	}
	limit := ws.conf.Limits.RequestBody
	if limit > 0 && r.ContentLength > limit {
		http.Error(w, fmt.Sprintf("413 Request Entity Too Large: the body (%d bytes) exceeds this worker's limit of %d bytes", r.ContentLength, limit), http.StatusRequestEntityTooLarge)
		return outcome{name: "ok"}
	}
	w, written := s.guardConn(w, r)
	defer written()
	if limit > 0 && r.Body != nil && r.Body != http.NoBody {
		// A chunked body is counted as it arrives: past the limit the
		// client gets 413, not the worker's reaction to a failed read.
		w = limitBody(w, r, limit)
	}
	compress := !s.httpConfig().DisableCompression
	if site := ws.settings.Site; site != nil {
		// Static assets answer before the worker, as on Cloudflare.
		cw := httpcompress.Wrap(w, r, compress)
		answered := site.ServeBeforeWorker(cw, r) != 0
		cw.Close()
		if answered {
			return outcome{name: string(runtime.OutcomeOK)}
		}
	}
	t := &observedTarget{w: cur}
	h := &server.Handler{
		Target:   func() (server.Target, error) { return t, nil },
		Origin:   ws.settings.Origin,
		Compress: compress,
	}
	h.ServeHTTP(w, r)
	o := runtime.OutcomeOf(t.err, r.Context().Err() != nil)
	switch o {
	case runtime.OutcomeExceededCPU:
		s.obs.cpuExceeded.With(ws.name).Inc()
	case runtime.OutcomeException:
		s.obs.exceptions.With(ws.name).Inc()
	}
	out := outcome{name: string(o)}
	if o != runtime.OutcomeOK && o != runtime.OutcomeCanceled {
		out.err = t.err
	}
	return out
}

// observedTarget remembers how the worker's invocation failed.
type observedTarget struct {
	w   *runtime.Worker
	err error
}

func (t *observedTarget) Fetch(ctx context.Context, req *runtime.Request) (*runtime.Response, error) {
	resp, err := t.w.Fetch(ctx, req)
	t.err = err
	return resp, err
}

func exceptionOf(err error) *TailException {
	if err == nil {
		return nil
	}
	var se *runtime.ScriptError
	if errors.As(err, &se) {
		return &TailException{Name: se.Name, Message: se.Message, Stack: se.Stack}
	}
	return &TailException{Name: "Error", Message: err.Error()}
}

func requestURL(r *http.Request, scheme string) string {
	return scheme + "://" + r.Host + r.URL.RequestURI()
}

func (s *Server) serveHealth(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	io.WriteString(w, "ok\n")
}

func (s *Server) serveReady(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	if !s.Ready() {
		w.WriteHeader(http.StatusServiceUnavailable)
		if s.draining.Load() {
			io.WriteString(w, "shutting down\n")
		} else {
			io.WriteString(w, "starting\n")
		}
		return
	}
	if err := s.dependencies(); err != nil {
		w.WriteHeader(http.StatusServiceUnavailable)
		io.WriteString(w, err.Error()+"\n")
		return
	}
	io.WriteString(w, "ready\n")
}

// OpsHandler serves /healthz, /readyz and /metrics for the ops listener.
func (s *Server) OpsHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.HandleFunc("GET /readyz", s.serveReady)
	mux.Handle("GET /metrics", s.obs.reg)
	return mux
}

// recorder notes the status a handler wrote.
type recorder struct {
	http.ResponseWriter
	status int
}

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach Flush on the real writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }
