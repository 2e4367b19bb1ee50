package cachebinding

import (
	"testing"

	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/runtime"
	"github.com/outpost-dev/outpost/internal/runtime/runtimetest"
)

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
	in := runtimetest.NewInstance(b, benchCache, runtimetest.Options{Extensions: []runtime.Extension{Extension(store)}})
	if _, _, err := runtimetest.Get(in, "http://bench.example/"); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		resp, body, err := runtimetest.Get(in, "http://bench.example/")
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
