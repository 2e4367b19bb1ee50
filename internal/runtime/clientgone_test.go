package runtime

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// A client that leaves before the response cancels the invocation's
// subrequests; one that leaves after it (a streamed body still being sent,
// waitUntil work) does not.
func TestClientThatLeavesCancelsSubrequests(t *testing.T) {
	canceled := make(chan string, 4)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/fast" {
			io.WriteString(w, "fast")
			return
		}
		select {
		case <-r.Context().Done():
			canceled <- r.URL.Path
		case <-time.After(5 * time.Second):
			io.WriteString(w, "slow")
		}
	}))
	defer origin.Close()
	w := newQuietWorker(t, &Config{
		Name: "gone",
		Script: Script{Code: `var __outpost_entry = { default: {
			async fetch(req, env, ctx) {
				const path = new URL(req.url).pathname;
				if (path === "/before") {
					const res = await fetch(env.ORIGIN + "/before");
					return new Response(await res.text());
				}
				// Responds at once; the subrequest goes on in waitUntil.
				ctx.waitUntil(fetch(env.ORIGIN + "/after").then((r) => r.text()));
				return new Response("answered");
			},
		} };`, URL: "worker.js", Modules: true},
		Bindings: Bindings{Vars: map[string]any{"ORIGIN": origin.URL}},
	})

	// The client leaves while the handler waits for its subrequest.
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		time.Sleep(200 * time.Millisecond)
		cancel()
	}()
	if _, err := w.Fetch(ctx, &Request{Method: "GET", URL: "http://gone.test/before", Header: http.Header{}}); err == nil {
		t.Fatal("a request whose client left got a response")
	}
	select {
	case path := <-canceled:
		if path != "/before" {
			t.Fatalf("canceled %s", path)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the subrequest of a request whose client left was not canceled")
	}

	// The client leaves once it has its response: the waitUntil
	// subrequest is not canceled.
	ctx, cancel = context.WithCancel(context.Background())
	resp, err := w.Fetch(ctx, &Request{Method: "GET", URL: "http://gone.test/after", Header: http.Header{}})
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(body) != "answered" {
		t.Fatalf("body %q", body)
	}
	cancel()
	select {
	case path := <-canceled:
		t.Fatalf("the waitUntil subrequest %s was canceled when the client left after its response", path)
	case <-time.After(500 * time.Millisecond):
	}
}
