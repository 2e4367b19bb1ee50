package e2e

import (
	"io"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

// freezer is a TCP proxy that can stop passing bytes, as a database that
// hangs (a frozen VM, a full disk, a lock) looks from outside.
type freezer struct {
	ln     net.Listener
	target string
	frozen atomic.Bool
	mu     sync.Mutex
	thawed *sync.Cond
}

func newFreezer(t *testing.T, target string) *freezer {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f := &freezer{ln: ln, target: target}
	f.thawed = sync.NewCond(&f.mu)
	t.Cleanup(func() { ln.Close(); f.set(false) })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go f.serve(c)
		}
	}()
	return f
}

func (f *freezer) set(frozen bool) {
	f.mu.Lock()
	f.frozen.Store(frozen)
	f.thawed.Broadcast()
	f.mu.Unlock()
}

func (f *freezer) wait() {
	f.mu.Lock()
	for f.frozen.Load() {
		f.thawed.Wait()
	}
	f.mu.Unlock()
}

func (f *freezer) serve(c net.Conn) {
	defer c.Close()
	up, err := net.Dial("tcp", f.target)
	if err != nil {
		return
	}
	defer up.Close()
	pipe := func(dst, src net.Conn) {
		buf := make([]byte, 32<<10)
		for {
			n, err := src.Read(buf)
			f.wait()
			if n > 0 {
				if _, werr := dst.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				return
			}
		}
	}
	go pipe(up, c)
	pipe(c, up)
}

func TestServeReadinessReflectsAStalledDatabase(t *testing.T) {
	srv, err := pgtest.Start()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { srv.Stop() })
	dsn, err := srv.NewDatabase("stalled")
	if err != nil {
		t.Fatal(err)
	}
	f := newFreezer(t, srv.Addr())
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = f.ln.Addr().String()
	n := startServe(t, t.TempDir(), strings.NewReplacer("%DIR%", serveProject(""), "%KV%", filepath.Join(outposttest.RepoRoot(), "testdata", "projects", "kv-basic")).Replace(`
state_dir = "state"
instances = 1
[ops]
listen = "%OPS%"
[[workers]]
name = "api"
dir = "%DIR%/api"
routes = ["api.test/*"]
[[workers]]
name = "auth"
dir = "%DIR%/auth"
[[workers]]
name = "kv-basic"
dir = "%KV%"
routes = ["kv.test/*"]
`), "OUTPOST_KV_URL="+u.String())
	put := func() (int, string, time.Duration) {
		start := time.Now()
		code, body := n.hostDo("PUT", "kv.test", "/kv/k", strings.NewReader("v"))
		return code, body, time.Since(start)
	}
	if code, body, _ := put(); code != 201 {
		t.Fatalf("KV put with the database answering: %d %q", code, body)
	}
	ready := func() (int, string) {
		resp, err := client.Get(n.ops + "/readyz")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := ready(); code != 200 {
		t.Fatalf("readyz with the database answering: %d %q", code, body)
	}
	f.set(true)
	if !waitFor(20*time.Second, func() bool {
		code, body := ready()
		return code == 503 && strings.Contains(body, "KV database not answering")
	}) {
		code, body := ready()
		t.Fatalf("readyz with the database frozen: %d %q", code, body)
	}
	// The node itself still answers what needs no database.
	n.victimAnswers("with the database frozen")
	// KV calls fail at once, naming the cause, rather than each waiting
	// out its 30 s timeout (kv-basic answers a KV error with 400).
	if code, body, took := put(); code != 400 || took > 10*time.Second || !strings.Contains(body, "kv: the PostgreSQL database is not answering") {
		t.Errorf("KV put with the database frozen: %d %q after %s\noutput:\n%s", code, body, took, n.Output())
	}
	f.set(false)
	if !waitFor(20*time.Second, func() bool { code, _ := ready(); return code == 200 }) {
		code, body := ready()
		t.Errorf("readyz after the database came back: %d %q", code, body)
	}
	if code, body, _ := put(); code != 201 {
		t.Errorf("KV put after the database came back: %d %q", code, body)
	}
}
