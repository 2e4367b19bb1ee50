package bundle

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

const nsCloudflare = "outpost-cloudflare" // a cloudflare:* module provided by the runtime

// cloudflareModules are the runtime's own modules that bundles import.
var cloudflareModules = map[string]bool{
	"cloudflare:workers": true,
	"cloudflare:sockets": true,
	"cloudflare:node":    true,
}

// cloudflarePlugin turns imports of cloudflare:* modules into the
// runtime's modules, and an unknown one into an error naming it.
func cloudflarePlugin(opts Options) api.Plugin {
	return api.Plugin{
		Name: "outpost-cloudflare-modules",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^cloudflare:`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				if !cloudflareModules[args.Path] {
					var known []string
					for m := range cloudflareModules {
						known = append(known, m)
					}
					sort.Strings(known)
					return api.OnResolveResult{Errors: []api.Message{{
						Text: fmt.Sprintf("%q is not provided by Outpost (it provides %s)", args.Path, strings.Join(known, ", ")),
					}}}, nil
				}
				if args.Path == "cloudflare:node" && !opts.NodeCompat {
					return api.OnResolveResult{Errors: []api.Message{{
						Text: `"cloudflare:node" needs Node.js compatibility; add compatibility_flags = ["nodejs_compat"] to your wrangler configuration`,
					}}}, nil
				}
				return api.OnResolveResult{Path: args.Path, Namespace: nsCloudflare}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: nsCloudflare}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				var contents string
				switch {
				case args.Path == "cloudflare:sockets":
					contents = "module.exports = globalThis.__outpost_sockets;\n"
				case args.Path == "cloudflare:node" && !opts.NodeHTTPServer:
					contents = fmt.Sprintf("throw new Error(%q);\n", `No such module "cloudflare:node": it needs the enable_nodejs_http_server_modules compatibility flag (or a compatibility_date of 2025-09-01 or later).`)
				case args.Path == "cloudflare:node":
					contents = "module.exports = globalThis.__outpost_require(\"cloudflare:node\", { server: true });\n"
				default:
					spec, _ := json.Marshal(args.Path)
					contents = fmt.Sprintf("module.exports = globalThis.__outpost_builtin(%s);\n", spec)
				}
				return api.OnLoadResult{Contents: &contents, Loader: api.LoaderJS}, nil
			})
		},
	}
}
