package config

import (
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func load(t *testing.T, dir, env string) (*Config, error) {
	t.Helper()
	return Load(Options{Dir: filepath.Join("testdata", dir), Env: env})
}

func mustLoad(t *testing.T, dir, env string) *Config {
	t.Helper()
	c, err := load(t, dir, env)
	if err != nil {
		t.Fatalf("Load(%s, env %q): %v", dir, env, err)
	}
	return c
}

func hasWarning(c *Config, parts ...string) bool {
	for _, w := range c.Warnings {
		ok := true
		for _, p := range parts {
			ok = ok && strings.Contains(w, p)
		}
		if ok {
			return true
		}
	}
	return false
}

func TestFullTOML(t *testing.T) {
	c := mustLoad(t, "full_toml", "")
	abs, _ := filepath.Abs("testdata/full_toml")
	if c.Dir != abs || c.Path != filepath.Join(abs, "wrangler.toml") {
		t.Errorf("Dir/Path = %q %q", c.Dir, c.Path)
	}
	if c.Main != filepath.Join(abs, "src/index.ts") {
		t.Errorf("Main = %q", c.Main)
	}
	if !c.NodeCompat() {
		t.Error("NodeCompat() = false with nodejs_compat")
	}
	if c.Name != "shop" || c.CompatibilityDate != "2025-01-15" || !reflect.DeepEqual(c.CompatibilityFlags, []string{"nodejs_compat"}) {
		t.Errorf("name/date/flags = %q %q %v", c.Name, c.CompatibilityDate, c.CompatibilityFlags)
	}
	wantVars := map[string]any{
		"GREETING": "hello", "RETRIES": int64(3), "RATIO": 0.5,
		"FEATURES": map[string]any{"beta": true, "list": []any{int64(1), int64(2)}},
	}
	if !reflect.DeepEqual(c.Vars, wantVars) {
		t.Errorf("Vars = %#v", c.Vars)
	}
	if !reflect.DeepEqual(c.KVNamespaces, []KVNamespace{{Binding: "CACHE", ID: "abc123", PreviewID: "def456"}}) {
		t.Errorf("KV = %+v", c.KVNamespaces)
	}
	wantRoutes := []Route{
		{Pattern: "shop.example.com/*"},
		{Pattern: "api.example.com/*", ZoneName: "example.com"},
		{Pattern: "app.example.com", CustomDomain: true},
	}
	if !reflect.DeepEqual(c.Routes, wantRoutes) {
		t.Errorf("Routes = %+v", c.Routes)
	}
	if !reflect.DeepEqual(c.Crons, []string{"*/5 * * * *", "0 0 * * MON"}) {
		t.Errorf("Crons = %v", c.Crons)
	}
	if c.Assets == nil || c.Assets.Directory != filepath.Join(abs, "public") || c.Assets.Binding != "ASSETS" ||
		c.Assets.NotFoundHandling != "single-page-application" || c.Assets.HTMLHandling != "auto-trailing-slash" {
		t.Errorf("Assets = %+v", c.Assets)
	}
	if c.Define["__VERSION__"] != `"1.2.3"` || c.Alias["lodash"] != "lodash-es" {
		t.Errorf("Define/Alias = %v %v", c.Define, c.Alias)
	}
	if len(c.Rules) != 1+len(DefaultRules) || c.Rules[0].Type != RuleText || !c.Rules[0].Fallthrough ||
		!reflect.DeepEqual(c.Rules[0].Globs, []string{"**/*.md"}) || c.Rules[1].Type != RuleText {
		t.Errorf("Rules = %+v", c.Rules)
	}
	if !reflect.DeepEqual(c.Services, []ServiceBinding{{Binding: "AUTH", Service: "auth-worker", Entrypoint: "AuthEntrypoint"}}) {
		t.Errorf("Services = %+v", c.Services)
	}
	if c.Limits.CPUMs != 50 || !c.Minify || !c.KeepNames {
		t.Errorf("Limits/Minify/KeepNames = %+v %v %v", c.Limits, c.Minify, c.KeepNames)
	}
	wantDev := Dev{IP: "localhost", Port: 8788, LocalProtocol: "https", UpstreamProtocol: "https", Host: "origin.example.com"}
	if c.Dev != wantDev {
		t.Errorf("Dev = %+v", c.Dev)
	}
	if c.Origin != "http://127.0.0.1:9000" {
		t.Errorf("Origin = %q (the top-level origin wins over [dev] host)", c.Origin)
	}
	if len(c.D1Databases) != 1 || c.D1Databases[0].Name() != "shop" {
		t.Errorf("D1 = %+v", c.D1Databases)
	}
	wantSecrets := map[string]string{
		"API_KEY": "plain-value", "QUOTED": "line1\nline2", "SINGLE": `no \n escape`,
		"SPACED": "padded value", "MULTI": "first\nsecond",
	}
	if !reflect.DeepEqual(c.Secrets, wantSecrets) || filepath.Base(c.SecretsFile) != ".dev.vars" {
		t.Errorf("Secrets = %#v from %q", c.Secrets, c.SecretsFile)
	}
}

func TestEnvironments(t *testing.T) {
	stage := mustLoad(t, "full_toml", "staging")
	if stage.Name != "shop-stage" {
		t.Errorf("staging name = %q", stage.Name)
	}
	// Inherited from the top level.
	if stage.CompatibilityDate != "2025-01-15" || len(stage.Routes) != 3 || len(stage.Crons) != 2 ||
		stage.Limits.CPUMs != 50 || stage.Assets == nil || stage.Alias["lodash"] != "lodash-es" || stage.Dev.Port != 8788 {
		t.Errorf("staging did not inherit: %+v", stage)
	}
	// Not inherited: redeclared ones are the environment's, others are absent with a warning.
	if !reflect.DeepEqual(stage.Vars, map[string]any{"GREETING": "hi staging"}) ||
		!reflect.DeepEqual(stage.KVNamespaces, []KVNamespace{{Binding: "CACHE", ID: "staging-id"}}) {
		t.Errorf("staging vars/kv = %v %v", stage.Vars, stage.KVNamespaces)
	}
	if stage.Services != nil || stage.Define != nil {
		t.Errorf("staging inherited non-inheritable services/define: %v %v", stage.Services, stage.Define)
	}
	if !hasWarning(stage, `"services" exists at the top level, but not on "env.staging"`) ||
		!hasWarning(stage, `"define" exists at the top level`) {
		t.Errorf("missing non-inheritance warnings: %q", stage.Warnings)
	}
	if stage.Secrets["API_KEY"] != "staging-key" || len(stage.Secrets) != 1 {
		t.Errorf("staging secrets = %v (want .dev.vars.staging only)", stage.Secrets)
	}

	prod := mustLoad(t, "full_toml", "production")
	if prod.Name != "shop-production" {
		t.Errorf("production name = %q, want wrangler's <name>-<env>", prod.Name)
	}
	if !reflect.DeepEqual(prod.Routes, []Route{{Pattern: "prod.example.com/*"}}) {
		t.Errorf("production routes = %+v", prod.Routes)
	}
	if prod.Vars != nil || prod.KVNamespaces != nil {
		t.Errorf("production inherited vars/kv: %v %v", prod.Vars, prod.KVNamespaces)
	}

	_, err := load(t, "full_toml", "qa")
	if err == nil || !strings.Contains(err.Error(), `no environment "qa"`) || !strings.Contains(err.Error(), "production, staging") {
		t.Errorf("unknown env error = %v", err)
	}
	_, err = load(t, "json_plain", "qa")
	if err == nil || !strings.Contains(err.Error(), "defines no [env.*]") {
		t.Errorf("unknown env error without envs = %v", err)
	}
}

func TestJSONC(t *testing.T) {
	c := mustLoad(t, "full_jsonc", "")
	if c.NodeCompat() {
		t.Error("NodeCompat() = true without the flag")
	}
	if filepath.Base(c.Path) != "wrangler.jsonc" {
		t.Errorf("Path = %q", c.Path)
	}
	want := map[string]any{"GREETING": "hello", "RETRIES": int64(3), "NESTED": map[string]any{"a": []any{int64(1), "two", nil}}}
	if !reflect.DeepEqual(c.Vars, want) {
		t.Errorf("Vars = %#v", c.Vars)
	}
	if !reflect.DeepEqual(c.Routes, []Route{{Pattern: "shop.example.com/*", ZoneID: "z1"}}) {
		t.Errorf("Routes = %+v", c.Routes)
	}
	if c.KeepNames || c.Limits.CPUMs != DefaultCPUMs || c.JSXFactory != "React.createElement" {
		t.Errorf("KeepNames/CPUMs/JSXFactory = %v %d %q", c.KeepNames, c.Limits.CPUMs, c.JSXFactory)
	}
	if !hasWarning(c, "wrangler.jsonc", `unknown field "mystery"`) {
		t.Errorf("warnings = %q", c.Warnings)
	}
	if hasWarning(c, "observability") || hasWarning(c, "$schema") {
		t.Errorf("deploy-only fields should be accepted silently: %q", c.Warnings)
	}
	abs, _ := filepath.Abs("testdata/full_jsonc")
	if !reflect.DeepEqual(c.SecretsFiles, []string{filepath.Join(abs, ".env"), filepath.Join(abs, ".env.local")}) {
		t.Errorf("SecretsFiles = %q", c.SecretsFiles)
	}
	wantSecrets := map[string]string{"FROM_ENV": "local", "REF": "local-two", "DEF": "fallback", "LIT": "$HOME"}
	if !reflect.DeepEqual(c.Secrets, wantSecrets) {
		t.Errorf("Secrets from .env = %#v", c.Secrets)
	}
}

func TestSearchOrder(t *testing.T) {
	c := mustLoad(t, "json_plain", "")
	if filepath.Base(c.Path) != "wrangler.json" || c.Name != "plain" {
		t.Errorf("loaded %s (name %q), want wrangler.json before wrangler.toml", c.Path, c.Name)
	}
	c, err := Load(Options{Dir: "testdata/json_plain/src"})
	if err != nil || filepath.Base(c.Path) != "wrangler.json" {
		t.Errorf("search from a subdirectory: %v", err)
	}
	c, err = Load(Options{Dir: "testdata", ConfigPath: "full_jsonc/wrangler.jsonc"})
	if err != nil || c.Name != "shop" {
		t.Errorf("explicit ConfigPath: %v", err)
	}
	if _, err := Load(Options{Dir: "testdata", ConfigPath: "nope.toml"}); err == nil || !strings.Contains(err.Error(), "nope.toml") {
		t.Errorf("missing ConfigPath error = %v", err)
	}
}

func TestErrors(t *testing.T) {
	tests := []struct {
		dir  string
		want []string // every string must appear in the error
	}{
		{"bad_types", []string{
			`wrangler.toml: compatibility_flags: expected an array, found a string ("nodejs_compat")`,
			`wrangler.toml: kv_namespaces[1].binding: expected a string, found a number (42)`,
			`wrangler.toml: limits.cpu_ms: expected a whole number, found a string ("fast")`,
		}},
		{"bad_binding", []string{
			`wrangler.jsonc: kv_namespaces[0].binding: expected a binding name that is a valid JavaScript identifier`, `"my-kv"`,
			`wrangler.jsonc: services[0]: missing required field "service"`,
		}},
		{"duplicate", []string{`wrangler.toml: kv_namespaces[0].binding: expected a unique binding name, found "STORE" which is also bound by vars.STORE`}},
		{"no_main", []string{`wrangler.toml: main: missing`}},
		{"missing_main", []string{`wrangler.toml: main: expected an existing file, found "src/nope.ts"`}},
		{"toml_syntax", []string{`wrangler.toml:3:6: TOML syntax error`}},
		{"jsonc_syntax", []string{`wrangler.jsonc:4:3: JSON syntax error`}},
		{"toml_date", []string{`compatibility_date: expected a string, found a TOML date/time (write it as a quoted string)`}},
		{"bad_name", []string{
			`wrangler.toml: name: expected lowercase letters, digits, - and _ only, found "My Worker"`,
			`wrangler.toml: compatibility_date: expected a date written YYYY-MM-DD, found "2025-1-1"`,
		}},
		{"route_both", []string{`route: expected only one of "route" and "routes", found both`}},
		{"bad_enum", []string{
			`assets.html_handling: expected one of`, `found "sometimes"`,
			`rules[0].type: expected one of`, `found "Yaml"`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			_, err := load(t, tt.dir, "")
			if err == nil {
				t.Fatal("Load succeeded, want an error")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not contain %q:\n%v", w, err)
				}
			}
		})
	}
}

func TestWarnings(t *testing.T) {
	c := mustLoad(t, "env_warnings", "")
	for _, w := range [][]string{
		{`"ai" (Workers AI)`, "binding AI will be missing"},
		{`unknown field "kv_namespaces[0].surprise"`},
	} {
		if !hasWarning(c, w...) {
			t.Errorf("no warning %q in %q", w, c.Warnings)
		}
	}
	c = mustLoad(t, "env_warnings", "dev")
	for _, w := range [][]string{
		{`"env.dev.dev" is only read at the top level`},
		{`"env.dev.alias" is only read at the top level`},
		{`"env.dev.vectorize" (Vectorize)`, "binding VECTORS will be missing"},
		{`unknown field "env.dev.nonsense"`},
	} {
		if !hasWarning(c, w...) {
			t.Errorf("no warning %q in %q", w, c.Warnings)
		}
	}
	if c.KVNamespaces[0].ID != "2" || c.Dev.Port != 0 || c.Alias != nil {
		t.Errorf("env dev: kv %+v, dev %+v, alias %v", c.KVNamespaces, c.Dev, c.Alias)
	}
}
