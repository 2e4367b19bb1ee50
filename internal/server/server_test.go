package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/runtime"
)

const script = `var __outpost_entry = { default: {
	async fetch(req, env, ctx) {
		const url = new URL(req.url);
		if (url.pathname === "/pass") { ctx.passThroughOnException(); await req.text(); throw new Error("fail") }
		if (url.pathname === "/throw") throw new Error("handler failed");
		if (url.pathname === "/head") return new Response("body-for-head", { headers: { "x-h": "1" } });
		return new Response(req.method + " " + url.pathname + " " + req.headers.get("cf-connecting-ip") + " " + (await req.text()));
	},
} };`

func newServer(t *testing.T, origin *url.URL) *httptest.Server {
	t.Helper()
	w, err := runtime.NewWorker(&runtime.Config{Name: "t", Script: runtime.Script{Code: script, Modules: true}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(time.Second) })
	h := &Handler{Target: func() (Target, error) { return w, nil }, Origin: origin, Dev: true}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func do(t *testing.T, method, u, body string, hdr map[string]string) (*http.Response, string) {
	t.Helper()
	req, _ := http.NewRequest(method, u, strings.NewReader(body))
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestHandler(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		fmt.Fprintf(w, "origin %s %s %s", r.Method, r.URL.RequestURI(), b)
	}))
	defer origin.Close()
	ou, _ := url.Parse(origin.URL)
	srv := newServer(t, ou)

	resp, body := do(t, "POST", srv.URL+"/x", "payload", nil)
	if resp.StatusCode != 200 || body != "POST /x 127.0.0.1 payload" {
		t.Errorf("POST = %d %q", resp.StatusCode, body)
	}
	if resp.Header.Get("Content-Length") != fmt.Sprint(len(body)) {
		t.Errorf("Content-Length = %q", resp.Header.Get("Content-Length"))
	}
	resp, body = do(t, "HEAD", srv.URL+"/head", "", nil)
	if resp.StatusCode != 200 || body != "" || resp.Header.Get("X-H") != "1" {
		t.Errorf("HEAD = %d %q", resp.StatusCode, body)
	}
	// The body the worker read is replayed to the origin.
	_, body = do(t, "PUT", srv.URL+"/pass?q=1", "again", nil)
	if body != "origin PUT /pass?q=1 again" {
		t.Errorf("pass-through = %q", body)
	}
	resp, body = do(t, "GET", srv.URL+"/throw", "", map[string]string{"Accept": "text/html"})
	if resp.StatusCode != 500 || !strings.Contains(body, "handler failed") || !strings.Contains(resp.Header.Get("Content-Type"), "text/html") {
		t.Errorf("error page = %d %q", resp.StatusCode, body)
	}
}

func TestPassThroughWithoutOrigin(t *testing.T) {
	srv := newServer(t, nil)
	resp, body := do(t, "POST", srv.URL+"/pass", "x", nil)
	if resp.StatusCode != 502 || !strings.Contains(body, "no origin is configured") {
		t.Errorf("= %d %q", resp.StatusCode, body)
	}
}

// request.cf follows each request's connection and Accept-Encoding, also
// when requests that differ take turns (the last map made is reused only
// for a request that agrees with it).
func TestCFPropertiesPerRequest(t *testing.T) {
	h := &Handler{}
	get := func(ae string, proto int) map[string]any {
		r := httptest.NewRequest("GET", "http://x/", nil)
		r.Header.Set("Accept-Encoding", ae)
		if proto == 2 {
			r.Proto, r.ProtoMajor, r.ProtoMinor = "HTTP/2.0", 2, 0
		}
		return h.cfProperties(r)
	}
	for _, c := range []struct {
		ae    string
		proto int
		want  string
	}{{"gzip", 1, "HTTP/1.1"}, {"br", 1, "HTTP/1.1"}, {"gzip", 1, "HTTP/1.1"}, {"gzip", 2, "HTTP/2"}, {"gzip", 1, "HTTP/1.1"}} {
		cf := get(c.ae, c.proto)
		if cf["clientAcceptEncoding"] != c.ae || cf["httpProtocol"] != c.want || cf["colo"] != "OUTPOST" {
			t.Errorf("Accept-Encoding %q, HTTP/%d: request.cf = %v", c.ae, c.proto, cf)
		}
	}
}
