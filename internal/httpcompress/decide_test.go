package httpcompress

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func request(method, acceptEncoding string) *http.Request {
	r := httptest.NewRequest(method, "http://example.com/", nil)
	if acceptEncoding != "" {
		r.Header.Set("Accept-Encoding", acceptEncoding)
	}
	return r
}

func TestDecide(t *testing.T) {
	type tc struct {
		name     string
		method   string
		accept   string
		status   int
		header   map[string]string
		length   int64
		encoded  bool
		auto     bool
		want     Plan
		wantCE   string // Content-Encoding after
		wantETag string
		wantVary string
		keepLen  bool
	}
	cases := []tc{
		{name: "html to a brotli client", accept: "gzip, deflate, br", header: map[string]string{"Content-Type": "text/html"},
			length: 1000, auto: true, want: Plan{To: Brotli}, wantCE: "br", wantVary: "Accept-Encoding"},
		{name: "gzip only", accept: "gzip", header: map[string]string{"Content-Type": "application/json; charset=utf-8"},
			length: -1, auto: true, want: Plan{To: Gzip}, wantCE: "gzip", wantVary: "Accept-Encoding"},
		{name: "quality picks gzip", accept: "br;q=0.5, gzip", header: map[string]string{"Content-Type": "text/css"},
			length: 1000, auto: true, want: Plan{To: Gzip}, wantCE: "gzip", wantVary: "Accept-Encoding"},
		{name: "br refused with q=0", accept: "*, br;q=0", header: map[string]string{"Content-Type": "text/css"},
			length: 1000, auto: true, want: Plan{To: Gzip}, wantCE: "gzip", wantVary: "Accept-Encoding"},
		{name: "no Content-Type counts as text/plain", accept: "gzip", length: 1000, auto: true, want: Plan{To: Gzip}, wantCE: "gzip", wantVary: "Accept-Encoding"},
		{name: "client accepts nothing", header: map[string]string{"Content-Type": "text/html"}, length: 1000, auto: true,
			wantVary: "Accept-Encoding", keepLen: true},
		{name: "image not compressed", accept: "gzip, br", header: map[string]string{"Content-Type": "image/png"}, length: 1000, auto: true, keepLen: true},
		{name: "auto off", accept: "gzip, br", header: map[string]string{"Content-Type": "text/html"}, length: 1000, keepLen: true},
		{name: "too small", accept: "gzip, br", header: map[string]string{"Content-Type": "text/html"}, length: 47, auto: true, keepLen: true},
		{name: "49 bytes: gzip, not brotli", accept: "gzip, br", header: map[string]string{"Content-Type": "text/html"}, length: 49, auto: true,
			want: Plan{To: Gzip}, wantCE: "gzip", wantVary: "Accept-Encoding"},
		{name: "no-transform", accept: "gzip, br", header: map[string]string{"Content-Type": "text/html", "Cache-Control": "public, no-transform"},
			length: 1000, auto: true, keepLen: true},
		{name: "500 not compressed", accept: "gzip", status: 500, header: map[string]string{"Content-Type": "text/html"}, length: 1000, auto: true, keepLen: true},
		{name: "404 compressed", accept: "gzip", status: 404, header: map[string]string{"Content-Type": "text/html"}, length: 1000, auto: true,
			want: Plan{To: Gzip}, wantCE: "gzip", wantVary: "Accept-Encoding"},
		{name: "206 not compressed", accept: "gzip", status: 206, header: map[string]string{"Content-Type": "text/html"}, length: 1000, auto: true, keepLen: true},
		{name: "304 untouched", accept: "gzip", status: 304, header: map[string]string{"Content-Type": "text/html", "ETag": `"a"`}, length: -1, auto: true,
			wantETag: `"a"`, keepLen: true},
		{name: "HEAD untouched", method: http.MethodHead, accept: "gzip", header: map[string]string{"Content-Type": "text/html"}, length: 1000, auto: true, keepLen: true},
		{name: "strong ETag weakened", accept: "gzip", header: map[string]string{"Content-Type": "text/html", "ETag": `"abc"`}, length: 1000, auto: true,
			want: Plan{To: Gzip}, wantCE: "gzip", wantETag: `W/"abc"`, wantVary: "Accept-Encoding"},
		{name: "weak ETag kept", accept: "gzip", header: map[string]string{"Content-Type": "text/html", "ETag": `W/"abc"`}, length: 1000, auto: true,
			want: Plan{To: Gzip}, wantCE: "gzip", wantETag: `W/"abc"`, wantVary: "Accept-Encoding"},
		{name: "Vary kept once", accept: "gzip", header: map[string]string{"Content-Type": "text/html", "Vary": "accept-encoding"}, length: 1000, auto: true,
			want: Plan{To: Gzip}, wantCE: "gzip", wantVary: "accept-encoding"},

		// A worker's own Content-Encoding.
		{name: "worker gzip label on a plain body", accept: "gzip", header: map[string]string{"Content-Type": "image/png", "Content-Encoding": "gzip", "ETag": `"x"`},
			length: 10, want: Plan{To: Gzip}, wantCE: "gzip", wantETag: `"x"`},
		{name: "worker br label, client sent no Accept-Encoding", header: map[string]string{"Content-Encoding": "br"},
			length: -1, want: Plan{To: Brotli}, wantCE: "br"},
		{name: "worker br label, client takes gzip only", accept: "gzip", header: map[string]string{"Content-Type": "text/plain", "Content-Encoding": "br"},
			length: 1000, want: Plan{To: Gzip}, wantCE: "gzip", wantVary: "Accept-Encoding"},
		{name: "worker gzip label, client takes nothing", accept: "identity", header: map[string]string{"Content-Encoding": "gzip"},
			length: 1000, want: Plan{}, wantVary: "Accept-Encoding"},
		{name: "encodeBody manual", accept: "gzip", header: map[string]string{"Content-Encoding": "gzip"}, length: 30, encoded: true,
			want: Plan{From: Gzip, To: Gzip}, wantCE: "gzip", keepLen: true},
		{name: "encoded body decoded for a client that cannot take it", accept: "identity", header: map[string]string{"Content-Encoding": "gzip", "ETag": `"e"`},
			length: 30, encoded: true, want: Plan{From: Gzip}, wantETag: `W/"e"`, wantVary: "Accept-Encoding"},
		{name: "no-transform keeps the worker's encoding", accept: "identity", header: map[string]string{"Content-Encoding": "gzip", "Cache-Control": "no-transform"},
			length: 1000, want: Plan{To: Gzip}, wantCE: "gzip"},
		{name: "unknown encoding untouched", accept: "gzip", header: map[string]string{"Content-Encoding": "zstd", "Content-Type": "text/html"},
			length: 1000, auto: true, wantCE: "zstd", keepLen: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range c.header {
				h.Set(k, v)
			}
			if c.length >= 0 {
				h.Set("Content-Length", "123")
			}
			method := c.method
			if method == "" {
				method = http.MethodGet
			}
			status := c.status
			if status == 0 {
				status = 200
			}
			got := Decide(request(method, c.accept), Response{Status: status, Header: h, Length: c.length, Encoded: c.encoded}, c.auto)
			if got != c.want {
				t.Errorf("plan %+v, want %+v", got, c.want)
			}
			if ce := h.Get("Content-Encoding"); ce != c.wantCE {
				t.Errorf("Content-Encoding %q, want %q", ce, c.wantCE)
			}
			if c.wantETag != "" && h.Get("ETag") != c.wantETag {
				t.Errorf("ETag %q, want %q", h.Get("ETag"), c.wantETag)
			}
			if v := strings.Join(h.Values("Vary"), ", "); v != c.wantVary {
				t.Errorf("Vary %q, want %q", v, c.wantVary)
			}
			if hasLen := h.Get("Content-Length") != ""; c.length >= 0 && hasLen != (c.keepLen || !got.Changes()) {
				t.Errorf("Content-Length kept = %v with plan %+v", hasLen, got)
			}
		})
	}
}

func TestCompressible(t *testing.T) {
	for ct, want := range map[string]bool{
		"text/html; charset=utf-8": true, "Application/JSON": true, " image/svg+xml ": true, "application/wasm": true,
		"": true, "image/png": false, "application/octet-stream": false, "video/mp4": false, "text/event-stream": false,
	} {
		if got := Compressible(ct); got != want {
			t.Errorf("Compressible(%q) = %v, want %v", ct, got, want)
		}
	}
}

func decode(t *testing.T, enc string, b []byte) string {
	t.Helper()
	var r io.Reader
	switch enc {
	case Gzip:
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		r = zr
	case Brotli:
		r = brotli.NewReader(bytes.NewReader(b))
	default:
		return string(b)
	}
	out, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(out)
}

func TestCopyRoundTrips(t *testing.T) {
	text := strings.Repeat("the same line, again and again\n", 200)
	for _, p := range []Plan{{To: Gzip}, {To: Brotli}, {From: Gzip}, {From: Brotli, To: Gzip}, {From: Gzip, To: Gzip}} {
		src := []byte(text)
		if p.From != Identity {
			var b bytes.Buffer
			e, _ := NewEncoder(&b, p.From)
			e.Write(src)
			e.Close()
			src = b.Bytes()
		}
		rec := httptest.NewRecorder()
		if err := Copy(rec, bytes.NewReader(src), p, true); err != nil {
			t.Fatalf("%+v: %v", p, err)
		}
		if got := decode(t, p.To, rec.Body.Bytes()); got != text {
			t.Errorf("%+v: the body did not survive (%d bytes)", p, len(got))
		}
		if p.To != Identity && rec.Body.Len() >= len(text) {
			t.Errorf("%+v: %d bytes for %d", p, rec.Body.Len(), len(text))
		}
	}
}

// A streamed body reaches the client chunk by chunk: each chunk decodes
// before the next one is written.
func TestCopyFlushesEachChunk(t *testing.T) {
	for _, enc := range []string{Gzip, Brotli} {
		pr, pw := io.Pipe()
		rec := &flushRecorder{ResponseRecorder: httptest.NewRecorder(), flushed: make(chan struct{})}
		done := make(chan error, 1)
		go func() { done <- Copy(rec, pr, Plan{To: enc}, true) }()
		for i := 0; i < 3; i++ {
			pw.Write([]byte("chunk\n"))
			<-rec.flushed
			snapshot := append([]byte(nil), rec.Body.Bytes()...)
			var r io.Reader
			if enc == Gzip {
				zr, err := gzip.NewReader(bytes.NewReader(snapshot))
				if err != nil {
					t.Fatal(err)
				}
				r = zr
			} else {
				r = brotli.NewReader(bytes.NewReader(snapshot))
			}
			got := make([]byte, 6*(i+1))
			if _, err := io.ReadFull(r, got); err != nil {
				t.Fatalf("%s: chunk %d not decodable after its flush: %v", enc, i, err)
			}
		}
		pw.Close()
		if err := <-done; err != nil {
			t.Fatal(err)
		}
		if got := decode(t, enc, rec.Body.Bytes()); got != strings.Repeat("chunk\n", 3) {
			t.Errorf("%s: got %q", enc, got)
		}
	}
}

type flushRecorder struct {
	*httptest.ResponseRecorder
	flushed chan struct{}
}

func (f *flushRecorder) Flush() {
	if f.flushed == nil {
		return
	}
	f.flushed <- struct{}{}
}

func TestResponseWriter(t *testing.T) {
	text := strings.Repeat("body text ", 100)
	rec := httptest.NewRecorder()
	w := Wrap(rec, request(http.MethodGet, "gzip"), true)
	w.Header().Set("Content-Type", "text/css")
	w.Header().Set("Content-Length", "1000")
	w.Header().Set("ETag", `"v1"`)
	io.WriteString(w, text)
	w.Close()
	if rec.Header().Get("Content-Encoding") != "gzip" || rec.Header().Get("Content-Length") != "" || rec.Header().Get("ETag") != `W/"v1"` {
		t.Fatalf("headers %v", rec.Header())
	}
	if got := decode(t, Gzip, rec.Body.Bytes()); got != text {
		t.Fatalf("body %q", got)
	}

	// Already encoded: untouched.
	rec = httptest.NewRecorder()
	w = Wrap(rec, request(http.MethodGet, "gzip"), true)
	w.Header().Set("Content-Encoding", "br")
	io.WriteString(w, text)
	w.Close()
	if rec.Body.String() != text || rec.Header().Get("Content-Encoding") != "br" {
		t.Fatalf("an encoded body was changed: %v", rec.Header())
	}
}

// The cost of compressing a 64 KiB HTML page on the way out.
func BenchmarkCopy(b *testing.B) {
	var page strings.Builder
	for i := 0; page.Len() < 64<<10; i++ {
		fmt.Fprintf(&page, "<tr><td class=\"name\">row %d</td><td>%d</td><td><a href=\"/items/%d\">open</a></td></tr>\n", i, i*37%1000, i)
	}
	src := []byte(page.String())
	for _, enc := range []string{Gzip, Brotli} {
		b.Run(enc, func(b *testing.B) {
			b.SetBytes(int64(len(src)))
			for i := 0; i < b.N; i++ {
				rec := httptest.NewRecorder()
				if err := Copy(rec, bytes.NewReader(src), Plan{To: enc}, false); err != nil {
					b.Fatal(err)
				}
				if i == 0 {
					b.ReportMetric(float64(rec.Body.Len()), "out-bytes")
				}
			}
		})
	}
}
