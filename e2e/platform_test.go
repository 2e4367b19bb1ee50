package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

func TestHTMLRewriterOverOrigin(t *testing.T) {
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// Sent in pieces that split tags and text, flushed one by one.
		page := `<!DOCTYPE html><html><head><title>Hello page</title>` +
			`<script src="/analytics.js"></script></head><body><p>Read <a href="http://example.com/a">this</a>` +
			` and <a href="http://example.com/b">that</a> or <a href="/local">here</a>.</p></body></html>`
		for i := 0; i < len(page); i += 17 {
			io.WriteString(w, page[i:min(i+17, len(page))])
			w.(http.Flusher).Flush()
		}
	}))
	defer origin.Close()
	p := outposttest.Dev(t, project("platform-html"), "--var", "ORIGIN:"+origin.URL)
	resp, body := p.Get("/page")
	want := `<!DOCTYPE html><html><head><title>HELLO PAGE</title></head><body><div class="banner">Served by Outpost</div>` +
		`<p>Read <a href="https://example.com/a">this</a> and <a href="https://example.com/b">that</a> or <a href="/local">here</a>.</p>` +
		`<footer>2 links rewritten</footer></body></html><!-- rewritten -->`
	if resp.StatusCode != 200 || body != want {
		t.Fatalf("GET /page = %d\n got %s\nwant %s", resp.StatusCode, body, want)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Errorf("Content-Type = %q", ct)
	}
}

func TestNodeCompatBufferAndAsyncLocalStorage(t *testing.T) {
	p := outposttest.Dev(t, project("platform-node"))

	_, body := p.Get("/buffer?s=h%C3%A9llo%3F%3E")
	var got map[string]any
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("/buffer: %v: %s", err, body)
	}
	want := map[string]any{
		"hex": "68c3a96c6c6f3f3e", "base64": "aMOpbGxvPz4=", "base64url": "aMOpbGxvPz4", "roundTrip": "héllo?>",
		"bytes": 8.0, "random": 8.0, "ext": ".gz", "isBuffer": true,
		// crypto/sha256 and crypto/hmac over the same bytes
		"sha256": "2ae0a7b436e3742ca6705a914c3d08655e78716c694e422471d110ab76b1760c",
		"hmac":   "cb6xXYhm8V4RMXVuLAV4M4Dr5BrjUrm6u4ER93VATC4=",
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("/buffer %s = %v, want %v", k, got[k], v)
		}
	}

	// Concurrent requests interleave on one instance; each sees its own store.
	var wg sync.WaitGroup
	results := make([]map[string]any, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, b := p.Get(fmt.Sprintf("/als?id=r%d&delay=%d", i, 40-10*i))
			var m map[string]any
			if err := json.Unmarshal([]byte(b), &m); err != nil {
				t.Errorf("/als r%d: %v: %s", i, err, b)
				return
			}
			results[i] = m
		}()
	}
	wg.Wait()
	for i, m := range results {
		id := fmt.Sprintf("r%d", i)
		if m == nil {
			continue
		}
		wantLog := []any{id + ":lookup start", id + ":lookup done"}
		if m["seen"] != id || m["afterEvent"] != id || m["outside"] != nil || fmt.Sprint(m["log"]) != fmt.Sprint(wantLog) {
			t.Errorf("/als %s = %v", id, m)
		}
	}

	_, body = p.Get("/env")
	if body != "hello from vars|undefined" {
		t.Errorf("/env = %q", body)
	}
}

func TestCompressionStreamsAndURLPattern(t *testing.T) {
	p := outposttest.Dev(t, project("platform-streams"))
	text := strings.Repeat("compress me, Outpost! ", 5000)

	resp, body := p.Do("POST", "/gzip", strings.NewReader(text), nil)
	if resp.StatusCode != 200 || resp.Header.Get("X-Format") != "gzip" {
		t.Fatalf("/gzip = %d %v", resp.StatusCode, resp.Header)
	}
	zr, err := gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/gzip is not gzip: %v", err)
	}
	plain, err := io.ReadAll(zr)
	if err != nil || string(plain) != text {
		t.Fatalf("/gzip did not round-trip: %v (%d bytes)", err, len(plain))
	}
	if len(body) >= len(text)/10 {
		t.Errorf("/gzip made %d bytes of %d", len(body), len(text))
	}

	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, text)
	zw.Close()
	resp, body = p.Do("POST", "/gunzip", &buf, nil)
	if resp.StatusCode != 200 || body != text {
		t.Errorf("/gunzip = %d, %d bytes", resp.StatusCode, len(body))
	}

	// A gzipped stream produced while it is sent.
	_, body = p.Get("/generate/512")
	zr, err = gzip.NewReader(strings.NewReader(body))
	if err != nil {
		t.Fatalf("/generate: %v", err)
	}
	plain, err = io.ReadAll(zr)
	if err != nil || len(plain) != 512*1024 {
		t.Errorf("/generate/512 = %d bytes, %v", len(plain), err)
	}

	_, body = p.Get("/match/a/b/c")
	if body != `{"rest":"a/b/c"}` {
		t.Errorf("/match = %s", body)
	}
	resp, _ = p.Get("/gzip/brotli")
	if resp.StatusCode != 404 {
		t.Errorf("/gzip/brotli = %d, want 404 (no route)", resp.StatusCode)
	}
}
