package runtime

import "testing"

// A streamed response whose size is known up front (a body's own stream, a
// FixedLengthStream) reaches the host with its length, as on workerd;
// other streams have none.
func TestStreamedBodyLength(t *testing.T) {
	w := newTestWorker(t, `var __outpost_entry = { default: {
	async fetch(req) {
		switch (new URL(req.url).pathname) {
		case "/rewrap": {
			const inner = new Response("héllo, wörld");
			return new Response(inner.body, { headers: inner.headers });
		}
		case "/bytes": return new Response(new Response(new Uint8Array(300)).body);
		case "/touched": { const r = new Response("abc"); r.body; return r; }
		case "/fixed": {
			const { readable, writable } = new FixedLengthStream(5);
			const wr = writable.getWriter();
			wr.write(new TextEncoder().encode("12")).then(() => wr.write(new TextEncoder().encode("345"))).then(() => wr.close());
			return new Response(readable);
		}
		case "/open": return new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("xyz")); c.close(); } }));
		case "/clone": { const r = new Response("twice"); return new Response(r.clone().body); }
		}
	},
} };`, true, 1)
	for _, tc := range []struct {
		path   string
		length int64
		body   string
	}{
		{"/rewrap", int64(len("héllo, wörld")), "héllo, wörld"},
		{"/bytes", 300, string(make([]byte, 300))},
		{"/touched", 3, "abc"},
		{"/fixed", 5, "12345"},
		{"/open", -1, "xyz"},
		{"/clone", 5, "twice"},
	} {
		resp, body, err := fetchText(t, w, "GET", tc.path, "")
		if err != nil || resp.ContentLength != tc.length || body != tc.body {
			t.Errorf("%s: ContentLength %d body %q (%v), want %d %q", tc.path, resp.ContentLength, body, err, tc.length, tc.body)
		}
	}
}
