package serve

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"golang.org/x/net/netutil"

	"github.com/outpost-dev/outpost/internal/runtime"
)

// What one worker, or one client, may take of the node: the HTTP server's
// timeouts and connection cap ([http]), and the limits handed to the
// runtime for every invocation ([limits]).

// DefaultWall is how long a handler may take to give its response: as
// long as Cloudflare's proxy waits for an origin (its 524).
const DefaultWall = 100 * time.Second

// Bounds of outpost.toml values: larger ones are refused rather than
// wrapped into something else.
const (
	maxSize     = 1 << 40
	maxLimitMs  = 24 * 60 * 60 * 1000
	maxDuration = 7 * 24 * time.Hour
)

// HTTP holds the traffic listener's timeouts and connection cap.
type HTTP struct {
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout time.Duration
	// BodyTimeout is how long a request body may go without sending a
	// byte while the worker reads it.
	BodyTimeout time.Duration
	// IdleTimeout closes keep-alive connections with no request.
	IdleTimeout time.Duration
	// WriteTimeout is how long a response write may block on a client that
	// does not read.
	WriteTimeout time.Duration
	// MaxConnections caps the traffic listener's open connections; more
	// wait in the kernel's accept queue. The ops and admin listeners have
	// their own.
	MaxConnections int
	// DisableCompression turns off compressing responses for clients
	// that accept gzip or brotli (compress = false): for a deployment
	// behind a proxy that compresses. A worker's own Content-Encoding is
	// still honoured.
	DisableCompression bool
}

// Defaults for [http].
const (
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultBodyTimeout       = 30 * time.Second
	DefaultIdleTimeout       = 60 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultMaxConnections    = 10000
)

type rawHTTP struct {
	ReadHeaderTimeout string `toml:"read_header_timeout"`
	BodyTimeout       string `toml:"body_timeout"`
	IdleTimeout       string `toml:"idle_timeout"`
	WriteTimeout      string `toml:"write_timeout"`
	MaxConnections    int64  `toml:"max_connections"`
	Compress          any    `toml:"compress"`
}

func (r rawHTTP) parse(fail func(string, string, ...any) error) (HTTP, error) {
	h := HTTP{ReadHeaderTimeout: DefaultReadHeaderTimeout, BodyTimeout: DefaultBodyTimeout,
		IdleTimeout: DefaultIdleTimeout, WriteTimeout: DefaultWriteTimeout, MaxConnections: DefaultMaxConnections}
	for _, d := range []struct {
		name string
		v    string
		dst  *time.Duration
	}{{"read_header_timeout", r.ReadHeaderTimeout, &h.ReadHeaderTimeout}, {"body_timeout", r.BodyTimeout, &h.BodyTimeout},
		{"idle_timeout", r.IdleTimeout, &h.IdleTimeout}, {"write_timeout", r.WriteTimeout, &h.WriteTimeout}} {
		if d.v == "" {
			continue
		}
		v, err := parseDuration(d.v)
		if err != nil {
			return h, fail("http."+d.name, "%v", err)
		}
		*d.dst = v
	}
	if r.MaxConnections < 0 || r.MaxConnections > 1<<20 {
		return h, fail("http.max_connections", "%d is out of range (1 to 1048576)", r.MaxConnections)
	}
	if r.MaxConnections > 0 {
		h.MaxConnections = int(r.MaxConnections)
	}
	switch v := r.Compress.(type) {
	case nil:
	case bool:
		h.DisableCompression = !v
	default:
		return h, fail("http.compress", "must be true or false, not %#v", v)
	}
	return h, nil
}

// trafficServer is the http.Server for the traffic listener, and the
// listener capped at MaxConnections.
func (s *Server) trafficServer(ln net.Listener, h http.Handler) (net.Listener, *http.Server) {
	c := s.httpConfig()
	return netutil.LimitListener(ln, c.MaxConnections), &http.Server{
		Handler:           h,
		ReadHeaderTimeout: c.ReadHeaderTimeout,
		IdleTimeout:       c.IdleTimeout,
	}
}

// bodyDeadline makes a request body fail when the client sends nothing
// for BodyTimeout, and a response write fail when the client reads nothing
// for WriteTimeout (each renewed as data flows).
type bodyDeadline struct {
	body    interface{ Read([]byte) (int, error) }
	closer  interface{ Close() error }
	rc      *http.ResponseController
	timeout time.Duration
}

func (b *bodyDeadline) Read(p []byte) (int, error) {
	b.rc.SetReadDeadline(time.Now().Add(b.timeout))
	n, err := b.body.Read(p)
	if err == io.EOF {
		// The body is complete: the server's own read that notices a
		// client leaving must not hit the deadline later (that would
		// cancel a request still being answered). After any other error
		// the deadline stays, so that the connection is given up.
		b.rc.SetReadDeadline(time.Time{})
	}
	return n, err
}

func (b *bodyDeadline) Close() error { return b.closer.Close() }

// deadlineWriter renews the write deadline before each write, so that a
// client that stops reading frees its connection and the worker's
// response stream instead of holding them forever.
type deadlineWriter struct {
	http.ResponseWriter
	rc      *http.ResponseController
	timeout time.Duration
}

func (w *deadlineWriter) Write(p []byte) (int, error) {
	w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
	return w.ResponseWriter.Write(p)
}

func (w *deadlineWriter) WriteHeader(code int) {
	w.rc.SetWriteDeadline(time.Now().Add(w.timeout))
	w.ResponseWriter.WriteHeader(code)
}

func (w *deadlineWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// guardConn applies the body and write timeouts to one request. Call
// done once the handler has returned: the server's final write of the
// response (the end of a chunked body) then gets WriteTimeout too.
func (s *Server) guardConn(w http.ResponseWriter, r *http.Request) (_ http.ResponseWriter, done func()) {
	c := s.httpConfig()
	rc := http.NewResponseController(w)
	// A keep-alive connection may carry the previous response's deadline.
	rc.SetWriteDeadline(time.Time{})
	if r.Body != nil && r.Body != http.NoBody {
		r.Body = &bodyDeadline{body: r.Body, closer: r.Body, rc: rc, timeout: c.BodyTimeout}
	}
	done = func() { rc.SetWriteDeadline(time.Now().Add(c.WriteTimeout)) }
	return &deadlineWriter{ResponseWriter: w, rc: rc, timeout: c.WriteTimeout}, done
}

// runtimeConfig is the runtime configuration of b for ws: its bindings
// resolved on this node and the worker's limits.
func (s *Server) runtimeConfig(ws *workerState, b *Bundle) (*runtime.Config, error) {
	rc, err := s.node.Config(b, ws.settings, ws.host)
	if err != nil {
		return nil, err
	}
	rc.MemoryLimit = ws.conf.Limits.Memory
	rc.WallLimit = ws.conf.Limits.Wall
	return rc, nil
}

// httpConfig is [http] with defaults for what is unset.
func (s *Server) httpConfig() HTTP {
	c := s.cfg.HTTP
	if c.ReadHeaderTimeout <= 0 {
		c.ReadHeaderTimeout = DefaultReadHeaderTimeout
	}
	if c.BodyTimeout <= 0 {
		c.BodyTimeout = DefaultBodyTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.WriteTimeout <= 0 {
		c.WriteTimeout = DefaultWriteTimeout
	}
	if c.MaxConnections <= 0 {
		c.MaxConnections = DefaultMaxConnections
	}
	return c
}

// limitBody caps a request body of unknown length (chunked) at limit. If
// the worker reads past it, the answer becomes 413 as long as nothing of
// the worker's response was sent yet, whatever the worker made of the
// read error.
func limitBody(w http.ResponseWriter, r *http.Request, limit int64) http.ResponseWriter {
	tw := &tooLargeWriter{ResponseWriter: w, limit: limit}
	r.Body = &cappedBody{r: r.Body, left: limit, over: &tw.over}
	return tw
}

type cappedBody struct {
	r    io.ReadCloser
	left int64
	over *atomic.Bool
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body that ends exactly at the limit from
		// one that goes on.
		var one [1]byte
		if n, _ := b.r.Read(one[:]); n > 0 {
			b.over.Store(true)
			return 0, errTooLarge
		}
		return b.r.Read(p)
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.r.Read(p)
	b.left -= int64(n)
	return n, err
}

func (b *cappedBody) Close() error { return b.r.Close() }

var errTooLarge = errors.New("request body too large")

type tooLargeWriter struct {
	http.ResponseWriter
	limit   int64
	over    atomic.Bool
	replied bool // 413 written instead of the worker's answer
	wrote   bool
}

func (w *tooLargeWriter) WriteHeader(code int) {
	if w.wrote {
		return
	}
	w.wrote = true
	if w.over.Load() {
		w.replied = true
		h := w.ResponseWriter.Header()
		for k := range h {
			delete(h, k)
		}
		h.Set("Content-Type", "text/plain; charset=utf-8")
		h.Set("Connection", "close")
		w.ResponseWriter.WriteHeader(http.StatusRequestEntityTooLarge)
		fmt.Fprintf(w.ResponseWriter, "413 Request Entity Too Large: the body exceeds this worker's limit of %d bytes\n", w.limit)
		return
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *tooLargeWriter) Write(p []byte) (int, error) {
	if !w.wrote {
		w.WriteHeader(http.StatusOK)
	}
	if w.replied {
		return len(p), nil
	}
	return w.ResponseWriter.Write(p)
}

func (w *tooLargeWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
