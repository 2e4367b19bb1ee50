package e2e

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// Subrequests reuse their connections to an origin, and bodies of several
// chunks (read ahead of the worker) arrive whole.
func TestFetchReusesOriginConnections(t *testing.T) {
	srv, big, conns, _ := connCountingOrigin(t)
	p := outposttest.Dev(t, project("module-basic"), "--origin", srv.URL)

	const n = 30
	for i := range n {
		path := "/small"
		if i%3 == 0 {
			path = "/big"
		}
		_, body := p.Get("/fetch?url=" + srv.URL + path)
		var got struct {
			Status int    `json:"status"`
			Body   string `json:"body"`
			Error  string `json:"error"`
		}
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("request %d: %v: %.200s", i, err, body)
		}
		want := "small body"
		if path == "/big" {
			want = big
		}
		if got.Status != 200 || got.Body != want {
			t.Fatalf("request %d (%s): status %d, %d bytes of body, error %q; want %d bytes", i, path, got.Status, len(got.Body), got.Error, len(want))
		}
	}
	// One after another, the subrequests need one connection; allow a
	// spare for a connection the client opened and did not need.
	if c := conns.Load(); c > 2 {
		t.Errorf("%d sequential subrequests opened %d connections to the origin; want them reused", n, c)
	}
}

// A worker that never reads a subrequest's body (it wants the status
// alone) ends its invocation with the body unread: a small one of known
// length is still read to its end, so the connection serves the next
// subrequest; a large one is cancelled with its connection, as before.
func TestFetchUnreadBodyKeepsConnection(t *testing.T) {
	srv, _, conns, closed := connCountingOrigin(t)
	p := outposttest.Dev(t, project("module-basic"), "--origin", srv.URL)

	// Clients at once, so that invocations end while other requests' work
	// waits for the processors: each body must be read to its end all the
	// same.
	const clients, each = 8, 40
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range each {
				resp, body := p.Get("/fetch-status?url=" + srv.URL + "/small")
				if resp.StatusCode != 200 || body != "200" {
					t.Errorf("status %d, body %q; want 200, \"200\"", resp.StatusCode, body)
					return
				}
			}
		})
	}
	wg.Wait()
	if c := conns.Load(); c > 2*clients {
		t.Errorf("%d subrequests (%d at a time) whose small bodies were never read opened %d connections to the origin; want them reused", clients*each, clients, c)
	}

	closedBefore := closed.Load()
	for i := range 3 {
		resp, body := p.Get("/fetch-status?url=" + srv.URL + "/big")
		if resp.StatusCode != 200 || body != "200" {
			t.Fatalf("big request %d: %d %q", i, resp.StatusCode, body)
		}
	}
	// A large unread body is not read to its end: its connection goes.
	deadline := time.Now().Add(10 * time.Second)
	for closed.Load()-closedBefore < 3 {
		if time.Now().After(deadline) {
			t.Fatalf("3 subrequests whose 320 KB bodies were never read closed %d connections; want theirs dropped", closed.Load()-closedBefore)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// connCountingOrigin answers /big with a 320 KB body (several reads, above
// what the end of an invocation waits for) and anything else with a small
// one, counting the connections it opens and closes.
func connCountingOrigin(t *testing.T) (srv *httptest.Server, big string, opened, closed *atomic.Int64) {
	big = strings.Repeat("0123456789abcdef", 20000)
	opened, closed = new(atomic.Int64), new(atomic.Int64)
	srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Write([]byte(big))
			return
		}
		w.Write([]byte("small body"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		switch s {
		case http.StateNew:
			opened.Add(1)
		case http.StateClosed:
			closed.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, big, opened, closed
}
