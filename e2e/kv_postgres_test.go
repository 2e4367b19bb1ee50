package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

// Two Outpost processes sharing one PostgreSQL see each other's KV writes,
// with Cloudflare's consistency: at once where the write was made,
// elsewhere within cacheTtl (60 s by default).
func TestKVSharedPostgres(t *testing.T) {
	srv, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	dsn, err := srv.NewDatabase("kv_shared")
	if err != nil {
		t.Fatal(err)
	}
	env := []string{"OUTPOST_TEST_CLOCK=manual", "OUTPOST_KV_URL=" + dsn}
	dirA := outposttest.CopyDir(t, project("kv-basic"))
	dirB := outposttest.CopyDir(t, project("kv-basic"))
	a := outposttest.DevEnv(t, env, dirA)
	b := outposttest.DevEnv(t, env, dirB)
	if !a.WaitOutput("KV in PostgreSQL", time.Second) {
		t.Fatalf("A does not use PostgreSQL:\n%s", a.Output())
	}

	a.Do("PUT", "/kv/shared", strings.NewReader("v1"), nil)
	if _, body := b.Get("/kv/shared"); body != "v1" {
		t.Fatalf("B reads %q, want v1", body)
	}
	a.Do("PUT", "/kv/shared", strings.NewReader("v2"), nil)
	if _, body := a.Get("/kv/shared"); body != "v2" {
		t.Errorf("A reads its own write as %q", body)
	}
	if _, body := b.Get("/kv/shared"); body != "v1" {
		t.Errorf("B should still see its cached v1 within cacheTtl, got %q", body)
	}
	advanceClock(t, b, dirB, 61*time.Second)
	if _, body := b.Get("/kv/shared"); body != "v2" {
		t.Errorf("B after cacheTtl = %q, want v2", body)
	}
	// A key B has never read is visible at once.
	a.Do("PUT", "/kv/fresh", strings.NewReader("new"), nil)
	if _, body := b.Get("/kv/fresh"); body != "new" {
		t.Errorf("B reads a fresh key as %q", body)
	}
	// list sees both processes' writes
	b.Do("PUT", "/kv/from-b", strings.NewReader("b"), nil)
	if _, body := a.Get("/list"); !strings.Contains(body, `"from-b"`) || !strings.Contains(body, `"shared"`) {
		t.Errorf("A lists %s", body)
	}
}
