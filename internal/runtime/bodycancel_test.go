package runtime

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// When the request's context ends while the worker's stream is idle (the
// client went away), the stream is canceled at once, not at its next chunk.
func TestStreamCanceledWhenRequestEnds(t *testing.T) {
	w := newTestWorker(t, `var __outpost_entry = { default: {
	async fetch(req) {
		if (new URL(req.url).pathname === "/reason") return new Response(String(globalThis.canceled));
		return new Response(new ReadableStream({
			start(c) { c.enqueue(new TextEncoder().encode("first")); },
			// Nothing more for a minute (a pending timer: the
			// invocation is waiting, not hung).
			pull() { return new Promise((r) => setTimeout(r, 60000)); },
			cancel(reason) { globalThis.canceled = "canceled: " + reason; },
		}));
	},
} };`, true, 1)
	ctx, cancel := context.WithCancel(context.Background())
	resp, err := w.Fetch(ctx, &Request{Method: "GET", URL: "http://example.com/", Header: http.Header{}})
	if err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 16)
	if n, err := resp.Body.Read(buf); err != nil || string(buf[:n]) != "first" {
		t.Fatalf("first read = %q, %v", buf[:n], err)
	}
	read := make(chan error, 1)
	go func() {
		_, err := resp.Body.Read(buf)
		read <- err
	}()
	time.Sleep(50 * time.Millisecond)
	cancel()
	select {
	case err := <-read:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("read after the request ended = %v, want context.Canceled", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the read still waits for the worker after the request ended")
	}
	resp.Body.Close()
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, body, err := fetchText(t, w, "GET", "/reason", "")
		if err == nil && strings.HasPrefix(body, "canceled: ") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker's stream was not canceled: %q %v", body, err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
