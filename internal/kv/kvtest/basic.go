package kvtest

import (
	"bytes"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/kv"
)

func testRoundTrip(t *testing.T, h *harness) {
	mustPut(t, h.ns, "text", "hello", kv.PutOptions{})
	mustPut(t, h.ns, "empty", "", kv.PutOptions{})
	mustPut(t, h.ns, "meta", "v", kv.PutOptions{Metadata: []byte(`{"a":[1,"x",null],"b":{"c":true}}`)})
	binary := []byte{0, 1, 2, 0xff, 0xfe, 0}
	if err := h.ns.Put(ctx, "bin", binary, kv.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	// Read through another process too, so the store (not the cache) answers.
	for _, ns := range []*kv.Namespace{h.ns, h.fresh()} {
		if r := mustGet(t, ns, "text"); !r.Found || string(r.Value) != "hello" || r.Metadata != nil || r.Expiration != 0 {
			t.Errorf("text = %+v", r)
		}
		if r := mustGet(t, ns, "empty"); !r.Found || r.Value == nil || len(r.Value) != 0 {
			t.Errorf(`"" did not round-trip as "": %+v`, r)
		}
		if r := mustGet(t, ns, "meta"); string(r.Metadata) != `{"a":[1,"x",null],"b":{"c":true}}` {
			t.Errorf("metadata = %s", r.Metadata)
		}
		if r := mustGet(t, ns, "bin"); !bytes.Equal(r.Value, binary) {
			t.Errorf("binary = %v", r.Value)
		}
		if r := mustGet(t, ns, "missing"); r.Found || r.Value != nil {
			t.Errorf("missing = %+v", r)
		}
	}
	// Overwrite replaces value, metadata and expiration together.
	mustPut(t, h.ns, "meta", "w", kv.PutOptions{ExpirationTTL: i64(120)})
	if r := mustGet(t, h.fresh(), "meta"); string(r.Value) != "w" || r.Metadata != nil || r.Expiration != epoch.Unix()+120 {
		t.Errorf("after overwrite = %+v", r)
	}
	// Keys are any UTF-8, including characters SQL gives meaning to.
	for _, key := range []string{"a\x00b", "a b", "%", "_", `\`, "'; DROP TABLE kv_entries; --", "日本語", "😀", strings.Repeat("é", 256)} {
		mustPut(t, h.ns, key, "v:"+key, kv.PutOptions{})
		if r := mustGet(t, h.fresh(), key); string(r.Value) != "v:"+key {
			t.Errorf("key %q = %+v", key, r)
		}
	}
}

func testDelete(t *testing.T, h *harness) {
	mustPut(t, h.ns, "k", "v", kv.PutOptions{})
	other := h.fresh()
	mustGet(t, other, "k")
	if err := h.ns.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if r := mustGet(t, h.ns, "k"); r.Found {
		t.Errorf("deleted key still visible in the writing process")
	}
	if err := h.ns.Delete(ctx, "never-existed"); err != nil {
		t.Errorf("deleting an absent key: %v", err)
	}
	if got := names(mustList(t, h.fresh(), kv.ListOptions{}).Keys); len(got) != 0 {
		t.Errorf("list after delete = %q", got)
	}
}

func testNamespaces(t *testing.T, h *harness) {
	a, b := h.kv.Namespace("ns-a"), h.kv.Namespace("ns-b")
	mustPut(t, a, "k", "in a", kv.PutOptions{})
	mustPut(t, b, "k", "in b", kv.PutOptions{})
	mustPut(t, b, "only-b", "x", kv.PutOptions{})
	if r := mustGet(t, a, "k"); string(r.Value) != "in a" {
		t.Errorf("a/k = %q", r.Value)
	}
	if r := mustGet(t, a, "only-b"); r.Found {
		t.Errorf("namespace a sees b's key")
	}
	if got := names(mustList(t, a, kv.ListOptions{}).Keys); len(got) != 1 || got[0] != "k" {
		t.Errorf("list a = %q", got)
	}
	if err := a.Delete(ctx, "k"); err != nil {
		t.Fatal(err)
	}
	if r := mustGet(t, h.kv.Namespace("ns-b"), "k"); string(r.Value) != "in b" {
		t.Errorf("deleting a/k touched b/k: %+v", r)
	}
}
