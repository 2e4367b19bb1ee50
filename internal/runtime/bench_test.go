package runtime

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/kv"
	"github.com/outpost-dev/outpost/internal/kv/sqlite"
)

// Micro-benchmarks of the request path inside one instance; the side-by-side
// numbers against workerd and wrangler dev come from go run ./bench.

func newBenchInstance(b *testing.B, code string, bindings map[string]map[string]any, exts ...Extension) *Instance {
	b.Helper()
	in, err := NewInstance(&Config{
		Name:     "bench",
		Script:   Script{Code: code, URL: "bench.js", Modules: true},
		Bindings: Bindings{Extra: bindings},
		Host: &Host{
			Console:    func(worker, level, text string) { b.Logf("console.%s: %s", level, text) },
			Extensions: exts,
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(in.Close)
	return in
}

// benchFetch sends one GET through the instance and reads the whole body.
func benchFetch(in *Instance, url string) (*Response, []byte, error) {
	resp, err := in.Fetch(context.Background(), &Request{Method: "GET", URL: url, Header: http.Header{}})
	if err != nil {
		return nil, nil, err
	}
	if resp.Body == nil {
		return resp, nil, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body, err
}

const benchHello = `var __outpost_entry = { default: {
	fetch() { return new Response("Hello World!", { headers: { "content-type": "text/plain;charset=UTF-8" } }); },
} };`

// BenchmarkFetchHello is one request dispatched into JavaScript and its
// response read back: the floor under every worker.
func BenchmarkFetchHello(b *testing.B) {
	in := newBenchInstance(b, benchHello, nil)
	b.ReportAllocs()
	for b.Loop() {
		resp, body, err := benchFetch(in, "http://bench.example/")
		if err != nil || resp.Status != 200 || string(body) != "Hello World!" {
			b.Fatalf("fetch = %+v %q %v", resp, body, err)
		}
	}
}

// BenchmarkFetchHelloParallel interleaves requests from many goroutines on
// the one event loop, as concurrent connections do.
func BenchmarkFetchHelloParallel(b *testing.B) {
	in := newBenchInstance(b, benchHello, nil)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, body, err := benchFetch(in, "http://bench.example/")
			if err != nil || resp.Status != 200 || string(body) != "Hello World!" {
				b.Errorf("fetch = %+v %q %v", resp, body, err)
				return
			}
		}
	})
}

const streamChunks, streamChunkSize = 16, 1024

var benchStream = fmt.Sprintf(`var __outpost_entry = { default: {
	fetch() {
		const chunk = new Uint8Array(%d).fill(120);
		let i = 0;
		return new Response(new ReadableStream({
			pull(c) { if (i++ < %d) c.enqueue(chunk); else c.close(); },
		}));
	},
} };`, streamChunkSize, streamChunks)

// BenchmarkFetchStreamed is a response body produced chunk by chunk by a
// ReadableStream and pulled from Go.
func BenchmarkFetchStreamed(b *testing.B) {
	in := newBenchInstance(b, benchStream, nil)
	b.ReportAllocs()
	b.SetBytes(streamChunks * streamChunkSize)
	for b.Loop() {
		resp, body, err := benchFetch(in, "http://bench.example/")
		if err != nil || resp.Status != 200 || len(body) != streamChunks*streamChunkSize {
			b.Fatalf("fetch = %+v, %d bytes, %v", resp, len(body), err)
		}
	}
}

const benchCache = `var __outpost_entry = { default: {
	async fetch(req) {
		const key = new Request("http://bench.example/cached-item");
		const hit = await caches.default.match(key);
		if (hit) return hit;
		const headers = { "content-type": "text/plain", "cache-control": "public, max-age=3600" };
		await caches.default.put(key, new Response("cached body", { headers }));
		return new Response("cached body", { headers: { ...headers, "x-bench-cache": "miss" } });
	},
} };`

// BenchmarkCacheHit is caches.default.match answered from the in-memory
// store of the Cache API.
func BenchmarkCacheHit(b *testing.B) {
	store, err := cache.Open(cache.Options{})
	if err != nil {
		b.Fatal(err)
	}
	in := newBenchInstance(b, benchCache, nil, CacheExtension(store))
	if _, _, err := benchFetch(in, "http://bench.example/"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		resp, body, err := benchFetch(in, "http://bench.example/")
		if err != nil || resp.Status != 200 || string(body) != "cached body" || resp.Header.Get("X-Bench-Cache") == "miss" {
			b.Fatalf("fetch = %+v %q %v (want a cache hit)", resp, body, err)
		}
	}
}

const benchKV = `var __outpost_entry = { default: {
	async fetch(req, env) {
		const v = await env.KV.get("bench:small");
		return v === null ? new Response("missing", { status: 500 }) : new Response(v);
	},
} };`

// BenchmarkKVGet is env.KV.get of a small value through the binding, from
// the SQLite store outpost dev uses.
func BenchmarkKVGet(b *testing.B) {
	store, err := sqlite.OpenStateDir(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { store.Close() })
	service := kv.New(store, kv.Options{})
	const value = "a small value of about forty bytes......"
	if err := service.Namespace("bench").Put(context.Background(), "bench:small", []byte(value), kv.PutOptions{}); err != nil {
		b.Fatal(err)
	}
	in := newBenchInstance(b, benchKV, map[string]map[string]any{"KV": {"__kind": "kv", "id": "bench"}}, KVExtension(service))
	b.ReportAllocs()
	for b.Loop() {
		resp, body, err := benchFetch(in, "http://bench.example/")
		if err != nil || resp.Status != 200 || string(body) != value {
			b.Fatalf("fetch = %+v %q %v", resp, body, err)
		}
	}
}
