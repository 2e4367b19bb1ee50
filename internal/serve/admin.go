package serve

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/outpost-dev/outpost/internal/queue/pullapi"

	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// DeployRequest is the body of POST /admin/workers/{name}/deployments.
type DeployRequest struct {
	Bundle  *Bundle `json:"bundle"`
	Message string  `json:"message,omitempty"`
}

// RollbackRequest is the body of POST /admin/workers/{name}/rollback;
// version 0 means the version before the active one.
type RollbackRequest struct {
	Version int `json:"version,omitempty"`
}

// WorkerStatus is one entry of GET /admin/workers.
type WorkerStatus struct {
	Name      string   `json:"name"`
	Version   int      `json:"version"`
	Running   bool     `json:"running"`
	Routes    []string `json:"routes"`
	Instances int      `json:"instances"`
}

// AdminHandler serves the deployment API; every call needs the token as
// "Authorization: Bearer TOKEN".
func (s *Server) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /admin/workers", s.adminWorkers)
	mux.HandleFunc("POST /admin/workers/{name}/deployments", s.adminDeploy)
	mux.HandleFunc("GET /admin/workers/{name}/deployments", s.adminVersions)
	mux.HandleFunc("POST /admin/workers/{name}/rollback", s.adminRollback)
	mux.HandleFunc("GET /admin/workers/{name}/tail", s.adminTail)
	mux.HandleFunc("POST /admin/workers/{name}/scheduled", s.adminScheduled)
	mux.HandleFunc("POST /admin/cache/purge", s.adminPurge)
	mux.HandleFunc("GET /admin/d1", s.adminD1List)
	mux.Handle("/admin/d1/", s.adminD1())
	if qs := s.node.Queues(); qs != nil {
		mux.Handle("POST /client/v4/", pullapi.Handler(qs, s.pullConsumer)) // queues.go
	}
	mux.Handle("GET /metrics", s.obs.reg)
	mux.HandleFunc("GET /healthz", s.serveHealth)
	mux.HandleFunc("GET /readyz", s.serveReady)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if (r.URL.Path == explorerPath || strings.HasPrefix(r.URL.Path, explorerPath+"/")) && s.serveExplorer(w, r) {
			return
		}
		if r.URL.Path != "/healthz" && r.URL.Path != "/readyz" && !s.authorized(r) {
			w.Header().Set("WWW-Authenticate", `Bearer realm="outpost"`)
			writeError(w, http.StatusUnauthorized, errors.New("missing or wrong admin token (Authorization: Bearer …, the [admin] token of the server)"))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (s *Server) authorized(r *http.Request) bool {
	const prefix = "Bearer "
	h := r.Header.Get("Authorization")
	if len(h) <= len(prefix) || h[:len(prefix)] != prefix || s.cfg.Admin.Token == "" {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(h[len(prefix):]), []byte(s.cfg.Admin.Token)) == 1
}

func (s *Server) adminWorkers(w http.ResponseWriter, r *http.Request) {
	var out []WorkerStatus
	for _, ws := range s.snapshot() {
		st := WorkerStatus{Name: ws.name, Version: ws.version(), Routes: []string{}}
		for _, rt := range ws.conf.Routes {
			st.Routes = append(st.Routes, rt.Pattern)
		}
		if cur := ws.current(); cur != nil {
			st.Running = true
			st.Instances = len(cur.Instances())
		}
		out = append(out, st)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) adminDeploy(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if !validName(name) {
		writeError(w, http.StatusBadRequest, fmt.Errorf("%q is not a valid worker name", name))
		return
	}
	var req DeployRequest
	if r.ContentLength > MaxBundleSize {
		writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("the deployment (%d bytes) is larger than the limit of %d bytes", r.ContentLength, int64(MaxBundleSize)))
		return
	}
	dec := json.NewDecoder(http.MaxBytesReader(w, r.Body, MaxBundleSize))
	if err := dec.Decode(&req); err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			writeError(w, http.StatusRequestEntityTooLarge, fmt.Errorf("the deployment is larger than the limit of %d bytes", tooLarge.Limit))
			return
		}
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad deployment: %w", err))
		return
	}
	if req.Bundle == nil {
		writeError(w, http.StatusBadRequest, errors.New("bad deployment: no bundle"))
		return
	}
	req.Bundle.Name = name
	if err := req.Bundle.Validate(); err != nil {
		writeError(w, http.StatusBadRequest, err)
		return
	}
	ws, err := s.workerFor(name)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	// Start one instance of the new version before storing it, so that a
	// script that throws at start-up is refused and never reaches a node.
	if err := s.tryStart(ws, req.Bundle); err != nil {
		s.forgetIfUnused(ws)
		writeError(w, http.StatusBadRequest, fmt.Errorf("the new version of %s failed to start, nothing was deployed:\n%w", name, err))
		return
	}
	if err := s.claimConsumers(r.Context(), name, req.Bundle); err != nil {
		s.forgetIfUnused(ws)
		writeError(w, http.StatusConflict, fmt.Errorf("nothing was deployed: %w", err))
		return
	}
	v, err := s.store.Create(r.Context(), name, req.Bundle, req.Message)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	if err := s.apply(ws, v.Version, req.Bundle); err != nil {
		writeError(w, http.StatusInternalServerError, fmt.Errorf("version %d was stored but failed to start on this node: %w", v.Version, err))
		return
	}
	s.log.Info("deployed", "worker", name, "version", v.Version, "message", req.Message, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusCreated, v)
}

// forgetIfUnused drops a worker that a refused first deploy added: it is
// not in the configuration and never ran.
func (s *Server) forgetIfUnused(ws *workerState) {
	if s.cfg.Worker(ws.name) != nil || ws.current() != nil {
		return
	}
	s.mu.Lock()
	if s.workers[ws.name] == ws {
		delete(s.workers, ws.name)
	}
	s.mu.Unlock()
}

func (s *Server) tryStart(ws *workerState, b *Bundle) error {
	rc, err := s.runtimeConfig(ws, b)
	if err != nil {
		return err
	}
	return runtime.CheckStart(rc)
}

func (s *Server) adminVersions(w http.ResponseWriter, r *http.Request) {
	vs, err := s.store.Versions(r.Context(), r.PathValue("name"))
	if err != nil {
		writeStoreError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, vs)
}

func (s *Server) adminRollback(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	var req RollbackRequest
	if r.ContentLength != 0 {
		if err := json.NewDecoder(io.LimitReader(r.Body, 1<<16)).Decode(&req); err != nil && !errors.Is(err, io.EOF) {
			writeError(w, http.StatusBadRequest, fmt.Errorf("bad rollback request: %w", err))
			return
		}
	}
	if v := r.URL.Query().Get("version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeError(w, http.StatusBadRequest, fmt.Errorf("version %q: expected a version number", v))
			return
		}
		req.Version = n
	}
	vs, err := s.store.Versions(r.Context(), name)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	target := req.Version
	if target == 0 {
		// The newest version older than the active one.
		active := 0
		for _, v := range vs {
			if v.Active {
				active = v.Version
			}
		}
		for _, v := range vs {
			if v.Version < active {
				target = v.Version
				break
			}
		}
		if target == 0 {
			writeError(w, http.StatusConflict, fmt.Errorf("worker %q has no version before %d to roll back to", name, active))
			return
		}
	}
	b, err := s.store.Get(r.Context(), name, target)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	ws, err := s.workerFor(name)
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	if err := s.tryStart(ws, b); err != nil {
		writeError(w, http.StatusConflict, fmt.Errorf("version %d of %s no longer starts, nothing changed:\n%w", target, name, err))
		return
	}
	if err := s.claimConsumers(r.Context(), name, b); err != nil {
		writeError(w, http.StatusConflict, fmt.Errorf("nothing changed: %w", err))
		return
	}
	v, err := s.store.Activate(r.Context(), name, target)
	if err != nil {
		writeStoreError(w, err)
		return
	}
	if err := s.apply(ws, target, b); err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	s.log.Info("rolled back", "worker", name, "version", target, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, v)
}

// adminTail streams the worker's events as JSON lines until the client
// goes away.
func (s *Server) adminTail(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	if s.worker(name) == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("no worker named %q on this server", name))
		return
	}
	events, cancel := s.tail.subscribe(name)
	defer cancel()
	w.Header().Set("Content-Type", "application/x-ndjson")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	rc := http.NewResponseController(w)
	rc.Flush()
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-s.stopping:
			return
		case line := <-events:
			if _, err := w.Write(line); err != nil {
				return
			}
		case <-keepAlive.C:
			// An empty line keeps proxies from closing an idle stream.
			if _, err := w.Write([]byte("\n")); err != nil {
				return
			}
		}
		rc.Flush()
	}
}

// PurgeRequest is the body of POST /admin/cache/purge: what to drop from
// this node's Cache API store (the cache is per node, as on Cloudflare, so
// a fleet is purged node by node).
type PurgeRequest struct {
	URLs       []string `json:"urls,omitempty"`
	Prefixes   []string `json:"prefixes,omitempty"`
	Tags       []string `json:"tags,omitempty"`
	Everything bool     `json:"everything,omitempty"`
}

func (s *Server) adminPurge(w http.ResponseWriter, r *http.Request) {
	var p PurgeRequest
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&p); err != nil {
		writeError(w, http.StatusBadRequest, fmt.Errorf("bad purge request: %w", err))
		return
	}
	if !p.Everything && len(p.URLs)+len(p.Prefixes)+len(p.Tags) == 0 {
		writeError(w, http.StatusBadRequest, errors.New("bad purge request: give urls, prefixes, tags or everything: true"))
		return
	}
	n, err := s.node.Cache().Purge(cache.Purge{URLs: p.URLs, Prefixes: p.Prefixes, Tags: p.Tags, All: p.Everything})
	if err != nil {
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	s.log.Info("cache purged", "entries", n, "remote", r.RemoteAddr)
	writeJSON(w, http.StatusOK, map[string]int{"purged": n})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.Encode(v)
}

func writeError(w http.ResponseWriter, status int, err error) {
	writeJSON(w, status, map[string]string{"error": err.Error()})
}

func writeStoreError(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrNotFound) {
		writeError(w, http.StatusNotFound, err)
		return
	}
	writeError(w, http.StatusInternalServerError, err)
}

// ScheduledResult is the answer of POST /admin/workers/{name}/scheduled.
type ScheduledResult struct {
	Outcome string `json:"outcome"`
	NoRetry bool   `json:"no_retry,omitempty"`
	Error   string `json:"error,omitempty"`
}

// adminScheduled runs a worker's scheduled handler now, on this node:
// ?cron=EXPR (controller.cron) and optionally &time=MILLIS
// (controller.scheduledTime; default now). It answers once the handler and
// its waitUntil work are done.
func (s *Server) adminScheduled(w http.ResponseWriter, r *http.Request) {
	ws := s.worker(r.PathValue("name"))
	if ws == nil || ws.current() == nil {
		writeError(w, http.StatusNotFound, fmt.Errorf("worker %q is not running on this server", r.PathValue("name")))
		return
	}
	q := r.URL.Query()
	at := time.Now()
	if t := q.Get("time"); t != "" {
		ms, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, errors.New("time must be milliseconds since the epoch"))
			return
		}
		at = time.UnixMilli(ms)
	}
	res, err := s.node.RunScheduled(r.Context(), ws.name, ws.current(), q.Get("cron"), at)
	out := ScheduledResult{Outcome: string(runtime.OutcomeOf(err, false)), NoRetry: res.NoRetry}
	status := http.StatusOK
	if err != nil {
		out.Error = err.Error()
		status = http.StatusInternalServerError
	}
	writeJSON(w, status, out)
}
