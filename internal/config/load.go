package config

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Options says which configuration to load.
type Options struct {
	// Dir is where the search for a configuration file starts (default: the
	// working directory). Like wrangler, the search walks up parent
	// directories: first for wrangler.json, then wrangler.jsonc, then
	// wrangler.toml.
	Dir string
	// ConfigPath is an explicit file (--config); relative to Dir.
	ConfigPath string
	// Env selects [env.NAME] (--env); "" means the top level.
	Env string
	// Script is the entry script given on the command line (wrangler dev
	// SCRIPT), relative to the current directory: it replaces main, and
	// without a config file the worker runs with the defaults, in the
	// current directory.
	Script string
}

// FileNames are the configuration files looked for in each directory, in
// wrangler's order of preference.
var FileNames = []string{"wrangler.json", "wrangler.jsonc", "wrangler.toml"}

// Load finds, parses and validates a wrangler configuration. Problems that
// make the worker unrunnable are returned together as one error, one per
// line, each naming the file and the field; the rest are Config.Warnings.
func Load(opts Options) (*Config, error) {
	path, err := find(opts)
	var raw map[string]any
	display := filepath.Base(path)
	switch {
	case err != nil && opts.Script != "" && opts.ConfigPath == "":
		// A script and no config file: the defaults, named after the
		// current directory.
		cwd, werr := os.Getwd()
		if werr != nil {
			return nil, werr
		}
		path, display = filepath.Join(cwd, "wrangler.toml"), "(no config file)"
		raw = map[string]any{"name": filepath.Base(cwd)}
	case err != nil:
		return nil, err
	default:
		if raw, err = decodeFile(path, display); err != nil {
			return nil, err
		}
	}
	if opts.Script != "" {
		abs, err := filepath.Abs(opts.Script)
		if err != nil {
			return nil, err
		}
		raw["main"] = abs
		if envs, ok := raw["env"].(map[string]any); ok && opts.Env != "" {
			if e, ok := envs[opts.Env].(map[string]any); ok {
				e["main"] = abs
			}
		}
	}
	r := newReader(display)
	c, err := resolve(r, raw, opts.Env)
	if err != nil {
		return nil, err
	}
	c.Path = path
	c.Dir = filepath.Dir(path)
	finish(r, c, raw, opts.Env)
	if len(r.errs) > 0 {
		return nil, errors.New(strings.Join(r.errs, "\n"))
	}
	secrets, files, err := loadSecrets(c.Dir, opts.Env)
	if err != nil {
		return nil, err
	}
	c.Secrets, c.SecretsFiles = secrets, files
	if len(files) > 0 {
		c.SecretsFile = files[0]
	}
	c.Warnings = r.warns
	return c, nil
}

func find(opts Options) (string, error) {
	dir := opts.Dir
	if dir == "" {
		dir = "."
	}
	dir, err := filepath.Abs(dir)
	if err != nil {
		return "", err
	}
	if opts.ConfigPath != "" {
		p := opts.ConfigPath
		if !filepath.IsAbs(p) {
			p = filepath.Join(dir, p)
		}
		if _, err := os.Stat(p); err != nil {
			return "", fmt.Errorf("configuration file %s: %w", p, errors.Unwrap(err))
		}
		return p, nil
	}
	// As wrangler does: each name is searched up the whole tree before the
	// next name is tried.
	for _, name := range FileNames {
		for d := dir; ; d = filepath.Dir(d) {
			p := filepath.Join(d, name)
			if st, err := os.Stat(p); err == nil && !st.IsDir() {
				return p, nil
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "", fmt.Errorf("no %s found in %s or any parent directory", strings.Join(FileNames, ", "), dir)
}

// resolve applies the top level and, when envName is set, [env.envName]
// over it with wrangler's inheritance rules.
func resolve(r *reader, raw map[string]any, envName string) (*Config, error) {
	top := &Config{}
	apply(r, top, raw, "", nil)
	if envName == "" {
		return top, nil
	}
	var envs map[string]any
	if ev, ok := raw["env"]; ok {
		envs, _ = r.table(ev, "env")
	}
	ev, ok := envs[envName]
	if !ok {
		names := sortedKeys(envs)
		if len(names) == 0 {
			return nil, fmt.Errorf("%s: no environment %q: the file defines no [env.*] environments", r.file, envName)
		}
		return nil, fmt.Errorf("%s: no environment %q; environments defined: %s", r.file, envName, strings.Join(names, ", "))
	}
	prefix := "env." + envName
	em, ok := r.table(ev, prefix)
	if !ok {
		return top, nil
	}
	c := &Config{}
	apply(r, c, em, prefix+".", raw)
	if _, named := em["name"]; !named && top.Name != "" {
		// wrangler names an environment's worker "<name>-<env>".
		c.Name = top.Name + "-" + envName
	}
	return c, nil
}

// apply reads the fields of one level (the top level when parent is nil,
// else an environment whose top level is parent) into c.
func apply(r *reader, c *Config, level map[string]any, prefix string, parent map[string]any) {
	for _, key := range sortedKeys(level) {
		v := level[key]
		field := prefix + key
		if spec, ok := fields[key]; ok {
			if spec.kind == topLevelOnly && parent != nil {
				r.warnf("%q is only read at the top level, not inside an environment; it is ignored", field)
				continue
			}
			spec.apply(r, c, v, field)
			continue
		}
		if kind, ok := ignoredFields[key]; ok {
			if kind == topLevelOnly && parent != nil {
				r.warnf("unknown field %q", field)
			}
			continue
		}
		if label, ok := unsupportedBindings[key]; ok {
			warnUnsupported(r, field, label, v)
			continue
		}
		if key == "env" && parent == nil {
			continue
		}
		r.warnf("unknown field %q", field)
	}
	if _, a := level["route"]; a {
		if _, b := level["routes"]; b {
			r.errorf(prefix+"route", "expected only one of \"route\" and \"routes\", found both")
		}
	}
	if parent == nil {
		return
	}
	for _, key := range sortedKeys(parent) {
		if _, own := level[key]; own {
			continue
		}
		kind, known := fields[key]
		switch {
		case known && kind.kind == inherited:
			kind.apply(r, c, parent[key], key)
		case known && kind.kind == topLevelOnly:
			kind.apply(r, c, parent[key], key)
		case known && kind.kind == notInherited, key == "secrets":
			r.warnf("%q exists at the top level, but not on %q; it is not inherited by environments, so add it to %q", key, strings.TrimSuffix(prefix, "."), strings.TrimSuffix(prefix, "."))
		}
	}
}

// finish fills defaults, resolves paths and checks what spans fields.
func finish(r *reader, c *Config, raw map[string]any, env string) {
	if c.JSXFactory == "" {
		c.JSXFactory = "React.createElement"
	}
	if c.JSXFragment == "" {
		c.JSXFragment = "React.Fragment"
	}
	if _, set := lookup(raw, env, "keep_names"); !set {
		c.KeepNames = true
	}
	if c.Limits.CPUMs == 0 {
		c.Limits.CPUMs = DefaultCPUMs
	}
	if c.Dev.IP == "" {
		c.Dev.IP = "localhost"
	}
	if c.Dev.LocalProtocol == "" {
		c.Dev.LocalProtocol = "http"
	}
	if c.Dev.UpstreamProtocol == "" {
		c.Dev.UpstreamProtocol = c.Dev.LocalProtocol
	}
	if c.Origin == "" && c.Dev.Host != "" {
		c.Origin = c.Dev.UpstreamProtocol + "://" + c.Dev.Host
	}
	c.Rules = append(c.Rules, DefaultRules...)
	if c.CompatibilityDate == "" {
		r.warnf("no compatibility_date is set; Outpost behaves as for today's date. Add compatibility_date = \"YYYY-MM-DD\"")
	}
	if c.TSConfig != "" && !filepath.IsAbs(c.TSConfig) {
		c.TSConfig = filepath.Join(c.Dir, c.TSConfig)
	}
	if c.Assets != nil && c.Assets.Directory != "" {
		d := c.Assets.Directory
		if !filepath.IsAbs(d) {
			d = filepath.Join(c.Dir, d)
		}
		if st, err := os.Stat(d); err != nil || !st.IsDir() {
			r.errorf(fieldPath(raw, env, "assets")+".directory", "expected an existing directory, found %q which does not exist", c.Assets.Directory)
		}
		c.Assets.Directory = d
	}
	resolveMain(r, c, raw, env)
	checkBindings(r, c, raw, env)
	finishD1(r, c, raw, env)
}

func resolveMain(r *reader, c *Config, raw map[string]any, env string) {
	field := fieldPath(raw, env, "main")
	if c.Main == "" {
		if c.Assets != nil && c.Assets.Directory != "" {
			return // an assets-only worker
		}
		if _, set := lookup(raw, env, "main"); !set {
			r.errorf("main", "missing: expected the path of the worker's entry module, such as main = \"src/index.ts\"")
		}
		return
	}
	p := c.Main
	if !filepath.IsAbs(p) {
		p = filepath.Join(c.Dir, p)
	}
	st, err := os.Stat(p)
	switch {
	case err != nil:
		r.errorf(field, "expected an existing file, found %q which does not exist (looked for %s)", c.Main, p)
	case st.IsDir():
		r.errorf(field, "expected a file, found %q which is a directory", c.Main)
	}
	c.Main = p
}

// checkBindings rejects two bindings with one name: env could hold only one.
func checkBindings(r *reader, c *Config, raw map[string]any, env string) {
	owner := map[string]string{}
	add := func(name, field string) {
		if prev, dup := owner[name]; dup {
			r.errorf(field, "expected a unique binding name, found %q which is also bound by %s", name, prev)
			return
		}
		owner[name] = field
	}
	for _, k := range sortedKeys(c.Vars) {
		add(k, fieldPath(raw, env, "vars")+"."+k)
	}
	for i, kv := range c.KVNamespaces {
		add(kv.Binding, fmt.Sprintf("%s[%d].binding", fieldPath(raw, env, "kv_namespaces"), i))
	}
	for i, b := range c.R2Buckets {
		add(b.Binding, fmt.Sprintf("%s[%d].binding", fieldPath(raw, env, "r2_buckets"), i))
	}
	for i, s := range c.Services {
		add(s.Binding, fmt.Sprintf("%s[%d].binding", fieldPath(raw, env, "services"), i))
	}
	classes, _ := c.ObjectClasses()
	for i, d := range c.DurableObjects {
		field := fmt.Sprintf("%s.bindings[%d]", fieldPath(raw, env, "durable_objects"), i)
		add(d.Name, field+".name")
		if _, ok := classes[d.ClassName]; !ok && d.ScriptName == "" {
			r.warnf("%s: class %q has no [[migrations]] entry; Outpost runs it with key-value storage (add it to new_sqlite_classes for ctx.storage.sql, as Cloudflare requires on deploy)", field, d.ClassName)
		}
	}
	for i, h := range c.Hyperdrive {
		add(h.Binding, fmt.Sprintf("%s[%d].binding", fieldPath(raw, env, "hyperdrive"), i))
	}
	for i, d := range c.D1Databases {
		add(d.Binding, fmt.Sprintf("%s[%d].binding", fieldPath(raw, env, "d1_databases"), i))
	}
	if c.Assets != nil && c.Assets.Binding != "" {
		add(c.Assets.Binding, fieldPath(raw, env, "assets")+".binding")
	}
}

// lookup finds key in the selected environment, falling back to the top
// level for inherited fields.
func lookup(raw map[string]any, env, key string) (any, bool) {
	if env != "" {
		if envs, ok := raw["env"].(map[string]any); ok {
			if em, ok := envs[env].(map[string]any); ok {
				if v, ok := em[key]; ok {
					return v, true
				}
				if spec, ok := fields[key]; ok && spec.kind == notInherited {
					return nil, false
				}
			}
		}
	}
	v, ok := raw[key]
	return v, ok
}

// fieldPath is how errors name key: env.NAME.key when the environment sets it.
func fieldPath(raw map[string]any, env, key string) string {
	if env != "" {
		if envs, ok := raw["env"].(map[string]any); ok {
			if em, ok := envs[env].(map[string]any); ok {
				if _, ok := em[key]; ok {
					return "env." + env + "." + key
				}
			}
		}
	}
	return key
}
