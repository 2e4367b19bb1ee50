package kvbinding

import (
	"context"
	"testing"

	"github.com/outpost-dev/outpost/internal/kv"
	"github.com/outpost-dev/outpost/internal/kv/sqlite"
	"github.com/outpost-dev/outpost/internal/runtime"
	"github.com/outpost-dev/outpost/internal/runtime/runtimetest"
)

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
	in := runtimetest.NewInstance(b, benchKV, runtimetest.Options{
		Extensions: []runtime.Extension{Extension()},
		Bindings:   map[string]runtime.Binding{"KV": Binding{Namespace: service.Namespace("bench")}},
	})
	b.ReportAllocs()
	for b.Loop() {
		resp, body, err := runtimetest.Get(in, "http://bench.example/")
		if err != nil || resp.Status != 200 || string(body) != value {
			b.Fatalf("fetch = %+v %q %v", resp, body, err)
		}
	}
}
