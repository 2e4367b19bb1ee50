package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// cacheOrigin stands in for the origin behind testdata/projects/cache-proxy:
// it counts requests per path and says which version of the content it
// served, so a test sees whether an answer came from the origin or a cache.
type cacheOrigin struct {
	*httptest.Server
	version atomic.Int64
	mu      sync.Mutex
	hits    map[string]int
}

func newCacheOrigin(t *testing.T) *cacheOrigin {
	o := &cacheOrigin{hits: map[string]int{}}
	o.version.Store(1)
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits[r.URL.Path]++
		o.mu.Unlock()
		v := o.version.Load()
		h := w.Header()
		switch {
		case strings.HasPrefix(r.URL.Path, "/proxy/nostore"):
			h.Set("Cache-Control", "no-store")
		case strings.HasPrefix(r.URL.Path, "/proxy/"):
			h.Set("Cache-Control", "max-age=600")
			h.Set("ETag", fmt.Sprintf(`"v%d"`, v))
			// /proxy/<tag>/... is tagged <tag> for purge by tag.
			h.Set("Cache-Tag", strings.SplitN(strings.TrimPrefix(r.URL.Path, "/proxy/"), "/", 2)[0])
		}
		// /data/... sends no caching headers: only cf.cacheTtl caches it.
		h.Set("Content-Type", "text/plain")
		fmt.Fprintf(w, "origin v%d %s", v, r.URL.Path)
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *cacheOrigin) hitsFor(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[path]
}

// cachePurge runs `outpost cache purge ARGS... DIR` against the dev server.
func cachePurge(t *testing.T, dir string, args ...string) {
	t.Helper()
	out, code := outposttest.Run(t, dir, append(append([]string{"cache", "purge"}, args...), dir)...)
	if code != 0 || !strings.Contains(out, "purged") {
		t.Fatalf("outpost cache purge %v: exit %d: %s", args, code, out)
	}
}

// proxyGet fetches path through the worker's cache-aside handler and
// reports whether the origin was reached.
func proxyGet(t *testing.T, p *outposttest.Proc, o *cacheOrigin, path string, header map[string]string) (resp *http.Response, body string, reachedOrigin bool) {
	t.Helper()
	before := o.hitsFor(path)
	resp, body = p.Do("GET", path, nil, header)
	return resp, body, o.hitsFor(path) > before
}

func TestCacheAPI(t *testing.T) {
	o := newCacheOrigin(t)
	dir := outposttest.CopyDir(t, project("cache-proxy"))
	p := outposttest.Dev(t, dir, "--origin", o.URL)

	t.Run("miss then hit", func(t *testing.T) {
		resp, body, reached := proxyGet(t, p, o, "/proxy/a", nil)
		if resp.StatusCode != 200 || body != "origin v1 /proxy/a" || !reached || resp.Header.Get("X-Worker-Cache") != "MISS" {
			t.Fatalf("first GET = %d %q reached=%v %v", resp.StatusCode, body, reached, resp.Header)
		}
		resp, body, reached = proxyGet(t, p, o, "/proxy/a", nil)
		if resp.StatusCode != 200 || body != "origin v1 /proxy/a" || reached || resp.Header.Get("CF-Cache-Status") != "HIT" {
			t.Fatalf("second GET = %d %q reached=%v %v", resp.StatusCode, body, reached, resp.Header)
		}
		if resp.Header.Get("Cache-Tag") != "a" || resp.Header.Get("ETag") != `"v1"` {
			t.Errorf("stored headers lost: %v", resp.Header)
		}
	})

	t.Run("If-None-Match gives 304", func(t *testing.T) {
		resp, body, reached := proxyGet(t, p, o, "/proxy/a", map[string]string{"If-None-Match": `W/"v1"`})
		if resp.StatusCode != 304 || body != "" || reached {
			t.Errorf("conditional GET = %d %q reached=%v", resp.StatusCode, body, reached)
		}
		resp, _, _ = proxyGet(t, p, o, "/proxy/a", map[string]string{"If-None-Match": `"other"`})
		if resp.StatusCode != 200 {
			t.Errorf("non-matching If-None-Match = %d, want 200", resp.StatusCode)
		}
	})

	t.Run("Range gives 206", func(t *testing.T) {
		resp, body, reached := proxyGet(t, p, o, "/proxy/a", map[string]string{"Range": "bytes=7-8"})
		if resp.StatusCode != 206 || body != "v1" || reached || resp.Header.Get("Content-Range") != "bytes 7-8/18" {
			t.Errorf("range GET = %d %q reached=%v %v", resp.StatusCode, body, reached, resp.Header)
		}
	})

	t.Run("no-store is never cached", func(t *testing.T) {
		for i := 0; i < 2; i++ {
			resp, _, reached := proxyGet(t, p, o, "/proxy/nostore", nil)
			if !reached || resp.Header.Get("CF-Cache-Status") == "HIT" {
				t.Errorf("no-store GET #%d: reached=%v %v", i+1, reached, resp.Header)
			}
		}
	})

	t.Run("named caches are isolated", func(t *testing.T) {
		for _, c := range []string{"one", "two"} {
			if resp, body := p.Get("/named/" + c + "/put/k?body=in-" + c); resp.StatusCode != 200 {
				t.Fatalf("put in %s: %d %q", c, resp.StatusCode, body)
			}
		}
		for path, want := range map[string]string{"/named/one/get/k": "in-one", "/named/two/get/k": "in-two", "/named/default/get/k": "miss", "/named/three/get/k": "miss"} {
			if _, body := p.Get(path); body != want {
				t.Errorf("GET %s = %q, want %q", path, body, want)
			}
		}
	})

	t.Run("delete is true then false", func(t *testing.T) {
		for i, want := range []string{"true", "false"} {
			if _, body := p.Get("/named/one/delete/k"); body != want {
				t.Errorf("delete #%d = %q, want %s", i+1, body, want)
			}
		}
		if _, body := p.Get("/named/two/get/k"); body != "in-two" {
			t.Errorf("deleting from one touched two: %q", body)
		}
	})

	t.Run("put errors are TypeErrors in the worker", func(t *testing.T) {
		for kind, msg := range map[string]string{
			"post":      "Cannot cache response to non-GET request.",
			"partial":   "Cannot cache response to a range request (206 Partial Content).",
			"vary-star": "Cannot cache response with 'Vary: *' header.",
		} {
			resp, body := p.Get("/errors/" + kind)
			if resp.StatusCode != 422 || body != "TypeError: "+msg {
				t.Errorf("/errors/%s = %d %q", kind, resp.StatusCode, body)
			}
		}
		resp, body := p.Get("/errors/post?uncaught")
		if resp.StatusCode != 500 || !strings.Contains(body, "TypeError") || !strings.Contains(body, "Cannot cache response to non-GET request.") {
			t.Errorf("uncaught put error = %d %q", resp.StatusCode, body)
		}
	})

	t.Run("purge by tag, prefix and URL with the CLI", func(t *testing.T) {
		for _, path := range []string{"/proxy/tagged/one", "/proxy/tagged/two", "/proxy/keep/x"} {
			proxyGet(t, p, o, path, nil)
			if _, _, reached := proxyGet(t, p, o, path, nil); reached {
				t.Fatalf("%s was not cached", path)
			}
		}
		cachePurge(t, dir, "--tag", "tagged")
		for path, wantOrigin := range map[string]bool{"/proxy/tagged/one": true, "/proxy/tagged/two": true, "/proxy/keep/x": false} {
			if _, _, reached := proxyGet(t, p, o, path, nil); reached != wantOrigin {
				t.Errorf("after purge --tag tagged: %s reached origin = %v, want %v", path, reached, wantOrigin)
			}
		}
		cachePurge(t, dir, "--prefix", strings.TrimPrefix(p.URL, "http://")+"/proxy/keep/")
		if _, _, reached := proxyGet(t, p, o, "/proxy/keep/x", nil); !reached {
			t.Error("purge --prefix left /proxy/keep/x in the cache")
		}
		cachePurge(t, dir, "--url", p.URL+"/proxy/a")
		if _, _, reached := proxyGet(t, p, o, "/proxy/a", nil); !reached {
			t.Error("purge --url left /proxy/a in the cache")
		}
		if _, _, reached := proxyGet(t, p, o, "/proxy/tagged/one", nil); reached {
			t.Error("purge --url removed more than its URL")
		}
	})
}

// The cache lives under the state directory, so a restarted dev server
// (same project directory, same port, so the same URLs) still has it.
func TestCachePersistsAcrossRestart(t *testing.T) {
	o := newCacheOrigin(t)
	dir := outposttest.CopyDir(t, project("cache-proxy"))
	port := outposttest.FreePort(t)
	start := func() *outposttest.Proc {
		p := outposttest.Start(t, port, "dev", dir, "--ip", "127.0.0.1", "--port", fmt.Sprint(port), "--origin", o.URL)
		if !p.WaitOutput("Ready on", 60*time.Second) {
			t.Fatalf("outpost dev did not become ready; output:\n%s", p.Output())
		}
		return p
	}
	p := start()
	if _, _, reached := proxyGet(t, p, o, "/proxy/kept", nil); !reached {
		t.Fatal("first GET did not reach the origin")
	}
	p.Get("/named/persisted/put/k?body=still-here")
	p.Stop()

	p = start()
	resp, body, reached := proxyGet(t, p, o, "/proxy/kept", nil)
	if reached || resp.Header.Get("CF-Cache-Status") != "HIT" || body != "origin v1 /proxy/kept" {
		t.Errorf("after restart: %q reached=%v %v", body, reached, resp.Header)
	}
	if _, body := p.Get("/named/persisted/get/k"); body != "still-here" {
		t.Errorf("named cache after restart = %q", body)
	}
}

// fetch() with cf.cacheTtl/cacheEverything goes through the zone cache:
// the second call is a HIT that never reaches the origin.
//
// This is the KV pitfall users of Cloudflare run into: a worker that keeps
// the origin's answer in KV (expirationTtl: 60) and re-fetches on a KV miss
// still gets the old content after the KV entry expired, because its fetch()
// is answered by the zone cache until cf.cacheTtl (or the origin's max-age,
// or the 2-hour default for static files) runs out or the URL is purged. The
// two lifetimes are independent here too: below the origin changes to v2,
// yet fetch() keeps returning v1 until the cache TTL passes (manual clock)
// or the URL is purged.
func TestFetchThroughZoneCache(t *testing.T) {
	o := newCacheOrigin(t)
	dir := outposttest.CopyDir(t, project("cache-proxy"))
	p := outposttest.DevEnv(t, []string{"OUTPOST_TEST_CLOCK=manual"}, dir, "--origin", o.URL)

	edge := func(wantStatus, wantBody string, wantOrigin bool) {
		t.Helper()
		before := o.hitsFor("/data/x")
		resp, body := p.Get("/edge/x")
		reached := o.hitsFor("/data/x") > before
		if got := resp.Header.Get("X-Upstream-Cache"); got != wantStatus || body != wantBody || reached != wantOrigin {
			t.Errorf("fetch() through the zone cache: CF-Cache-Status %q body %q reached origin %v; want %q %q %v",
				got, body, reached, wantStatus, wantBody, wantOrigin)
		}
	}
	edge("MISS", "origin v1 /data/x", true)
	edge("HIT", "origin v1 /data/x", false)

	o.version.Store(2)
	edge("HIT", "origin v1 /data/x", false) // the origin changed; the cache did not
	advanceClock(t, p, dir, 61*time.Second)
	edge("EXPIRED", "origin v2 /data/x", true)
	edge("HIT", "origin v2 /data/x", false)

	o.version.Store(3)
	cachePurge(t, dir, "--url", p.URL+"/data/x")
	edge("MISS", "origin v3 /data/x", true)
}

// --cache=false turns the Cache API into no-ops that always miss and sends
// fetch() straight to the origin, the switch wrangler dev does not have.
func TestCacheDisabled(t *testing.T) {
	o := newCacheOrigin(t)
	dir := outposttest.CopyDir(t, project("cache-proxy"))
	p := outposttest.Dev(t, dir, "--origin", o.URL, "--cache=false")
	if !p.WaitOutput("Cache API off", 5*time.Second) {
		t.Error("no log line saying the cache is off")
	}
	p.Get("/named/one/put/k?body=x")
	if _, body := p.Get("/named/one/get/k"); body != "miss" {
		t.Errorf("match with the cache off = %q, want miss", body)
	}
	if _, body := p.Get("/named/one/delete/k"); body != "false" {
		t.Errorf("delete with the cache off = %q, want false", body)
	}
	for i := 0; i < 2; i++ {
		if _, _, reached := proxyGet(t, p, o, "/proxy/a", nil); !reached {
			t.Errorf("GET #%d with the cache off did not reach the origin", i+1)
		}
		resp, _ := p.Get("/edge/x")
		if got := resp.Header.Get("X-Upstream-Cache"); got != "none" {
			t.Errorf("fetch() #%d with the cache off: CF-Cache-Status %q", i+1, got)
		}
	}
	if got := o.hitsFor("/data/x"); got != 2 {
		t.Errorf("fetch() with the cache off reached the origin %d times, want 2", got)
	}
	// Validation still runs, so code that fails in production fails here.
	if resp, body := p.Get("/errors/post"); resp.StatusCode != 422 || !strings.HasPrefix(body, "TypeError:") {
		t.Errorf("/errors/post with the cache off = %d %q", resp.StatusCode, body)
	}
}
