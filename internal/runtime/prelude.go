package runtime

import (
	"embed"
	"encoding/json"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// The Web APIs are JavaScript (prelude/*.js, ES modules), bundled once per
// process into one classic script that every new instance evaluates before
// the worker's own script, and the lazy units it evaluates on demand.
//
//go:embed prelude/*.js prelude/node/*.js
var preludeFS embed.FS

var (
	preludeMu    sync.Mutex
	preludeCache = map[string]*preludeBuild{}
)

type preludeBuild struct {
	once    sync.Once
	prelude *Prelude
	err     error
}

// Prelude is the bundled Web API prelude: Core is evaluated in every new
// instance; each of Units is evaluated in an instance only when its first
// use there asks for it (see lazyUnits).
type Prelude struct {
	Core string
	// Units maps a unit's name to a function expression,
	// (function (require, module, exports) { … }): CommonJS whose require
	// answers the core modules the unit imports.
	Units map[string]string
}

// lazyUnits are the parts of the prelude most workers never use, with the
// module each starts from. Their source is parsed and run only in the
// instances that use them (prelude/units.js), which halves the prelude
// every new instance evaluates. A module belongs to the core when the core
// imports it; every other module belongs to the one unit that imports it.
var lazyUnits = []struct{ Name, Entry string }{
	{"node", "prelude/node/index.js"},
	{"urlpattern", "prelude/urlpattern.js"},
	{"htmlrewriter", "prelude/htmlrewriter.js"},
	{"compression", "prelude/compression.js"},
	{"messagechannel", "prelude/messagechannel.js"},
}

// PreludeSource is the bundled core prelude script of the Web API core alone.
func PreludeSource() (string, error) {
	p, err := preludeFor(nil)
	if err != nil {
		return "", err
	}
	return p.Core, nil
}

// preludeFor is the prelude with the given extensions' modules, bundled
// once per process for each set of extensions.
func preludeFor(exts []Extension) (*Prelude, error) {
	names := make([]string, len(exts))
	for i, e := range exts {
		names[i] = e.Name
	}
	key := strings.Join(names, "\x00")
	preludeMu.Lock()
	b := preludeCache[key]
	if b == nil {
		b = &preludeBuild{}
		preludeCache[key] = b
	}
	preludeMu.Unlock()
	b.once.Do(func() { b.prelude, b.err = cachedPrelude(preludeFS, exts) })
	return b.prelude, b.err
}

// The prelude's module paths: the core is under prelude/, extension
// modules under ext/, and the entry imports the core, then each extension.
const (
	preludeEntry    = "entry.js"
	preludeRegistry = "registry.js"
	corePrefix      = "runtime:" // how extension modules import the core
	extensionsDir   = "ext/"
	preludeNS       = "outpost-prelude"
)

// bundlePrelude bundles the core (the entry, and what it imports) into one
// classic script, and each lazy unit into CommonJS whose imports of core
// modules are left to its require. The core's last module registers the
// core modules the units import (prelude/units.js holds the registry).
func bundlePrelude(fsys fs.FS, exts []Extension) (*Prelude, error) {
	modules := map[string]string{}
	entry := "import \"./prelude/index.js\";\n"
	seen := map[string]bool{}
	for _, e := range exts {
		if e.Module == "" {
			continue
		}
		if seen[e.Name] {
			return nil, fmt.Errorf("building the prelude: two extensions are named %q", e.Name)
		}
		seen[e.Name] = true
		p := extensionsDir + e.Name + ".js"
		modules[p] = e.Module
		entry += "import \"./" + p + "\";\n"
	}
	modules[preludeEntry] = entry

	// The core's modules: what the entry reaches.
	_, core, _, err := buildPrelude(fsys, modules, preludeEntry, nil)
	if err != nil {
		return nil, err
	}
	owner := map[string]string{}  // module → the unit it belongs to
	imported := map[string]bool{} // core modules some unit imports
	out := &Prelude{Units: map[string]string{}}
	for _, u := range lazyUnits {
		if core[u.Entry] {
			return nil, fmt.Errorf("building the prelude: %s starts the lazy unit %q, but the core imports it", u.Entry, u.Name)
		}
		code, inputs, externals, err := buildPrelude(fsys, modules, u.Entry, core)
		if err != nil {
			return nil, err
		}
		for m := range inputs {
			if other, ok := owner[m]; ok {
				return nil, fmt.Errorf("building the prelude: %s is imported by the lazy units %q and %q, and would be two modules; import it from the core or from one unit", m, other, u.Name)
			}
			owner[m] = u.Name
		}
		for m := range externals {
			imported[m] = true
		}
		out.Units[u.Name] = "(function (require, module, exports) {\n" + code + "\n})"
	}

	var reg strings.Builder
	reg.WriteString("import { coreModules } from \"./prelude/units.js\";\n")
	paths := make([]string, 0, len(imported))
	for m := range imported {
		paths = append(paths, m)
	}
	sort.Strings(paths)
	// Marked as ES modules, so that the units' interop reads their
	// default exports rather than taking the namespace for one.
	for i, m := range paths {
		fmt.Fprintf(&reg, "import * as m%d from \"./%s\";\ncoreModules[%q] = Object.defineProperty(m%d, \"__esModule\", { value: true });\n", i, m, m, i)
	}
	modules[preludeRegistry] = reg.String()
	modules[preludeEntry] = entry + "import \"./" + preludeRegistry + "\";\n"
	out.Core, _, _, err = buildPrelude(fsys, modules, preludeEntry, nil)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// buildPrelude bundles entry: with core nil, as the classic script every
// instance runs; otherwise as a lazy unit, CommonJS that requires the
// modules in core instead of including them. It returns the code, the
// modules it includes and the core modules it requires.
func buildPrelude(fsys fs.FS, modules map[string]string, entry string, core map[string]bool) (code string, inputs, externals map[string]bool, err error) {
	plugin := api.Plugin{
		Name: preludeNS,
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `.*`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				p := a.Path
				switch {
				case strings.HasPrefix(p, corePrefix):
					p = "prelude/" + strings.TrimPrefix(p, corePrefix)
				case a.Importer != "" && (strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../")):
					p = path.Join(path.Dir(a.Importer), p)
				}
				p = path.Clean(p)
				if core[p] {
					return api.OnResolveResult{Path: p, External: true}, nil
				}
				return api.OnResolveResult{Path: p, Namespace: preludeNS}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: preludeNS}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
				s, ok := modules[a.Path]
				if !ok {
					src, err := fs.ReadFile(fsys, a.Path)
					if err != nil {
						return api.OnLoadResult{}, err
					}
					s = string(src)
				}
				return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS, ResolveDir: path.Dir(a.Path)}, nil
			})
		},
	}
	format := api.FormatIIFE
	if core != nil {
		format = api.FormatCommonJS
	}
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{entry},
		Bundle:      true,
		Format:      format,
		Target:      api.ESNext,
		Plugins:     []api.Plugin{plugin},
		Write:       false,
		Metafile:    true,
		// ASCII (non-ASCII escaped): JavaScriptCore keeps the source as
		// 8-bit text, half the memory of UTF-16.
		Charset:  api.CharsetASCII,
		LogLevel: api.LogLevelSilent,
	})
	if len(res.Errors) > 0 {
		var sb strings.Builder
		for _, m := range res.Errors {
			if m.Location != nil {
				fmt.Fprintf(&sb, "%s:%d:%d: %s\n", m.Location.File, m.Location.Line, m.Location.Column, m.Text)
			} else {
				fmt.Fprintf(&sb, "%s\n", m.Text)
			}
		}
		return "", nil, nil, fmt.Errorf("building the prelude:\n%s", sb.String())
	}
	if len(res.OutputFiles) != 1 {
		return "", nil, nil, fmt.Errorf("building the prelude: %d output files", len(res.OutputFiles))
	}
	var meta struct {
		Inputs map[string]struct {
			Imports []struct {
				Path     string `json:"path"`
				External bool   `json:"external"`
			} `json:"imports"`
		} `json:"inputs"`
	}
	if err := json.Unmarshal([]byte(res.Metafile), &meta); err != nil {
		return "", nil, nil, fmt.Errorf("building the prelude: reading esbuild's metafile: %w", err)
	}
	inputs, externals = map[string]bool{}, map[string]bool{}
	for name, in := range meta.Inputs {
		inputs[strings.TrimPrefix(name, preludeNS+":")] = true
		for _, imp := range in.Imports {
			if imp.External {
				externals[imp.Path] = true
			}
		}
	}
	return string(res.OutputFiles[0].Contents), inputs, externals, nil
}

// loadPreludeUnit evaluates the lazy unit name of the prelude and runs it
// with require answering its imports of core modules; it returns the
// unit's exports (prelude/units.js keeps them). Its time is not charged
// to the invocation that first used the unit.
func (in *Instance) loadPreludeUnit(c *jsc.Context, name string, require jsc.Value) (exports jsc.Value, err error) {
	src, ok := in.prelude.Units[name]
	if !ok {
		return jsc.Value{}, fmt.Errorf("the prelude has no unit %q", name)
	}
	in.exempt(func() {
		var fn jsc.Value
		if fn, err = c.Eval(src, "outpost:prelude/"+name+".js"); err != nil {
			return
		}
		module := c.Object()
		if err = module.Set("exports", c.Object()); err != nil {
			return
		}
		if _, err = fn.Call(c.Undefined(), require, module, module.Get("exports")); err != nil {
			return
		}
		exports = module.Get("exports")
	})
	return exports, err
}
