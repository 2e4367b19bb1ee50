package kvtest

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/kv"
)

func putAll(t *testing.T, ns *kv.Namespace, keys ...string) {
	t.Helper()
	for _, k := range keys {
		mustPut(t, ns, k, "v", kv.PutOptions{})
	}
}

func testListOrder(t *testing.T, h *harness) {
	keys := []string{"b", "a", "B", "aa", "a\u00ff", "é", "e\u0301", "😀", "\uffff", "\ue000", "\ud7ff", "~", "!", "a b", "Z", "0", "10", "9", "a\x00", "a\x01", "a\x00\x01", "\x00", "\x01z"}
	putAll(t, h.ns, keys...)
	want := slices.Clone(keys)
	slices.Sort(want) // Go compares strings bytewise: UTF-8 byte order
	if got := names(mustList(t, h.fresh(), kv.ListOptions{}).Keys); !slices.Equal(got, want) {
		t.Fatalf("list order\n got %q\nwant %q", got, want)
	}
}

func testListPrefixLiteral(t *testing.T, h *harness) {
	putAll(t, h.ns, "a%b", "axb", "a_b", "ayb", `a\b`, `a\\b`, "a%", "A%b", "a*b", "a.b", "a[b", "n\x00", "n\x00x", "n\x01")
	cases := map[string][]string{
		"a%":    {"a%", "a%b"},
		"a_":    {"a_b"},
		`a\`:    {`a\\b`, `a\b`},
		`a\\`:   {`a\\b`},
		"a*":    {"a*b"},
		"a.":    {"a.b"},
		"a[":    {"a[b"},
		"%":     nil,
		"A":     {"A%b"},
		"a%bc":  nil,
		"n\x00": {"n\x00", "n\x00x"},
		"n\x01": {"n\x01"},
	}
	for prefix, want := range cases {
		got := names(mustList(t, h.fresh(), kv.ListOptions{Prefix: prefix}).Keys)
		slices.Sort(want)
		if !slices.Equal(got, want) && !(len(got) == 0 && len(want) == 0) {
			t.Errorf("prefix %q = %q, want %q", prefix, got, want)
		}
	}
}

func testListPrefixMultiByte(t *testing.T, h *harness) {
	keys := []string{"é", "éa", "é😀", "ê", "e", "f", "日本", "日本語", "日記", "😀", "😀a", "😁",
		"\ud7ff", "\ud7ffx", "\ue000", "\uffff", "\uffffz", "\U0010ffff", "\U0010ffffq", "z"}
	putAll(t, h.ns, keys...)
	for _, prefix := range []string{"é", "e", "日本", "日", "😀", "\ud7ff", "\uffff", "\U0010ffff", "z"} {
		var want []string
		for _, k := range keys {
			if strings.HasPrefix(k, prefix) {
				want = append(want, k)
			}
		}
		slices.Sort(want)
		got := names(mustList(t, h.fresh(), kv.ListOptions{Prefix: prefix}).Keys)
		if !slices.Equal(got, want) {
			t.Errorf("prefix %q = %q, want %q", prefix, got, want)
		}
		// Paging one key at a time finds the same keys.
		var paged []string
		cursor := ""
		for page := 0; ; page++ {
			guardPages(t, page, len(want)+1)
			r := mustList(t, h.fresh(), kv.ListOptions{Prefix: prefix, Limit: 1, Cursor: cursor})
			paged = append(paged, names(r.Keys)...)
			if r.ListComplete {
				break
			}
			cursor = r.Cursor
		}
		if !slices.Equal(paged, want) {
			t.Errorf("prefix %q paged = %q, want %q", prefix, paged, want)
		}
	}
}

func testListPages(t *testing.T, h *harness) {
	var all []string
	for i := range 25 {
		all = append(all, fmt.Sprintf("key-%02d", i))
	}
	putAll(t, h.ns, all...)
	putAll(t, h.ns, "other-1", "zzz")
	var got []string
	cursor, pages := "", 0
	for {
		guardPages(t, pages, 3)
		r := mustList(t, h.fresh(), kv.ListOptions{Prefix: "key-", Limit: 10, Cursor: cursor})
		pages++
		got = append(got, names(r.Keys)...)
		if r.ListComplete {
			if r.Cursor != "" {
				t.Errorf("last page has a cursor %q", r.Cursor)
			}
			break
		}
		if r.Cursor == "" || len(r.Keys) != 10 {
			t.Fatalf("page %d: %d keys, cursor %q, not complete", pages, len(r.Keys), r.Cursor)
		}
		cursor = r.Cursor
	}
	if pages != 3 || !slices.Equal(got, all) {
		t.Fatalf("%d pages: %q", pages, got)
	}
	// A page that ends exactly at the last key: the next call returns it complete.
	r := mustList(t, h.fresh(), kv.ListOptions{Prefix: "key-", Limit: 25})
	if !r.ListComplete || len(r.Keys) != 25 {
		t.Errorf("limit = count: complete=%v keys=%d", r.ListComplete, len(r.Keys))
	}
	// The default limit is 1000.
	var many []string
	for i := range 1001 {
		many = append(many, fmt.Sprintf("m%04d", i))
	}
	putAll(t, h.ns, many...)
	r = mustList(t, h.fresh(), kv.ListOptions{Prefix: "m"})
	if len(r.Keys) != 1000 || r.ListComplete || r.Cursor == "" {
		t.Fatalf("default limit: %d keys, complete %v", len(r.Keys), r.ListComplete)
	}
	r = mustList(t, h.fresh(), kv.ListOptions{Prefix: "m", Cursor: r.Cursor, Limit: 1000})
	if len(r.Keys) != 1 || r.Keys[0].Name != "m1000" || !r.ListComplete {
		t.Fatalf("second page = %q complete %v", names(r.Keys), r.ListComplete)
	}
}

func testListCursorSurvivesWrites(t *testing.T, h *harness) {
	putAll(t, h.ns, "b", "d", "f", "h", "j")
	first := mustList(t, h.ns, kv.ListOptions{Limit: 2})
	if got := names(first.Keys); !slices.Equal(got, []string{"b", "d"}) {
		t.Fatalf("first page = %q", got)
	}
	// Between pages: a key before the cursor, one right after it, the cursor
	// key itself deleted, a later key deleted.
	putAll(t, h.ns, "a", "e")
	if err := h.ns.Delete(ctx, "d"); err != nil {
		t.Fatal(err)
	}
	if err := h.ns.Delete(ctx, "h"); err != nil {
		t.Fatal(err)
	}
	var rest []string
	cursor := first.Cursor
	for page := 0; ; page++ {
		guardPages(t, page, 3)
		r := mustList(t, h.ns, kv.ListOptions{Limit: 2, Cursor: cursor})
		rest = append(rest, names(r.Keys)...)
		if r.ListComplete {
			break
		}
		cursor = r.Cursor
	}
	if !slices.Equal(rest, []string{"e", "f", "j"}) {
		t.Fatalf("pages after writes = %q, want [e f j]", rest)
	}
}

func testListShape(t *testing.T, h *harness) {
	mustPut(t, h.ns, "plain", "v", kv.PutOptions{})
	mustPut(t, h.ns, "rich", "v", kv.PutOptions{ExpirationTTL: i64(600), Metadata: []byte(`{"x":"y"}`)})
	r := mustList(t, h.fresh(), kv.ListOptions{})
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf(`{"keys":[{"name":"plain"},{"name":"rich","expiration":%d,"metadata":{"x":"y"}}],"list_complete":true}`, epoch.Unix()+600)
	if string(b) != want {
		t.Fatalf("list JSON\n got %s\nwant %s", b, want)
	}
	empty := mustList(t, h.fresh(), kv.ListOptions{Prefix: "nothing"})
	if b, _ := json.Marshal(empty); string(b) != `{"keys":[],"list_complete":true}` {
		t.Fatalf("empty list JSON = %s", b)
	}
}

func testListErrors(t *testing.T, h *harness) {
	_, err := h.ns.List(ctx, kv.ListOptions{Limit: 1001})
	wantErr(t, err, kv.KindError, "KV GET failed: 400 Invalid key_count_limit of 1001. Please specify an integer less than 1000.")
	_, err = h.ns.List(ctx, kv.ListOptions{Prefix: strings.Repeat("p", 513)})
	wantErr(t, err, kv.KindError, "KV GET failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512.")
	_, err = h.ns.List(ctx, kv.ListOptions{Cursor: "!!not a cursor!!"})
	if _, ok := err.(*kv.Error); !ok {
		t.Fatalf("bad cursor: %v", err)
	}
	putAll(t, h.ns, "a", "b")
	// workerd does not send a limit ≤ 0, so the default applies.
	for _, limit := range []int{0, -1} {
		if r := mustList(t, h.ns, kv.ListOptions{Limit: limit}); len(r.Keys) != 2 || !r.ListComplete {
			t.Errorf("limit %d = %+v", limit, r)
		}
	}
	mustList(t, h.ns, kv.ListOptions{Limit: 1000, Prefix: strings.Repeat("p", 512)})
}

// guardPages stops a paging loop that a broken cursor would make endless.
func guardPages(t *testing.T, page, max int) {
	t.Helper()
	if page >= max {
		t.Fatalf("list still not complete after %d pages: the cursor does not advance", max)
	}
}
