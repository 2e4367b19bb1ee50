package e2e

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// Subrequests reuse their connections to an origin, and bodies of several
// chunks (read ahead of the worker) arrive whole.
func TestFetchReusesOriginConnections(t *testing.T) {
	big := strings.Repeat("0123456789abcdef", 20000) // 320 KB: several reads
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/big" {
			w.Write([]byte(big))
			return
		}
		w.Write([]byte("small body"))
	}))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
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
