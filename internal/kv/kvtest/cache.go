package kvtest

import (
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/kv"
)

// testCacheTTL checks Cloudflare's consistency: a write is visible at once
// where it was made, and elsewhere within cacheTtl of that place's last read.
func testCacheTTL(t *testing.T, h *harness) {
	writer, reader := h.ns, h.fresh()
	mustPut(t, writer, "k", "v1", kv.PutOptions{})
	if r := mustGet(t, reader, "k"); string(r.Value) != "v1" {
		t.Fatalf("reader = %q", r.Value)
	}
	if r := mustGet(t, reader, "absent"); r.Found {
		t.Fatal("absent key found")
	}
	mustPut(t, writer, "k", "v2", kv.PutOptions{})
	mustPut(t, writer, "absent", "now here", kv.PutOptions{})
	if r := mustGet(t, writer, "k"); string(r.Value) != "v2" {
		t.Fatalf("writer does not see its own write: %q", r.Value)
	}
	h.clock.Advance(59 * time.Second)
	if r := mustGet(t, reader, "k"); string(r.Value) != "v1" {
		t.Fatalf("reader saw the write before the default cacheTtl (60 s) passed: %q", r.Value)
	}
	if r := mustGet(t, reader, "absent"); r.Found {
		t.Fatal("negative lookups are cached too, within cacheTtl")
	}
	// A shorter cacheTtl on this read makes the cached copy too old.
	r, err := reader.Get(ctx, "k", kv.GetOptions{CacheTTL: i64(30)})
	if err != nil || string(r.Value) != "v2" {
		t.Fatalf("cacheTtl 30 after 59 s = %q, %v", r.Value, err)
	}
	h.clock.Advance(time.Second)
	if r := mustGet(t, reader, "absent"); string(r.Value) != "now here" {
		t.Fatalf("reader after 60 s = %+v", r)
	}
	// A longer cacheTtl keeps the copy longer.
	mustGet(t, reader, "k")
	mustPut(t, writer, "k", "v3", kv.PutOptions{})
	h.clock.Advance(100 * time.Second)
	if r, _ := reader.Get(ctx, "k", kv.GetOptions{CacheTTL: i64(3600)}); string(r.Value) != "v2" {
		t.Fatalf("cacheTtl 3600 after 100 s = %q", r.Value)
	}
	if r := mustGet(t, reader, "k"); string(r.Value) != "v3" {
		t.Fatalf("default cacheTtl after 100 s = %q", r.Value)
	}
	// A delete is visible at once where it was made.
	if err := writer.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if mustGet(t, writer, "k").Found {
		t.Fatal("writer still sees its deleted key")
	}
	// A cached entry still expires on time.
	mustPut(t, writer, "e", "v", kv.PutOptions{ExpirationTTL: i64(60)})
	mustGet(t, reader, "e")
	h.clock.Advance(60 * time.Second)
	if mustGet(t, writer, "e").Found {
		t.Fatal("cached entry outlived its expiration")
	}
	_, err = reader.Get(ctx, "k", kv.GetOptions{CacheTTL: i64(29)})
	wantErr(t, err, kv.KindError, "KV GET failed: 400 Invalid cache_ttl of 29. Cache TTL must be at least 30.")
}
