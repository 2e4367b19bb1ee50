package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// TestPackageSimpleGet runs simple-get, an HTTP client written for Node's
// http/https modules, against a local origin.
func TestPackageSimpleGet(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/hello":
			w.Header().Set("Content-Type", "text/plain")
			w.Header().Add("X-Multi", "1")
			w.Header().Add("X-Multi", "2")
			io.WriteString(w, "hello "+r.URL.Query().Get("from"))
		case "/echo":
			var v map[string]any
			if err := json.NewDecoder(r.Body).Decode(&v); err != nil || r.Header.Get("Content-Type") != "application/json" {
				http.Error(w, "bad json", 400)
				return
			}
			v["method"] = r.Method
			w.Header().Set("Content-Type", "application/json")
			json.NewEncoder(w).Encode(v)
		case "/redirect":
			http.Redirect(w, r, "/hello?from=redirect", http.StatusFound)
		case "/slow":
			for i := 0; i < 3; i++ {
				io.WriteString(w, "tick\n")
				w.(http.Flusher).Flush()
				time.Sleep(150 * time.Millisecond)
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer origin.Close()
	p := outposttest.Dev(t, pkgProject(t, "pkg-http-client", "simple-get"), "--var", "ORIGIN:"+origin.URL)

	if _, body := p.Get("/get"); body != `{"status":200,"type":"text/plain","multi":"1, 2","body":"hello simple-get"}` {
		t.Errorf("GET /get = %s", body)
	}
	if _, body := p.Get("/post"); body != `{"status":200,"body":{"method":"POST","n":42,"s":"é"}}` {
		t.Errorf("GET /post = %s", body)
	}
	if _, body := p.Get("/redirect"); body != `{"status":200,"body":"hello redirect"}` {
		t.Errorf("GET /redirect = %s", body)
	}
	resp, chunks, _ := readChunks(t, p, "/stream", nil)
	if resp.StatusCode != 200 || joinChunks(chunks) != "tick\ntick\ntick\n" {
		t.Errorf("GET /stream = %d %q", resp.StatusCode, joinChunks(chunks))
	} else if first, _ := firstWith(chunks, "tick"); chunks[len(chunks)-1].at-first < 200*time.Millisecond {
		t.Errorf("the origin's chunks were buffered: %v", chunks)
	}
	if _, body := p.Get("/refused"); body != "ECONNREFUSED" {
		t.Errorf("GET /refused = %s", body)
	}
}
