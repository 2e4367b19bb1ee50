package e2e

import (
	"encoding/json"
	"fmt"
	"io"
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

func project(name string) string {
	return filepath.Join(outposttest.RepoRoot(), "testdata", "projects", name)
}

func TestModuleWorker(t *testing.T) {
	p := outposttest.Dev(t, project("module-basic"))

	resp, body := p.Get("/")
	if resp.StatusCode != 200 || body != "Hello from a module worker!" {
		t.Fatalf("GET / = %d %q", resp.StatusCode, body)
	}
	if !p.WaitOutput("GET / 200 OK", 5*time.Second) {
		t.Error("no request log line")
	}

	// vars (string and JSON) and secrets from .dev.vars
	_, body = p.Get("/env")
	var env struct {
		Greeting string `json:"greeting"`
		Settings struct {
			Retries int      `json:"retries"`
			Regions []string `json:"regions"`
		} `json:"settings"`
		Token string `json:"token"`
	}
	if err := json.Unmarshal([]byte(body), &env); err != nil {
		t.Fatalf("/env: %v: %s", err, body)
	}
	if env.Greeting != "hello" || env.Settings.Retries != 3 || len(env.Settings.Regions) != 2 || env.Token != "s3cret" {
		t.Errorf("/env = %+v", env)
	}

	// module state lives for the instance's life
	_, a := p.Get("/count")
	_, b := p.Get("/count")
	if a != "1" || b != "2" {
		t.Errorf("counter = %s, %s", a, b)
	}

	// request bodies and headers
	resp, body = p.Do("POST", "/echo", strings.NewReader("payload ✓"), map[string]string{"Content-Type": "text/plain"})
	if resp.StatusCode != 201 || body != "payload ✓" || resp.Header.Get("X-Method") != "POST" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("/echo = %d %q %v", resp.StatusCode, body, resp.Header)
	}

	// an uncaught exception: a 500 page and a source-mapped stack in the log
	resp, body = p.Get("/throw")
	if resp.StatusCode != 500 || !strings.Contains(body, "boom from the worker") || !strings.Contains(body, "src/index.ts:12") {
		t.Errorf("/throw = %d %q", resp.StatusCode, body)
	}
	if !p.WaitOutput("fail@src/index.ts:12", 5*time.Second) {
		t.Error("the log has no source-mapped stack")
	}
	resp, body = p.Get("/not-a-response")
	if resp.StatusCode != 500 || !strings.Contains(body, "did not resolve to 'Response'") {
		t.Errorf("/not-a-response = %d %q", resp.StatusCode, body)
	}
	// a browser gets an HTML error page
	resp, body = p.Do("GET", "/throw", nil, map[string]string{"Accept": "text/html"})
	if !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") || !strings.Contains(body, "<pre>") {
		t.Errorf("HTML error page: %v %q", resp.Header, body[:min(len(body), 200)])
	}
}

func TestStreamingResponse(t *testing.T) {
	p := outposttest.Dev(t, project("module-basic"))
	resp, err := http.Get(p.URL + "/stream")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	// The first chunk arrives before the worker has written the last one.
	buf := make([]byte, 64)
	start := time.Now()
	n, err := resp.Body.Read(buf)
	if err != nil || string(buf[:n]) != "chunk 0\n" {
		t.Fatalf("first read = %q, %v", buf[:n], err)
	}
	first := time.Since(start)
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != "chunk 1\nchunk 2\n" {
		t.Errorf("rest = %q", rest)
	}
	if total := time.Since(start); total < 90*time.Millisecond || first > total/2 {
		t.Errorf("not streamed: first chunk after %s, all after %s", first, total)
	}
}

func TestServiceWorkerRedirect(t *testing.T) {
	p := outposttest.Dev(t, project("sw-redirect"))
	for _, path := range []string{"/", "/some/page?x=1"} {
		resp, _ := p.Get(path)
		want := "https://example.com" + strings.SplitN(path, "?", 2)[0]
		if resp.StatusCode != 301 || resp.Header.Get("Location") != want {
			t.Errorf("GET %s = %d Location %q, want 301 %q", path, resp.StatusCode, resp.Header.Get("Location"), want)
		}
	}
}

func TestHonoApp(t *testing.T) {
	dir := project("hono-app")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "hono")); err != nil {
		t.Fatalf("hono is not installed in %s: run ./scripts/setup.sh", dir)
	}
	p := outposttest.Dev(t, dir)
	resp, body := p.Get("/")
	if resp.StatusCode != 200 || body != "Hello Hono!" || resp.Header.Get("X-Powered-By") != "hono-on-outpost" {
		t.Errorf("GET / = %d %q %v", resp.StatusCode, body, resp.Header)
	}
	_, body = p.Get("/users/42?q=abc")
	if body != `{"id":"42","q":"abc"}` {
		t.Errorf("GET /users/42 = %s", body)
	}
	resp, body = p.Do("POST", "/users", strings.NewReader(`{"name":"Ada"}`), map[string]string{"Content-Type": "application/json"})
	if resp.StatusCode != 201 || body != `{"created":"Ada"}` {
		t.Errorf("POST /users = %d %s", resp.StatusCode, body)
	}
	resp, body = p.Get("/nope")
	if resp.StatusCode != 404 || body != `{"error":"not found"}` {
		t.Errorf("GET /nope = %d %s", resp.StatusCode, body)
	}
	resp, body = p.Get("/error")
	if resp.StatusCode != 500 || body != `{"error":"hono handler failed"}` {
		t.Errorf("GET /error = %d %s", resp.StatusCode, body)
	}
}

// origin is a local stand-in for the outside world.
func origin(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	mux := http.NewServeMux()
	mux.HandleFunc("/hello", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		fmt.Fprintf(w, "hello from origin (%s %s)", r.Method, r.URL.Path)
	})
	mux.HandleFunc("/redirect", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/hello", http.StatusFound)
	})
	mux.HandleFunc("/slow", func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(5 * time.Second):
		case <-r.Context().Done():
		}
	})
	mux.HandleFunc("/chunks", func(w http.ResponseWriter, r *http.Request) {
		for i := 0; i < 3; i++ {
			fmt.Fprintf(w, "part %d\n", i)
			w.(http.Flusher).Flush()
			time.Sleep(100 * time.Millisecond)
		}
	})
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("X-Origin", "yes")
		fmt.Fprintf(w, "origin saw %s %s body=%q", r.Method, r.URL.RequestURI(), body)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &hits
}

func TestFetchToOrigin(t *testing.T) {
	o, _ := origin(t)
	p := outposttest.Dev(t, project("module-basic"), "--origin", o.URL)
	var got struct {
		Status     int    `json:"status"`
		Redirected bool   `json:"redirected"`
		URL        string `json:"url"`
		Location   string `json:"location"`
		Body       string `json:"body"`
		Error      string `json:"error"`
	}
	get := func(q string) {
		t.Helper()
		got.Status, got.Redirected, got.URL, got.Location, got.Body, got.Error = 0, false, "", "", "", ""
		_, body := p.Get("/fetch?" + q)
		if err := json.Unmarshal([]byte(body), &got); err != nil {
			t.Fatalf("%s: %v: %s", q, err, body)
		}
	}
	get("url=" + o.URL + "/hello")
	if got.Status != 200 || got.Body != "hello from origin (GET /hello)" || got.Redirected {
		t.Errorf("plain fetch: %+v", got)
	}
	get("url=" + o.URL + "/redirect")
	if got.Status != 200 || !got.Redirected || got.URL != o.URL+"/hello" {
		t.Errorf("redirect follow: %+v", got)
	}
	get("url=" + o.URL + "/redirect&redirect=manual")
	if got.Status != 302 || got.Location != "/hello" {
		t.Errorf("redirect manual: %+v", got)
	}
	get("url=" + o.URL + "/redirect&redirect=error")
	if got.Error == "" {
		t.Errorf("redirect error: %+v", got)
	}
	start := time.Now()
	get("url=" + o.URL + "/slow&timeout=200")
	if !strings.Contains(got.Error, "TimeoutError") || time.Since(start) > 3*time.Second {
		t.Errorf("abort by timeout: %+v after %s", got, time.Since(start))
	}
	get("url=http://127.0.0.1:1/closed")
	// The cause without Go's dial details (local address, resolver).
	if !strings.Contains(got.Error, "connection refused") || strings.Contains(got.Error, "dial tcp") {
		t.Errorf("connection refused: %+v", got)
	}

	// An origin body streams through the worker.
	resp, err := http.Get(p.URL + "/proxy-stream?url=" + o.URL + "/chunks")
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 64)
	start = time.Now()
	n, _ := resp.Body.Read(buf)
	first := time.Since(start)
	rest, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(buf[:n])+string(rest) != "part 0\npart 1\npart 2\n" || first > 150*time.Millisecond {
		t.Errorf("proxy stream = %q+%q, first chunk after %s", buf[:n], rest, first)
	}

	// fetch() to the worker's own host reaches the origin, not the worker.
	resp2, body := p.Get("/self")
	if resp2.StatusCode != 200 || body != `origin saw GET /from-self body=""` {
		t.Errorf("/self = %d %q", resp2.StatusCode, body)
	}
}

func TestFetchToSelfWithoutOrigin(t *testing.T) {
	p := outposttest.Dev(t, project("module-basic"))
	resp, body := p.Get("/self")
	if resp.StatusCode != 500 || !strings.Contains(body, "no origin") && !strings.Contains(body, "none is configured") {
		t.Errorf("/self without origin = %d %q", resp.StatusCode, body)
	}
}

func TestWaitUntil(t *testing.T) {
	p := outposttest.Dev(t, project("module-basic"))
	start := time.Now()
	resp, body := p.Get("/wait")
	if body != "responded" || time.Since(start) > 250*time.Millisecond {
		t.Errorf("/wait = %q after %s: the response waited for waitUntil", body, time.Since(start))
	}
	resp.Body.Close()
	_, before := p.Get("/background")
	if before != "none" {
		t.Errorf("background work finished too early: %q", before)
	}
	time.Sleep(500 * time.Millisecond)
	_, after := p.Get("/background")
	if !strings.HasPrefix(after, "done at ") {
		t.Errorf("waitUntil work did not finish after the response: %q", after)
	}
	_, body = p.Get("/wait-fail")
	if body != "ok" || !p.WaitOutput("background task failed", 5*time.Second) {
		t.Errorf("a failed waitUntil is not logged (body %q)", body)
	}
}

func TestPassThrough(t *testing.T) {
	o, _ := origin(t)
	p := outposttest.Dev(t, project("passthrough"), "--origin", o.URL)
	_, body := p.Get("/worker")
	if body != "answered by the worker" {
		t.Errorf("/worker = %q", body)
	}
	// No respondWith: the origin answers.
	resp, body := p.Get("/elsewhere?q=1")
	if body != `origin saw GET /elsewhere?q=1 body=""` || resp.Header.Get("X-Origin") != "yes" {
		t.Errorf("/elsewhere = %q", body)
	}
	// passThroughOnException: the origin gets the whole original request,
	// body included, even though the worker read it.
	resp, body = p.Do("POST", "/fail", strings.NewReader("the body"), nil)
	if resp.StatusCode != 200 || body != `origin saw POST /fail body="the body"` {
		t.Errorf("/fail = %d %q", resp.StatusCode, body)
	}
}

func TestPassThroughWithoutOrigin(t *testing.T) {
	p := outposttest.Dev(t, project("passthrough"))
	done := make(chan struct{})
	var resp *http.Response
	var body string
	go func() { resp, body = p.Get("/elsewhere"); close(done) }()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("a request with no respondWith and no origin hangs")
	}
	if resp.StatusCode != 502 || !strings.Contains(body, "no origin is configured") {
		t.Errorf("= %d %q", resp.StatusCode, body)
	}
	if !p.WaitOutput("no origin is configured", 5*time.Second) {
		t.Error("no log line")
	}
}

func TestInfiniteLoopIsStopped(t *testing.T) {
	p := outposttest.Dev(t, project("module-basic"))
	var wg sync.WaitGroup
	var loopStatus, okStatus int
	var okBody string
	wg.Add(1)
	go func() {
		defer wg.Done()
		resp, _ := p.Get("/loop")
		loopStatus = resp.StatusCode
	}()
	time.Sleep(100 * time.Millisecond)
	// A second request on the same worker, sent while the loop runs.
	resp, body := p.Get("/")
	okStatus, okBody = resp.StatusCode, body
	wg.Wait()
	if loopStatus != 503 {
		t.Errorf("/loop = %d, want 503", loopStatus)
	}
	if okStatus != 200 || okBody != "Hello from a module worker!" {
		t.Errorf("second request = %d %q", okStatus, okBody)
	}
	if !p.WaitOutput("exceeded CPU time limit", 5*time.Second) {
		t.Error("no log line for the CPU limit")
	}
	// And the server keeps serving.
	if resp, _ := p.Get("/"); resp.StatusCode != 200 {
		t.Errorf("after the loop: %d", resp.StatusCode)
	}
}

func TestConfigError(t *testing.T) {
	out, code := outposttest.Run(t, project("bad-config"), "dev", "--port", fmt.Sprint(outposttest.FreePort(t)))
	if code == 0 || !strings.Contains(out, "wrangler.toml") || !strings.Contains(out, "kv_namespaces[0].binding") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestBundleError(t *testing.T) {
	out, code := outposttest.Run(t, project("bundle-error"), "dev", "--port", fmt.Sprint(outposttest.FreePort(t)))
	if code == 0 || !strings.Contains(out, "src/index.ts:3:") {
		t.Errorf("exit %d, output:\n%s", code, out)
	}
}

func TestReloadOnSave(t *testing.T) {
	dir := outposttest.CopyDir(t, project("module-basic"))
	p := outposttest.Dev(t, dir)
	_, body := p.Get("/")
	if body != "Hello from a module worker!" {
		t.Fatalf("before = %q", body)
	}
	src := filepath.Join(dir, "src", "index.ts")
	orig, _ := os.ReadFile(src)
	// A broken edit: the error is printed, the last good version serves.
	os.WriteFile(src, []byte(strings.Replace(string(orig), `return new Response("Hello from a module worker!");`, `return new Response("oops";`, 1)), 0o644)
	if !p.WaitOutput("reload failed", 10*time.Second) {
		t.Fatal("no reload error printed")
	}
	if _, body := p.Get("/"); body != "Hello from a module worker!" {
		t.Errorf("during a broken edit = %q", body)
	}
	// A good edit is picked up without a restart.
	os.WriteFile(src, []byte(strings.Replace(string(orig), "Hello from a module worker!", "Hello again!", 1)), 0o644)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, body := p.Get("/"); body == "Hello again!" {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("the edit was not picked up; output:\n%s", p.Output())
}

// A file the project's sources do not use (here a log the server's output
// goes to, in the project directory) does not reload the worker; an edit of
// a source still does, once.
func TestNoReloadOnUnrelatedFile(t *testing.T) {
	dir := outposttest.CopyDir(t, project("module-basic"))
	p := outposttest.Dev(t, dir)
	log := filepath.Join(dir, "dev.log")
	for i := 0; i < 5; i++ {
		if err := os.WriteFile(log, []byte(strings.Repeat("GET / 200 OK\n", i+1)), 0o644); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // past the watcher's debounce
	src := filepath.Join(dir, "src", "index.ts")
	orig, _ := os.ReadFile(src)
	os.WriteFile(src, []byte(strings.Replace(string(orig), "Hello from a module worker!", "Hello again!", 1)), 0o644)
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		if _, body := p.Get("/"); body == "Hello again!" {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	// The log line can trail the swap the request saw.
	p.WaitOutput("Reloaded", 5*time.Second)
	if n := strings.Count(p.Output(), "Reloaded"); n != 1 {
		t.Errorf("%d reloads, want 1 (for the source edit only); output:\n%s", n, p.Output())
	}
}
