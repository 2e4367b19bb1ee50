package kvtest

import (
	"context"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/kv"
)

func testExpiryBoundary(t *testing.T, h *harness) {
	mustPut(t, h.ns, "ttl", "v", kv.PutOptions{ExpirationTTL: i64(60)})
	mustPut(t, h.ns, "abs", "v", kv.PutOptions{Expiration: i64(epoch.Unix() + 120)})
	mustPut(t, h.ns, "forever", "v", kv.PutOptions{})
	visible := func(ns *kv.Namespace, key string) bool { return mustGet(t, ns, key).Found }
	listed := func() []string { return names(mustList(t, h.fresh(), kv.ListOptions{}).Keys) }

	h.clock.Advance(59*time.Second + 999*time.Millisecond)
	if !visible(h.ns, "ttl") || !visible(h.fresh(), "ttl") {
		t.Fatal("key expired before its expiration time")
	}
	h.clock.Advance(time.Millisecond) // exactly the expiration time
	if visible(h.ns, "ttl") || visible(h.fresh(), "ttl") {
		t.Fatal("key still visible at exactly its expiration time")
	}
	if got := listed(); len(got) != 2 || got[0] != "abs" || got[1] != "forever" {
		t.Fatalf("list at ttl's expiration = %q", got)
	}
	h.clock.Advance(60 * time.Second)
	if visible(h.ns, "abs") {
		t.Fatal("absolute expiration not honoured")
	}
	if got := listed(); len(got) != 1 || got[0] != "forever" {
		t.Fatalf("list = %q", got)
	}
	// An expired key can be written again.
	mustPut(t, h.ns, "ttl", "again", kv.PutOptions{})
	if r := mustGet(t, h.fresh(), "ttl"); string(r.Value) != "again" {
		t.Fatalf("rewritten key = %+v", r)
	}
}

func testExpirationReported(t *testing.T, h *harness) {
	mustPut(t, h.ns, "k", "v", kv.PutOptions{ExpirationTTL: i64(300), Metadata: []byte(`{"m":1}`)})
	r := mustGet(t, h.fresh(), "k")
	if r.Expiration != epoch.Unix()+300 {
		t.Errorf("expiration = %d, want %d", r.Expiration, epoch.Unix()+300)
	}
	keys := mustList(t, h.fresh(), kv.ListOptions{}).Keys
	if len(keys) != 1 || keys[0].Expiration != epoch.Unix()+300 || string(keys[0].Metadata) != `{"m":1}` {
		t.Errorf("list = %+v", keys)
	}
}

func testSweeper(t *testing.T, h *harness) {
	for _, k := range []string{"a", "b", "c"} {
		mustPut(t, h.ns, k, "v", kv.PutOptions{ExpirationTTL: i64(60)})
	}
	mustPut(t, h.kv.Namespace("other"), "d", "v", kv.PutOptions{ExpirationTTL: i64(90)})
	mustPut(t, h.ns, "keep", "v", kv.PutOptions{})
	if n, err := h.kv.Sweep(ctx); err != nil || n != 0 {
		t.Fatalf("sweep before expiry = %d, %v", n, err)
	}
	h.clock.Advance(60 * time.Second)
	n, err := h.kv.Sweep(ctx)
	if err != nil || n != 3 {
		t.Fatalf("sweep = %d, %v; want 3", n, err)
	}
	// The rows are gone, not just hidden: ask the store as of before expiry.
	for _, k := range []string{"a", "b", "c"} {
		if _, found, err := h.store.Get(ctx, h.ns.ID(), k, epoch.Unix()); err != nil || found {
			t.Errorf("swept key %q still stored (%v)", k, err)
		}
	}
	if _, found, _ := h.store.Get(ctx, "other", "d", epoch.Unix()); !found {
		t.Error("sweeper removed a key that had not expired")
	}
	if !mustGet(t, h.fresh(), "keep").Found {
		t.Error("sweeper removed a key without expiration")
	}

	// The background sweeper does the same on its own.
	h.clock.Advance(30 * time.Second)
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	h.kv.StartSweeper(sctx, 10*time.Millisecond, nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		if _, found, _ := h.store.Get(ctx, "other", "d", epoch.Unix()); !found {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("background sweeper did not remove an expired key within 5s")
		}
		time.Sleep(10 * time.Millisecond)
	}
}
