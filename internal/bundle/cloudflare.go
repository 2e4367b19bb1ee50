package bundle

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
)

const nsCloudflare = "outpost-cloudflare" // a cloudflare:* module provided by the runtime

// cloudflareModules are the runtime's own modules that bundles import
// ("cloudflare:workers"); the runtime serves each through
// globalThis.__outpost_builtin.
var cloudflareModules = map[string]bool{
	"cloudflare:workers": true,
}

// cloudflarePlugin turns imports of cloudflare:* modules into the
// runtime's modules, and an unknown one into an error naming it.
func cloudflarePlugin() api.Plugin {
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
				return api.OnResolveResult{Path: args.Path, Namespace: nsCloudflare}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: nsCloudflare}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				spec, _ := json.Marshal(args.Path)
				contents := fmt.Sprintf("module.exports = globalThis.__outpost_builtin(%s);\n", spec)
				return api.OnLoadResult{Contents: &contents, Loader: api.LoaderJS}, nil
			})
		},
	}
}
