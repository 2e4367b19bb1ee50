package bundle

import (
	"strings"
	"testing"
)

func TestNodeModuleGates(t *testing.T) {
	gates := func(on bool, server bool) func(*Options) {
		return func(o *Options) {
			o.NodeCompat = true
			o.NodeHTTPServer = server
			o.NodeModuleFlag = func(name string) (string, bool) {
				if name == "os" {
					return "enable_nodejs_os_module", on
				}
				return "", true
			}
		}
	}
	code := string(mustBuild(t, "node_gated", "src/index.js", gates(false, false)).Code)
	for _, want := range []string{
		`throw new Error('No such module "node:os": it needs the enable_nodejs_os_module compatibility flag`,
		`globalThis.__outpost_require("node:http", { server: false })`,
		`module.exports = globalThis.__outpost_sockets;`,
		`No such module "cloudflare:node": it needs the enable_nodejs_http_server_modules compatibility flag`,
	} {
		if !strings.Contains(code, want) {
			t.Errorf("bundle lacks %s", want)
		}
	}
	code = string(mustBuild(t, "node_gated", "src/index.js", gates(true, true)).Code)
	for _, want := range []string{
		`globalThis.__outpost_require("node:os")`,
		`globalThis.__outpost_require("node:http", { server: true })`,
		`globalThis.__outpost_require("cloudflare:node", { server: true })`,
	} {
		if !strings.Contains(code, want) {
			t.Errorf("bundle lacks %s", want)
		}
	}
	// cloudflare:node without nodejs_compat is a build error that says what to add.
	_, err := build(t, "node_gated", "src/index.js", func(o *Options) {})
	if err == nil || !strings.Contains(err.Error(), `"cloudflare:node" needs Node.js compatibility`) {
		t.Errorf("without nodejs_compat: %v", err)
	}
}
