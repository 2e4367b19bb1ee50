package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// TestNodeCompatJS runs prelude/testdata/nodecompat/*.test.js in instances with
// nodejs_compat on and process.env populated.
func TestNodeCompatJS(t *testing.T) {
	files, err := filepath.Glob("prelude/testdata/nodecompat/*.test.js")
	if err != nil || len(files) == 0 {
		t.Fatalf("no node tests found (%v)", err)
	}
	harness, err := os.ReadFile("prelude/testdata/harness.js")
	if err != nil {
		t.Fatal(err)
	}
	nodeCompat := Extension{Name: "test-node-compat", Install: func(h BindingHost, c *jsc.Context, ops jsc.Value) error {
		in := h.(*Instance)
		in.cfg.NodeCompat = true
		in.cfg.PopulateProcessEnv = true
		in.cfg.Bindings.Vars = map[string]any{"GREETING": "hello", "LIMITS": map[string]any{"n": 1.0}}
		in.cfg.Bindings.Secrets = map[string]string{"API_KEY": "s3cret"}
		return nil
	}}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".test.js"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			runJSTest(t, string(harness)+"\n"+string(src), nodeCompat)
		})
	}
}

// Without nodejs_compat there is no require and no Node globals.
func TestNodeCompatOff(t *testing.T) {
	runJSTest(t, `
globalThis.__report({
  passed: typeof __outpost_require === "undefined" && typeof Buffer === "undefined" && typeof process === "undefined" ? 1 : 0,
  failed: typeof __outpost_require === "undefined" && typeof Buffer === "undefined" && typeof process === "undefined" ? 0 : 1,
  failures: typeof __outpost_require === "undefined" ? [] : [{ name: "globals", error: "node globals defined without nodejs_compat" }],
});`)
}
