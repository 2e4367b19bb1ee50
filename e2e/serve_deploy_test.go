package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// siteConfig serves the worker "site" from deployments only.
const siteConfig = `
state_dir = "%STATE%"
instances = 2
[admin]
listen = "%ADMIN%"
token = "` + adminToken + `"
[ops]
listen = "%OPS%"
[[workers]]
name = "site"
routes = ["site.test/*"]
`

// loadLoop sends requests from a few clients until stopped (or a bound
// is reached) and counts the answers that were not 2xx.
type loadLoop struct {
	stop     chan struct{}
	wg       sync.WaitGroup
	total    atomic.Int64
	failed   atomic.Int64
	mu       sync.Mutex
	bodies   map[string]int
	failures []string
}

func startLoad(n *serveNode, host string, clients int) *loadLoop {
	l := &loadLoop{stop: make(chan struct{}), bodies: map[string]int{}}
	for i := 0; i < clients; i++ {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for j := 0; j < 20000; j++ {
				select {
				case <-l.stop:
					return
				default:
				}
				code, body := n.hostGet(host, "/")
				l.total.Add(1)
				l.mu.Lock()
				if code < 200 || code > 299 {
					l.failed.Add(1)
					if len(l.failures) < 5 {
						l.failures = append(l.failures, fmt.Sprintf("%d %q", code, body))
					}
				} else {
					l.bodies[body]++
				}
				l.mu.Unlock()
			}
		}()
	}
	return l
}

func (l *loadLoop) finish() {
	close(l.stop)
	l.wg.Wait()
}

func TestServeDeployUnderLoadAndRollback(t *testing.T) {
	state := t.TempDir()
	config := strings.ReplaceAll(siteConfig, "%STATE%", state)
	n := startServe(t, t.TempDir(), config)

	if code, body := n.hostGet("site.test", "/"); code != 503 || !strings.Contains(body, "no deployed version") {
		t.Errorf("before any deploy: %d %q", code, body)
	}
	out, code := n.outpost(withVersion(t, "1"), "deploy", "--message", "first")
	if code != 0 || !strings.Contains(out, "Deployed site version 1") {
		t.Fatalf("deploy v1: %d %s", code, out)
	}
	if code, body := n.hostGet("site.test", "/"); code != 200 || body != "version 1" {
		t.Fatalf("after v1: %d %q", code, body)
	}

	load := startLoad(n, "site.test", 4)
	time.Sleep(300 * time.Millisecond)
	// A request in flight during the deploy finishes on the old version.
	inflight := make(chan string, 1)
	go func() {
		_, body := n.hostGet("site.test", "/?wait=1500")
		inflight <- body
	}()
	time.Sleep(200 * time.Millisecond)
	out, code = n.outpost(withVersion(t, "2"), "deploy")
	if code != 0 || !strings.Contains(out, "Deployed site version 2") {
		load.finish()
		t.Fatalf("deploy v2: %d %s", code, out)
	}
	if code, body := n.hostGet("site.test", "/"); code != 200 || body != "version 2" {
		t.Errorf("right after deploy v2: %d %q", code, body)
	}
	time.Sleep(300 * time.Millisecond)
	load.finish()
	if got := <-inflight; got != "version 1" {
		t.Errorf("the request in flight during the deploy answered %q", got)
	}
	t.Logf("load: %d requests, %d failed, bodies %v", load.total.Load(), load.failed.Load(), load.bodies)
	if load.failed.Load() != 0 {
		t.Errorf("%d of %d requests failed during the deploy: %v", load.failed.Load(), load.total.Load(), load.failures)
	}
	if load.bodies["version 1"] == 0 || load.bodies["version 2"] == 0 {
		t.Errorf("the load did not see both versions: %v", load.bodies)
	}

	// Rollback to the previous version, then forward again by number.
	out, code = n.outpost(t.TempDir(), "rollback", "site")
	if code != 0 || !strings.Contains(out, "Rolled back site to version 1") {
		t.Fatalf("rollback: %d %s", code, out)
	}
	if _, body := n.hostGet("site.test", "/"); body != "version 1" {
		t.Errorf("after rollback: %q", body)
	}
	out, _ = n.outpost(t.TempDir(), "rollback", "site", "--list")
	if !strings.Contains(out, "*    1") || !strings.Contains(out, "first") || !strings.Contains(out, "     2") {
		t.Errorf("rollback --list:\n%s", out)
	}
	out, code = n.outpost(t.TempDir(), "rollback", "site", "--version", "2")
	if code != 0 {
		t.Fatalf("rollback --version 2: %s", out)
	}
	if _, body := n.hostGet("site.test", "/"); body != "version 2" {
		t.Errorf("after rollback to 2: %q", body)
	}

	// A version that throws at start-up is refused and nothing changes.
	broken := withVersion(t, "3")
	if err := os.WriteFile(filepath.Join(broken, "src", "index.js"), []byte("throw new Error('broken at start');\nexport default {};\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = n.outpost(broken, "deploy")
	if code == 0 || !strings.Contains(out, "broken at start") || !strings.Contains(out, "nothing was deployed") {
		t.Errorf("broken deploy: %d %s", code, out)
	}
	if _, body := n.hostGet("site.test", "/"); body != "version 2" {
		t.Errorf("after the refused deploy: %q", body)
	}
	// A wrong token is refused.
	out, code = n.outpostWithToken(withVersion(t, "4"), "wrong-token-wrong-token", "deploy")
	if code == 0 || !strings.Contains(out, "401") {
		t.Errorf("deploy with a wrong token: %d %s", code, out)
	}

	// The deployments survive a restart (the file store in state_dir).
	n.Stop()
	n2 := startServe(t, t.TempDir(), config)
	if code, body := n2.hostGet("site.test", "/"); code != 200 || body != "version 2" {
		t.Errorf("after restart: %d %q", code, body)
	}
}

func (n *serveNode) outpostWithToken(dir, token string, args ...string) (string, int) {
	n.t.Helper()
	return runWithEnv(n.t, dir, []string{"OUTPOST_URL=" + n.admin, "OUTPOST_ADMIN_TOKEN=" + token}, args...)
}
