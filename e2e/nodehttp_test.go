package e2e

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// TestNodeHTTPServer serves a node:http createServer() server through
// cloudflare:node's httpServerHandler.
func TestNodeHTTPServer(t *testing.T) {
	p := outposttest.Dev(t, outposttest.CopyDir(t, project("node-http-server")))

	resp, body := p.Get("/?x=1")
	if resp.StatusCode != 200 || body != "Hello from GET /?x=1" || resp.Header.Get("X-Powered-By") != "node:http" {
		t.Errorf("GET / = %d %q %v", resp.StatusCode, body, resp.Header)
	}

	resp, body = p.Do("POST", "/echo", strings.NewReader("payload"), map[string]string{"Content-Type": "text/plain", "X-Multi": "1"})
	var echo map[string]string
	if err := json.Unmarshal([]byte(body), &echo); err != nil || resp.StatusCode != 201 ||
		echo["method"] != "POST" || echo["body"] != "payload" || echo["length"] != "7" || echo["type"] != "text/plain" || echo["env"] != "object" {
		t.Errorf("POST /echo = %d %s", resp.StatusCode, body)
	}
	if c := resp.Header.Values("Set-Cookie"); len(c) != 2 || c[0] != "a=1; Path=/" || c[1] != "b=2; Path=/" {
		t.Errorf("Set-Cookie = %q", c)
	}

	// res.write() chunks arrive as they are written.
	resp, chunks, _ := readChunks(t, p, "/stream", nil)
	if resp.StatusCode != 200 || joinChunks(chunks) != "chunk 0\nchunk 1\nchunk 2\ndone\n" {
		t.Fatalf("GET /stream = %d %q", resp.StatusCode, joinChunks(chunks))
	}
	first, _ := firstWith(chunks, "chunk 0")
	last, _ := firstWith(chunks, "done")
	if last-first < 300*time.Millisecond {
		t.Errorf("the chunks arrived together (%v apart): the response was buffered", last-first)
	}

	// A zlib stream piped into the response. As on workerd, whose
	// node:http adapter builds its Response without encodeBody: "manual",
	// the Content-Encoding the handler sets makes the runtime encode the
	// (already gzipped) body once more.
	gresp, gbody := rawGet(t, p.URL, "", "/gzip", "gzip")
	plain := decodeBody(t, "gzip", []byte(decodeBody(t, "gzip", gbody)))
	if gresp.Header.Get("Content-Encoding") != "gzip" || !strings.HasPrefix(plain, "line 0\nline 1\n") || !strings.HasSuffix(plain, "line 99\n") {
		t.Errorf("GET /gzip = %v %q", gresp.Header, plain)
	}

	// And a Brotli stream.
	bresp, bbody := rawGet(t, p.URL, "", "/br", "br")
	plain = decodeBody(t, "br", []byte(decodeBody(t, "br", bbody)))
	if bresp.Header.Get("Content-Encoding") != "br" || !strings.HasSuffix(plain, "line 98\nline 99\n") {
		t.Errorf("GET /br = %v %q", bresp.Header, plain)
	}

	if resp, body = p.Get("/headers-sent"); body != "x" || !p.WaitOutput("late header: ERR_HTTP_HEADERS_SENT", 2*time.Second) {
		t.Errorf("GET /headers-sent = %q\n%s", body, p.Output())
	}
	// An async handler that throws fails the request at once.
	start := time.Now()
	if resp, _ = p.Get("/error"); resp.StatusCode != 500 || time.Since(start) > 5*time.Second {
		t.Errorf("GET /error = %d after %v", resp.StatusCode, time.Since(start))
	}
	if !p.WaitOutput("handler failed", 2*time.Second) {
		t.Errorf("the handler's error is not logged:\n%s", p.Output())
	}
	if resp, body = p.Get("/nope"); resp.StatusCode != 404 || body != "not found" {
		t.Errorf("GET /nope = %d %q", resp.StatusCode, body)
	}
}
