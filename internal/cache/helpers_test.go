package cache

import (
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is the injectable clock every test uses; nothing sleeps.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock() *fakeClock {
	return &fakeClock{t: time.Date(2026, 3, 4, 12, 0, 0, 0, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

func openStore(t *testing.T, opts Options) *Store {
	t.Helper()
	s, err := Open(opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	return s
}

func hdr(kv ...string) http.Header {
	h := http.Header{}
	for i := 0; i+1 < len(kv); i += 2 {
		h.Add(kv[i], kv[i+1])
	}
	return h
}

func getReq(url string, kv ...string) Request {
	return Request{Method: http.MethodGet, URL: url, Header: hdr(kv...)}
}

func resp(status int, body string, kv ...string) Response {
	return Response{Status: status, Header: hdr(kv...), Body: io.NopCloser(strings.NewReader(body))}
}

func mustPut(t *testing.T, s *Store, name string, req Request, r Response) {
	t.Helper()
	if err := s.Put(name, req, r); err != nil {
		t.Fatalf("Put(%s): %v", req.URL, err)
	}
}

// match returns the response and its body, or nil on a miss.
func match(t *testing.T, s *Store, name string, req Request) (*Response, string) {
	t.Helper()
	r, ok, err := s.Match(name, req, MatchOptions{})
	if err != nil {
		t.Fatalf("Match(%s): %v", req.URL, err)
	}
	if !ok {
		return nil, ""
	}
	return r, readBody(t, r)
}

func readBody(t *testing.T, r *Response) string {
	t.Helper()
	b, err := io.ReadAll(r.Body)
	if err != nil {
		t.Fatalf("reading body: %v", err)
	}
	if err := r.Body.Close(); err != nil {
		t.Fatalf("closing body: %v", err)
	}
	return string(b)
}
