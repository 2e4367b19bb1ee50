package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// TestPackageExpress runs an Express 5 app, unchanged, on node:http's
// createServer through cloudflare:node's httpServerHandler.
func TestPackageExpress(t *testing.T) {
	p := outposttest.Dev(t, pkgProject(t, "pkg-express", "express"))

	resp, body := p.Get("/")
	if resp.StatusCode != 200 || body != "<h1>Hello from Express</h1>" || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
		resp.Header.Get("X-Powered-By") != "Express" || !strings.HasPrefix(resp.Header.Get("ETag"), `W/"1b-`) {
		t.Errorf("GET / = %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if _, body = p.Get("/users/42?q=find+me"); body != `{"id":42,"q":"find me","ip":"127.0.0.1","protocol":"http"}` {
		t.Errorf("GET /users/42 = %s", body)
	}

	resp, body = p.Do("POST", "/echo", strings.NewReader(`{"a":[1,2],"s":"é"}`), map[string]string{"Content-Type": "application/json"})
	var echo struct {
		Received map[string]any
		Type     string
	}
	if err := json.Unmarshal([]byte(body), &echo); err != nil || resp.StatusCode != 201 || resp.Header.Get("X-Handled") != "express" ||
		echo.Received["s"] != "é" || echo.Type != "application/json" {
		t.Errorf("POST /echo (JSON) = %d %s", resp.StatusCode, body)
	}
	if _, body = p.Do("POST", "/echo", strings.NewReader("x=1&y=%C3%A9"), map[string]string{"Content-Type": "application/x-www-form-urlencoded"}); body != `{"received":{"x":"1","y":"é"},"type":"application/x-www-form-urlencoded"}` {
		t.Errorf("POST /echo (form) = %s", body)
	}
	if resp, body = p.Do("POST", "/echo", strings.NewReader("{not json"), map[string]string{"Content-Type": "application/json"}); resp.StatusCode != 500 || !strings.Contains(body, "JSON") {
		t.Errorf("POST /echo (bad JSON) = %d %s", resp.StatusCode, body)
	}

	if resp, _ = p.Get("/redirect"); resp.StatusCode != 302 || resp.Header.Get("Location") != "/users/7" {
		t.Errorf("GET /redirect = %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if resp, body = p.Get("/cookie"); body != "cookies set" ||
		strings.Join(resp.Header.Values("Set-Cookie"), "|") != "session=abc; Path=/; HttpOnly|theme=dark; Path=/" {
		t.Errorf("GET /cookie = %q %q", body, resp.Header.Values("Set-Cookie"))
	}
	if resp, body = p.Get("/error"); resp.StatusCode != 500 || body != `{"error":"boom"}` {
		t.Errorf("GET /error = %d %s", resp.StatusCode, body)
	}
	if resp, body = p.Get("/nope"); resp.StatusCode != 404 || body != "no route for /nope" {
		t.Errorf("GET /nope = %d %s", resp.StatusCode, body)
	}
}
