package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// example is the path of an app in examples/.
func example(name string) string {
	return filepath.Join(outposttest.RepoRoot(), "examples", name)
}

// countOccurrences counts s in the dev server's output so far.
func countOccurrences(p *outposttest.Proc, s string) int {
	return strings.Count(p.Output(), s)
}

// tokenAPI plays the third-party API of examples/token-cache: a login
// endpoint that hands out numbered tokens and /user/me that checks them.
type tokenAPI struct {
	*httptest.Server
	logins atomic.Int64
	broken atomic.Bool
}

func newTokenAPI(t *testing.T) *tokenAPI {
	a := &tokenAPI{}
	a.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.Method == "POST" && r.URL.Path == "/auth/login":
			var creds struct{ Username, Password string }
			if err := json.NewDecoder(r.Body).Decode(&creds); err != nil || creds.Username != "emilys" || creds.Password != "emilyspass" {
				w.WriteHeader(400)
				fmt.Fprint(w, `{"message":"Invalid credentials"}`)
				return
			}
			n := a.logins.Add(1)
			if a.broken.Load() {
				fmt.Fprint(w, `{"message":"maintenance"}`)
				return
			}
			fmt.Fprintf(w, `{"accessToken":"token-%d","refreshToken":"r"}`, n)
		case r.Method == "GET" && r.URL.Path == "/user/me":
			auth := r.Header.Get("Authorization")
			if !strings.HasPrefix(auth, "Bearer token-") {
				w.WriteHeader(401)
				fmt.Fprint(w, `{"message":"Invalid/Expired Token!"}`)
				return
			}
			fmt.Fprintf(w, `{"id":1,"firstName":"Emily","token":%q}`, strings.TrimPrefix(auth, "Bearer "))
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(a.Close)
	return a
}

func TestExampleTokenCache(t *testing.T) {
	api := newTokenAPI(t)
	dir := outposttest.CopyDir(t, example("token-cache"))
	// The secrets, as a user keeps them locally.
	if err := os.WriteFile(filepath.Join(dir, ".dev.vars"), []byte("FAKEAPI_USERNAME=emilys\nFAKEAPI_PASSWORD=emilyspass\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := outposttest.DevEnv(t, []string{"OUTPOST_TEST_CLOCK=manual"}, dir, "--var", "FAKEAPI_BASE_URL:"+api.URL)

	get := func() string {
		t.Helper()
		resp, body := p.Get("/")
		if resp.StatusCode != 200 {
			t.Fatalf("GET / = %d %s", resp.StatusCode, body)
		}
		var user struct {
			FirstName string `json:"firstName"`
			Token     string `json:"token"`
		}
		if err := json.Unmarshal([]byte(body), &user); err != nil || user.FirstName != "Emily" {
			t.Fatalf("GET / = %s (%v)", body, err)
		}
		return user.Token
	}
	if tok := get(); tok != "token-1" || api.logins.Load() != 1 {
		t.Fatalf("first request: token %q, %d logins", tok, api.logins.Load())
	}
	if !p.WaitOutput("Cached token not found, fetching new token", 5*time.Second) {
		t.Error(`no "Cached token not found" log line`)
	}
	for i := 0; i < 10; i++ {
		if tok := get(); tok != "token-1" {
			t.Fatalf("request %d used %q, want the cached token-1", i+2, tok)
		}
	}
	if n := api.logins.Load(); n != 1 {
		t.Errorf("the origin saw %d logins for 11 requests, want 1", n)
	}
	waitCount(t, p, "Cached token found", 10)

	// expirationTtl: 60 — a second before it the token is still there,
	// at 60 s KV has dropped it and the worker logs in again.
	advanceClock(t, p, dir, 59*time.Second)
	if tok := get(); tok != "token-1" {
		t.Errorf("at 59 s: %q, want token-1", tok)
	}
	advanceClock(t, p, dir, time.Second)
	if tok := get(); tok != "token-2" || api.logins.Load() != 2 {
		t.Errorf("after 60 s: token %q, %d logins; want a new token-2", tok, api.logins.Load())
	}
	waitCount(t, p, "Cached token not found, fetching new token", 2)

	// A login answer without accessToken: 500 and a log line saying why.
	api.broken.Store(true)
	advanceClock(t, p, dir, 61*time.Second)
	resp, body := p.Get("/")
	if resp.StatusCode != 500 {
		t.Errorf("broken login endpoint: %d %s, want 500", resp.StatusCode, body)
	}
	if !p.WaitOutput("Error: Access token not found in response", 5*time.Second) {
		t.Error("no log line for the missing access token")
	}
	if !p.WaitOutput("src/fakeapi.ts:", 5*time.Second) {
		t.Error("the error's stack does not point into src/fakeapi.ts")
	}
}

// waitCount waits until s appears n times in the output.
func waitCount(t *testing.T, p *outposttest.Proc, s string, n int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for countOccurrences(p, s) != n {
		if time.Now().After(deadline) {
			t.Errorf("%q logged %d times, want %d", s, countOccurrences(p, s), n)
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// countingOrigin answers every path with a body naming the path and how
// often it was served, and the Cache-Control its table says.
type countingOrigin struct {
	*httptest.Server
	mu           sync.Mutex
	hits         map[string]int
	cacheControl map[string]string
	etag         map[string]string
}

func newCountingOrigin(t *testing.T, cacheControl, etag map[string]string) *countingOrigin {
	o := &countingOrigin{hits: map[string]int{}, cacheControl: cacheControl, etag: etag}
	o.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o.mu.Lock()
		o.hits[r.URL.Path]++
		n := o.hits[r.URL.Path]
		o.mu.Unlock()
		if cc := o.cacheControl[r.URL.Path]; cc != "" {
			w.Header().Set("Cache-Control", cc)
		}
		if e := o.etag[r.URL.Path]; e != "" {
			w.Header().Set("ETag", e)
		}
		if strings.HasSuffix(r.URL.Path, ".js") {
			w.Header().Set("Content-Type", "text/javascript")
		} else {
			w.Header().Set("Content-Type", "text/plain")
		}
		w.Header().Set("X-Origin", "yes")
		fmt.Fprintf(w, "%s #%d", r.URL.Path, n)
	}))
	t.Cleanup(o.Close)
	return o
}

func (o *countingOrigin) hitsFor(path string) int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.hits[path]
}

func TestExampleKVPageCache(t *testing.T) {
	o := newCountingOrigin(t, map[string]string{
		// foo.js may be cached by the zone: the pitfall.
		"/js/foo.js": "public, max-age=3600",
		// bar.js tells the zone cache not to keep it: the fix.
		"/js/bar.js": "private",
	}, nil)
	dir := outposttest.CopyDir(t, example("kv-page-cache"))
	p := outposttest.DevEnv(t, []string{"OUTPOST_TEST_CLOCK=manual"}, dir, "--origin", o.URL)

	// First visit: the origin's answer, unchanged, and a copy goes to KV.
	for _, path := range []string{"/js/foo.js", "/js/bar.js"} {
		resp, body := p.Get(path)
		if resp.StatusCode != 200 || body != path+" #1" || resp.Header.Get("X-From-Kv") != "" || resp.Header.Get("X-Origin") != "yes" {
			t.Fatalf("first GET %s = %d %q x-from-kv=%q", path, resp.StatusCode, body, resp.Header.Get("X-From-Kv"))
		}
	}
	// The copy is in KV under <url>::HEADER and <url>::BODY (written by
	// event.waitUntil, so it may land just after the response).
	key := p.URL + "/js/foo.js"
	waitKV(t, dir, key+"::BODY", "/js/foo.js #1")
	out, code := outposttest.Run(t, dir, "kv", "key", "get", key+"::HEADER", "--binding", "MY_KV")
	if code != 0 || !strings.Contains(out, `"x-from-kv":"true"`) || !strings.Contains(out, `"content-type":"text/javascript"`) {
		t.Errorf("stored headers: exit %d %s", code, out)
	}
	waitKV(t, dir, p.URL+"/js/bar.js::BODY", "/js/bar.js #1")

	// Second visit: from KV, marked x-from-kv, the origin not asked.
	for _, path := range []string{"/js/foo.js", "/js/bar.js"} {
		resp, body := p.Get(path)
		if body != path+" #1" || resp.Header.Get("X-From-Kv") != "true" || resp.Header.Get("Content-Type") != "text/javascript" {
			t.Errorf("second GET %s = %q x-from-kv=%q content-type=%q", path, body, resp.Header.Get("X-From-Kv"), resp.Header.Get("Content-Type"))
		}
		if n := o.hitsFor(path); n != 1 {
			t.Errorf("%s reached the origin %d times, want 1", path, n)
		}
	}

	// Other paths always go to the origin.
	for i := 1; i <= 2; i++ {
		resp, body := p.Get("/index.html")
		if body != fmt.Sprintf("/index.html #%d", i) || resp.Header.Get("X-From-Kv") != "" {
			t.Errorf("GET /index.html #%d = %q x-from-kv=%q", i, body, resp.Header.Get("X-From-Kv"))
		}
	}

	// After the 60 s TTL the KV copies are gone (the worker's clock).
	advanceClock(t, p, dir, 61*time.Second)
	// The pitfall: foo.js is fetched again, but the zone cache still holds
	// the origin's answer (max-age=3600), so the origin is not asked.
	resp, body := p.Get("/js/foo.js")
	if body != "/js/foo.js #1" || resp.Header.Get("X-From-Kv") != "" || o.hitsFor("/js/foo.js") != 1 {
		t.Errorf("expired foo.js = %q x-from-kv=%q, origin hits %d; want the zone cache's copy", body, resp.Header.Get("X-From-Kv"), o.hitsFor("/js/foo.js"))
	}
	if got := resp.Header.Get("CF-Cache-Status"); got != "HIT" {
		t.Errorf("expired foo.js CF-Cache-Status = %q, want HIT", got)
	}
	// The fix: bar.js is Cache-Control: private, so the origin is asked.
	_, body = p.Get("/js/bar.js")
	if body != "/js/bar.js #2" || o.hitsFor("/js/bar.js") != 2 {
		t.Errorf("expired bar.js = %q, origin hits %d; want a fresh answer", body, o.hitsFor("/js/bar.js"))
	}
	waitKV(t, dir, p.URL+"/js/bar.js::BODY", "/js/bar.js #2")
}

// waitKV waits until the KV key holds want (read through the CLI).
func waitKV(t *testing.T, dir, key, want string) {
	t.Helper()
	var out string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var code int
		out, code = outposttest.Run(t, dir, "kv", "key", "get", key, "--binding", "MY_KV")
		if code == 0 && strings.TrimSpace(out) == want {
			return
		}
	}
	t.Errorf("KV %q = %q, want %q", key, out, want)
}

func TestExampleCacheProxy(t *testing.T) {
	o := newCountingOrigin(t, map[string]string{
		"/":             "max-age=600",
		"/about":        "max-age=600",
		"/api/status":   "no-store",
		"/api/accounts": "no-store",
	}, map[string]string{"/about": `"about-v1"`})
	dir := outposttest.CopyDir(t, example("cache-proxy"))
	p := outposttest.Dev(t, dir, "--var", "ORIGIN:"+o.URL, "--test-scheduled", "--crons=false")

	// caches.default: MISS, then HIT without asking the origin.
	// cache.put runs in ctx.waitUntil, after the response: give it a
	// moment before asking again, as a second visitor would.
	miss := func(path, want string) {
		t.Helper()
		resp, body := p.Get(path)
		if resp.StatusCode != 200 || body != want || resp.Header.Get("X-Proxy-Cache") != "MISS" {
			t.Fatalf("first GET %s = %d %q x-proxy-cache=%q", path, resp.StatusCode, body, resp.Header.Get("X-Proxy-Cache"))
		}
		time.Sleep(300 * time.Millisecond)
	}
	hit := func(path, want string) *http.Response {
		t.Helper()
		resp, body := p.Get(path)
		if body != want || resp.Header.Get("CF-Cache-Status") != "HIT" || resp.Header.Get("X-Proxy-Cache") != "" {
			t.Errorf("GET %s = %q CF-Cache-Status=%q x-proxy-cache=%q; want a HIT with %q", path, body,
				resp.Header.Get("CF-Cache-Status"), resp.Header.Get("X-Proxy-Cache"), want)
		}
		return resp
	}
	miss("/about", "/about #1")
	if r := hit("/about", "/about #1"); r.Header.Get("ETag") != `"about-v1"` {
		t.Errorf("cached ETag = %q", r.Header.Get("ETag"))
	}
	if n := o.hitsFor("/about"); n != 1 {
		t.Errorf("/about reached the origin %d times, want 1", n)
	}
	// If-None-Match against the cached ETag: 304 from the cache, no body.
	for _, inm := range []string{`"about-v1"`, `W/"about-v1"`, `"other", "about-v1"`} {
		resp, body := p.Do("GET", "/about", nil, map[string]string{"If-None-Match": inm})
		if resp.StatusCode != 304 || body != "" {
			t.Errorf("If-None-Match %s = %d %q, want 304", inm, resp.StatusCode, body)
		}
	}
	resp, body := p.Do("GET", "/about", nil, map[string]string{"If-None-Match": `"about-v0"`})
	if resp.StatusCode != 200 || body != "/about #1" {
		t.Errorf("stale If-None-Match = %d %q, want 200 with the body", resp.StatusCode, body)
	}

	// The named cache keeps /api/* for 30 s although the origin says no-store.
	miss("/api/accounts", "/api/accounts #1")
	if r := hit("/api/accounts", "/api/accounts #1"); r.Header.Get("Cache-Control") != "max-age=30" {
		t.Errorf("named cache entry Cache-Control = %q", r.Header.Get("Cache-Control"))
	}

	// The cron warms / and /api/status and logs the account from [vars].
	resp, body = p.Get("/__scheduled?cron=*/5+*+*+*+*")
	if resp.StatusCode != 200 {
		t.Fatalf("/__scheduled = %d %q", resp.StatusCode, body)
	}
	if !p.WaitOutput("warming the cache of account <EXAMPLE-ACCOUNT-ID> (cron */5 * * * *)", 5*time.Second) {
		t.Error("the cron did not log API_ACCOUNT_ID")
	}
	if !p.WaitOutput("warmed /api/status", 5*time.Second) {
		t.Fatal("the cron did not warm /api/status")
	}
	if o.hitsFor("/") != 1 || o.hitsFor("/api/status") != 1 {
		t.Errorf("warm-up origin hits: / %d, /api/status %d; want 1 each", o.hitsFor("/"), o.hitsFor("/api/status"))
	}
	// The first visitor after the warm-up gets hits; the origin is not asked.
	hit("/", "/ #1")
	hit("/api/status", "/api/status #1")
	if o.hitsFor("/") != 1 || o.hitsFor("/api/status") != 1 {
		t.Errorf("after warm-up the origin was asked again: / %d, /api/status %d", o.hitsFor("/"), o.hitsFor("/api/status"))
	}
}
