// Package server is Outpost's HTTP front: it turns incoming requests into
// worker invocations, streams responses back, forwards pass-through
// requests to the origin, and renders errors for people.
package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outpost-dev/outpost/internal/httpcompress"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// Target is what requests are dispatched to (a runtime.Worker).
type Target interface {
	Fetch(ctx context.Context, req *runtime.Request) (*runtime.Response, error)
}

// Handler serves one worker over HTTP.
type Handler struct {
	// Target returns the worker to send a request to, or an error to show
	// (for example a bundle error while no version has built yet).
	Target func() (Target, error)
	// Origin receives pass-through requests. Nil: they fail with an error.
	Origin *url.URL
	// Dev renders errors with their stacks (the dev server's error page).
	Dev bool
	// Logger gets one line per request and the errors.
	Logger *slog.Logger
	// Client sends pass-through requests to the origin.
	Client *http.Client
	// Extra handles Outpost's own endpoints (/__scheduled, /cdn-cgi/…)
	// before the worker; it returns false for paths it does not own.
	Extra func(w http.ResponseWriter, r *http.Request) bool
	// Upstream, when set ("https://example.com"), is the scheme and host
	// request.url carries instead of the dev server's own, as wrangler dev
	// gives the host of the project's route (--host, --local-upstream).
	Upstream string
	// Failed, when set, is told of a request the worker could not answer
	// (the dev dashboard's log shows the outcome and the exception).
	Failed func(r *http.Request, outcome runtime.Outcome, err error)
	// Compress compresses compressible responses for clients that accept
	// gzip or brotli, as Cloudflare's edge does. A body labelled with a
	// Content-Encoding is encoded either way, as workerd does.
	Compress bool

	lastCF atomic.Pointer[cfEntry] // the last request.cf made (cfProperties)
}

// maxReplay is how much of a request body is kept so that a pass-through
// can resend it after the worker read it.
const maxReplay = 16 << 20

func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	if h.Extra != nil && h.Extra(w, r) {
		return
	}
	status, outcome := h.serve(w, r)
	if h.Logger != nil {
		msg := r.Method + " " + r.URL.RequestURI() + " " + strconv.Itoa(status) + " " + statusText(status) + " (" + roundDuration(time.Since(start)) + ")"
		if outcome != "" {
			msg += " " + outcome
		}
		h.Logger.Info(msg)
	}
}

// statusClientClosed is the status logged for a request whose client left
// before its response (nginx's 499; the client never sees it).
const statusClientClosed = 499

func statusText(status int) string {
	if status == statusClientClosed {
		return "Client Closed Request"
	}
	return http.StatusText(status)
}

func roundDuration(d time.Duration) string {
	if d < time.Millisecond {
		return d.Round(time.Microsecond).String()
	}
	return d.Round(time.Millisecond).String()
}

func (h *Handler) serve(w http.ResponseWriter, r *http.Request) (int, string) {
	target, err := h.Target()
	if err != nil {
		h.failed(r, err)
		return h.errorPage(w, r, http.StatusInternalServerError, "The worker could not be built", err), ""
	}
	var replay *replayBody
	req := &runtime.Request{
		Method: r.Method,
		URL:    h.requestURL(r),
		Header: requestHeaders(r),
		CF:     h.cfProperties(r),
	}
	if r.Body != nil && r.Body != http.NoBody && r.Method != http.MethodGet && r.Method != http.MethodHead {
		replay = &replayBody{r: r.Body}
		req.Body = replay
		// A worker may stream its response while it still reads the
		// request body (body.pipeThrough(...)), as on Cloudflare.
		_ = http.NewResponseController(w).EnableFullDuplex()
		// In full-duplex mode net/http drains an unread body only after it
		// has stopped its background read, so a worker that answers without
		// reading the body leaves a read pending and the next request on the
		// connection panics (golang/go#68560). Closing it here drains it
		// while the server can still clean up.
		defer r.Body.Close()
	}
	resp, err := target.Fetch(r.Context(), req)
	if err != nil {
		h.failed(r, err)
		if r.Context().Err() != nil && errors.Is(err, context.Canceled) {
			// The client left before the response: nothing failed in the
			// worker (its outcome is "canceled"), and nobody would read
			// an error page.
			w.WriteHeader(statusClientClosed)
			return statusClientClosed, "(canceled: the client disconnected)"
		}
		var se *runtime.ScriptError
		if errors.As(err, &se) {
			if h.Logger != nil {
				h.Logger.Error("Uncaught " + se.Error())
			}
			if se.Limit {
				return h.errorPage(w, r, http.StatusServiceUnavailable, "Worker exceeded resource limits", err), "(exceeded CPU limit)"
			}
			return h.errorPage(w, r, http.StatusInternalServerError, "Worker threw exception", err), "(exception)"
		}
		if h.Logger != nil {
			h.Logger.Error(err.Error())
		}
		return h.errorPage(w, r, http.StatusInternalServerError, "Worker failed", err), "(error)"
	}
	if resp.PassThrough {
		return h.passThrough(w, r, replay), "(passed through to origin)"
	}
	if resp.WebSocket != nil {
		return h.serveWebSocket(w, r, resp)
	}
	return h.writeResponse(w, r, resp), ""
}

func (h *Handler) failed(r *http.Request, err error) {
	if h.Failed != nil {
		h.Failed(r, runtime.OutcomeOf(err, false), err)
	}
}

// writeResponse streams the worker's response to the client.
func (h *Handler) writeResponse(w http.ResponseWriter, r *http.Request, resp *runtime.Response) int {
	dst := w.Header()
	for k, vs := range resp.Header {
		dst[k] = vs
	}
	length := resp.ContentLength
	if cl := dst["Content-Length"]; len(cl) > 0 && cl[0] != "" {
		if n, err := strconv.ParseInt(cl[0], 10, 64); length < 0 && err == nil && n >= 0 {
			// A streamed body whose length its header tells (a cache
			// entry): small ones are not worth compressing.
			length = n
		}
	} else if resp.ContentLength >= 0 && resp.Status != 204 && resp.Status != 304 {
		dst["Content-Length"] = []string{strconv.FormatInt(resp.ContentLength, 10)}
	}
	status := resp.Status
	if status == 0 {
		status = 200
	}
	plan := httpcompress.Decide(r, httpcompress.Response{Status: status, Header: dst, Length: length, Encoded: resp.Encoded}, h.Compress)
	w.WriteHeader(status)
	if resp.Body == nil {
		return status
	}
	defer resp.Body.Close()
	if r.Method == http.MethodHead {
		return status
	}
	if plan.Changes() {
		// A write or decode error means the client went away or the
		// body was not what its Content-Encoding said: the response
		// ends there; Close (deferred) cancels the stream.
		httpcompress.Copy(w, resp.Body, plan, resp.ContentLength < 0)
		return status
	}
	// Each chunk is flushed as it comes, so streamed responses reach the
	// client as the worker produces them. A write error means the client
	// went away; Close (deferred) cancels the stream.
	if resp.ContentLength >= 0 {
		// The whole body is known: write it without flushing per chunk.
		bufp := copyBuffers.Get().(*[]byte)
		io.CopyBuffer(w, resp.Body, *bufp)
		copyBuffers.Put(bufp)
		return status
	}
	bufp := copyBuffers.Get().(*[]byte)
	io.CopyBuffer(flushWriter{w}, resp.Body, *bufp)
	copyBuffers.Put(bufp)
	return status
}

// copyBuffers are for bodies that cannot write themselves (io.WriterTo).
var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// passThrough sends the original request to the origin and relays its answer.
func (h *Handler) passThrough(w http.ResponseWriter, r *http.Request, replay *replayBody) int {
	if h.Origin == nil {
		err := errors.New("the worker passed the request through to the origin " +
			"(passThroughOnException, or no respondWith in a fetch listener), but no origin is configured: " +
			"start Outpost with --origin URL or set `origin` in the config")
		if h.Logger != nil {
			h.Logger.Error(err.Error())
		}
		return h.errorPage(w, r, http.StatusBadGateway, "No origin to pass the request to", err)
	}
	var body io.Reader
	if replay != nil {
		full, ok := replay.rewind()
		if !ok {
			return h.errorPage(w, r, http.StatusBadGateway, "Request body too large to pass through",
				fmt.Errorf("the worker read more than %d bytes of the request body before passing it through", maxReplay))
		}
		body = full
	}
	u := *h.Origin
	u.Path = r.URL.Path
	u.RawPath = r.URL.RawPath
	u.RawQuery = r.URL.RawQuery
	out, err := http.NewRequestWithContext(r.Context(), r.Method, u.String(), body)
	if err != nil {
		return h.errorPage(w, r, http.StatusBadGateway, "Bad pass-through request", err)
	}
	out.Header = r.Header.Clone()
	out.ContentLength = r.ContentLength
	client := h.Client
	if client == nil {
		client = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	}
	resp, err := client.Do(out)
	if err != nil {
		return h.errorPage(w, r, http.StatusBadGateway, "The origin did not answer", err)
	}
	defer resp.Body.Close()
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	// The origin's bytes are what its Content-Encoding says.
	plan := httpcompress.Decide(r, httpcompress.Response{Status: resp.StatusCode, Header: w.Header(), Length: resp.ContentLength, Encoded: true}, h.Compress)
	w.WriteHeader(resp.StatusCode)
	if plan.Changes() {
		httpcompress.Copy(w, resp.Body, plan, true)
		return resp.StatusCode
	}
	io.Copy(flushWriter{w}, resp.Body)
	return resp.StatusCode
}

type flushWriter struct{ w http.ResponseWriter }

func (f flushWriter) Write(p []byte) (int, error) {
	n, err := f.w.Write(p)
	http.NewResponseController(f.w).Flush()
	return n, err
}

// errorPage answers with an error: an HTML page for browsers, text
// otherwise; the stack only in dev mode.
func (h *Handler) errorPage(w http.ResponseWriter, r *http.Request, status int, title string, err error) int {
	detail := "An error occurred while running the worker."
	if h.Dev {
		detail = err.Error()
	}
	w.Header().Del("Content-Length")
	if strings.Contains(r.Header.Get("Accept"), "text/html") {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.WriteHeader(status)
		fmt.Fprintf(w, errorHTML, html.EscapeString(title), html.EscapeString(title), html.EscapeString(r.Method+" "+r.URL.RequestURI()), html.EscapeString(detail))
		return status
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(status)
	fmt.Fprintf(w, "%s\n\n%s\n", title, detail)
	return status
}

const errorHTML = `<!doctype html>
<html><head><meta charset="utf-8"><title>%s</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:60rem;padding:0 1rem;color:#222}
h1{color:#b00020;font-size:1.4rem}pre{background:#f6f6f6;padding:1rem;overflow:auto;border-radius:6px}</style></head>
<body><h1>%s</h1><p><code>%s</code></p><pre>%s</pre><p>Outpost</p></body></html>
`

// requestURL rebuilds the absolute URL the worker sees.
func (h *Handler) requestURL(r *http.Request) string {
	if h.Upstream != "" {
		return h.Upstream + r.URL.RequestURI()
	}
	scheme := "http"
	if r.TLS != nil || r.URL.Scheme == "https" { // set by a front that terminated TLS
		scheme = "https"
	}
	host := r.Host
	if host == "" {
		host = "localhost"
	}
	return scheme + "://" + host + r.URL.RequestURI()
}

func requestHeaders(r *http.Request) http.Header {
	// http.Header.Clone, with room for the four headers set below (under
	// their canonical names) so that adding them does not grow the map.
	h := make(http.Header, len(r.Header)+4)
	n := 0
	for _, vs := range r.Header {
		n += len(vs)
	}
	all := make([]string, 0, n)
	for k, vs := range r.Header {
		all = append(all, vs...)
		h[k] = all[len(all)-len(vs) : len(all) : len(all)]
	}
	h["Host"] = []string{r.Host}
	// Workers see the encodings Cloudflare's edge accepts, whatever the
	// client sent (request.cf.clientAcceptEncoding keeps the client's):
	// the edge adapts the response to the client.
	h["Accept-Encoding"] = []string{"br, gzip"}
	if len(h["Cf-Connecting-Ip"]) == 0 || h["Cf-Connecting-Ip"][0] == "" {
		ip, _, err := net.SplitHostPort(r.RemoteAddr)
		if err != nil {
			ip = r.RemoteAddr
		}
		h["Cf-Connecting-Ip"] = []string{ip}
	}
	if r.ContentLength > 0 && (len(h["Content-Length"]) == 0 || h["Content-Length"][0] == "") {
		h["Content-Length"] = []string{strconv.FormatInt(r.ContentLength, 10)}
	}
	return h
}

// cfProperties is request.cf: what Outpost knows about the connection.
// Requests that agree on it share one map (the last one made), which no
// one changes.
func (h *Handler) cfProperties(r *http.Request) map[string]any {
	proto := r.Proto
	if r.ProtoMajor == 2 {
		proto = "HTTP/2"
	}
	key := cfKey{proto, r.Header.Get("Accept-Encoding"), tlsVersion(r)}
	if last := h.lastCF.Load(); last != nil && last.key == key {
		return last.cf
	}
	cf := map[string]any{
		"colo":                       "OUTPOST",
		"httpProtocol":               key.proto,
		"clientTcpRtt":               0,
		"requestPriority":            "",
		"edgeRequestKeepAliveStatus": 1,
		"clientAcceptEncoding":       key.acceptEncoding,
		"tlsVersion":                 key.tls,
	}
	h.lastCF.Store(&cfEntry{key, cf})
	return cf
}

// cfKey is what request.cf depends on.
type cfKey struct{ proto, acceptEncoding, tls string }

type cfEntry struct {
	key cfKey
	cf  map[string]any
}

func tlsVersion(r *http.Request) string {
	if r.TLS == nil {
		return ""
	}
	switch r.TLS.Version {
	case 0x0304:
		return "TLSv1.3"
	case 0x0303:
		return "TLSv1.2"
	}
	return "TLS"
}

// replayBody records what the worker reads of a request body so a
// pass-through can send it again.
type replayBody struct {
	mu       sync.Mutex
	r        io.ReadCloser
	buf      bytes.Buffer
	overflow bool
}

func (b *replayBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	n, err := b.r.Read(p)
	if n > 0 && !b.overflow {
		if b.buf.Len()+n > maxReplay {
			b.overflow = true
			b.buf = bytes.Buffer{}
		} else {
			b.buf.Write(p[:n])
		}
	}
	return n, err
}

func (b *replayBody) Close() error { return nil }

// rewind returns the whole body: what was read, then the rest.
func (b *replayBody) rewind() (io.Reader, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.overflow {
		return nil, false
	}
	return io.MultiReader(bytes.NewReader(b.buf.Bytes()), b.r), true
}
