package runtime

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func newTestWorker(t *testing.T, code string, modules bool, size int) *Worker {
	t.Helper()
	var mu sync.Mutex
	host := &Host{Console: func(worker, level, text string) {
		mu.Lock()
		defer mu.Unlock()
		t.Logf("console.%s: %s", level, text)
	}}
	w, err := NewWorker(&Config{
		Name:     "test",
		Script:   Script{Code: code, URL: "worker.js", Modules: modules},
		Bindings: Bindings{Vars: map[string]any{"NAME": "outpost", "CONF": map[string]any{"n": 2}}},
		CPULimit: 300 * time.Millisecond,
		Host:     host,
	}, size)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(5 * time.Second) })
	return w
}

const moduleScript = `var __outpost_entry = { default: {
	async fetch(req, env, ctx) {
		const url = new URL(req.url);
		if (url.pathname === "/hello") return new Response("hi " + env.NAME + " " + env.CONF.n, { headers: { "x-a": "1" } });
		if (url.pathname === "/body") return new Response(await req.text() + "!");
		if (url.pathname === "/wait") { ctx.waitUntil(new Promise(r => setTimeout(() => { globalThis.waited = true; r() }, 100))); return new Response("w") }
		if (url.pathname === "/waited") return new Response(String(!!globalThis.waited));
		if (url.pathname === "/slow") { await new Promise(r => setTimeout(r, 200)); return new Response("slow") }
		if (url.pathname === "/loop") { for (;;) {} }
		if (url.pathname === "/throw") throw new TypeError("bad input");
		if (url.pathname === "/stream") {
			let i = 0;
			return new Response(new ReadableStream({ pull(c) { if (i < 3) c.enqueue(new TextEncoder().encode("c" + i++)); else c.close(); } }));
		}
		return new Response("nf", { status: 404 });
	},
	async scheduled(controller, env, ctx) { globalThis.lastCron = controller.cron; },
} };`

func fetchText(t *testing.T, w *Worker, method, path, body string) (*Response, string, error) {
	t.Helper()
	req := &Request{Method: method, URL: "http://example.com" + path, Header: http.Header{}}
	if body != "" {
		req.Body = io.NopCloser(strings.NewReader(body))
	}
	resp, err := w.Fetch(context.Background(), req)
	if err != nil {
		return nil, "", err
	}
	if resp.Body == nil {
		return resp, "", nil
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b), err
}

func TestDispatch(t *testing.T) {
	w := newTestWorker(t, moduleScript, true, 1)
	resp, body, err := fetchText(t, w, "GET", "/hello", "")
	if err != nil || resp.Status != 200 || body != "hi outpost 2" || resp.Header.Get("X-A") != "1" || resp.ContentLength != int64(len(body)) {
		t.Fatalf("/hello = %+v %q %v", resp, body, err)
	}
	_, body, err = fetchText(t, w, "POST", "/body", "data")
	if err != nil || body != "data!" {
		t.Errorf("/body = %q %v", body, err)
	}
	_, body, err = fetchText(t, w, "GET", "/stream", "")
	if err != nil || body != "c0c1c2" {
		t.Errorf("/stream = %q %v", body, err)
	}
	_, _, err = fetchText(t, w, "GET", "/throw", "")
	var se *ScriptError
	if !errors.As(err, &se) || se.Name != "TypeError" || se.Message != "bad input" {
		t.Errorf("/throw err = %v", err)
	}
}

func TestConcurrentRequestsInterleave(t *testing.T) {
	w := newTestWorker(t, moduleScript, true, 1)
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, body, err := fetchText(t, w, "GET", "/slow", ""); err != nil || body != "slow" {
				t.Errorf("/slow = %q %v", body, err)
			}
		}()
	}
	wg.Wait()
	// Ten 200 ms handlers on one instance finish together, not in 2 s.
	if d := time.Since(start); d > time.Second {
		t.Errorf("requests did not interleave: %s", d)
	}
}

func TestWaitUntilAfterResponse(t *testing.T) {
	w := newTestWorker(t, moduleScript, true, 1)
	if _, body, _ := fetchText(t, w, "GET", "/wait", ""); body != "w" {
		t.Fatal(body)
	}
	if _, body, _ := fetchText(t, w, "GET", "/waited", ""); body != "false" {
		t.Errorf("waitUntil finished before the response: %s", body)
	}
	if !w.Instances()[0].Wait(2 * time.Second) {
		t.Fatal("waitUntil work never finished")
	}
	if _, body, _ := fetchText(t, w, "GET", "/waited", ""); body != "true" {
		t.Errorf("after waiting: %s", body)
	}
}

func TestCPULimitReplacesInstance(t *testing.T) {
	w := newTestWorker(t, moduleScript, true, 1)
	first := w.Instances()[0]
	_, _, err := fetchText(t, w, "GET", "/loop", "")
	var se *ScriptError
	if !errors.As(err, &se) || !se.Limit {
		t.Fatalf("/loop err = %v", err)
	}
	if _, body, err := fetchText(t, w, "GET", "/hello", ""); err != nil || body != "hi outpost 2" {
		t.Errorf("after the loop: %q %v", body, err)
	}
	if w.Instances()[0] == first {
		t.Error("the stopped instance was not replaced")
	}
}

func TestScheduledAndSwap(t *testing.T) {
	w := newTestWorker(t, moduleScript, true, 2)
	if _, err := w.Scheduled(context.Background(), "*/5 * * * *", time.Now()); err != nil {
		t.Fatal(err)
	}
	v2 := strings.Replace(moduleScript, `"hi "`, `"v2 "`, 1)
	if err := w.Swap(&Config{Name: "test", Script: Script{Code: v2, Modules: true}, Bindings: Bindings{Vars: map[string]any{"NAME": "x", "CONF": map[string]any{"n": 1}}}}); err != nil {
		t.Fatal(err)
	}
	if _, body, _ := fetchText(t, w, "GET", "/hello", ""); body != "v2 x 1" {
		t.Errorf("after swap: %q", body)
	}
	// A version that fails to start leaves the old one serving.
	if err := w.Swap(&Config{Name: "test", Script: Script{Code: "throw new Error('broken at start')", Modules: true}}); err == nil || !strings.Contains(err.Error(), "broken at start") {
		t.Errorf("bad swap err = %v", err)
	}
	if _, body, _ := fetchText(t, w, "GET", "/hello", ""); body != "v2 x 1" {
		t.Errorf("after a failed swap: %q", body)
	}
}

func TestServiceWorkerFormat(t *testing.T) {
	sw := `addEventListener("fetch", e => {
		if (new URL(e.request.url).pathname === "/skip") return;
		e.respondWith(new Response(NAME + " sw"));
	});`
	w := newTestWorker(t, sw, false, 1)
	if _, body, err := fetchText(t, w, "GET", "/", ""); err != nil || body != "outpost sw" {
		t.Errorf("= %q %v", body, err)
	}
	resp, _, err := fetchText(t, w, "GET", "/skip", "")
	if err != nil || !resp.PassThrough {
		t.Errorf("no respondWith: %+v %v", resp, err)
	}
}

func TestStartupErrors(t *testing.T) {
	for name, tc := range map[string]struct {
		code    string
		modules bool
		want    string
	}{
		"syntax":           {"let x = ;", false, "SyntaxError"},
		"no fetch handler": {"var __outpost_entry = { default: {} };", true, "fetch"},
		"throws at start":  {"throw new RangeError('nope')", false, "nope"},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := NewInstance(&Config{Name: "bad", Script: Script{Code: tc.code, Modules: tc.modules}})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want it to mention %q", err, tc.want)
			}
		})
	}
}
