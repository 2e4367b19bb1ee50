package kvtest

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/kv"
)

func testKeyNameErrors(t *testing.T, h *harness) {
	long := strings.Repeat("a", 510) + "é" // 512 bytes: allowed
	mustPut(t, h.ns, long, "v", kv.PutOptions{})
	tooLong := strings.Repeat("é", 256) + "a" // 513 bytes, 257 characters
	cases := []struct {
		key  string
		kind kv.Kind
		msg  string // after "KV <op> failed: " where applicable
	}{
		{"", kv.KindTypeError, "Key name cannot be empty."},
		{".", kv.KindTypeError, `"." is not allowed as a key name.`},
		{"..", kv.KindTypeError, `".." is not allowed as a key name.`},
		{tooLong, kv.KindError, "KV %s failed: 414 UTF-8 encoded length of 513 exceeds key length limit of 512."},
	}
	for _, c := range cases {
		msg := func(op string) string {
			if strings.Contains(c.msg, "%s") {
				return strings.Replace(c.msg, "%s", op, 1)
			}
			return c.msg
		}
		_, err := h.ns.Get(ctx, c.key, kv.GetOptions{})
		wantErr(t, err, c.kind, msg("GET"))
		wantErr(t, h.ns.Put(ctx, c.key, []byte("v"), kv.PutOptions{}), c.kind, msg("PUT"))
		wantErr(t, h.ns.Delete(ctx, c.key), c.kind, msg("DELETE"))
	}
	for _, ok := range []string{"...", "./", "a.", " "} {
		mustPut(t, h.ns, ok, "v", kv.PutOptions{})
	}
}

func testPutOptionErrors(t *testing.T, h *harness) {
	now := epoch.Unix()
	cases := []struct {
		o   kv.PutOptions
		msg string
	}{
		{kv.PutOptions{ExpirationTTL: i64(0)}, "KV PUT failed: 400 Invalid expiration_ttl of 0. Please specify integer greater than 0."},
		{kv.PutOptions{ExpirationTTL: i64(-5)}, "KV PUT failed: 400 Invalid expiration_ttl of -5. Please specify integer greater than 0."},
		{kv.PutOptions{ExpirationTTL: i64(3)}, "KV PUT failed: 400 Invalid expiration_ttl of 3. Expiration TTL must be at least 60."},
		{kv.PutOptions{ExpirationTTL: i64(59)}, "KV PUT failed: 400 Invalid expiration_ttl of 59. Expiration TTL must be at least 60."},
		{kv.PutOptions{Expiration: i64(0)}, "KV PUT failed: 400 Invalid expiration of 0. Please specify integer greater than the current number of seconds since the UNIX epoch."},
		{kv.PutOptions{Expiration: i64(now)}, "KV PUT failed: 400 Invalid expiration of 1750000000. Please specify integer greater than the current number of seconds since the UNIX epoch."},
		{kv.PutOptions{Expiration: i64(now + 59)}, "KV PUT failed: 400 Invalid expiration of 1750000059. Expiration times must be at least 60 seconds in the future."},
		// The TTL wins when both are given, as in Miniflare.
		{kv.PutOptions{Expiration: i64(now + 3600), ExpirationTTL: i64(10)}, "KV PUT failed: 400 Invalid expiration_ttl of 10. Expiration TTL must be at least 60."},
	}
	for _, c := range cases {
		wantErr(t, h.ns.Put(ctx, "k", []byte("v"), c.o), kv.KindError, c.msg)
	}
	if r := mustGet(t, h.fresh(), "k"); r.Found {
		t.Fatalf("a rejected put stored something: %+v", r)
	}
	mustPut(t, h.ns, "ttl60", "v", kv.PutOptions{ExpirationTTL: i64(60)})
	mustPut(t, h.ns, "exp60", "v", kv.PutOptions{Expiration: i64(now + 60)})
	mustPut(t, h.ns, "both", "v", kv.PutOptions{Expiration: i64(now + 61), ExpirationTTL: i64(3600)})
	if r := mustGet(t, h.fresh(), "both"); r.Expiration != now+3600 {
		t.Errorf("expiration with both options = %d, want now+3600", r.Expiration)
	}
	// Validation uses whole seconds, like Miniflare: 0.9 s past a second is still that second.
	h.clock.Advance(900 * time.Millisecond)
	mustPut(t, h.ns, "exp60b", "v", kv.PutOptions{Expiration: i64(now + 60)})
}

func testValueSize(t *testing.T, h *harness) {
	max := bytes.Repeat([]byte{'x'}, kv.MaxValueSize)
	max[0], max[len(max)-1] = 'a', 'z'
	if err := h.ns.Put(ctx, "max", max, kv.PutOptions{}); err != nil {
		t.Fatalf("putting exactly %d bytes: %v", kv.MaxValueSize, err)
	}
	if r := mustGet(t, h.fresh(), "max"); !bytes.Equal(r.Value, max) {
		t.Fatalf("25 MiB value came back as %d bytes", len(r.Value))
	}
	over := append(max, '!')
	wantErr(t, h.ns.Put(ctx, "over", over, kv.PutOptions{}), kv.KindError,
		"KV PUT failed: 413 Value length of 26214401 exceeds limit of 26214400.")
}

func testMetadataLimit(t *testing.T, h *harness) {
	md := func(n int) []byte { return []byte(`"` + strings.Repeat("m", n-2) + `"`) }
	mustPut(t, h.ns, "k", "v", kv.PutOptions{Metadata: md(1024)})
	if r := mustGet(t, h.fresh(), "k"); len(r.Metadata) != 1024 {
		t.Errorf("1024-byte metadata came back as %d bytes", len(r.Metadata))
	}
	wantErr(t, h.ns.Put(ctx, "k2", []byte("v"), kv.PutOptions{Metadata: md(1025)}), kv.KindError,
		"KV PUT failed: 413 Metadata length of 1025 exceeds limit of 1024.")
	// Multi-byte characters count in bytes.
	wantErr(t, h.ns.Put(ctx, "k2", []byte("v"), kv.PutOptions{Metadata: []byte(`"` + strings.Repeat("é", 512) + `"`)}), kv.KindError,
		"KV PUT failed: 413 Metadata length of 1026 exceeds limit of 1024.")
	for _, scalar := range []string{`0`, `false`, `""`, `[]`, `null`} {
		mustPut(t, h.ns, "s", "v", kv.PutOptions{Metadata: []byte(scalar)})
		if r := mustGet(t, h.fresh(), "s"); string(r.Metadata) != scalar {
			t.Errorf("metadata %s came back as %q", scalar, r.Metadata)
		}
	}
}
