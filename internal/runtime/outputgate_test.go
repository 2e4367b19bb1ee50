package runtime

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// A fetch() made under an output gate leaves only after the gate opens,
// and not at all when the gate fails; without a gate it leaves at once.
func TestFetchWaitsForTheOutputGate(t *testing.T) {
	var arrived atomic.Int64
	var gateOpened atomic.Int64
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		if gateOpened.Load() == 0 && r.URL.Query().Get("gated") == "1" {
			http.Error(w, "arrived before the gate opened", 500)
			return
		}
		io.WriteString(w, "origin")
	}))
	defer origin.Close()
	w, err := NewWorker(&Config{
		Name: "gate",
		Script: Script{Code: `var __outpost_entry = { default: {
			async fetch(req, env) {
				try {
					const res = await fetch(env.ORIGIN + new URL(req.url).search);
					return new Response(res.status + " " + await res.text());
				} catch (e) {
					return new Response("rejected: " + e.message, { status: 502 });
				}
			},
		} };`, URL: "worker.js", Modules: true},
		Bindings: Bindings{Vars: map[string]any{"ORIGIN": origin.URL}},
		Host:     &Host{Console: func(_, _, text string) { t.Log(text) }},
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(time.Second)
	get := func(ctx context.Context, query string) string {
		t.Helper()
		resp, err := w.Fetch(ctx, &Request{Method: "GET", URL: "http://gate.test/" + query, Header: http.Header{}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		return string(b)
	}

	gate := func() error {
		time.Sleep(50 * time.Millisecond) // a write being made durable
		gateOpened.Add(1)
		return nil
	}
	if got := get(WithOutputGate(context.Background(), gate), "?gated=1"); got != "200 origin" {
		t.Fatalf("gated fetch: %q", got)
	}
	if gateOpened.Load() != 1 {
		t.Fatalf("the gate was passed %d times", gateOpened.Load())
	}

	before := arrived.Load()
	failing := func() error { return errors.New("storage lost") }
	if got := get(WithOutputGate(context.Background(), failing), ""); !strings.HasPrefix(got, "rejected: ") || !strings.Contains(got, "storage lost") {
		t.Fatalf("fetch behind a failed gate: %q", got)
	}
	if arrived.Load() != before {
		t.Fatal("a fetch behind a failed gate reached the origin")
	}

	if got := get(context.Background(), ""); got != "200 origin" {
		t.Fatalf("ungated fetch: %q", got)
	}
}
