package kvtest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/kv"
)

func testBulkGet(t *testing.T, h *harness) {
	mustPut(t, h.ns, "a", `{"n":1}`, kv.PutOptions{Metadata: []byte(`{"m":"a"}`)})
	mustPut(t, h.ns, "empty", "", kv.PutOptions{})
	mustPut(t, h.ns, "zero", "0", kv.PutOptions{})
	got, err := h.fresh().GetBulk(ctx, []string{"zero", "missing", "a", "empty"}, kv.BulkGetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, e := range got {
		summary = append(summary, fmt.Sprintf("%s=%v:%q:%s", e.Key, e.Found, e.Value, e.Metadata))
	}
	want := `zero=true:"0": missing=false:"": a=true:"{\"n\":1}":{"m":"a"} empty=true:"":`
	if s := strings.Join(summary, " "); s != want {
		t.Fatalf("bulk get\n got %s\nwant %s", s, want)
	}
	// Falsy values survive as JSON too.
	if _, err := h.ns.GetBulk(ctx, []string{"a", "zero", "missing"}, kv.BulkGetOptions{Type: "json"}); err != nil {
		t.Fatalf("json bulk get: %v", err)
	}
	// 100 keys is the most.
	keys := make([]string, 100)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	if got, err := h.ns.GetBulk(ctx, keys, kv.BulkGetOptions{Type: "text", CacheTTL: i64(30)}); err != nil || len(got) != 100 {
		t.Fatalf("100 keys: %d, %v", len(got), err)
	}
}

func testBulkGetErrors(t *testing.T, h *harness) {
	mustPut(t, h.ns, "text", "not json", kv.PutOptions{})
	keys := make([]string, 101)
	for i := range keys {
		keys[i] = fmt.Sprintf("k%d", i)
	}
	cases := []struct {
		keys []string
		o    kv.BulkGetOptions
		msg  string
	}{
		{keys, kv.BulkGetOptions{}, "KV GET_BULK failed: 400 You can request a maximum of 100 keys"},
		{nil, kv.BulkGetOptions{}, "KV GET_BULK failed: 400 You must request a minimum of 1 key"},
		{[]string{"a"}, kv.BulkGetOptions{Type: "arrayBuffer"}, `KV GET_BULK failed: 400 "arrayBuffer" is not a valid type. Use "json" or "text"`},
		{[]string{"a"}, kv.BulkGetOptions{Type: "stream"}, `KV GET_BULK failed: 400 "stream" is not a valid type. Use "json" or "text"`},
		{[]string{"text"}, kv.BulkGetOptions{Type: "json"}, "KV GET_BULK failed: 400 At least one of the requested keys corresponds to a non-json value"},
		{[]string{"a", ""}, kv.BulkGetOptions{}, "KV GET_BULK failed: 400 Key names must not be empty"},
		{[]string{".."}, kv.BulkGetOptions{}, `KV GET_BULK failed: 400 Illegal key name "..". Please use a different name.`},
		{[]string{strings.Repeat("k", 513)}, kv.BulkGetOptions{}, "KV GET_BULK failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."},
		{[]string{"a"}, kv.BulkGetOptions{CacheTTL: i64(29)}, "KV GET_BULK failed: 400 Invalid cache_ttl of 29. Cache TTL must be at least 30."},
	}
	for _, c := range cases {
		_, err := h.ns.GetBulk(ctx, c.keys, c.o)
		wantErr(t, err, kv.KindError, c.msg)
	}
	// The values of one bulk get may total 25 MiB at most.
	big := make([]byte, kv.MaxValueSize)
	for _, k := range []string{"big1", "big2"} {
		if err := h.ns.Put(ctx, k, big, kv.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	_, err := h.fresh().GetBulk(ctx, []string{"big1", "big2"}, kv.BulkGetOptions{})
	wantErr(t, err, kv.KindError, "KV GET_BULK failed: 413 Total size of request exceeds the limit of 25MB")
}
