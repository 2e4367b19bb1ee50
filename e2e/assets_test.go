package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// Workers static assets ([assets]) in front of a worker, and env.ASSETS.
func TestStaticAssets(t *testing.T) {
	p := outposttest.Dev(t, project("assets-binding"))
	for _, c := range []struct{ path, want string }{
		{"/hello.txt", "hello asset\n"},                  // a file, before the worker
		{"/", "<h1>home</h1>\n"},                         // index.html
		{"/docs/", "<h1>docs</h1>\n"},                    // a folder's index.html
		{"/api/users", "worker: /api/users"},             // no such asset: the worker
		{"/app/static/s.txt", "static under app\n"},      // negated run_worker_first route
		{"/notes.draft.txt", "worker: /notes.draft.txt"}, // .assetsignore: not an asset
		{"/secrets/key.txt", "worker: /secrets/key.txt"},
		{"/.assetsignore", "worker: /.assetsignore"},
	} {
		if resp, body := p.Get(c.path); resp.StatusCode != 200 || body != c.want {
			t.Errorf("GET %s = %d %q, want %q", c.path, resp.StatusCode, body, c.want)
		}
	}
	if !p.WaitOutput("GET /hello.txt 200 OK", 5*time.Second) || !strings.Contains(p.Output(), "(asset)") {
		t.Error("no log line for an asset request")
	}
	// html_handling: /docs → /docs/ (auto-trailing-slash).
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(p.URL + "/docs?x=1")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 307 || resp.Header.Get("Location") != "/docs/?x=1" {
		t.Errorf("GET /docs = %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// run_worker_first: the worker runs and uses env.ASSETS.
	resp, body := p.Get("/app/dashboard")
	if body != "<h1>home</h1>\n" || resp.Header.Get("X-Served-By") != "worker" || resp.Header.Get("ETag") == "" {
		t.Errorf("GET /app/dashboard = %q %v", body, resp.Header)
	}
	// env.ASSETS.fetch: redirects, not_found_handling, conditional requests.
	for _, c := range []struct {
		path   string
		header map[string]string
		want   string
	}{
		{"/docs/index.html", nil, "307 /docs/ "},
		{"/missing", nil, "404  <h1>no such page</h1>"},
		{"/hello.txt", nil, "200  hello asset"},
		{"/secrets/key.txt", nil, "404  <h1>no such page</h1>"},
		{"/hello.txt", map[string]string{"If-None-Match": `"other"`}, "200  hello asset"},
	} {
		_, body := p.Do("GET", "/via-binding?path="+c.path, nil, c.header)
		if body != c.want {
			t.Errorf("env.ASSETS.fetch(%s) = %q, want %q", c.path, body, c.want)
		}
	}
	resp, _ = p.Get("/hello.txt")
	etag := resp.Header.Get("ETag")
	if resp.Header.Get("CF-Cache-Status") == "" {
		t.Errorf("GET /hello.txt has no CF-Cache-Status: %v", resp.Header)
	}
	// A 304 from the asset server keeps the Content-Type of the 200.
	resp, _ = p.Do("GET", "/hello.txt", nil, map[string]string{"If-None-Match": etag})
	if resp.StatusCode != 304 || resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" || resp.Header.Get("CF-Cache-Status") != "HIT" {
		t.Errorf("GET /hello.txt If-None-Match = %d %v", resp.StatusCode, resp.Header)
	}
	if _, body := p.Do("GET", "/via-binding?path=/hello.txt", nil, map[string]string{"If-None-Match": etag}); body != "304  " {
		t.Errorf("env.ASSETS.fetch with If-None-Match = %q, want a 304", body)
	}
}
