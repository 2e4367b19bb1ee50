package runtime

import (
	"embed"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"

	"github.com/evanw/esbuild/pkg/api"
)

// The Web APIs are JavaScript (prelude/*.js, ES modules), bundled once per
// process into one classic script that every new instance evaluates before
// the worker's own script.
//
//go:embed prelude/*.js prelude/node/*.js
var preludeFS embed.FS

var (
	preludeOnce sync.Once
	preludeCode string
	preludeErr  error
)

// PreludeSource is the bundled prelude script.
func PreludeSource() (string, error) {
	preludeOnce.Do(func() { preludeCode, preludeErr = bundlePrelude(preludeFS) })
	return preludeCode, preludeErr
}

func bundlePrelude(fsys fs.FS) (string, error) {
	const ns = "outpost-prelude"
	plugin := api.Plugin{
		Name: ns,
		Setup: func(b api.PluginBuild) {
			b.OnResolve(api.OnResolveOptions{Filter: `.*`}, func(a api.OnResolveArgs) (api.OnResolveResult, error) {
				p := a.Path
				if a.Importer != "" && (strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../")) {
					p = path.Join(path.Dir(a.Importer), p)
				}
				return api.OnResolveResult{Path: path.Clean(p), Namespace: ns}, nil
			})
			b.OnLoad(api.OnLoadOptions{Filter: `.*`, Namespace: ns}, func(a api.OnLoadArgs) (api.OnLoadResult, error) {
				src, err := fs.ReadFile(fsys, a.Path)
				if err != nil {
					return api.OnLoadResult{}, err
				}
				s := string(src)
				return api.OnLoadResult{Contents: &s, Loader: api.LoaderJS, ResolveDir: path.Dir(a.Path)}, nil
			})
		},
	}
	res := api.Build(api.BuildOptions{
		EntryPoints: []string{"prelude/index.js"},
		Bundle:      true,
		Format:      api.FormatIIFE,
		Target:      api.ESNext,
		Plugins:     []api.Plugin{plugin},
		Write:       false,
		Charset:     api.CharsetUTF8,
		LogLevel:    api.LogLevelSilent,
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
