package e2e

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/andybalholm/brotli"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// compressionText is what the compression project's /text sends.
var compressionText = func() string {
	lines := make([]string, 300)
	for i := range lines {
		lines[i] = fmt.Sprintf("line %d of a compressible body", i)
	}
	return strings.Join(lines, "\n")
}()

// rawClient neither asks for nor decodes an encoding by itself.
var rawClient = &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{DisableCompression: true}}

// rawGet sends GET base+path with the given Accept-Encoding ("" sends
// none) and Host, and returns the response with its undecoded body.
func rawGet(t *testing.T, base, host, path, acceptEncoding string, header ...string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest("GET", base+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if host != "" {
		req.Host = host
	}
	if acceptEncoding != "" {
		req.Header.Set("Accept-Encoding", acceptEncoding)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: reading the body: %v", path, err)
	}
	return resp, b
}

// decodeBody undoes one layer of Content-Encoding.
func decodeBody(t *testing.T, enc string, b []byte) string {
	t.Helper()
	var r io.Reader
	switch enc {
	case "gzip":
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("not gzip: %v (%q)", err, truncate(b))
		}
		r = zr
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	case "":
		return string(b)
	default:
		t.Fatalf("unexpected encoding %q", enc)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("decoding %s: %v (%q)", enc, err, truncate(b))
	}
	return string(out)
}

func truncate(b []byte) []byte {
	if len(b) > 60 {
		return b[:60]
	}
	return b
}

// checkCompressed checks the worker's /text reached the client in enc.
func checkCompressed(t *testing.T, base, host, acceptEncoding, enc string) {
	t.Helper()
	resp, body := rawGet(t, base, host, "/text", acceptEncoding)
	if got := resp.Header.Get("Content-Encoding"); got != enc {
		t.Fatalf("Accept-Encoding %q: Content-Encoding %q, want %q (%v)", acceptEncoding, got, enc, resp.Header)
	}
	if enc != "" {
		// The length, if any, is the encoded body's (Go's server sets it
		// for a response it wrote in one piece).
		if cl := resp.Header.Get("Content-Length"); (cl != "" && cl != fmt.Sprint(len(body))) || resp.Header.Get("ETag") != `W/"v1"` || resp.Header.Get("Vary") != "Accept-Encoding" {
			t.Errorf("Accept-Encoding %q: headers %v", acceptEncoding, resp.Header)
		}
		if len(body) >= len(compressionText)/4 {
			t.Errorf("%s: %d bytes for %d", enc, len(body), len(compressionText))
		}
	}
	if got := decodeBody(t, enc, body); got != compressionText {
		t.Errorf("Accept-Encoding %q: the body decodes to %d bytes, not the text", acceptEncoding, len(got))
	}
}

// gzipOrigin is an origin that answers in gzip, with a Content-Length.
func gzipOrigin(t *testing.T) (*httptest.Server, []byte) {
	var b bytes.Buffer
	zw := gzip.NewWriter(&b)
	io.WriteString(zw, compressionText)
	zw.Close()
	encoded := b.Bytes()
	o := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		w.Header().Set("Content-Encoding", "gzip")
		w.Header().Set("Content-Length", fmt.Sprint(len(encoded)))
		w.Write(encoded)
	}))
	t.Cleanup(o.Close)
	return o, encoded
}

// Responses are encoded as on Cloudflare under outpost dev.
func TestCompressionDev(t *testing.T) {
	p := outposttest.Dev(t, project("compression"))
	base := p.URL

	t.Run("compressible", func(t *testing.T) {
		checkCompressed(t, base, "", "gzip, deflate, br", "br")
		checkCompressed(t, base, "", "gzip", "gzip")
		checkCompressed(t, base, "", "br;q=0.5, gzip", "gzip")
		checkCompressed(t, base, "", "", "") // a client that asks for nothing
		resp, _ := rawGet(t, base, "", "/text", "identity")
		if resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("ETag") != `"v1"` || resp.Header.Get("Vary") != "Accept-Encoding" ||
			resp.Header.Get("Content-Length") != fmt.Sprint(len(compressionText)) {
			t.Errorf("identity: %v", resp.Header)
		}
	})

	t.Run("not compressed", func(t *testing.T) {
		for _, path := range []string{"/small", "/image", "/no-transform"} {
			resp, body := rawGet(t, base, "", path, "gzip, br")
			if resp.Header.Get("Content-Encoding") != "" || resp.Header.Get("Content-Length") != fmt.Sprint(len(body)) {
				t.Errorf("%s: %v", path, resp.Header)
			}
		}
		resp, _ := rawGet(t, base, "", "/nothing-here", "gzip")
		if resp.StatusCode != 404 || resp.Header.Get("Content-Encoding") != "" { // 9 bytes: too small
			t.Errorf("404: %d %v", resp.StatusCode, resp.Header)
		}
	})

	t.Run("worker-set Content-Encoding", func(t *testing.T) {
		for _, enc := range []string{"gzip", "br"} {
			resp, body := rawGet(t, base, "", "/labelled?enc="+enc, enc)
			if resp.Header.Get("Content-Encoding") != enc {
				t.Fatalf("%s: %v", enc, resp.Header)
			}
			if got := decodeBody(t, enc, body); got != compressionText {
				t.Errorf("%s: decodes to %d bytes", enc, len(got))
			}
		}
		// A client that takes no encoding gets the plain body.
		resp, body := rawGet(t, base, "", "/labelled?enc=gzip", "identity")
		if resp.Header.Get("Content-Encoding") != "" || string(body) != compressionText {
			t.Errorf("identity client: %v %q", resp.Header, truncate(body))
		}
	})

	t.Run("encodeBody manual", func(t *testing.T) {
		resp, body := rawGet(t, base, "", "/manual", "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || decodeBody(t, "gzip", body) != compressionText {
			t.Errorf("manual: %v, %q", resp.Header, truncate(body))
		}
		resp, body = rawGet(t, base, "", "/manual", "identity")
		if resp.Header.Get("Content-Encoding") != "" || string(body) != compressionText {
			t.Errorf("manual to an identity client: %v, %q", resp.Header, truncate(body))
		}
		if _, body := rawGet(t, base, "", "/bad-encode-body", ""); string(body) != "TypeError: encodeBody: unexpected value: sometimes" {
			t.Errorf("bad encodeBody: %q", body)
		}
	})

	t.Run("fetch bodies", func(t *testing.T) {
		o, encoded := gzipOrigin(t)
		q := "?url=" + url.QueryEscape(o.URL+"/doc")
		// Returned unread: the origin's own bytes.
		resp, body := rawGet(t, base, "", "/proxy"+q, "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || !bytes.Equal(body, encoded) {
			t.Errorf("pass-through: %v, %d bytes (origin sent %d)", resp.Header, len(body), len(encoded))
		}
		resp, body = rawGet(t, base, "", "/proxy"+q, "identity")
		if resp.Header.Get("Content-Encoding") != "" || string(body) != compressionText {
			t.Errorf("pass-through to an identity client: %v %q", resp.Header, truncate(body))
		}
		// Read by the worker: decoded.
		if _, body = rawGet(t, base, "", "/proxy-read"+q, ""); string(body) != fmt.Sprintf("gzip %d line 0 of a compress", len(compressionText)) {
			t.Errorf("read: %q", body)
		}
		// Decoded on the way in, encoded again on the way out.
		resp, body = rawGet(t, base, "", "/proxy-rewrap"+q, "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || decodeBody(t, "gzip", body) != compressionText {
			t.Errorf("rewrapped: %v %q", resp.Header, truncate(body))
		}
	})

	t.Run("R2 object with a contentEncoding", func(t *testing.T) {
		if _, body := rawGet(t, base, "", "/r2-put", ""); string(body) != "stored" {
			t.Fatalf("/r2-put = %q", body)
		}
		resp, body := rawGet(t, base, "", "/r2-get", "gzip")
		if resp.Header.Get("Content-Encoding") != "gzip" || decodeBody(t, "gzip", body) != compressionText {
			t.Errorf("/r2-get: %v %q", resp.Header, truncate(body))
		}
		if _, body := rawGet(t, base, "", "/r2-text", ""); string(body) != "line 0 of a compress" {
			t.Errorf("/r2-text = %q", body)
		}
	})

	t.Run("Accept-Encoding the worker sees", func(t *testing.T) {
		resp, body := rawGet(t, base, "", "/headers", "gzip;q=0.8, deflate")
		if decodeBody(t, resp.Header.Get("Content-Encoding"), body) != `{"acceptEncoding":"br, gzip","clientAcceptEncoding":"gzip;q=0.8, deflate"}` {
			t.Errorf("/headers = %s", body)
		}
	})

	t.Run("static assets", func(t *testing.T) {
		css, err := os.ReadFile(filepath.Join(project("compression"), "public", "site.css"))
		if err != nil {
			t.Fatal(err)
		}
		resp, body := rawGet(t, base, "", "/site.css", "br")
		etag := resp.Header.Get("ETag")
		if resp.Header.Get("Content-Encoding") != "br" || decodeBody(t, "br", body) != string(css) || !strings.HasPrefix(etag, `W/"`) {
			t.Fatalf("asset: %v", resp.Header)
		}
		resp, body = rawGet(t, base, "", "/site.css", "br", "If-None-Match", etag)
		if resp.StatusCode != 304 || len(body) != 0 || resp.Header.Get("Content-Type") == "" {
			t.Errorf("conditional asset: %d %v %q", resp.StatusCode, resp.Header, body)
		}
	})

	t.Run("streaming", func(t *testing.T) {
		for _, enc := range []string{"gzip", "br"} {
			checkStreamed(t, base, "", enc)
		}
	})
}

// checkStreamed has the worker echo a request body as it arrives: each
// line must reach the client, decodable, before the next one is sent.
func checkStreamed(t *testing.T, base, host, enc string) {
	t.Helper()
	pr, pw := io.Pipe()
	req, _ := http.NewRequest("POST", base+"/echo", pr)
	if host != "" {
		req.Host = host
	}
	req.Header.Set("Accept-Encoding", enc)
	req.Header.Set("Content-Type", "text/plain")
	go pw.Write([]byte("line 0\n"))
	done := make(chan struct{})
	defer close(done)
	go func() {
		// Nothing here waits on time: this only ends a test that hangs.
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			pw.CloseWithError(fmt.Errorf("the echo did not stream"))
		}
	}()
	resp, err := rawClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.Header.Get("Content-Encoding") != enc {
		t.Fatalf("%s: %v", enc, resp.Header)
	}
	var r io.Reader
	if enc == "gzip" {
		zr, err := gzip.NewReader(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	} else {
		r = brotli.NewReader(resp.Body)
	}
	for i := 0; i < 3; i++ {
		want := fmt.Sprintf("line %d\n", i)
		got := make([]byte, len(want))
		if _, err := io.ReadFull(r, got); err != nil || string(got) != want {
			t.Fatalf("%s: line %d: %q, %v", enc, i, got, err)
		}
		if i < 2 {
			go pw.Write([]byte(fmt.Sprintf("line %d\n", i+1)))
		}
	}
	pw.Close()
	if rest, err := io.ReadAll(r); err != nil || len(rest) != 0 {
		t.Errorf("%s: after the last line: %q, %v", enc, rest, err)
	}
}

// --compress=false: nothing is compressed, a worker's own Content-Encoding
// still is honoured.
func TestCompressionDevOff(t *testing.T) {
	p := outposttest.Dev(t, project("compression"), "--compress=false")
	checkCompressed(t, p.URL, "", "gzip, br", "")
	resp, body := rawGet(t, p.URL, "", "/labelled?enc=gzip", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || decodeBody(t, "gzip", body) != compressionText {
		t.Errorf("labelled: %v", resp.Header)
	}
	if resp, _ := rawGet(t, p.URL, "", "/site.css", "gzip"); resp.Header.Get("Content-Encoding") != "" {
		t.Errorf("asset compressed with --compress=false: %v", resp.Header)
	}
}

// outpost serve encodes the same way; [http] compress = false turns
// compression off.
func TestCompressionServe(t *testing.T) {
	config := func(extra string) string {
		return `
state_dir = "state"
instances = 1
` + extra + `
[[workers]]
name = "compression"
dir = "` + project("compression") + `"
routes = ["compress.test/*"]
`
	}
	n := startServe(t, t.TempDir(), config(""))
	checkCompressed(t, n.URL, "compress.test", "gzip, br", "br")
	checkCompressed(t, n.URL, "compress.test", "gzip", "gzip")
	resp, body := rawGet(t, n.URL, "compress.test", "/labelled?enc=br", "br")
	if resp.Header.Get("Content-Encoding") != "br" || decodeBody(t, "br", body) != compressionText {
		t.Errorf("labelled: %v", resp.Header)
	}
	resp, body = rawGet(t, n.URL, "compress.test", "/manual", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || decodeBody(t, "gzip", body) != compressionText {
		t.Errorf("manual: %v", resp.Header)
	}
	if resp, _ := rawGet(t, n.URL, "compress.test", "/site.css", "gzip"); resp.Header.Get("Content-Encoding") != "gzip" {
		t.Errorf("asset: %v", resp.Header)
	}
	checkStreamed(t, n.URL, "compress.test", "br")
	n.Stop()

	off := startServe(t, t.TempDir(), config("[http]\ncompress = false\n"))
	checkCompressed(t, off.URL, "compress.test", "gzip, br", "")
	resp, body = rawGet(t, off.URL, "compress.test", "/labelled?enc=gzip", "gzip")
	if resp.Header.Get("Content-Encoding") != "gzip" || decodeBody(t, "gzip", body) != compressionText {
		t.Errorf("labelled with compression off: %v", resp.Header)
	}
}
