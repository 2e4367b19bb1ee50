package e2e

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// TestDevScriptWithoutConfig runs `outpost dev SCRIPT` on a project with no
// wrangler config, as `wrangler dev src/index.ts` does, and checks that
// --host sets the host request.url carries (so links built from it point
// where they would in production).
func TestDevScriptWithoutConfig(t *testing.T) {
	script := filepath.Join(outposttest.RepoRoot(), "testdata", "projects", "script-only", "src", "index.ts")
	p := outposttest.Dev(t, script, "--persist-to", t.TempDir())
	resp, body := p.Get("/a")
	if resp.StatusCode != 200 || body != `{"host":"`+p.URL[len("http://"):]+`","path":"/a","links":"`+p.URL+`/next"}` {
		t.Errorf("GET /a = %d %s", resp.StatusCode, body)
	}
	if !p.WaitOutput("no compatibility_date is set", 5*time.Second) {
		t.Errorf("no warning about the missing compatibility_date:\n%s", p.Output())
	}

	q := outposttest.Dev(t, script, "--persist-to", t.TempDir(), "--host", "shop.example.test")
	if _, body := q.Get("/b"); body != `{"host":"shop.example.test","path":"/b","links":"http://shop.example.test/next"}` {
		t.Errorf("with --host: %s", body)
	}
}
