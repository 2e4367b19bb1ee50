package bundle

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/outpost-dev/outpost/internal/config"
)

const (
	nsNode  = "outpost-node"  // a Node.js built-in provided by the runtime
	nsBytes = "outpost-bytes" // a file's bytes as a Uint8Array, for Data and CompiledWasm rules
)

// nodePlugin turns imports of Node.js built-ins into calls to the runtime's
// __outpost_require, or, without nodejs_compat, into an error that says how
// to enable it. It sets *usesAsyncHooks when node:async_hooks is loaded.
func nodePlugin(opts Options, usesAsyncHooks *bool) api.Plugin {
	nodeCompat := opts.NodeCompat
	return api.Plugin{
		Name: "outpost-node-builtins",
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `^node:`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				if !nodeCompat {
					return api.OnResolveResult{Errors: []api.Message{{
						Text: fmt.Sprintf("%q is a Node.js built-in module; to use it, add compatibility_flags = [\"nodejs_compat\"] to your wrangler configuration", args.Path),
					}}}, nil
				}
				return api.OnResolveResult{Path: args.Path, Namespace: nsNode}, nil
			})
			if nodeCompat {
				// workerd with nodejs_compat also serves the bare names.
				b.OnResolve(api.OnResolveOptions{Filter: bareBuiltinFilter()}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
					name, _ := builtinName(args.Path)
					return api.OnResolveResult{Path: "node:" + name, Namespace: nsNode}, nil
				})
			}
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: nsNode}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				if args.Path == "node:async_hooks" {
					*usesAsyncHooks = true
				}
				spec, _ := json.Marshal(args.Path)
				name := strings.TrimPrefix(args.Path, "node:")
				if opts.NodeModuleFlag != nil {
					if flag, on := opts.NodeModuleFlag(name); !on {
						// As in workerd, the module does not exist under this
						// compatibility date; code that probes for it with a
						// guarded require() carries on.
						msg, _ := json.Marshal(fmt.Sprintf("No such module %q: it needs the %s compatibility flag (or a compatibility_date that implies it).", args.Path, flag))
						contents := fmt.Sprintf("throw new Error(%s);\n", msg)
						return api.OnLoadResult{Contents: &contents, Loader: api.LoaderJS}, nil
					}
				}
				contents := fmt.Sprintf("module.exports = globalThis.__outpost_require(%s);\n", spec)
				if name == "http" || name == "https" {
					// createServer depends on enable_nodejs_http_server_modules.
					contents = fmt.Sprintf("module.exports = globalThis.__outpost_require(%s, { server: %v });\n", spec, opts.NodeHTTPServer)
				}
				return api.OnLoadResult{Contents: &contents, Loader: api.LoaderJS}, nil
			})
		},
	}
}

func bareBuiltinFilter() string {
	names := make([]string, 0, len(nodeBuiltins))
	for n := range nodeBuiltins {
		names = append(names, regexp.QuoteMeta(n))
	}
	return `^(` + strings.Join(names, "|") + `)$`
}

// compiledRule is one effective module rule with its globs as regexps.
type compiledRule struct {
	typ config.ModuleRuleType
	res []*regexp.Regexp
}

// effectiveRules applies wrangler's precedence: rules in order, and a later
// rule of a type already seen only counts if the earlier one falls through.
func effectiveRules(rules []config.ModuleRule) ([]compiledRule, error) {
	var out []compiledRule
	closed := map[config.ModuleRuleType]bool{}
	for _, r := range rules {
		if closed[r.Type] {
			continue
		}
		if !r.Fallthrough {
			closed[r.Type] = true
		}
		switch r.Type {
		case config.RuleText, config.RuleData, config.RuleCompiledWasm:
		default:
			continue // JavaScript module types are esbuild's own business
		}
		cr := compiledRule{typ: r.Type}
		for _, g := range r.Globs {
			re, err := regexp.Compile(globRegexp(g))
			if err != nil {
				return nil, fmt.Errorf("module rule %s: glob %q: %w", r.Type, g, err)
			}
			cr.res = append(cr.res, re)
		}
		out = append(out, cr)
	}
	return out, nil
}

// rulesPlugin imports files matched by module rules the way Workers does:
// Text as a string, Data as an ArrayBuffer, CompiledWasm as a
// WebAssembly.Module.
func rulesPlugin(rules []compiledRule) api.Plugin {
	var all []string
	for _, r := range rules {
		for _, re := range r.res {
			all = append(all, re.String())
		}
	}
	return api.Plugin{
		Name: "outpost-module-rules",
		Setup: func(b api.PluginBuild) {
			// "x.wasm?module" names the file x.wasm.
			b.OnResolve(api.OnResolveOptions{Filter: `\?module$`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				res := b.Resolve(strings.TrimSuffix(args.Path, "?module"), api.ResolveOptions{
					Importer: args.Importer, ResolveDir: args.ResolveDir, Kind: args.Kind, Namespace: args.Namespace,
				})
				if len(res.Errors) > 0 {
					return api.OnResolveResult{Errors: res.Errors}, nil
				}
				return api.OnResolveResult{Path: res.Path, Namespace: res.Namespace}, nil
			})
			b.OnResolve(api.OnResolveOptions{Filter: `^` + nsBytes + `:`}, func(args api.OnResolveArgs) (api.OnResolveResult, error) {
				return api.OnResolveResult{Path: strings.TrimPrefix(args.Path, nsBytes+":"), Namespace: nsBytes}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: nsBytes}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				data, err := os.ReadFile(args.Path)
				if err != nil {
					return api.OnLoadResult{}, err
				}
				contents := string(data)
				return api.OnLoadResult{Contents: &contents, Loader: api.LoaderBinary}, nil
			})
			if len(all) == 0 {
				return
			}
			b.OnLoad(api.OnLoadOptions{Filter: strings.Join(all, "|"), Namespace: "file"}, func(args api.OnLoadArgs) (api.OnLoadResult, error) {
				slash := filepath.ToSlash(args.Path)
				for _, r := range rules {
					for _, re := range r.res {
						if re.MatchString(slash) {
							return loadRule(r.typ, args.Path)
						}
					}
				}
				return api.OnLoadResult{}, nil // not ours: esbuild loads it
			})
		},
	}
}

func loadRule(typ config.ModuleRuleType, path string) (api.OnLoadResult, error) {
	if typ == config.RuleText {
		data, err := os.ReadFile(path)
		if err != nil {
			return api.OnLoadResult{}, err
		}
		contents := string(data)
		return api.OnLoadResult{Contents: &contents, Loader: api.LoaderText, WatchFiles: []string{path}}, nil
	}
	spec, _ := json.Marshal(nsBytes + ":" + path)
	var contents string
	if typ == config.RuleData {
		contents = fmt.Sprintf("import bytes from %s;\nexport default bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);\n", spec)
	} else {
		contents = fmt.Sprintf("import bytes from %s;\nexport default new WebAssembly.Module(bytes);\n", spec)
	}
	return api.OnLoadResult{Contents: &contents, Loader: api.LoaderJS, ResolveDir: filepath.Dir(path)}, nil
}
