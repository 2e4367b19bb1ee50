package cachebinding

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/runtime"
	"github.com/outpost-dev/outpost/internal/runtime/runtimetest"
)

// TestCacheAPIJS runs prelude/testdata/cache_store.js with the cache
// ops installed over a real store.
func TestCacheAPIJS(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=600")
		w.Header().Set("X-Origin", "1")
		io.WriteString(w, "origin body")
	}))
	defer origin.Close()
	store, err := cache.Open(cache.Options{Dir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	harness, err := os.ReadFile("../../runtime/prelude/testdata/harness.js")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/cache_store.js")
	if err != nil {
		t.Fatal(err)
	}
	prefix := fmt.Sprintf("globalThis.ORIGIN = %q;\n", origin.URL)
	runtimetest.RunJS(t, prefix+string(harness)+"\n"+string(src), runtimetest.Options{Extensions: []runtime.Extension{Extension(store)}})
}

// countingOrigin answers every request with body and headers h and counts
// the requests it saw.
func countingOrigin(t *testing.T, h http.Header, body string) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		for k, v := range h {
			w.Header()[k] = v
		}
		io.WriteString(w, body+" "+r.URL.Path)
	}))
	t.Cleanup(srv.Close)
	return srv, &hits
}

func fetchThrough(t *testing.T, f *runtime.Fetcher, rawURL string, cf map[string]any) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), "GET", rawURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := f.Do(req, runtime.FetchOptions{Redirect: "follow", CF: cf})
	if err != nil {
		t.Fatalf("GET %s: %v", rawURL, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestZoneCacheFetch(t *testing.T) {
	origin, hits := countingOrigin(t, http.Header{}, "from origin")
	store, err := cache.Open(cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &runtime.Fetcher{Cache: ZoneCache(store)}

	// An HTML URL without cf options is not eligible: DYNAMIC every time.
	resp, _ := fetchThrough(t, f, origin.URL+"/page", nil)
	if got := resp.Header.Get("CF-Cache-Status"); got != "DYNAMIC" {
		t.Errorf("plain fetch: CF-Cache-Status %q, want DYNAMIC", got)
	}
	cf := map[string]any{"cacheTtl": float64(60), "cacheEverything": true}
	resp, body := fetchThrough(t, f, origin.URL+"/page", cf)
	if got := resp.Header.Get("CF-Cache-Status"); got != "MISS" || body != "from origin /page" {
		t.Errorf("first cached fetch: %q %q", got, body)
	}
	before := hits.Load()
	resp, body = fetchThrough(t, f, origin.URL+"/page", cf)
	if got := resp.Header.Get("CF-Cache-Status"); got != "HIT" || body != "from origin /page" || hits.Load() != before {
		t.Errorf("second cached fetch: %q %q, origin hits %d → %d", got, body, before, hits.Load())
	}
	if resp.StatusCode != 200 || resp.Request == nil || resp.Request.URL.Path != "/page" {
		t.Errorf("hit response: %d %v", resp.StatusCode, resp.Request)
	}

	// cf.cacheKey shares one entry between URLs.
	keyed := map[string]any{"cacheEverything": true, "cacheTtl": float64(60), "cacheKey": "shared"}
	fetchThrough(t, f, origin.URL+"/one", keyed)
	_, body = fetchThrough(t, f, origin.URL+"/two", keyed)
	if body != "from origin /one" {
		t.Errorf("cacheKey: /two answered %q, want /one's entry", body)
	}

	// cacheTtlByStatus with a negative TTL bypasses the cache.
	bypass := map[string]any{"cacheEverything": true, "cacheTtlByStatus": map[string]any{"200-299": float64(-1)}}
	resp, _ = fetchThrough(t, f, origin.URL+"/bypass", bypass)
	if got := resp.Header.Get("CF-Cache-Status"); got != "BYPASS" {
		t.Errorf("cacheTtlByStatus -1: CF-Cache-Status %q, want BYPASS", got)
	}
}

// A subrequest to the worker's own host is cached under that host's URL
// (as the zone cache keys it) and sent to the origin.
func TestZoneCacheKeysSelfRequestsByWorkerURL(t *testing.T) {
	origin, hits := countingOrigin(t, http.Header{"Cache-Control": {"max-age=60"}}, "origin")
	ou, _ := url.Parse(origin.URL)
	store, err := cache.Open(cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &runtime.Fetcher{Cache: ZoneCache(store), Origin: ou, SelfHosts: []string{"worker.test"}}
	resp, body := fetchThrough(t, f, "http://worker.test/app.js", nil)
	if body != "origin /app.js" || resp.Header.Get("CF-Cache-Status") != "MISS" || hits.Load() != 1 {
		t.Fatalf("first: %q %q hits=%d", body, resp.Header.Get("CF-Cache-Status"), hits.Load())
	}
	m, ok, err := store.Match("", cache.Request{Method: "GET", URL: "http://worker.test/app.js"}, cache.MatchOptions{})
	if err != nil || !ok {
		t.Fatalf("entry not under the worker's URL: ok=%v err=%v", ok, err)
	}
	m.Body.Close()
}

func TestZoneCacheRejectsBadCFOptions(t *testing.T) {
	store, err := cache.Open(cache.Options{})
	if err != nil {
		t.Fatal(err)
	}
	f := &runtime.Fetcher{Cache: ZoneCache(store)}
	for _, tc := range []struct {
		cf   map[string]any
		want string
	}{
		{map[string]any{"cacheTtl": "60"}, "cf.cacheTtl must be a whole number of seconds"},
		{map[string]any{"cacheTtl": 1.5}, "cf.cacheTtl must be a whole number of seconds"},
		{map[string]any{"cacheEverything": "yes"}, "cf.cacheEverything must be a boolean"},
		{map[string]any{"cacheKey": 7.0}, "cf.cacheKey must be a string"},
		{map[string]any{"cacheTtlByStatus": []any{}}, "cf.cacheTtlByStatus must be an object"},
		{map[string]any{"cacheTtlByStatus": map[string]any{"2xx": 5.0}}, `"2xx" is not a status code`},
	} {
		req, _ := http.NewRequest("GET", "http://127.0.0.1:1/x", nil)
		_, err := f.Do(req, runtime.FetchOptions{CF: tc.cf})
		var je *jsc.Error
		if !errors.As(err, &je) || je.Name != "TypeError" || !strings.Contains(je.Message, tc.want) {
			t.Errorf("cf %v: err = %v, want a TypeError containing %q", tc.cf, err, tc.want)
		}
	}
}

// TestCacheAPIWithoutStore runs testdata/cache.test.js: the Cache API's
// validation, and no-op caches when there is no store.
func TestCacheAPIWithoutStore(t *testing.T) {
	harness, err := os.ReadFile("../../runtime/prelude/testdata/harness.js")
	if err != nil {
		t.Fatal(err)
	}
	src, err := os.ReadFile("testdata/cache.test.js")
	if err != nil {
		t.Fatal(err)
	}
	runtimetest.RunJS(t, string(harness)+"\n"+string(src), runtimetest.Options{Extensions: []runtime.Extension{Extension(nil)}})
}
