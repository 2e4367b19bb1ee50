package main

import (
	"fmt"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

// bundleForWorkerd bundles a worker script into one ES module, as wrangler
// does before it hands a script to workerd: same resolve conditions, and
// production builds of libraries.
func bundleForWorkerd(entry, out string) error {
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{entry},
		Outfile:     out,
		Bundle:      true,
		Write:       true,
		Format:      api.FormatESModule,
		Platform:    api.PlatformBrowser,
		Target:      api.ESNext,
		Conditions:  []string{"workerd", "worker", "browser"},
		Define:      map[string]string{"process.env.NODE_ENV": `"production"`},
		LogLevel:    api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		msgs := api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return fmt.Errorf("bundling %s for workerd:\n%s", entry, strings.Join(msgs, ""))
	}
	return nil
}

// workerdConfig is a workerd capnp config: one ES-module worker (worker.js
// beside the config) on one loopback socket, allowed to fetch loopback
// origins (workerd's default outbound allows public addresses only).
func workerdConfig(port int, compatDate, originURL string) string {
	return fmt.Sprintf(`using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .mainWorker),
    (name = "internet", network = (allow = ["public", "private", "local"])),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:%d", http = (), service = "main"),
  ],
);

const mainWorker :Workerd.Worker = (
  modules = [
    (name = "worker.js", esModule = embed "worker.js"),
  ],
  compatibilityDate = %q,
  bindings = [
    (name = "ORIGIN", text = %q),
  ],
  globalOutbound = "internet",
);
`, port, compatDate, originURL)
}
