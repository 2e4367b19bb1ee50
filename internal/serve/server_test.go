package serve

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/cron"
)

const testToken = "0123456789abcdef-test"

// newTestServer starts a server with routes for "front" and "back" and no
// version of either.
func newTestServer(t *testing.T, extra ...string) *Server {
	t.Helper()
	cfg, err := parse(t, strings.Join(extra, "\n")+`
instances = 1
[admin]
token = "`+testToken+`"
[[workers]]
name = "front"
routes = ["front.test/*"]
[[workers]]
name = "back"
routes = ["back.test/*"]
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s, err := New(ctx, cfg, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		s.closeWorkers(0)
		s.Close()
	})
	return s
}

// moduleBundle wraps a module worker's default export as the bundler does.
func moduleBundle(exports string) *Bundle {
	return &Bundle{Code: "globalThis.__outpost_entry = { default: " + exports + " };", Modules: true}
}

func call(t *testing.T, h http.Handler, method, target, token string, body any) (int, string) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req := httptest.NewRequest(method, target, rd)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code, rec.Body.String()
}

func TestAdminAPIAndServiceBinding(t *testing.T) {
	s := newTestServer(t)
	admin, traffic := s.AdminHandler(), s.Handler()

	if code, _ := call(t, admin, "GET", "/admin/workers", "", nil); code != 401 {
		t.Errorf("no token: %d", code)
	}
	if code, _ := call(t, admin, "GET", "/admin/workers", "wrong-token-wrong", nil); code != 401 {
		t.Errorf("wrong token: %d", code)
	}
	if code, body := call(t, traffic, "GET", "http://front.test/", "", nil); code != 503 || !strings.Contains(body, `"front" has no deployed version`) {
		t.Errorf("before deploy: %d %q", code, body)
	}

	back := moduleBundle(`{ async fetch(req) {
		const u = new URL(req.url);
		if (u.pathname === "/boom") throw new TypeError("back exploded");
		return new Response(req.method + " " + u.pathname + " " + (await req.text()), { status: 201, headers: { "x-back": "1" } });
	} }`)
	if code, body := call(t, admin, "POST", "/admin/workers/back/deployments", testToken, DeployRequest{Bundle: back}); code != 201 {
		t.Fatalf("deploy back: %d %s", code, body)
	}
	front := moduleBundle(`{ async fetch(req, env) {
		const u = new URL(req.url);
		try {
			const r = await env.BACK.fetch("http://back.internal" + u.pathname, { method: "PUT", body: "hi" });
			return new Response("front got " + r.status + " " + r.headers.get("x-back") + " " + (await r.text()));
		} catch (e) {
			return new Response("front caught " + e.name + ": " + e.message, { status: 502 });
		}
	} }`)
	front.Services = []ServiceBinding{{Binding: "BACK", Service: "back"}}
	code, body := call(t, admin, "POST", "/admin/workers/front/deployments", testToken, DeployRequest{Bundle: front, Message: "m"})
	var v Version
	json.Unmarshal([]byte(body), &v)
	if code != 201 || v.Version != 1 || v.Worker != "front" || v.Message != "m" {
		t.Fatalf("deploy front: %d %s", code, body)
	}

	if code, body := call(t, traffic, "GET", "http://front.test/x", "", nil); code != 200 || body != "front got 201 1 PUT /x hi" {
		t.Errorf("service binding: %d %q", code, body)
	}
	if code, body := call(t, traffic, "GET", "http://front.test/boom", "", nil); code != 502 || body != "front caught TypeError: back exploded" {
		t.Errorf("exception through a service binding: %d %q", code, body)
	}

	// A script that throws at start-up is refused and not stored.
	bad := &Bundle{Code: "throw new Error('nope at start')", Modules: false}
	if code, body := call(t, admin, "POST", "/admin/workers/front/deployments", testToken, DeployRequest{Bundle: bad}); code != 400 || !strings.Contains(body, "nope at start") {
		t.Errorf("bad deploy: %d %s", code, body)
	}
	if code, body := call(t, admin, "POST", "/admin/workers/front/deployments", testToken, map[string]any{"bundle": map[string]any{}}); code != 400 || !strings.Contains(body, "code is empty") {
		t.Errorf("empty bundle: %d %s", code, body)
	}
	if code, _ := call(t, admin, "POST", "/admin/workers/front/rollback", testToken, nil); code != 409 {
		t.Errorf("rollback with one version: %d", code)
	}
	if code, _ := call(t, admin, "POST", "/admin/workers/nobody/rollback", testToken, nil); code != 404 {
		t.Errorf("rollback of an unknown worker: %d", code)
	}

	// A second version, then a rollback to the first.
	front2 := moduleBundle(`{ fetch() { return new Response("v2"); } }`)
	call(t, admin, "POST", "/admin/workers/front/deployments", testToken, DeployRequest{Bundle: front2})
	if _, body := call(t, traffic, "GET", "http://front.test/", "", nil); body != "v2" {
		t.Errorf("after v2: %q", body)
	}
	if code, body := call(t, admin, "POST", "/admin/workers/front/rollback", testToken, nil); code != 200 || !strings.Contains(body, `"version": 1`) {
		t.Errorf("rollback: %d %s", code, body)
	}
	if _, body := call(t, traffic, "GET", "http://front.test/y", "", nil); !strings.HasPrefix(body, "front got 201") {
		t.Errorf("after rollback: %q", body)
	}
	code, body = call(t, admin, "GET", "/admin/workers", testToken, nil)
	var ws []WorkerStatus
	if err := json.Unmarshal([]byte(body), &ws); err != nil || code != 200 || len(ws) != 2 || ws[1].Name != "front" || ws[1].Version != 1 || !ws[1].Running {
		t.Errorf("workers: %d %s", code, body)
	}
	code, body = call(t, admin, "GET", "/metrics", testToken, nil)
	if code != 200 || !strings.Contains(body, `outpost_subrequests_total{worker="front",kind="service"} 3`) {
		t.Errorf("metrics: %d\n%s", code, body)
	}
}

func TestServiceBindingToMissingWorker(t *testing.T) {
	s := newTestServer(t)
	front := moduleBundle(`{ async fetch(req, env) {
		try { await env.GONE.fetch("http://gone/"); return new Response("no error"); }
		catch (e) { return new Response(e.message, { status: 502 }); }
	} }`)
	front.Services = []ServiceBinding{{Binding: "GONE", Service: "gone"}}
	if code, body := call(t, s.AdminHandler(), "POST", "/admin/workers/front/deployments", testToken, DeployRequest{Bundle: front}); code != 201 {
		t.Fatalf("deploy: %d %s", code, body)
	}
	if code, body := call(t, s.Handler(), "GET", "http://front.test/", "", nil); code != 502 || !strings.Contains(body, `worker "gone" is not running here`) {
		t.Errorf("missing service: %d %q", code, body)
	}
}

func TestStorageMetrics(t *testing.T) {
	s := newTestServer(t)
	front := moduleBundle(`{ async fetch(req) {
		const key = new Request("https://cache.test/item");
		const hit = await caches.default.match(key);
		if (hit) return new Response("hit " + await hit.text());
		await caches.default.put(key, new Response("cached", { headers: { "cache-control": "max-age=60" } }));
		return new Response("miss");
	} }`)
	if code, body := call(t, s.AdminHandler(), "POST", "/admin/workers/front/deployments", testToken, DeployRequest{Bundle: front}); code != 201 {
		t.Fatalf("deploy: %d %s", code, body)
	}
	for i, want := range []string{"miss", "hit cached", "hit cached", "hit cached"} {
		if _, body := call(t, s.Handler(), "GET", "http://front.test/", "", nil); body != want {
			t.Errorf("request %d = %q, want %q", i, body, want)
		}
	}
	// Purging the node's cache makes the next lookup miss again.
	if code, body := call(t, s.AdminHandler(), "POST", "/admin/cache/purge", testToken, PurgeRequest{URLs: []string{"https://cache.test/item"}}); code != 200 || !strings.Contains(body, `"purged": 1`) {
		t.Errorf("purge: %d %s", code, body)
	}
	if code, _ := call(t, s.AdminHandler(), "POST", "/admin/cache/purge", testToken, PurgeRequest{}); code != 400 {
		t.Errorf("empty purge: %d", code)
	}
	if _, body := call(t, s.Handler(), "GET", "http://front.test/", "", nil); body != "miss" {
		t.Errorf("after purge: %q", body)
	}
	_, m := call(t, s.AdminHandler(), "GET", "/metrics", testToken, nil)
	for _, want := range []string{
		`outpost_cache_operations_total{worker="front",op="match",result="hit"} 3`,
		`outpost_cache_operations_total{worker="front",op="match",result="miss"} 2`,
		`outpost_cache_operations_total{worker="front",op="put",result="ok"} 2`,
		`outpost_cache_hit_ratio{worker="front"} 0.6`,
	} {
		if !strings.Contains(m, want+"\n") {
			t.Errorf("metrics lack %s\n%s", want, m)
		}
	}
}

func TestForwardedFromTrustedProxies(t *testing.T) {
	s := newTestServer(t, `[security]
trusted_proxies = ["192.0.2.0/24"]
[[workers]]
name = "secure"
routes = ["https://secure.test/*"]`)
	echo := moduleBundle(`{ fetch(req) { return new Response(req.url + " " + req.headers.get("cf-connecting-ip")); } }`)
	if code, body := call(t, s.AdminHandler(), "POST", "/admin/workers/secure/deployments", testToken, DeployRequest{Bundle: echo}); code != 201 {
		t.Fatalf("deploy: %d %s", code, body)
	}
	send := func(remote string, header map[string]string) (int, string) {
		req := httptest.NewRequest("GET", "http://secure.test/p?q=1", nil)
		req.RemoteAddr = remote
		for k, v := range header {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		return rec.Code, rec.Body.String()
	}
	fwd := map[string]string{"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.7, 192.0.2.9"}
	if code, body := send("192.0.2.10:4000", fwd); code != 200 || body != "https://secure.test/p?q=1 198.51.100.7" {
		t.Errorf("from a trusted proxy: %d %q", code, body)
	}
	// Anyone else's X-Forwarded-Proto is ignored: the https route does not match.
	if code, _ := send("203.0.113.9:4000", fwd); code != 404 {
		t.Errorf("forwarded headers from an untrusted peer: %d", code)
	}
	// A client cannot choose its CF-Connecting-IP.
	s2 := newTestServer(t, `[[workers]]
name = "plain"
routes = ["plain.test/*"]`)
	call(t, s2.AdminHandler(), "POST", "/admin/workers/plain/deployments", testToken, DeployRequest{Bundle: echo})
	req := httptest.NewRequest("GET", "http://plain.test/", nil)
	req.RemoteAddr = "203.0.113.9:4000"
	req.Header.Set("CF-Connecting-IP", "1.2.3.4")
	rec := httptest.NewRecorder()
	s2.Handler().ServeHTTP(rec, req)
	if rec.Body.String() != "http://plain.test/ 203.0.113.9" {
		t.Errorf("spoofed CF-Connecting-IP: %q", rec.Body.String())
	}
}

func TestDenyPrivateExceptOrigin(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "origin "+r.URL.Path) }))
	defer origin.Close()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "other") }))
	defer other.Close()
	s := newTestServer(t, `[security]
deny_private_subrequests = true
[[workers]]
name = "site"
routes = ["site.test/*"]
origin = "`+origin.URL+`"`)
	b := moduleBundle(`{ async fetch(req) {
		const target = new URL(req.url).searchParams.get("to");
		try { const r = await fetch(target); return new Response(await r.text()); }
		catch (e) { return new Response(e.message, { status: 502 }); }
	} }`)
	if code, body := call(t, s.AdminHandler(), "POST", "/admin/workers/site/deployments", testToken, DeployRequest{Bundle: b}); code != 201 {
		t.Fatalf("deploy: %d %s", code, body)
	}
	// fetch() to the worker's own host goes to its origin, private or not.
	if code, body := call(t, s.Handler(), "GET", "http://site.test/?to=http://site.test/inner", "", nil); code != 200 || body != "origin /inner" {
		t.Errorf("same-host fetch: %d %q", code, body)
	}
	if code, body := call(t, s.Handler(), "GET", "http://site.test/?to="+origin.URL+"/direct", "", nil); code != 200 || body != "origin /direct" {
		t.Errorf("fetch to the origin's address: %d %q", code, body)
	}
	if code, body := call(t, s.Handler(), "GET", "http://site.test/?to="+other.URL, "", nil); code != 502 || !strings.Contains(body, "private addresses are denied") {
		t.Errorf("fetch to another loopback server: %d %q", code, body)
	}
}

func TestCronTriggers(t *testing.T) { testCronTriggers(t, "") }

// A cron trigger starts a worker that holds no instance, as a request
// does.
func TestCronTriggersStartAnIdleWorker(t *testing.T) {
	testCronTriggers(t, `start_instances = "on_request"`)
}

func testCronTriggers(t *testing.T, extra string) {
	fired := make(chan string, 4)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fired <- string(b)
	}))
	defer recv.Close()
	clock := cron.NewManualClock(time.Date(2026, 1, 1, 12, 0, 30, 0, time.UTC))
	cfg, err := parse(t, extra+`
instances = 1
[admin]
token = "`+testToken+`"`, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	s, err := New(ctx, cfg, Options{Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.Start(ctx); err != nil {
		t.Fatal(err)
	}
	defer s.closeWorkers(0)
	b := moduleBundle(`{ async scheduled(controller, env, ctx) {
		ctx.waitUntil(fetch("` + recv.URL + `", { method: "POST", body: controller.cron + " " + new Date(controller.scheduledTime).toISOString() }));
	} }`)
	b.Crons = []string{"* * * * *"}
	if code, body := call(t, s.AdminHandler(), "POST", "/admin/workers/ticker/deployments", testToken, DeployRequest{Bundle: b}); code != 201 {
		t.Fatalf("deploy: %d %s", code, body)
	}
	wait, stop := context.WithTimeout(ctx, 10*time.Second)
	defer stop()
	if err := clock.BlockUntil(wait, 1); err != nil {
		t.Fatal("the scheduler did not start")
	}
	lazy := extra != ""
	if n := len(s.worker("ticker").current().Instances()); lazy && n != 0 {
		t.Fatalf("an on_request worker holds %d instances after its deploy", n)
	}
	clock.Advance(30 * time.Second)
	select {
	case got := <-fired:
		if got != "* * * * * 2026-01-01T12:01:00.000Z" {
			t.Errorf("scheduled event = %q", got)
		}
		if n := len(s.worker("ticker").current().Instances()); n != 1 {
			t.Errorf("%d instances after the cron trigger fired, want 1", n)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the cron trigger did not fire")
	}
}

// A worker that calls itself through a service binding is stopped at
// Cloudflare's depth limit instead of recursing forever.
func TestServiceBindingRecursionIsBounded(t *testing.T) {
	s := newTestServer(t)
	loop := moduleBundle(`{ async fetch(req, env) {
		const n = Number(new URL(req.url).searchParams.get("n") ?? "0");
		try {
			const r = await env.SELF.fetch("http://back.test/?n=" + (n + 1));
			return new Response(await r.text());
		} catch (e) {
			return new Response("stopped at " + n + ": " + e.message);
		}
	} }`)
	loop.Services = []ServiceBinding{{Binding: "SELF", Service: "back"}}
	if code, body := call(t, s.AdminHandler(), "POST", "/admin/workers/back/deployments", testToken, DeployRequest{Bundle: loop}); code != 201 {
		t.Fatalf("deploy: %d %s", code, body)
	}
	code, body := call(t, s.Handler(), "GET", "http://back.test/?n=0", "", nil)
	if code != 200 || !strings.HasPrefix(body, "stopped at 16: Subrequest depth limit exceeded.") {
		t.Errorf("recursion: %d %q", code, body)
	}
}
