package e2e

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

func TestKVThroughWorker(t *testing.T) {
	dir := outposttest.CopyDir(t, project("kv-basic"))
	p := outposttest.DevEnv(t, []string{"OUTPOST_TEST_CLOCK=manual"}, dir)

	put := func(key, value, query string) (int, string) {
		t.Helper()
		resp, body := p.Do("PUT", "/kv/"+url.PathEscape(key)+"?"+query, strings.NewReader(value), nil)
		return resp.StatusCode, body
	}
	if code, body := put("greeting", "hello ✓", ""); code != 201 {
		t.Fatalf("put = %d %s", code, body)
	}
	if _, body := p.Get("/kv/greeting"); body != "hello ✓" {
		t.Errorf("get = %q", body)
	}
	put("empty", "", "")
	if resp, body := p.Get("/kv/empty"); resp.StatusCode != 200 || body != "" {
		t.Errorf(`"" does not round-trip: %d %q`, resp.StatusCode, body)
	}
	if resp, _ := p.Get("/kv/missing"); resp.StatusCode != 404 {
		t.Errorf("missing key = %d", resp.StatusCode)
	}
	// value types
	put("doc", `{"a":[1,2]}`, "")
	if _, body := p.Get("/kv/doc?type=json"); body != `{"json":{"a":[1,2]}}` {
		t.Errorf("json = %s", body)
	}
	if _, body := p.Get("/kv/doc?type=arrayBuffer"); body != "bytes:11" {
		t.Errorf("arrayBuffer = %s", body)
	}
	if _, body := p.Get("/kv/doc?type=stream"); body != `{"a":[1,2]}` {
		t.Errorf("stream = %s", body)
	}
	put("streamed", "from a stream", "as=stream")
	put("raw", "\x00\x01\x02", "as=bytes")
	if _, body := p.Get("/kv/streamed"); body != "from a stream" {
		t.Errorf("stream put = %q", body)
	}
	if _, body := p.Get("/kv/raw?type=arrayBuffer"); body != "bytes:3" {
		t.Errorf("bytes put = %q", body)
	}
	// metadata
	put("with-meta", "v", "metadata="+url.QueryEscape(`{"owner":"ada","n":1}`))
	if _, body := p.Get("/meta/with-meta"); body != `{"value":"v","metadata":{"owner":"ada","n":1},"cacheStatus":null}` {
		t.Errorf("getWithMetadata = %s", body)
	}
	// bulk get keeps order and missing keys as null
	if _, body := p.Get("/bulk?keys=greeting,missing,empty"); body != `{"greeting":"hello ✓","missing":null,"empty":""}` {
		t.Errorf("bulk = %s", body)
	}

	// limits and errors, with Cloudflare's messages
	for _, tc := range []struct{ key, query, want string }{
		{strings.Repeat("k", 513), "", "KV PUT failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."},
		{"short-ttl", "ttl=3", "KV PUT failed: 400 Invalid expiration_ttl of 3. Expiration TTL must be at least 60."},
		{"bad-meta", "metadata=" + url.QueryEscape(`{"x":"`+strings.Repeat("m", 1100)+`"}`), "KV PUT failed: 413 Metadata length of"},
	} {
		code, body := put(tc.key, "v", tc.query)
		if code != 400 || !strings.Contains(body, tc.want) {
			t.Errorf("put %.20s?%.30s = %d %s, want %q", tc.key, tc.query, code, body, tc.want)
		}
	}
	// "." is a TypeError
	if _, body := p.Get("/kv/."); !strings.Contains(body, "TypeError") {
		t.Errorf(`get "." = %s`, body)
	}

	// list: byte order, prefixes, cursors
	for _, k := range []string{"list/b", "list/a", "list/c", "list/é", "list/z"} {
		put(k, "x", "")
	}
	var page struct {
		Keys []struct {
			Name       string          `json:"name"`
			Expiration int64           `json:"expiration"`
			Metadata   json.RawMessage `json:"metadata"`
		} `json:"keys"`
		ListComplete bool    `json:"list_complete"`
		Cursor       *string `json:"cursor"`
	}
	var names []string
	cursor := ""
	for i := 0; i < 5; i++ {
		q := "/list?prefix=list/&limit=2"
		if cursor != "" {
			q += "&cursor=" + url.QueryEscape(cursor)
		}
		_, body := p.Get(q)
		page.Cursor = nil
		if err := json.Unmarshal([]byte(body), &page); err != nil {
			t.Fatalf("list: %v %s", err, body)
		}
		for _, k := range page.Keys {
			names = append(names, k.Name)
		}
		if page.ListComplete {
			if page.Cursor != nil {
				t.Errorf("last page has a cursor: %s", body)
			}
			break
		}
		cursor = *page.Cursor
		if i == 0 {
			put("list/bb", "written between pages", "")
		}
	}
	if got := strings.Join(names, ","); got != "list/a,list/b,list/bb,list/c,list/z,list/é" {
		t.Errorf("listed %s", got)
	}

	// expiry: invisible from the moment it expires, with the test clock
	put("token", "abc", "ttl=60")
	if _, body := p.Get("/kv/token"); body != "abc" {
		t.Fatalf("token = %q", body)
	}
	advanceClock(t, p, dir, 59*time.Second)
	if _, body := p.Get("/kv/token"); body != "abc" {
		t.Errorf("expired early: %q", body)
	}
	advanceClock(t, p, dir, time.Second)
	if resp, _ := p.Get("/kv/token"); resp.StatusCode != 404 {
		t.Errorf("not expired at its expiration time: %d", resp.StatusCode)
	}

	// delete
	p.Do("DELETE", "/kv/greeting", nil, nil)
	if resp, _ := p.Get("/kv/greeting"); resp.StatusCode != 404 {
		t.Errorf("after delete: %d", resp.StatusCode)
	}

	// state survives a restart, and the CLI sees the same state
	p.Stop()
	out, code := outposttest.Run(t, dir, "kv", "key", "get", "doc", "--binding", "STORE")
	if code != 0 || strings.TrimSpace(out) != `{"a":[1,2]}` {
		t.Errorf("outpost kv key get = %d %q", code, out)
	}
	out, code = outposttest.Run(t, dir, "kv", "key", "put", "from-cli", "cli value", "--binding", "STORE")
	if code != 0 {
		t.Fatalf("outpost kv key put: %s", out)
	}
	p2 := outposttest.Dev(t, dir)
	if _, body := p2.Get("/kv/doc?type=json"); body != `{"json":{"a":[1,2]}}` {
		t.Errorf("after restart = %s", body)
	}
	if _, body := p2.Get("/kv/from-cli"); body != "cli value" {
		t.Errorf("written by the CLI = %q", body)
	}
	out, _ = outposttest.Run(t, dir, "kv", "key", "put", "x", "y", "--binding", "NOPE")
	if !strings.Contains(out, `no KV binding "NOPE"`) {
		t.Errorf("unknown binding: %s", out)
	}
}

func TestKVServiceWorkerGlobal(t *testing.T) {
	dir := outposttest.CopyDir(t, project("kv-sw"))
	p := outposttest.Dev(t, dir)
	for i, v := range []string{"write tests", "ship it"} {
		if _, body := p.Do("POST", fmt.Sprintf("/?id=%d", i), strings.NewReader(v), nil); body != "saved" {
			t.Fatalf("POST = %q", body)
		}
	}
	if _, body := p.Get("/"); body != `{"todo:0":"write tests","todo:1":"ship it"}` {
		t.Errorf("GET = %s", body)
	}
}
