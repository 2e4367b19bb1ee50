package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

// templateFleetConfig is one node of a two-node fleet running Cloudflare's
// Durable Objects starter.
const templateFleetConfig = `
state_dir = "state"
[durable_objects]
url = "%DSN%"
listen = "%DO%"
token = "template-fleet-token-0123456789"
lease = "1s"
[[workers]]
name = "hello-world-do-template"
dir = "%DIR%"
routes = ["hello.test/*"]
`

// TestDurableObjectTemplate runs Cloudflare's Durable Objects starter
// (hello-world-do-template, unchanged) under outpost dev and on two
// `outpost serve` nodes sharing one PostgreSQL: every path names an
// object whose RPC method answers from SQL, through either node.
func TestDurableObjectTemplate(t *testing.T) {
	dir := filepath.Join(outposttest.RepoRoot(), "testdata", "durable", "template")
	t.Run("dev", func(t *testing.T) {
		p := outposttest.Dev(t, dir, "--persist-to", t.TempDir())
		for _, path := range []string{"/", "/room/1", "/"} {
			if r, body := p.Get(path); r.StatusCode != 200 || body != "Hello, World!" {
				t.Errorf("GET %s = %d %q\n%s", path, r.StatusCode, body, p.Output())
			}
		}
	})
	t.Run("fleet", func(t *testing.T) {
		dsn := pgtest.DSN(t)
		var nodes []*serveNode
		for range 2 {
			cfg := strings.NewReplacer("%DSN%", dsn, "%DIR%", dir,
				"%DO%", fmt.Sprintf("127.0.0.1:%d", outposttest.FreePort(t))).Replace(templateFleetConfig)
			nodes = append(nodes, startServe(t, t.TempDir(), cfg))
		}
		for i, path := range []string{"/", "/a", "/b", "/", "/a", "/b"} {
			n := nodes[i%2]
			if code, body := n.hostGet("hello.test", path); code != 200 || body != "Hello, World!" {
				t.Errorf("GET %s through node %d = %d %q\n%s", path, i%2, code, body, n.Output())
			}
		}
	})
}
