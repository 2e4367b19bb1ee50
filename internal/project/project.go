// Package project turns a Workers project on disk (its wrangler config and
// sources) into a runnable worker: config, bundle, bindings.
package project

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/outpost-dev/outpost/internal/assets"
	"github.com/outpost-dev/outpost/internal/bundle"
	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/custombuild"
	"github.com/outpost-dev/outpost/internal/platform"
)

// Options select the project and the overrides given on the command line.
type Options struct {
	Dir        string
	ConfigPath string
	// Script is an entry script given on the command line (outpost dev
	// SCRIPT): it replaces main, and the project needs no config file.
	Script string
	Env    string
	Vars   map[string]string // --var KEY:VALUE
	// NodeEnv is process.env.NODE_ENV in the bundle; empty means
	// "production" (deploys), `outpost dev` passes "development".
	NodeEnv string
}

// Build is one build of a project.
type Build struct {
	Config *config.Config
	// Bundle is the worker as the node runs it (and `outpost deploy`
	// uploads it).
	Bundle *platform.Bundle
	// Vars are the --var overrides; Secrets come from .dev.vars or .env.
	Vars    map[string]any
	Secrets map[string]string
	Inputs  []string // files whose change calls for a rebuild
	// Exports are the entry module's export names (outpost types).
	Exports  []string
	Warnings []string
	Took     time.Duration
}

// Name is the worker's name: the config's, else the directory's.
func (b *Build) Name() string { return b.Bundle.Name }

// Load reads the config and bundles the worker.
func Load(o Options) (*Build, error) {
	start := time.Now()
	cfg, err := config.Load(config.Options{Dir: o.Dir, ConfigPath: o.ConfigPath, Env: o.Env, Script: o.Script})
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
	} else if res, err = bundle.Build(bundleOptions(cfg, o)); err != nil {
		return nil, err
	}
	vars := map[string]any{}
	for k, v := range o.Vars {
		vars[k] = v
	}
	name := cfg.Name
	if name == "" {
		name = filepath.Base(cfg.Dir)
	}
	inputs := append([]string{cfg.Path}, res.Inputs...)
	inputs = append(inputs, watchedFiles(custombuild.WatchDirs(cfg))...)
	if cfg.SecretsFile != "" {
		inputs = append(inputs, cfg.SecretsFile)
	}
	for _, f := range []string{".dev.vars", ".env"} {
		inputs = append(inputs, filepath.Join(cfg.Dir, f))
	}
	warnings := append(append([]string(nil), cfg.Warnings...), res.Warnings...)
	return &Build{
		Config:   cfg,
		Bundle:   platform.NewBundle(name, cfg, res),
		Vars:     vars,
		Secrets:  cfg.Secrets,
		Inputs:   dedupe(inputs),
		Exports:  res.Exports,
		Warnings: warnings,
		Took:     time.Since(start),
	}, nil
}

// Site opens the project's static assets, or returns nil when it has none.
func (b *Build) Site() (*assets.Site, error) {
	cfg := b.Config
	if cfg.Assets == nil || cfg.Assets.Directory == "" {
		return nil, nil
	}
	return assets.New(cfg.Assets, cfg.Main != "")
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

func bundleOptions(cfg *config.Config, o Options) bundle.Options {
	bo := bundle.FromConfig(cfg)
	bo.NodeEnv = o.NodeEnv
	return bo
}
