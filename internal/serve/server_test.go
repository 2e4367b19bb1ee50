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
)

const testToken = "0123456789abcdef-test"

// newTestServer starts a server with routes for "front" and "back" and no
// version of either.
func newTestServer(t *testing.T) *Server {
	t.Helper()
	cfg, err := parse(t, `
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
	if code, body := call(t, s.Handler(), "GET", "http://front.test/", "", nil); code != 502 || !strings.Contains(body, `worker "gone" is not deployed on this server`) {
		t.Errorf("missing service: %d %q", code, body)
	}
}
