package runtime

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// The prelude's entry hooks (dispatch.js) as Go drives them: a worker's
// handlers get the request, env and ctx, and what they answer comes back
// to Go, in both script formats.

func hookInstance(t *testing.T, code string, modules bool, vars map[string]any) *Instance {
	t.Helper()
	in, err := NewInstance(&Config{
		Name:     "hooks",
		Script:   Script{Code: code, URL: "worker.js", Modules: modules},
		Bindings: Bindings{Vars: vars},
		Host:     &Host{Console: func(worker, level, text string) { t.Logf("console.%s: %s", level, text) }},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	return in
}

func hookFetch(t *testing.T, in *Instance, req *Request) (*Response, string, error) {
	t.Helper()
	if req.Method == "" {
		req.Method = "GET"
	}
	if req.URL == "" {
		req.URL = "https://w.example/path?q=1"
	}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	resp, err := in.Fetch(ctx, req)
	if err != nil || resp.Body == nil {
		return resp, "", err
	}
	b, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(b), err
}

// trackedBody is a request body that records being closed.
type trackedBody struct {
	io.Reader
	closed atomic.Bool
}

func (b *trackedBody) Close() error { b.closed.Store(true); return nil }

func modules(body string) string { return "var __outpost_entry = { default: " + body + " };" }

func TestEntryModulesFetch(t *testing.T) {
	in := hookInstance(t, modules(`{
	fetch(request, env, ctx) {
		const seen = { method: request.method, url: request.url, xa: request.headers.get("X-A"), env: env.GREETING, cf: request.cf.colo,
			redirect: request.redirect, waitUntil: typeof ctx.waitUntil };
		ctx.waitUntil(Promise.resolve("later"));
		return new Response(JSON.stringify(seen), { status: 201, headers: { "x-out": "y" } });
	},
}`), true, map[string]any{"GREETING": "world"})
	resp, body, err := hookFetch(t, in, &Request{Header: http.Header{"X-A": {"1"}}, CF: map[string]any{"colo": "TST"}})
	if err != nil {
		t.Fatal(err)
	}
	var seen map[string]string
	if err := json.Unmarshal([]byte(body), &seen); err != nil {
		t.Fatalf("body %q: %v", body, err)
	}
	want := map[string]string{"method": "GET", "url": "https://w.example/path?q=1", "xa": "1", "env": "world", "cf": "TST", "redirect": "manual", "waitUntil": "function"}
	for k, v := range want {
		if seen[k] != v {
			t.Errorf("%s = %q, want %q", k, seen[k], v)
		}
	}
	if resp.Status != 201 || resp.Header.Get("X-Out") != "y" || resp.Header.Get("Content-Type") != "text/plain;charset=UTF-8" {
		t.Errorf("response %d %v", resp.Status, resp.Header)
	}
}

func TestEntryRequestBody(t *testing.T) {
	in := hookInstance(t, modules(`{
	async fetch(request) {
		const path = new URL(request.url).pathname;
		if (path === "/text") {
			let immutable = false;
			try { request.headers.set("x", "y"); } catch (e) { immutable = e instanceof TypeError; }
			return new Response((await request.text()) + " " + immutable);
		}
		if (path === "/stream") {
			const { readable, writable } = new TransformStream();
			const w = writable.getWriter();
			w.write(new TextEncoder().encode("one,"));
			w.write(new TextEncoder().encode("two"));
			w.close();
			return new Response(readable);
		}
		// /proxy: the body handed back untouched.
		const res = new Response(request.body);
		res.headers.set("x-used", String(request.bodyUsed));
		return res;
	},
}`), true, nil)
	_, body, err := hookFetch(t, in, &Request{Method: "POST", URL: "https://w.example/text", Body: io.NopCloser(strings.NewReader("abcd"))})
	if err != nil || body != "abcd true" {
		t.Errorf("/text = %q, %v; want the body and immutable headers", body, err)
	}
	if _, body, err := hookFetch(t, in, &Request{URL: "https://w.example/stream"}); err != nil || body != "one,two" {
		t.Errorf("/stream = %q, %v", body, err)
	}
	resp, body, err := hookFetch(t, in, &Request{Method: "POST", URL: "https://w.example/proxy", Body: io.NopCloser(strings.NewReader("xy"))})
	if err != nil || body != "xy" || resp.Header.Get("X-Used") != "true" {
		t.Errorf("/proxy = %q, %v, x-used %q", body, err, resp.Header.Get("X-Used"))
	}

	// Closing the response closes the request body it streams from.
	pr, pw := io.Pipe()
	defer pw.Close()
	go pw.Write([]byte("a"))
	reqBody := &trackedBody{Reader: pr}
	resp, err = in.Fetch(context.Background(), &Request{Method: "POST", URL: "https://w.example/proxy", Header: http.Header{}, Body: reqBody})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 8)
	if n, err := resp.Body.Read(buf); err != nil || string(buf[:n]) != "a" {
		t.Fatalf("first read = %q, %v", buf[:n], err)
	}
	resp.Body.Close()
	for deadline := time.Now().Add(5 * time.Second); !reqBody.closed.Load(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the request body was not closed with the response")
		}
	}
}

func TestEntryErrors(t *testing.T) {
	in := hookInstance(t, modules(`{
	async fetch(request, env, ctx) {
		switch (new URL(request.url).pathname) {
		case "/string": return "nope";
		case "/throw": throw new Error("handler broke");
		case "/pass": ctx.passThroughOnException(); throw new Error("x");
		}
		return new Response("ok");
	},
}`), true, nil)
	if _, _, err := hookFetch(t, in, &Request{URL: "https://w.example/string"}); err == nil || !strings.Contains(err.Error(), "did not resolve to 'Response'") {
		t.Errorf("a string result: %v", err)
	}
	if _, _, err := hookFetch(t, in, &Request{URL: "https://w.example/throw"}); err == nil || !strings.Contains(err.Error(), "handler broke") {
		t.Errorf("a throwing handler: %v", err)
	}
	if resp, _, err := hookFetch(t, in, &Request{URL: "https://w.example/pass"}); err != nil || !resp.PassThrough {
		t.Errorf("passThroughOnException: %+v, %v", resp, err)
	}
}

func TestEntryClassAndScheduled(t *testing.T) {
	in := hookInstance(t, `class Entry {
	constructor(ctx, env) { this.env = env; this.ctx = ctx; }
	fetch(request) { return new Response(this.env.V + typeof this.ctx.waitUntil + " " + JSON.stringify(globalThis.seen)); }
	// A class's handlers take only the event; env and ctx are this.env, this.ctx.
	scheduled(controller) {
		globalThis.seen = [controller.cron, controller.scheduledTime, controller.type, this.env.V];
		controller.noRetry();
	}
}
var __outpost_entry = { default: Entry };`, true, map[string]any{"V": "v"})
	res, err := in.Scheduled(context.Background(), "*/5 * * * *", time.UnixMilli(1000))
	if err != nil || !res.NoRetry {
		t.Errorf("scheduled = %+v, %v; want noRetry", res, err)
	}
	if _, body, err := hookFetch(t, in, &Request{}); err != nil || body != `vfunction ["*/5 * * * *",1000,"scheduled","v"]` {
		t.Errorf("fetch = %q, %v", body, err)
	}
}

func TestEntryServiceWorker(t *testing.T) {
	in := hookInstance(t, `
addEventListener("fetch", (event) => {
	const path = new URL(event.request.url).pathname;
	if (path === "/late") {
		// waitUntil keeps the request (and so its timer) alive after the
		// listener returned.
		event.waitUntil(new Promise((done) => setTimeout(() => {
			try { event.respondWith(new Response("late")); } catch (e) { globalThis.late = e.name; }
			done();
		}, 0)));
		return;
	}
	if (path === "/seen") return event.respondWith(new Response(String(globalThis.late) + " " + globalThis.cron));
	event.respondWith(Promise.resolve(new Response((event instanceof FetchEvent) + " " + SW_VAR + " " + path)));
});
addEventListener("scheduled", (e) => { globalThis.cron = e.cron; e.noRetry(); });`, false, map[string]any{"SW_VAR": "v"})
	if _, body, err := hookFetch(t, in, &Request{}); err != nil || body != "true v /path" {
		t.Errorf("fetch = %q, %v", body, err)
	}
	// respondWith after the listener returned is refused: no response.
	if resp, _, err := hookFetch(t, in, &Request{URL: "https://w.example/late"}); err != nil || !resp.PassThrough {
		t.Errorf("late respondWith = %+v, %v; want passThrough", resp, err)
	}
	time.Sleep(20 * time.Millisecond)
	if res, err := in.Scheduled(context.Background(), "0 0 * * *", time.Now()); err != nil || !res.NoRetry {
		t.Errorf("scheduled = %+v, %v", res, err)
	}
	if _, body, err := hookFetch(t, in, &Request{URL: "https://w.example/seen"}); err != nil || body != "InvalidStateError 0 0 * * *" {
		t.Errorf("seen = %q, %v", body, err)
	}

	// A cron-only worker is valid; a request to it fails.
	cronOnly := hookInstance(t, `addEventListener("scheduled", () => {});`, false, nil)
	if _, _, err := hookFetch(t, cronOnly, &Request{}); err == nil || !strings.Contains(err.Error(), "No fetch event listener") {
		t.Errorf("fetch to a cron-only worker: %v", err)
	}
	_, err := NewInstance(&Config{Name: "no-listener", Script: Script{Code: `addEventListener("message", () => {});`}})
	if err == nil || !strings.Contains(err.Error(), `no "fetch" event listener`) {
		t.Errorf("a service worker without listeners: %v", err)
	}
}

func TestEntryModulesCronOnly(t *testing.T) {
	in := hookInstance(t, modules(`{ scheduled(controller, env, ctx) {
	if (controller.cron !== "* * * * *" || env.K !== "k" || typeof ctx.waitUntil !== "function") throw new Error("bad arguments");
} }`), true, map[string]any{"K": "k"})
	if res, err := in.Scheduled(context.Background(), "* * * * *", time.Now()); err != nil || res.NoRetry {
		t.Errorf("scheduled = %+v, %v", res, err)
	}
	if _, _, err := hookFetch(t, in, &Request{}); err == nil {
		t.Error("fetch to a module without a fetch handler succeeded")
	}
	_, err := NewInstance(&Config{Name: "bad", Script: Script{Code: modules("{ alarm() {} }"), Modules: true}})
	if err == nil || !strings.Contains(err.Error(), "no fetch, scheduled or queue handler") {
		t.Errorf("a module without handlers: %v", err)
	}
}
