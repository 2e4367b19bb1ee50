package bundle

import "github.com/evanw/esbuild/pkg/api"

const nsCloudflare = "outpost-cloudflare" // a cloudflare:* module provided by the runtime

// cloudflareModules are the cloudflare:* modules this plugin provides,
// each the name of the hidden global the prelude installs it as.
var cloudflareModules = map[string]string{
	"cloudflare:sockets": "__outpost_sockets",
}

// cloudflarePlugin resolves the runtime's cloudflare:* modules listed
// above; others are left to the plugins after it.
func cloudflarePlugin() api.Plugin {
	return api.Plugin{
		Name: "outpost-cloudflare-modules",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^cloudflare:`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				if _, ok := cloudflareModules[args.Path]; !ok {
					return api.OnResolveResult{}, nil
				}
				return api.OnResolveResult{Path: args.Path, Namespace: nsCloudflare}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: nsCloudflare}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				contents := "module.exports = globalThis." + cloudflareModules[args.Path] + ";\n"
				return api.OnLoadResult{Contents: &contents, Loader: api.LoaderJS}, nil
			})
		},
	}
}
