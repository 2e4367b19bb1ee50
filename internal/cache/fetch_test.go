package cache

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

// origin is a real HTTP server whose handler the test sets, counting the
// requests that reach it.
type origin struct {
	srv     *httptest.Server
	mu      sync.Mutex
	hits    map[string]int
	version int
	headers http.Header
	status  int
	lastReq http.Header
}

func newOrigin(t *testing.T) *origin {
	o := &origin{hits: map[string]int{}, status: 200, headers: http.Header{}}
	o.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits[r.URL.Path]++
		o.lastReq = r.Header.Clone()
		for k, v := range o.headers {
			w.Header()[k] = v
		}
		status, body := o.status, fmt.Sprintf("%s v%d", r.URL.Path, o.version)
		o.mu.Unlock()
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(o.srv.Close)
	return o
}

func (o *origin) set(status int, kv ...string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.status, o.headers = status, hdr(kv...)
}

func (o *origin) count(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[path]
}

// fetch is the origin callback: a real HTTP round trip.
func (o *origin) fetch(r Request) (*Response, error) {
	req, err := http.NewRequest(r.Method, r.URL, nil)
	if err != nil {
		return nil, err
	}
	req.Header = r.Header.Clone()
	res, err := o.srv.Client().Do(req)
	if err != nil {
		return nil, err
	}
	return &Response{Status: res.StatusCode, Header: res.Header, Body: res.Body}, nil
}

func ttl(n int) *int { return &n }

func doFetch(t *testing.T, s *Store, o *origin, method, path string, cf CFOptions, kv ...string) (*Response, string) {
	t.Helper()
	r, err := s.Fetch(Request{Method: method, URL: o.srv.URL + path, Header: hdr(kv...)}, cf, o.fetch)
	if err != nil {
		t.Fatalf("Fetch %s: %v", path, err)
	}
	return r, readBody(t, r)
}

func TestFetchCacheStatuses(t *testing.T) {
	type step struct {
		advance time.Duration
		status  string // CF-Cache-Status
		hits    int    // origin hits so far
	}
	cases := []struct {
		name   string
		path   string
		method string
		cf     CFOptions
		origin []string // origin headers
		code   int
		steps  []step
	}{
		{"static extension, default 2h edge TTL", "/app.js", "GET", CFOptions{}, nil, 200,
			[]step{{0, "MISS", 1}, {time.Hour, "HIT", 1}, {time.Hour, "EXPIRED", 2}, {0, "HIT", 2}}},
		{"HTML is not cached by default", "/index.html", "GET", CFOptions{}, []string{"Cache-Control", "max-age=600"}, 200,
			[]step{{0, "DYNAMIC", 1}, {0, "DYNAMIC", 2}}},
		{"no extension is not cached by default", "/api/users", "GET", CFOptions{}, nil, 200,
			[]step{{0, "DYNAMIC", 1}, {0, "DYNAMIC", 2}}},
		{"POST is never cached", "/app.js", "POST", CFOptions{CacheEverything: true}, nil, 200,
			[]step{{0, "DYNAMIC", 1}, {0, "DYNAMIC", 2}}},
		{"origin max-age wins over the default", "/style.css", "GET", CFOptions{}, []string{"Cache-Control", "max-age=60"}, 200,
			[]step{{0, "MISS", 1}, {59 * time.Second, "HIT", 1}, {time.Second, "EXPIRED", 2}}},
		{"origin s-maxage over max-age", "/style.css", "GET", CFOptions{}, []string{"Cache-Control", "s-maxage=5, max-age=60"}, 200,
			[]step{{0, "MISS", 1}, {4 * time.Second, "HIT", 1}, {time.Second, "EXPIRED", 2}}},
		{"origin no-store", "/app.js", "GET", CFOptions{}, []string{"Cache-Control", "no-store"}, 200,
			[]step{{0, "BYPASS", 1}, {0, "BYPASS", 2}}},
		{"origin private", "/app.js", "GET", CFOptions{}, []string{"Cache-Control", "private, max-age=60"}, 200,
			[]step{{0, "BYPASS", 1}, {0, "BYPASS", 2}}},
		{"origin max-age=0", "/app.js", "GET", CFOptions{}, []string{"Cache-Control", "max-age=0"}, 200,
			[]step{{0, "BYPASS", 1}, {0, "BYPASS", 2}}},
		{"origin Set-Cookie", "/app.js", "GET", CFOptions{}, []string{"Set-Cookie", "s=1"}, 200,
			[]step{{0, "BYPASS", 1}, {0, "BYPASS", 2}}},
		{"cacheEverything with Set-Cookie", "/page", "GET", CFOptions{CacheEverything: true}, []string{"Set-Cookie", "s=1"}, 200,
			[]step{{0, "MISS", 1}, {0, "MISS", 2}}},
		{"cacheEverything honours origin headers", "/page", "GET", CFOptions{CacheEverything: true}, []string{"Cache-Control", "max-age=30"}, 200,
			[]step{{0, "MISS", 1}, {29 * time.Second, "HIT", 1}, {time.Second, "EXPIRED", 2}}},
		{"cacheEverything default TTL for 404", "/gone", "GET", CFOptions{CacheEverything: true}, nil, 404,
			[]step{{0, "MISS", 1}, {179 * time.Second, "HIT", 1}, {time.Second, "EXPIRED", 2}}},
		{"cacheEverything does not cache 500", "/err", "GET", CFOptions{CacheEverything: true}, nil, 500,
			[]step{{0, "MISS", 1}, {0, "MISS", 2}}},
		{"cacheTtl overrides origin no-store", "/page", "GET", CFOptions{CacheTTL: ttl(300)}, []string{"Cache-Control", "no-store"}, 200,
			[]step{{0, "MISS", 1}, {299 * time.Second, "HIT", 1}, {time.Second, "EXPIRED", 2}}},
		{"cacheTtl 0 is stale at once", "/page", "GET", CFOptions{CacheTTL: ttl(0)}, nil, 200,
			[]step{{0, "MISS", 1}, {0, "MISS", 2}}},
		{"negative cacheTtl does not cache", "/app.js", "GET", CFOptions{CacheTTL: ttl(-1)}, []string{"Cache-Control", "max-age=60"}, 200,
			[]step{{0, "BYPASS", 1}, {0, "BYPASS", 2}}},
		{"cacheTtl leaves 500 uncached", "/page", "GET", CFOptions{CacheTTL: ttl(300)}, nil, 500,
			[]step{{0, "MISS", 1}, {0, "MISS", 2}}},
		{"cacheTtlByStatus range", "/page", "GET", CFOptions{CacheEverything: true, CacheTTLByStatus: map[string]int{"200-299": 100, "404": -1}}, []string{"Cache-Control", "no-store"}, 200,
			[]step{{0, "MISS", 1}, {99 * time.Second, "HIT", 1}, {time.Second, "EXPIRED", 2}}},
		{"cacheTtlByStatus negative", "/page", "GET", CFOptions{CacheEverything: true, CacheTTLByStatus: map[string]int{"200-299": 100, "404": -1}}, []string{"Cache-Control", "max-age=600"}, 404,
			[]step{{0, "BYPASS", 1}, {0, "BYPASS", 2}}},
		{"cacheTtlByStatus caches 5xx", "/err", "GET", CFOptions{CacheEverything: true, CacheTTLByStatus: map[string]int{"500-599": 10}}, nil, 503,
			[]step{{0, "MISS", 1}, {9 * time.Second, "HIT", 1}}},
		{"narrowest cacheTtlByStatus rule wins", "/err", "GET", CFOptions{CacheEverything: true, CacheTTLByStatus: map[string]int{"400-499": 100, "404": 10}}, nil, 404,
			[]step{{0, "MISS", 1}, {10 * time.Second, "EXPIRED", 2}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := newOrigin(t)
			o.set(tc.code, tc.origin...)
			clock := newClock()
			s := openStore(t, Options{Dir: t.TempDir(), Now: clock.Now})
			for i, st := range tc.steps {
				clock.Advance(st.advance)
				r, body := doFetch(t, s, o, tc.method, tc.path, tc.cf)
				if got := r.Header.Get("CF-Cache-Status"); got != st.status {
					t.Fatalf("step %d: CF-Cache-Status = %q, want %q", i, got, st.status)
				}
				if r.Status != tc.code || !strings.HasPrefix(body, tc.path) {
					t.Fatalf("step %d: %d %q", i, r.Status, body)
				}
				if got := o.count(tc.path); got != st.hits {
					t.Fatalf("step %d: origin hit %d times, want %d", i, got, st.hits)
				}
			}
		})
	}
}

// TestFetchOutlivesKVEntry is the KV-as-cache pitfall: the worker's KV copy
// expires, it fetches again, and the edge cache still answers with the old
// body without reaching the origin.
func TestFetchOutlivesKVEntry(t *testing.T) {
	o := newOrigin(t)
	o.set(200, "Content-Type", "application/javascript")
	clock := newClock()
	s := openStore(t, Options{Now: clock.Now})
	_, first := doFetch(t, s, o, "GET", "/bundle.js", CFOptions{})
	o.mu.Lock()
	o.version = 2 // deploy a new version at the origin
	o.mu.Unlock()
	clock.Advance(61 * time.Second) // the worker's KV entry (expirationTtl 60) is gone
	r, second := doFetch(t, s, o, "GET", "/bundle.js", CFOptions{})
	if second != first || r.Header.Get("CF-Cache-Status") != "HIT" || o.count("/bundle.js") != 1 {
		t.Fatalf("second fetch: %q (%s), origin hits %d; want the cached %q", second, r.Header.Get("CF-Cache-Status"), o.count("/bundle.js"), first)
	}
	if n, _ := s.Purge(Purge{URLs: []string{o.srv.URL + "/bundle.js"}}); n != 1 {
		t.Fatalf("purge = %d", n)
	}
	if _, third := doFetch(t, s, o, "GET", "/bundle.js", CFOptions{}); !strings.HasSuffix(third, "v2") {
		t.Fatalf("after purge: %q", third)
	}
}

func TestFetchSharesCachesDefault(t *testing.T) {
	o := newOrigin(t)
	s := openStore(t, Options{Now: newClock().Now})
	doFetch(t, s, o, "GET", "/logo.png", CFOptions{})
	r, body := match(t, s, "", getReq(o.srv.URL+"/logo.png"))
	if r == nil || body != "/logo.png v0" {
		t.Fatalf("caches.default did not see fetch()'s entry: %v %q", r, body)
	}
	if r, _ := match(t, s, "other", getReq(o.srv.URL+"/logo.png")); r != nil {
		t.Fatal("a named cache saw fetch()'s entry")
	}
}

func TestFetchRangeAndConditionalOnMiss(t *testing.T) {
	o := newOrigin(t)
	o.set(200, "ETag", `"e1"`)
	s := openStore(t, Options{Now: newClock().Now})
	r, body := doFetch(t, s, o, "GET", "/video.mp4", CFOptions{}, "Range", "bytes=0-5", "If-None-Match", `"other"`)
	if r.Status != 206 || body != "/video" || r.Header.Get("CF-Cache-Status") != "MISS" {
		t.Fatalf("range on a miss: %d %q %v", r.Status, body, r.Header)
	}
	if o.lastReq.Get("Range") != "" || o.lastReq.Get("If-None-Match") != "" {
		t.Fatalf("origin was asked for a partial or conditional object: %v", o.lastReq)
	}
	r, body = doFetch(t, s, o, "GET", "/video.mp4", CFOptions{}, "If-None-Match", `"e1"`)
	if r.Status != 304 || body != "" || r.Header.Get("CF-Cache-Status") != "HIT" {
		t.Fatalf("conditional hit: %d %q", r.Status, body)
	}
	r, body = doFetch(t, s, o, "HEAD", "/video.mp4", CFOptions{})
	if r.Status != 200 || body != "" || r.Header.Get("Content-Length") != "13" {
		t.Fatalf("HEAD hit: %d %q %v", r.Status, body, r.Header)
	}
	if o.count("/video.mp4") != 1 {
		t.Fatalf("origin hit %d times", o.count("/video.mp4"))
	}
}

func TestFetchCacheKey(t *testing.T) {
	o := newOrigin(t)
	s := openStore(t, Options{Now: newClock().Now})
	cf := CFOptions{CacheEverything: true, CacheKey: "shared"}
	doFetch(t, s, o, "GET", "/a", cf)
	_, body := doFetch(t, s, o, "GET", "/b", cf)
	if body != "/a v0" || o.count("/b") != 0 {
		t.Fatalf("cf.cacheKey not shared: %q, /b hits %d", body, o.count("/b"))
	}
}

func TestFetchTooLargeStreamsThrough(t *testing.T) {
	o := newOrigin(t)
	for _, dir := range []string{"", t.TempDir()} {
		s := openStore(t, Options{Dir: dir, MaxEntryBytes: 4, Now: newClock().Now})
		for i := 1; i <= 2; i++ {
			r, body := doFetch(t, s, o, "GET", "/large.zip", CFOptions{})
			if body != "/large.zip v0" || r.Header.Get("CF-Cache-Status") != "MISS" {
				t.Fatalf("dir %q: oversized body: %q (%s)", dir, body, r.Header.Get("CF-Cache-Status"))
			}
		}
	}
	if n := o.count("/large.zip"); n != 4 {
		t.Fatalf("origin hits = %d, want every fetch to reach it", n)
	}
}

func TestFetchSetCookieStrippedWhenForced(t *testing.T) {
	o := newOrigin(t)
	o.set(200, "Set-Cookie", "session=secret")
	s := openStore(t, Options{Now: newClock().Now})
	for i := 0; i < 2; i++ {
		r, _ := doFetch(t, s, o, "GET", "/page", CFOptions{CacheTTL: ttl(60)})
		if r.Header.Get("Set-Cookie") != "" {
			t.Fatalf("fetch %d: Set-Cookie leaked from a cached response", i)
		}
	}
}

func TestFetchRejectsBadStatusRanges(t *testing.T) {
	s := openStore(t, Options{Now: newClock().Now})
	for _, key := range []string{"2xx", "299-200", "99", "200-600", ""} {
		_, err := s.Fetch(getReq("https://example.com/a.js"), CFOptions{CacheTTLByStatus: map[string]int{key: 1}},
			func(Request) (*Response, error) { t.Fatal("origin called"); return nil, nil })
		if !IsTypeError(err) || !strings.Contains(err.Error(), "cf.cacheTtlByStatus") {
			t.Errorf("key %q: err = %v, want a TypeError naming cf.cacheTtlByStatus", key, err)
		}
	}
}
