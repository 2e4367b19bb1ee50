package e2e

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// esmStartupErrors are the esm-module project's configurations whose
// top-level await cannot start the worker, with what the error must say:
// workerd's message and where in the sources.
var esmStartupErrors = []struct {
	config string
	want   []string
}{
	{"timer.wrangler.toml", []string{"Error: Disallowed operation called within global scope. Asynchronous I/O (ex: fetch() or connect()), setting a timeout", "src/timer.ts:2:"}},
	{"fetch.wrangler.toml", []string{"Error: Disallowed operation called within global scope.", "src/fetch.ts:2:18"}},
	{"kv.wrangler.toml", []string{"Error: Disallowed operation called within global scope.", "src/kv.ts:4:"}},
	{"reject.wrangler.toml", []string{"Error: settings are missing", "loadSettings@src/reject.ts:2:", "src/reject.ts:5:"}},
	{"unsettled.wrangler.toml", []string{"Error: Top-level await in module is unsettled.", "src/unsettled.ts:2:22"}},
}

// TestModuleTopLevelAwait runs a module worker whose modules use top-level
// await (an imported module's, a dynamic import's, a for await loop) and
// reads import.meta back, under workerd's default module registry and its
// new one (new_module_registry).
func TestModuleTopLevelAwait(t *testing.T) {
	dir := project("esm-module")
	p := outposttest.Dev(t, dir, "--persist-to", t.TempDir())
	if _, body := p.Get("/"); body != `{"answer":42,"name":"outpost","lazy":"dynamic import","ticks":6}` {
		t.Errorf("GET / = %s", body)
	}
	if _, body := p.Get("/later"); body != "loaded during a request" {
		t.Errorf("GET /later = %s", body)
	}
	if _, body := p.Get("/meta"); body != `{"nullPrototype":true,"keys":[],"sameInEveryModule":true,"url":null,"main":null,"filename":null,"dirname":null,"resolved":null}` {
		t.Errorf("import.meta = %s", body)
	}

	q := outposttest.Dev(t, dir, "--persist-to", t.TempDir(), "-c", filepath.Join(dir, "registry.wrangler.toml"))
	want := `{"nullPrototype":true,"keys":["main","url","filename","dirname","resolve"],"sameInEveryModule":true,"url":"file:///bundle/index.js","main":true,"filename":"/bundle/index.js","dirname":"/bundle","resolved":["file:///bundle/lib/util.js","node:fs","node:util"]}`
	if _, body := q.Get("/meta"); body != want {
		t.Errorf("import.meta with new_module_registry = %s\nwant %s", body, want)
	}
}

// A top-level await that waits on a timer, fetch() or a KV read, one that
// rejects and one that never settles keep outpost dev from starting, with workerd's
// error and the file and line.
func TestModuleTopLevelAwaitStartupErrors(t *testing.T) {
	dir := project("esm-module")
	for _, c := range esmStartupErrors {
		t.Run(c.config, func(t *testing.T) {
			out, code := outposttest.Run(t, dir, "dev", "--port", fmt.Sprint(outposttest.FreePort(t)), "--persist-to", t.TempDir(), "-c", c.config)
			if code == 0 || !strings.Contains(out, "evaluating the worker's script") {
				t.Errorf("exit %d, output:\n%s", code, out)
			}
			for _, w := range c.want {
				if !strings.Contains(out, w) {
					t.Errorf("output lacks %q:\n%s", w, out)
				}
			}
			if strings.Contains(out, "worker.js:") || strings.Contains(out, "Uncaught") {
				t.Errorf("output has the wrapper's frames or an unhandled rejection:\n%s", out)
			}
		})
	}
}

// outpost serve refuses to deploy a version whose top-level await cannot
// start it, with the same errors, and keeps serving the last good one.
func TestServeDeployTopLevelAwait(t *testing.T) {
	n := startServe(t, t.TempDir(), strings.ReplaceAll(siteConfig, "%STATE%", t.TempDir()))
	dir := outposttest.CopyDir(t, project("esm-module"))
	if out, code := n.outpost(dir, "deploy", "--name", "site"); code != 0 {
		t.Fatalf("deploy: %d %s", code, out)
	}
	const good = `{"answer":42,"name":"outpost","lazy":"dynamic import","ticks":6}`
	if code, body := n.hostGet("site.test", "/"); code != 200 || body != good {
		t.Fatalf("after the deploy: %d %s", code, body)
	}
	for _, c := range esmStartupErrors {
		out, code := n.outpost(dir, "deploy", "--name", "site", "--config", c.config)
		if code == 0 || !strings.Contains(out, "the new version of site failed to start, nothing was deployed") {
			t.Errorf("deploy %s: exit %d, output:\n%s", c.config, code, out)
		}
		for _, w := range c.want {
			if !strings.Contains(out, w) {
				t.Errorf("deploy %s: output lacks %q:\n%s", c.config, w, out)
			}
		}
	}
	if code, body := n.hostGet("site.test", "/"); code != 200 || body != good {
		t.Errorf("after the refused deploys: %d %s", code, body)
	}
}
