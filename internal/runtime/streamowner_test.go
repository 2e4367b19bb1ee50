package runtime

import (
	"testing"
	"time"
)

// A subrequest's body the worker never reads is closed when its invocation
// ends (on Cloudflare a request's I/O objects end with it), so an instance
// serving many such requests holds none of them; a body read to its end or
// handed on as the response is not held either.
func TestUnreadBodiesEndWithTheirInvocation(t *testing.T) {
	in := newFetchingInstance(t, "origin body", `var __outpost_entry = { default: {
	async fetch(req, env) {
		const res = await fetch(env.ORIGIN);
		switch (new URL(req.url).pathname) {
		case "/read": return new Response(await res.text());
		case "/pass": return res;
		default: return new Response(String(res.status));
		}
	},
} };`)
	for _, path := range []string{"/unread", "/read", "/pass"} {
		for range 20 {
			if _, _, err := benchFetch(in, "http://example.com"+path); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
		}
	}
	// The last invocation ends once its response has been sent.
	deadline := time.Now().Add(10 * time.Second)
	for {
		in.streams.mu.Lock()
		open := len(in.streams.m)
		in.streams.mu.Unlock()
		if open == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d streams still open after 60 requests ended", open)
		}
		time.Sleep(10 * time.Millisecond)
	}
}
