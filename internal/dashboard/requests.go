package dashboard

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/outpost-dev/outpost/internal/runtime"
)

// Request is one request to a worker as the log shows it.
type Request struct {
	ID       int64     `json:"id"`
	Worker   string    `json:"worker"`
	Time     time.Time `json:"time"`
	Method   string    `json:"method"`
	Path     string    `json:"path"`
	Status   int       `json:"status"`
	Duration float64   `json:"durationMs"`
	// Outcome is Cloudflare's word for how the invocation ended ("ok",
	// "exception", "exceededCpu" …); "asset" when static assets answered.
	Outcome     string       `json:"outcome"`
	Console     []Line       `json:"console,omitempty"`
	Exception   *Exception   `json:"exception,omitempty"`
	Subrequests []Subrequest `json:"subrequests,omitempty"`
	Done        bool         `json:"done"`
}

// Line is one console line a worker wrote.
type Line struct {
	Time  time.Time `json:"time"`
	Level string    `json:"level"`
	Text  string    `json:"text"`
}

// Exception is an uncaught exception, its stack mapped to the sources.
type Exception struct {
	Name    string `json:"name"`
	Message string `json:"message"`
	Stack   string `json:"stack,omitempty"`
}

// Subrequest is one fetch() a worker sent to the network.
type Subrequest struct {
	Method   string  `json:"method"`
	URL      string  `json:"url"`
	Status   int     `json:"status,omitempty"`
	Duration float64 `json:"durationMs"`
	Error    string  `json:"error,omitempty"`
}

// Event is what the live log sends: a request that started or finished,
// or a console line no single request can be named for.
type Event struct {
	Request *Request `json:"request,omitempty"`
	Line    *Line    `json:"line,omitempty"`
	Worker  string   `json:"worker,omitempty"`
}

// Recorder keeps the last requests of the dev server's workers, feeds the
// live log and counts requests per second for the charts.
//
// Console lines and subrequests go to the request whose invocation made
// them: Wrap tags the request's context (runtime.WithEventTag) and the
// runtime carries the tag to the invocation's fetch() calls and console
// lines. Lines without a tag go to the worker's request when exactly one
// is in flight; lines after the response (waitUntil work) appear in the
// log on their own.
type Recorder struct {
	mu       sync.Mutex
	seq      int64
	recent   ring[*Request] // the last keep finished requests
	lines    ring[Event]    // the last keep console lines of no request
	inflight map[string][]*Request
	subs     map[chan []byte]struct{}
	seconds  []second // ring of per-second stats
	crons    map[string]CronRun
	now      func() time.Time
}

// second is the requests that finished in one second.
type second struct {
	unix      int64
	count     int
	errors    int
	durations []float64 // milliseconds
}

// maxSamples bounds the durations kept per second for the latency chart.
const maxSamples = 256

// ring keeps the last n values added.
type ring[T any] struct {
	buf  []T
	next int
	full bool
}

func newRing[T any](n int) ring[T] { return ring[T]{buf: make([]T, n)} }

func (r *ring[T]) add(v T) {
	if len(r.buf) == 0 {
		return
	}
	r.buf[r.next] = v
	r.next = (r.next + 1) % len(r.buf)
	r.full = r.full || r.next == 0
}

// items are the values, oldest first.
func (r *ring[T]) items() []T {
	if !r.full {
		return append([]T(nil), r.buf[:r.next]...)
	}
	return append(append([]T(nil), r.buf[r.next:]...), r.buf[:r.next]...)
}

// maxLines bounds the console lines and subrequests kept per request.
const maxLines = 200

// chartSeconds is how far back the charts go.
const chartSeconds = 300

// NewRecorder keeps the last keep requests.
func NewRecorder(keep int) *Recorder {
	return &Recorder{inflight: map[string][]*Request{}, subs: map[chan []byte]struct{}{},
		recent: newRing[*Request](keep), lines: newRing[Event](keep), seconds: make([]second, chartSeconds), now: time.Now}
}

type recordKey struct{}

// Begin starts a request record for worker; End finishes it. A request
// whose record is in ctx (From) gets its outcome and exception from the
// server (Finish).
func (rc *Recorder) Begin(worker string, r *http.Request) *Request {
	if rc == nil {
		return nil
	}
	rc.mu.Lock()
	rc.seq++
	req := &Request{ID: rc.seq, Worker: worker, Time: rc.now(), Method: r.Method, Path: r.URL.RequestURI(), Outcome: "ok"}
	rc.inflight[worker] = append(rc.inflight[worker], req)
	rc.mu.Unlock()
	rc.publish(Event{Request: req})
	return req
}

// End records how the request ended and sends it to the live log.
func (rc *Recorder) End(req *Request, status int, took time.Duration) {
	if rc == nil || req == nil {
		return
	}
	rc.mu.Lock()
	req.Status = status
	req.Duration = float64(took.Microseconds()) / 1000
	req.Done = true
	list := rc.inflight[req.Worker]
	for i, x := range list {
		if x == req {
			rc.inflight[req.Worker] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	rc.recent.add(req)
	sec := req.Time.Add(took).Unix()
	s := &rc.seconds[sec%chartSeconds]
	if s.unix != sec {
		*s = second{unix: sec}
	}
	s.count++
	if status >= 500 || req.Outcome != "ok" && req.Outcome != "asset" {
		s.errors++
	}
	// A sample of at most maxSamples durations per second keeps a busy
	// server's memory bounded (reservoir sampling: each equally likely).
	if len(s.durations) < maxSamples {
		s.durations = append(s.durations, req.Duration)
	} else if j := rand.IntN(s.count); j < maxSamples {
		s.durations[j] = req.Duration
	}
	rc.mu.Unlock()
	rc.publish(Event{Request: req})
}

// Finish is the server's word on the request in ctx: its outcome and,
// for an exception, the error (a *runtime.ScriptError carries the mapped
// stack).
func (rc *Recorder) Finish(ctx context.Context, outcome runtime.Outcome, err error) {
	if req, _ := ctx.Value(recordKey{}).(*Request); req != nil {
		rc.Outcome(req, outcome, err)
	}
}

// Outcome records how req ended before End sends it.
func (rc *Recorder) Outcome(req *Request, outcome runtime.Outcome, err error) {
	if rc == nil || req == nil {
		return
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if outcome != "" {
		req.Outcome = string(outcome)
	}
	var se *runtime.ScriptError
	if errors.As(err, &se) {
		req.Exception = &Exception{Name: se.Name, Message: se.Message, Stack: se.Stack}
	} else if err != nil {
		req.Exception = &Exception{Name: "Error", Message: err.Error()}
	}
}

// MarkAsset records that static assets answered the request in ctx.
func (rc *Recorder) MarkAsset(ctx context.Context) {
	if req, _ := ctx.Value(recordKey{}).(*Request); req != nil {
		rc.mu.Lock()
		req.Outcome = "asset"
		rc.mu.Unlock()
	}
}

// Console takes a console line of worker that no invocation context
// came with (an uncaught error reported by the instance).
func (rc *Recorder) Console(worker, level, text string) {
	rc.ConsoleContext(context.Background(), worker, level, text)
}

// ConsoleContext takes a console line written by the invocation whose
// context is ctx: it goes to the request the invocation serves (Wrap
// tags it), or, untagged, to the worker's only request in flight.
func (rc *Recorder) ConsoleContext(ctx context.Context, worker, level, text string) {
	if rc == nil {
		return
	}
	line := Line{Time: rc.now(), Level: level, Text: text}
	rc.mu.Lock()
	if req := rc.owner(ctx, worker); req != nil && len(req.Console) < maxLines {
		req.Console = append(req.Console, line)
		rc.mu.Unlock()
		rc.publish(Event{Request: req})
		return
	}
	ev := Event{Line: &line, Worker: worker}
	rc.lines.add(ev)
	rc.mu.Unlock()
	rc.publish(ev)
}

// Subrequest takes a fetch() worker made and how it ended.
func (rc *Recorder) Subrequest(worker string, r *http.Request, resp *http.Response, err error, took time.Duration) {
	if rc == nil {
		return
	}
	sr := Subrequest{Method: r.Method, URL: r.URL.String(), Duration: float64(took.Microseconds()) / 1000}
	if resp != nil {
		sr.Status = resp.StatusCode
	}
	if err != nil {
		sr.Error = err.Error()
	}
	rc.mu.Lock()
	req := rc.owner(r.Context(), worker)
	if req == nil || len(req.Subrequests) >= maxLines {
		rc.mu.Unlock()
		return
	}
	req.Subrequests = append(req.Subrequests, sr)
	rc.mu.Unlock()
	rc.publish(Event{Request: req})
}

// owner is the request in flight that work done under ctx belongs to:
// the one its invocation was tagged with, or without a tag the worker's
// request when exactly one is in flight. Work after the response
// (waitUntil) belongs to none. Called with rc.mu held.
func (rc *Recorder) owner(ctx context.Context, worker string) *Request {
	if req, ok := runtime.EventTag(ctx).(*Request); ok {
		if req.Done {
			return nil
		}
		return req
	}
	if list := rc.inflight[worker]; len(list) == 1 {
		return list[0]
	}
	return nil
}

// Recent returns copies of the last requests, newest last, and the
// console lines that belong to none.
func (rc *Recorder) Recent() ([]Request, []Event) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	reqs := rc.recent.items()
	out := make([]Request, len(reqs))
	for i, r := range reqs {
		out[i] = *r
	}
	return out, rc.lines.items()
}

// Point is one second of the charts.
type Point struct {
	Unix   int64   `json:"t"`
	Count  int     `json:"n"`
	Errors int     `json:"e"`
	P50    float64 `json:"p50"`
	P95    float64 `json:"p95"`
}

// Series returns the last n seconds (up to 300), oldest first.
func (rc *Recorder) Series(n int) []Point {
	if n > chartSeconds {
		n = chartSeconds
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	end := rc.now().Unix()
	out := make([]Point, 0, n)
	for t := end - int64(n) + 1; t <= end; t++ {
		p := Point{Unix: t}
		if s := rc.seconds[t%chartSeconds]; s.unix == t {
			p.Count, p.Errors = s.count, s.errors
			p.P50, p.P95 = quantile(s.durations, 0.5), quantile(s.durations, 0.95)
		}
		out = append(out, p)
	}
	return out
}

// quantile of unsorted values (nearest rank).
func quantile(v []float64, q float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := append([]float64(nil), v...)
	for i := 1; i < len(s); i++ { // insertion sort: a second holds few requests on a dev server
		for j := i; j > 0 && s[j] < s[j-1]; j-- {
			s[j], s[j-1] = s[j-1], s[j]
		}
	}
	i := int(q*float64(len(s))+0.5) - 1
	if i < 0 {
		i = 0
	}
	if i >= len(s) {
		i = len(s) - 1
	}
	return s[i]
}

// subscribe returns a channel of JSON events for the live log. A slow
// reader loses events rather than slowing the workers down.
func (rc *Recorder) subscribe() (<-chan []byte, func()) {
	ch := make(chan []byte, 256)
	rc.mu.Lock()
	rc.subs[ch] = struct{}{}
	rc.mu.Unlock()
	return ch, func() {
		rc.mu.Lock()
		delete(rc.subs, ch)
		rc.mu.Unlock()
	}
}

func (rc *Recorder) publish(ev Event) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.subs) == 0 {
		return
	}
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	for ch := range rc.subs {
		select {
		case ch <- b:
		default:
		}
	}
}

// Wrap records the requests h serves for worker, except Outpost's own
// endpoints (/cdn-cgi/…).
func (rc *Recorder) Wrap(worker string, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/cdn-cgi/") {
			h.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		req := rc.Begin(worker, r)
		sw := &statusWriter{ResponseWriter: w}
		ctx := runtime.WithEventTag(context.WithValue(r.Context(), recordKey{}, req), req)
		h.ServeHTTP(sw, r.WithContext(ctx))
		status := sw.status
		if status == 0 {
			status = http.StatusOK
		}
		rc.End(req, status, time.Since(start))
	})
}

// statusWriter remembers the status a handler wrote.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	return w.ResponseWriter.Write(p)
}

// Unwrap lets http.ResponseController reach the connection (flushes,
// full duplex, WebSocket hijacking).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func (w *statusWriter) Flush() {
	if f, ok := w.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

func (w *statusWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if w.status == 0 {
		w.status = http.StatusSwitchingProtocols
	}
	return http.NewResponseController(w.ResponseWriter).Hijack()
}

// CronRun is the last run of one cron trigger.
type CronRun struct {
	At      time.Time // the scheduled time
	Took    time.Duration
	Outcome string
	Error   string
}

// Scheduled records a run of a worker's cron trigger.
func (rc *Recorder) Scheduled(worker, expr string, at time.Time, took time.Duration, err error) {
	if rc == nil {
		return
	}
	run := CronRun{At: at, Took: took, Outcome: string(runtime.OutcomeOf(err, false))}
	if err != nil {
		run.Error = err.Error()
	}
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if rc.crons == nil {
		rc.crons = map[string]CronRun{}
	}
	rc.crons[worker+"\x00"+expr] = run
}

// LastRun is the last run of worker's trigger expr, if any.
func (rc *Recorder) LastRun(worker, expr string) (CronRun, bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	run, ok := rc.crons[worker+"\x00"+expr]
	return run, ok
}
