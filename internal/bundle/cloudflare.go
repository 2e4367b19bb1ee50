package bundle

import (
	"fmt"

	"github.com/evanw/esbuild/pkg/api"
)

const nsCloudflare = "outpost-cloudflare" // a cloudflare:* module provided by the runtime

// cloudflarePlugin resolves the runtime's cloudflare:sockets and
// cloudflare:node; other cloudflare:* modules are left to the plugins
// after it.
func cloudflarePlugin(opts Options) api.Plugin {
	return api.Plugin{
		Name: "outpost-cloudflare-modules",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^cloudflare:(sockets|node)$`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
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
				case !opts.NodeHTTPServer:
					contents = fmt.Sprintf("throw new Error(%q);\n", `No such module "cloudflare:node": it needs the enable_nodejs_http_server_modules compatibility flag (or a compatibility_date of 2025-09-01 or later).`)
				default:
					contents = "module.exports = globalThis.__outpost_require(\"cloudflare:node\", { server: true });\n"
				}
				return api.OnLoadResult{Contents: &contents, Loader: api.LoaderJS}, nil
			})
		},
	}
}
