package runtime

import (
	"testing"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// TestNodeCompatJS runs prelude/testdata/nodecompat/*.test.js in instances with
// nodejs_compat on and process.env populated.
func TestNodeCompatJS(t *testing.T) {
	nodeCompat := Extension{Name: "test-node-compat", Install: func(h BindingHost, c *jsc.Context, ops jsc.Value) error {
		in := h.(*Instance)
		in.cfg.NodeCompat = true
		in.cfg.PopulateProcessEnv = true
		in.cfg.Bindings.Vars = map[string]any{"GREETING": "hello", "LIMITS": map[string]any{"n": 1.0}}
		in.cfg.Bindings.Secrets = map[string]string{"API_KEY": "s3cret"}
		return nil
	}}
	runJSFiles(t, "prelude/testdata/nodecompat/*.test.js", "", nodeCompat)
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
