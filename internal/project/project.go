// Package project turns a Workers project on disk (its wrangler config and
// sources) into a runnable worker: config, bundle, bindings.
package project

import (
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/outpost-dev/outpost/internal/bundle"
	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/custombuild"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// Options select the project and the overrides given on the command line.
type Options struct {
	Dir        string
	ConfigPath string
	Env        string
	Vars       map[string]string // --var KEY:VALUE
}

// Build is one build of a project.
type Build struct {
	Config  *config.Config
	Runtime *runtime.Config
	// SourceMap maps Runtime.Script.Code back to the sources (nil when the
	// bundler made none); `outpost deploy` uploads it with the code.
	SourceMap *bundle.SourceMap
	Inputs    []string // files whose change calls for a rebuild
	Warnings  []string
	Took      time.Duration
}

// Load reads the config and bundles the worker.
func Load(o Options) (*Build, error) {
	start := time.Now()
	cfg, err := config.Load(config.Options{Dir: o.Dir, ConfigPath: o.ConfigPath, Env: o.Env})
	if err != nil {
		return nil, err
	}
	// [build] command first: it may write the sources the bundle reads, or
	// the browser bundle among the static assets.
	if err := custombuild.Run(cfg); err != nil {
		return nil, err
	}
	var res *bundle.Result
	if cfg.Main == "" && cfg.Assets != nil {
		// An assets-only worker: the assets answer every request, the
		// script only has to exist.
		res = &bundle.Result{Code: []byte(assetsOnlyScript), HasDefaultExport: true}
	} else if res, err = bundle.Build(bundle.FromConfig(cfg)); err != nil {
		return nil, err
	}
	vars := map[string]any{}
	for k, v := range cfg.Vars {
		vars[k] = v
	}
	for k, v := range o.Vars {
		vars[k] = v
	}
	name := cfg.Name
	if name == "" {
		name = filepath.Base(cfg.Dir)
	}
	rc := &runtime.Config{
		Name: name,
		Script: runtime.Script{
			Code:    string(res.Code),
			URL:     "worker.js",
			Modules: res.HasDefaultExport,
		},
		Bindings: runtime.Bindings{
			Vars:    vars,
			Secrets: cfg.Secrets,
			Extra:   map[string]map[string]any{},
		},
		CPULimit:           time.Duration(cfg.Limits.CPUMs) * time.Millisecond,
		SubrequestLimit:    cfg.Limits.Subrequests,
		NodeCompat:         cfg.NodeCompat(),
		PopulateProcessEnv: populateProcessEnv(cfg),
	}
	if res.SourceMap != nil {
		rc.Script.Stack = stackMapper{res.SourceMap, rc.Script.URL}
	}
	for _, ns := range cfg.KVNamespaces {
		id := KVNamespaceID(ns)
		rc.Bindings.Extra[ns.Binding] = map[string]any{"__kind": "kv", "id": id}
	}
	// Service bindings work under `outpost serve`; elsewhere the binding
	// exists and its fetch() says so.
	for _, sb := range cfg.Services {
		rc.Bindings.Extra[sb.Binding] = map[string]any{"__kind": "service", "service": sb.Service}
	}
	if cfg.Assets != nil && cfg.Assets.Binding != "" {
		rc.Bindings.Extra[cfg.Assets.Binding] = map[string]any{"__kind": "assets"}
	}
	maps.Copy(rc.Bindings.Extra, cfg.HyperdriveBindings())
	inputs := append([]string{cfg.Path}, res.Inputs...)
	inputs = append(inputs, watchedFiles(custombuild.WatchDirs(cfg))...)
	if cfg.SecretsFile != "" {
		inputs = append(inputs, cfg.SecretsFile)
	}
	for _, f := range []string{".dev.vars", ".env"} {
		inputs = append(inputs, filepath.Join(cfg.Dir, f))
	}
	warnings := append(append([]string(nil), cfg.Warnings...), res.Warnings...)
	return &Build{Config: cfg, Runtime: rc, SourceMap: res.SourceMap, Inputs: dedupe(inputs), Warnings: warnings, Took: time.Since(start)}, nil
}

// assetsOnlyScript stands in for the worker of a project with [assets] and
// no main; it is reached only when the assets cannot answer.
var assetsOnlyScript = "var " + bundle.GlobalName + ` = { default: { fetch() { return new Response("Not Found", { status: 404 }); } } };`

// watchedFiles lists the files under a [build] watch_dir (a change to any
// of them reruns the build, even one the worker's bundle does not import).
func watchedFiles(dirs []string) []string {
	var out []string
	for _, d := range dirs {
		filepath.WalkDir(d, func(p string, e fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			if e.IsDir() && (e.Name() == "node_modules" || strings.HasPrefix(e.Name(), ".")) && p != d {
				return filepath.SkipDir
			}
			if !e.IsDir() {
				out = append(out, p)
			}
			return nil
		})
	}
	return out
}

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if s != "" && !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// ParseVar parses a --var KEY:VALUE flag.
func ParseVar(s string) (string, string, error) {
	k, v, ok := strings.Cut(s, ":")
	if !ok || k == "" {
		return "", "", fmt.Errorf("--var %q: expected KEY:VALUE", s)
	}
	return k, v, nil
}

// StateDir is where dev state lives: --persist-to, else .outpost/state in
// the project directory.
func StateDir(projectDir, persistTo string) (string, error) {
	dir := persistTo
	if dir == "" {
		dir = filepath.Join(projectDir, ".outpost", "state")
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	return abs, os.MkdirAll(abs, 0o755)
}

// stackMapper maps stacks of the bundle evaluated under url.
type stackMapper struct {
	m   *bundle.SourceMap
	url string
}

func (s stackMapper) RewriteStack(stack string) string { return s.m.RewriteStack(stack, s.url) }

// KVNamespaceID is the id a kv_namespaces entry is stored under locally:
// its id, like wrangler dev, or the binding name when it has none.
func KVNamespaceID(ns config.KVNamespace) string {
	if ns.ID != "" {
		return ns.ID
	}
	return ns.Binding
}

// populateProcessEnv applies nodejs_compat_populate_process_env: on by
// default from compatibility date 2025-04-01 with nodejs_compat, or by
// flag; nodejs_compat_do_not_populate_process_env turns it off.
func populateProcessEnv(cfg *config.Config) bool {
	if !cfg.NodeCompat() {
		return false
	}
	on := cfg.CompatibilityDate >= "2025-04-01"
	for _, f := range cfg.CompatibilityFlags {
		switch f {
		case "nodejs_compat_populate_process_env":
			on = true
		case "nodejs_compat_do_not_populate_process_env":
			return false
		}
	}
	return on
}
