package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/pgtest"
)

// fleetConfig is one node of a fleet sharing deployments in PostgreSQL.
const fleetConfig = `
state_dir = "state"
instances = 1
[admin]
listen = "%ADMIN%"
token = "` + adminToken + `"
[ops]
listen = "%OPS%"
[deployments]
url = "%DSN%"
poll = "200ms"
[kv]
url = "%DSN%"
[[workers]]
name = "site"
routes = ["site.test/*"]
`

func TestServeTwoNodesSharePostgres(t *testing.T) {
	dsn := pgtest.DSN(t)
	config := strings.ReplaceAll(fleetConfig, "%DSN%", dsn)
	a := startServe(t, t.TempDir(), config)
	b := startServe(t, t.TempDir(), config)

	serves := func(n *serveNode, want string) bool {
		return waitFor(10*time.Second, func() bool {
			code, body := n.hostGet("site.test", "/")
			return code == 200 && body == want
		})
	}
	// A deploy through node A reaches node B.
	if out, code := a.outpost(withKV(t, withVersion(t, "1")), "deploy"); code != 0 {
		t.Fatalf("deploy v1 via A: %s", out)
	}
	if !serves(a, "version 1") || !serves(b, "version 1") {
		t.Fatal("the nodes do not both serve version 1")
	}

	// A deploy through B while B's neighbour A is under load: A switches
	// without failing a request.
	load := startLoad(a, "site.test", 3)
	time.Sleep(200 * time.Millisecond)
	out, code := b.outpost(withKV(t, withVersion(t, "2")), "deploy")
	if code != 0 || !strings.Contains(out, "Deployed site version 2") {
		load.finish()
		t.Fatalf("deploy v2 via B: %d %s", code, out)
	}
	ok := serves(a, "version 2")
	time.Sleep(200 * time.Millisecond)
	load.finish()
	if !ok {
		t.Fatal("node A did not pick up version 2")
	}
	if load.failed.Load() != 0 {
		t.Errorf("%d of %d requests to A failed while it switched: %v", load.failed.Load(), load.total.Load(), load.failures)
	}

	// KV lives in the shared PostgreSQL: a write through one node is read
	// through the other.
	if code, body := a.hostDo("PUT", "site.test", "/kv?key=greeting", strings.NewReader("hello fleet")); code != 200 || body != "stored" {
		t.Fatalf("KV put via A: %d %q", code, body)
	}
	if code, body := b.hostGet("site.test", "/kv?key=greeting"); code != 200 || body != "hello fleet" {
		t.Errorf("KV get via B: %d %q", code, body)
	}
	if code, _ := b.hostGet("site.test", "/kv?key=absent"); code != 404 {
		t.Errorf("KV get of a missing key: %d", code)
	}
	m := a.metrics()
	if v, _ := metric(m, `outpost_kv_operations_total{worker="site",op="put",result="ok"}`); v != 1 {
		t.Errorf("A's KV put counter = %v", v)
	}
	m = b.metrics()
	if v, _ := metric(m, `outpost_kv_hit_ratio{worker="site"}`); v != 0.5 {
		t.Errorf("B's KV hit ratio = %v (one hit, one miss)\n%s", v, m)
	}

	// A rollback on A reaches B.
	if out, code := a.outpost(t.TempDir(), "rollback", "site"); code != 0 {
		t.Fatalf("rollback via A: %s", out)
	}
	if !serves(b, "version 1") {
		t.Error("node B did not follow the rollback")
	}
	m = b.metrics()
	if v, _ := metric(m, `outpost_worker_version{worker="site"}`); v != 1 {
		t.Errorf("B's outpost_worker_version = %v", v)
	}
	if v, _ := metric(m, `outpost_deployments_applied_total{worker="site"}`); v != 3 {
		t.Errorf("B applied %v versions, want 3", v)
	}
}

// withKV binds the KV namespace "shared" as STORE in a project copy.
func withKV(t *testing.T, dir string) string {
	t.Helper()
	f, err := os.OpenFile(filepath.Join(dir, "wrangler.toml"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.WriteString("\n[[kv_namespaces]]\nbinding = \"STORE\"\nid = \"shared\"\n"); err != nil {
		t.Fatal(err)
	}
	return dir
}
