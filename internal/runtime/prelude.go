package runtime

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// The Web APIs are JavaScript (prelude/*.js, ES modules), bundled once per
// process into one classic script that every new instance evaluates before
// the worker's own script.
//
//go:embed prelude/*.js prelude/node/*.js
var preludeFS embed.FS

var (
	preludeMu    sync.Mutex
	preludeCache = map[string]*preludeBuild{}
)

type preludeBuild struct {
	once sync.Once
	code string
	err  error
}

// PreludeSource is the bundled prelude script of the Web API core alone.
func PreludeSource() (string, error) { return preludeFor(nil) }

// preludeFor is the prelude with the given extensions' modules, bundled
// once per process for each set of extensions.
func preludeFor(exts []Extension) (string, error) {
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
	b.once.Do(func() { b.code, b.err = cachedPrelude(preludeFS, exts) })
	return b.code, b.err
}

// The prelude's module paths: the core is under prelude/, extension
// modules under ext/, and the entry imports the core, then each extension.
const (
	preludeEntry  = "entry.js"
	corePrefix    = "runtime:" // how extension modules import the core
	extensionsDir = "ext/"
)

func bundlePrelude(fsys fs.FS, exts []Extension) (string, error) {
	const ns = "outpost-prelude"
	modules := map[string]string{}
	entry := "import \"./prelude/index.js\";\n"
	seen := map[string]bool{}
	for _, e := range exts {
		if e.Module == "" {
			continue
		}
		if seen[e.Name] {
			return "", fmt.Errorf("building the prelude: two extensions are named %q", e.Name)
		}
		seen[e.Name] = true
		p := extensionsDir + e.Name + ".js"
		modules[p] = e.Module
		entry += "import \"./" + p + "\";\n"
	}
	modules[preludeEntry] = entry
	plugin := api.Plugin{
		Name: ns,
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `.*`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				p := a.Path
				switch {
				case strings.HasPrefix(p, corePrefix):
					p = "prelude/" + strings.TrimPrefix(p, corePrefix)
				case a.Importer != "" && (strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../")):
					p = path.Join(path.Dir(a.Importer), p)
				}
				return api.OnResolveResult{Path: path.Clean(p), Namespace: ns}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: ns}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
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
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{preludeEntry},
		Bundle:      true,
		Format:      api.FormatIIFE,
		Target:      api.ESNext,
		Plugins:     []api.Plugin{plugin},
		Write:       false,
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
		return "", fmt.Errorf("building the prelude:\n%s", sb.String())
	}
	if len(res.OutputFiles) != 1 {
		return "", fmt.Errorf("building the prelude: %d output files", len(res.OutputFiles))
	}
	return string(res.OutputFiles[0].Contents), nil
}

// Warm starts JavaScriptCore's initialisation and the prelude of exts (only
// their names and JavaScript matter) in the background, so that the first
// NewInstance finds both done. Calling it is never required.
func Warm(exts []Extension) {
	jsc.Warm()
	go preludeFor(exts)
}
