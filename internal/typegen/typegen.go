// Package typegen writes worker-configuration.d.ts for `outpost types`:
// the Env interface with the type of every binding and the literal types
// of the vars, as `wrangler types --include-runtime=false` writes it, so
// a TypeScript project keeps its editor help without wrangler. The file is
// the same, line for line, apart from the header that says who made it.
package typegen

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"

	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// FileName is the file wrangler types writes and TypeScript projects include.
const FileName = "worker-configuration.d.ts"

// Input is what the types are made from.
type Input struct {
	Config *config.Config
	// Env is the [env.NAME] the config was loaded with ("" for none).
	Env string
	// ServiceWorker is true for a script without ES module exports.
	ServiceWorker bool
	// Exports are the entry module's export names.
	Exports []string
	// Output is the path the file is written to (import paths are
	// relative to it).
	Output string
	// Command is the command line shown in the header.
	Command string
}

// member is one line of the Env interface.
type member struct {
	key, typ string
	optional bool // in the combined form: missing in some environment
}

// Generate returns the file's text. A config with [env.NAME] sections
// and no Env gets wrangler's combined form: an interface per environment
// and an Env whose members are optional unless every environment (and
// the top level) has them, their types the union of what each gives.
func Generate(in Input) (string, error) {
	cfg := in.Config
	order, err := readKeyOrder(cfg.Path)
	if err != nil {
		return "", err
	}
	g := &generator{cfg: cfg, order: order, secrets: secretNames(cfg), exports: in.Exports}
	if cfg.Main != "" {
		g.mainImport = importSpecifier(in.Output, cfg.Main)
	}
	if envs := order.of("env"); len(envs) > 0 && in.Env == "" {
		return g.combined(in, envs)
	}
	varsPath := []string{"vars"}
	if in.Env != "" {
		varsPath = []string{"env", in.Env, "vars"}
	}
	env, stringKeys := g.members(cfg, varsPath, cfg.Assets != nil)
	return g.file(in, g.body(in, env, stringKeys, ""))
}

// generator holds what every environment's members are made with.
type generator struct {
	cfg        *config.Config
	order      keyOrder
	secrets    []string
	mainImport string
	exports    []string
}

// members are an environment's Env members in wrangler's order, and the
// names of its string members (vars and secrets). withAssets says whether
// the environment itself declares assets.
func (g *generator) members(cfg *config.Config, varsPath []string, withAssets bool) (env []member, stringKeys []string) {
	// Bindings of the kinds wrangler lists first, in its order.
	for _, kv := range cfg.KVNamespaces {
		env = append(env, member{key: kv.Binding, typ: "KVNamespace"})
	}
	for _, r := range cfg.R2Buckets {
		env = append(env, member{key: r.Binding, typ: "R2Bucket"})
	}
	for _, d := range cfg.D1Databases {
		env = append(env, member{key: d.Binding, typ: "D1Database"})
	}
	for _, h := range cfg.Hyperdrive {
		env = append(env, member{key: h.Binding, typ: "Hyperdrive"})
	}
	for _, q := range cfg.QueueProducers {
		env = append(env, member{key: q.Binding, typ: "Queue"})
	}
	if withAssets && cfg.Assets != nil && cfg.Assets.Binding != "" {
		env = append(env, member{key: cfg.Assets.Binding, typ: "Fetcher"})
	}
	// Vars, with literal types, unless a secret of the same name wins.
	for _, name := range orderedVarNames(cfg.Vars, g.order.of(varsPath...)) {
		if slices.Contains(g.secrets, name) {
			continue
		}
		env = append(env, member{key: name, typ: stringify(cfg.Vars[name], append(varsPath, name), g.order)})
		stringKeys = append(stringKeys, name)
	}
	for _, s := range g.secrets {
		env = append(env, member{key: s, typ: "string"})
		stringKeys = append(stringKeys, s)
	}
	exported := func(name string) bool { return slices.Contains(g.exports, name) }
	for _, d := range cfg.DurableObjects {
		switch {
		case d.ScriptName == "" && g.mainImport != "" && exported(d.ClassName):
			env = append(env, member{key: d.Name, typ: fmt.Sprintf("DurableObjectNamespace<import(%q).%s>", g.mainImport, d.ClassName)})
		case d.ScriptName != "":
			env = append(env, member{key: d.Name, typ: fmt.Sprintf("DurableObjectNamespace /* %s from %s */", d.ClassName, d.ScriptName)})
		default:
			env = append(env, member{key: d.Name, typ: fmt.Sprintf("DurableObjectNamespace /* %s */", d.ClassName)})
		}
	}
	for _, s := range cfg.Services {
		entry := s.Entrypoint
		if entry == "" {
			entry = "default"
		}
		switch {
		case s.Service == g.cfg.Name && g.mainImport != "" && exported(entry):
			env = append(env, member{key: s.Binding, typ: fmt.Sprintf("Service<typeof import(%q).%s>", g.mainImport, entry)})
		case s.Entrypoint != "":
			env = append(env, member{key: s.Binding, typ: fmt.Sprintf("Service /* entrypoint %s from %s */", s.Entrypoint, s.Service)})
		default:
			env = append(env, member{key: s.Binding, typ: fmt.Sprintf("Fetcher /* %s */", s.Service)})
		}
	}
	return env, stringKeys
}

// combined is the file for every environment at once, as wrangler types
// writes it for a config with environments when no --env is given.
func (g *generator) combined(in Input, envs []string) (string, error) {
	seen := map[string]string{"Env": "(reserved)"}
	type aggregate struct {
		types    []string
		presence int
	}
	byName := map[string]*aggregate{}
	var names, stringKeys []string
	track := func(members []member, keys []string) {
		for _, m := range members {
			a := byName[m.key]
			if a == nil {
				a = &aggregate{}
				byName[m.key] = a
				names = append(names, m.key)
			}
			if !slices.Contains(a.types, m.typ) {
				a.types = append(a.types, m.typ)
			}
			a.presence++
		}
		for _, k := range keys {
			if !slices.Contains(stringKeys, k) {
				stringKeys = append(stringKeys, k)
			}
		}
	}
	var interfaces []string
	for _, name := range envs {
		iface := envInterfaceName(name)
		if other, ok := seen[iface]; ok {
			if other == "(reserved)" {
				return "", fmt.Errorf("%s: environment name %q converts to the reserved interface name %q: rename the environment", filepath.Base(g.cfg.Path), name, iface)
			}
			return "", fmt.Errorf("%s: environment names %q and %q both convert to the interface name %q: rename one of them", filepath.Base(g.cfg.Path), other, name, iface)
		}
		seen[iface] = name
		ecfg, err := config.Load(config.Options{ConfigPath: g.cfg.Path, Env: name})
		if err != nil {
			return "", err
		}
		members, keys := g.members(ecfg, []string{"env", name, "vars"}, slices.Contains(g.order.of("env", name), "assets"))
		track(members, keys)
		if len(members) == 0 {
			interfaces = append(interfaces, "\tinterface "+iface+" {}")
			continue
		}
		var b strings.Builder
		b.WriteString("\tinterface " + iface + " {")
		for _, m := range members {
			fmt.Fprintf(&b, "\n\t\t%s: %s;", typeKey(m.key), m.typ)
		}
		b.WriteString("\n\t}")
		interfaces = append(interfaces, b.String())
	}
	top, keys := g.members(g.cfg, []string{"vars"}, slices.Contains(g.order.of(), "assets"))
	track(top, keys)
	var env []member
	for _, name := range names {
		a := byName[name]
		env = append(env, member{key: name, typ: strings.Join(a.types, " | "), optional: a.presence < len(envs)+1})
	}
	return g.file(in, g.body(in, env, stringKeys, strings.Join(interfaces, "\n")))
}

// envInterfaceName is wrangler's name for an environment's interface:
// "staging" → StagingEnv, "my-env" → MyEnv.
func envInterfaceName(env string) string {
	var b strings.Builder
	for _, w := range strings.FieldsFunc(env, func(r rune) bool { return r == '-' || r == '_' }) {
		b.WriteString(strings.ToUpper(w[:1]) + strings.ToLower(w[1:]))
	}
	if strings.HasSuffix(b.String(), "Env") {
		return b.String()
	}
	return b.String() + "Env"
}

// body is the declarations of env in the worker's format; perEnv are the
// environments' interfaces (combined form only).
func (g *generator) body(in Input, env []member, stringKeys []string, perEnv string) string {
	if in.ServiceWorker {
		var lines []string
		for _, m := range env {
			lines = append(lines, fmt.Sprintf("declare const %s: %s;", typeKey(m.key), m.typ))
		}
		return strings.Join(lines, "\n")
	}
	return modulesBody(g.cfg, env, stringKeys, g.mainImport, perEnv)
}

// file puts the body, the module declarations and the header together.
func (g *generator) file(in Input, body string) (string, error) {
	cfg := g.cfg
	parts := []string{}
	if body != "" {
		parts = append(parts, body)
	}
	if mods := moduleDeclarations(cfg.Rules); mods != "" {
		parts = append(parts, mods)
	}
	content := strings.Join(parts, "\n")
	sum := sha256.Sum256([]byte(content))
	header := fmt.Sprintf("/* eslint-disable */\n// Generated by Outpost by running `%s` (hash: %s)\n", in.Command, hex.EncodeToString(sum[:])[:32])
	return header + content, nil
}

// modulesBody is the Env interface of an ES-module worker and the
// declarations that make it Cloudflare.Env.
func modulesBody(cfg *config.Config, env []member, stringKeys []string, mainImport string, perEnv string) string {
	var b strings.Builder
	b.WriteString("interface __BaseEnv_Env {")
	for _, m := range env {
		key := typeKey(m.key)
		if m.optional {
			key += "?"
		}
		fmt.Fprintf(&b, "\n\t%s: %s;", key, m.typ)
	}
	b.WriteString("\n}\ndeclare namespace Cloudflare {")
	var props []string
	if mainImport != "" {
		props = append(props, fmt.Sprintf("\n\t\tmainModule: typeof import(%q);", mainImport))
	}
	if classes := objectClasses(cfg.Migrations); len(classes) > 0 {
		quoted := make([]string, len(classes))
		for i, c := range classes {
			quoted[i] = fmt.Sprintf("%q", c)
		}
		props = append(props, "\n\t\tdurableNamespaces: "+strings.Join(quoted, " | ")+";")
	}
	if len(props) > 0 {
		b.WriteString("\n\tinterface GlobalProps {" + strings.Join(props, "") + "\n\t}")
	}
	if perEnv != "" {
		b.WriteString("\n" + perEnv)
	}
	b.WriteString("\n\tinterface Env extends __BaseEnv_Env {}\n}\ninterface Env extends __BaseEnv_Env {}")
	if processEnvPopulated(cfg.CompatibilityDate, cfg.CompatibilityFlags) && len(stringKeys) > 0 {
		quoted := make([]string, len(stringKeys))
		for i, k := range stringKeys {
			quoted[i] = fmt.Sprintf("%q", k)
		}
		b.WriteString("\ntype StringifyValues<EnvType extends Record<string, unknown>> = {\n\t[Binding in keyof EnvType]: EnvType[Binding] extends string ? EnvType[Binding] : string;\n};\n")
		b.WriteString("declare namespace NodeJS {\n\tinterface ProcessEnv extends StringifyValues<Pick<Cloudflare.Env, " + strings.Join(quoted, " | ") + ">> {}\n}")
	}
	return b.String()
}

// objectClasses are the Durable Object classes the migrations leave, in
// the order they were last created or renamed.
func objectClasses(migrations []config.Migration) []string {
	var classes []string
	remove := func(name string) {
		if i := slices.Index(classes, name); i >= 0 {
			classes = slices.Delete(classes, i, i+1)
		}
	}
	for _, m := range migrations {
		for _, d := range m.DeletedClasses {
			remove(d)
		}
		for _, r := range m.Renamed {
			if slices.Contains(classes, r.From) {
				remove(r.From)
				classes = append(classes, r.To)
			}
		}
		for _, c := range m.NewClasses {
			if !slices.Contains(classes, c) {
				classes = append(classes, c)
			}
		}
		for _, c := range m.NewSQLiteClasses {
			if !slices.Contains(classes, c) {
				classes = append(classes, c)
			}
		}
	}
	return classes
}

// processEnvPopulated: with nodejs_compat, process.env holds the string
// bindings from 2025-04-01 (or with nodejs_compat_populate_process_env).
func processEnvPopulated(date string, flags []string) bool {
	compat := slices.Contains(flags, "nodejs_compat") || slices.Contains(flags, "nodejs_compat_v2")
	if !compat {
		return false
	}
	if slices.Contains(flags, "nodejs_compat_populate_process_env") {
		return true
	}
	if slices.Contains(flags, "nodejs_compat_do_not_populate_process_env") {
		return false
	}
	return date >= "2025-04-01"
}

// moduleDeclarations declare the non-JavaScript modules the rules import
// (Text, Data, CompiledWasm). A user rule without fallthrough replaces the
// default rules of its type.
func moduleDeclarations(rules []config.ModuleRule) string {
	user := rules
	if n := len(rules) - len(config.DefaultRules); n >= 0 && rulesEqual(rules[n:], config.DefaultRules) {
		user = rules[:n]
	}
	final := append([]config.ModuleRule(nil), user...)
	for _, d := range config.DefaultRules {
		replaced := false
		for _, u := range user {
			if u.Type == d.Type && !u.Fallthrough {
				replaced = true
			}
		}
		if !replaced {
			final = append(final, d)
		}
	}
	types := map[config.ModuleRuleType]string{config.RuleText: "string", config.RuleData: "ArrayBuffer", config.RuleCompiledWasm: "WebAssembly.Module"}
	var out []string
	seen := map[string]bool{}
	for _, r := range final {
		typ, ok := types[r.Type]
		if !ok {
			continue
		}
		for _, g := range r.Globs {
			mg := moduleGlob(g)
			if seen[mg] {
				continue
			}
			seen[mg] = true
			out = append(out, fmt.Sprintf("declare module %q {\n\tconst value: %s;\n\texport default value;\n}", mg, typ))
		}
	}
	return strings.Join(out, "\n")
}

func rulesEqual(a, b []config.ModuleRule) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Type != b[i].Type || a[i].Fallthrough != b[i].Fallthrough || !slices.Equal(a[i].Globs, b[i].Globs) {
			return false
		}
	}
	return true
}

// moduleGlob turns a rule's glob into a TypeScript module pattern, which
// may hold one "*" only: "**/*.txt" → "*.txt".
func moduleGlob(g string) string {
	if !strings.Contains(g, "*") {
		return g
	}
	m := strings.ReplaceAll(g, "**/*", "*")
	m = strings.ReplaceAll(m, "**/", "*/")
	m = strings.ReplaceAll(m, "/**", "/*")
	if strings.Count(m, "*") == 1 {
		return m
	}
	if i := strings.LastIndex(g, "*"); i >= 0 && i < len(g)-1 {
		return "*" + g[i+1:]
	}
	return "*"
}

// importSpecifier is the import path of module file from the output file,
// without the extension: "./src/index".
func importSpecifier(from, to string) string {
	rel, err := filepath.Rel(filepath.Dir(from), filepath.Dir(to))
	if err != nil {
		rel = filepath.Dir(to)
	}
	rel = filepath.ToSlash(rel)
	name := strings.TrimSuffix(filepath.Base(to), filepath.Ext(to))
	switch {
	case rel == ".":
		return "./" + name
	case strings.HasPrefix(rel, ".."):
		return rel + "/" + name
	}
	return "./" + rel + "/" + name
}

var identifier = lazyregexp.New(`^[A-Za-z_$][A-Za-z0-9_$]*$`)

// typeKey is a member name, quoted when it is not an identifier.
func typeKey(k string) string {
	if identifier.MatchString(k) {
		return k
	}
	return jsString(k)
}

// orderedVarNames lists the vars in the order the file writes them.
func orderedVarNames(vars map[string]any, order []string) []string {
	var out []string
	for _, k := range order {
		if _, ok := vars[k]; ok {
			out = append(out, k)
		}
	}
	var rest []string
	for k := range vars {
		if !slices.Contains(out, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}

// stringify writes a value as JSON.stringify does, objects' keys in the
// order the file writes them.
func stringify(v any, path []string, order keyOrder) string {
	switch t := v.(type) {
	case string:
		return jsString(t)
	case map[string]any:
		var parts []string
		for _, k := range orderedVarNames(t, order.of(path...)) {
			parts = append(parts, jsString(k)+":"+stringify(t[k], append(path, k), order))
		}
		return "{" + strings.Join(parts, ",") + "}"
	case []any:
		parts := make([]string, len(t))
		for i, e := range t {
			parts[i] = stringify(e, append(path, "[]"), order)
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "unknown"
	}
	return string(b)
}

// jsString quotes s as JSON.stringify does (no HTML escapes; U+2028 and
// U+2029 stay as they are).
func jsString(s string) string {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	enc.Encode(s)
	out := strings.TrimSuffix(buf.String(), "\n")
	return strings.NewReplacer(`\u2028`, "\u2028", `\u2029`, "\u2029").Replace(out)
}

// secretNames are the names of the local secrets in the order their files
// write them (.dev.vars, or the .env files), as wrangler lists them.
func secretNames(cfg *config.Config) []string {
	var out []string
	key := regexp.MustCompile(`^\s*(?:export\s+)?([A-Za-z0-9_.\-]+)\s*=`)
	for _, f := range cfg.SecretsFiles {
		file, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(file)
		for sc.Scan() {
			if m := key.FindStringSubmatch(sc.Text()); m != nil {
				if _, ok := cfg.Secrets[m[1]]; ok && !slices.Contains(out, m[1]) {
					out = append(out, m[1])
				}
			}
		}
		file.Close()
	}
	var rest []string
	for k := range cfg.Secrets {
		if !slices.Contains(out, k) {
			rest = append(rest, k)
		}
	}
	sort.Strings(rest)
	return append(out, rest...)
}
