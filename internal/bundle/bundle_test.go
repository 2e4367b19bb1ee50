package bundle

import (
	"bytes"
	"errors"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/config"
)

func build(t *testing.T, dir, entry string, mod func(*Options)) (*Result, error) {
	t.Helper()
	opts := Options{Dir: filepath.Join("testdata", dir), Entry: entry, KeepNames: true}
	if mod != nil {
		mod(&opts)
	}
	return Build(opts)
}

func mustBuild(t *testing.T, dir, entry string, mod func(*Options)) *Result {
	t.Helper()
	r, err := build(t, dir, entry, mod)
	if err != nil {
		t.Fatalf("Build(%s): %v", dir, err)
	}
	return r
}

// position finds the 1-based line and column of the first occurrence of
// needle in code.
func position(t *testing.T, code []byte, needle string) (int, int) {
	t.Helper()
	i := bytes.Index(code, []byte(needle))
	if i < 0 {
		t.Fatalf("bundle does not contain %q", needle)
	}
	line := bytes.Count(code[:i], []byte("\n")) + 1
	col := i - bytes.LastIndexByte(code[:i], '\n')
	return line, col
}

func abs(t *testing.T, parts ...string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join(append([]string{"testdata"}, parts...)...))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestModuleWorker(t *testing.T) {
	r := mustBuild(t, "module_ts", "src/index.ts", nil)
	if !r.HasDefaultExport || !slices.Equal(r.Exports, []string{"default"}) {
		t.Errorf("HasDefaultExport = %v, Exports = %q for an ES-module worker", r.HasDefaultExport, r.Exports)
	}
	code := string(r.Code)
	// Module code is strict: the script starts with the directive.
	if !strings.HasPrefix(code, "\"use strict\";\nvar "+GlobalName+" = (() => {") || !strings.Contains(code, "return __toCommonJS(") {
		t.Errorf("bundle is not an IIFE assigning %s:\n%.300s", GlobalName, code)
	}
	if regexp.MustCompile(`(?m)^\s*(import|export)\b`).MatchString(code) {
		t.Error("bundle still contains module syntax; JavaScriptCore evaluates it as a script")
	}
	for _, want := range []string{
		`"<h1>page</h1>\n"`,                        // .html is Text
		`"some notes\n"`,                           // .txt is Text, outside src/
		`__toBinary("AAEC/w==")`, ".buffer.slice(", // .bin is Data: an ArrayBuffer
		`__name(explode, "explode")`, // keep_names
	} {
		if !strings.Contains(code, want) {
			t.Errorf("bundle does not contain %s", want)
		}
	}
	wantInputs := []string{
		abs(t, "module_ts/notes.txt"), abs(t, "module_ts/src/blob.bin"), abs(t, "module_ts/src/greet.ts"),
		abs(t, "module_ts/src/index.ts"), abs(t, "module_ts/src/page.html"),
	}
	if !slices.Equal(r.Inputs, wantInputs) {
		t.Errorf("Inputs = %q\nwant %q", r.Inputs, wantInputs)
	}
	for _, s := range []string{"src/index.ts", "src/greet.ts"} {
		if !slices.Contains(r.SourceMap.Sources, s) {
			t.Errorf("source map sources %q lack %s", r.SourceMap.Sources, s)
		}
	}

	// `throw new Error(...)` is line 22, column 2 (after a tab) of src/index.ts.
	line, col := position(t, r.Code, "throw new Error(`exploded")
	src, sl, sc, _, ok := r.SourceMap.Lookup(line, col)
	if !ok || src != "src/index.ts" || sl != 22 || sc != 2 {
		t.Errorf("Lookup(%d, %d) = %s:%d:%d %v, want src/index.ts:22:2", line, col, src, sl, sc, ok)
	}
	gl, gc := position(t, r.Code, "return `Hello")
	src, sl, sc, _, ok = r.SourceMap.Lookup(gl, gc)
	if !ok || src != "src/greet.ts" || sl != 2 || sc != 2 {
		t.Errorf("Lookup(%d, %d) = %s:%d:%d %v, want src/greet.ts:2:2", gl, gc, src, sl, sc, ok)
	}

	fl, fc := position(t, r.Code, "explode(url.pathname)")
	stack := strings.Join([]string{
		"explode@worker.js:" + strconv.Itoa(line) + ":" + strconv.Itoa(col+6),
		"fetch@worker.js:" + strconv.Itoa(fl) + ":" + strconv.Itoa(fc),
		"worker.js:" + strconv.Itoa(gl) + ":" + strconv.Itoa(gc),
		"forEach@[native code]",
		"helper@other.js:3:4",
	}, "\n")
	want := strings.Join([]string{
		"explode@src/index.ts:22:8",
		"fetch@src/index.ts:16:34",
		"src/greet.ts:2:2",
		"forEach@[native code]",
		"helper@other.js:3:4",
	}, "\n")
	if got := r.SourceMap.RewriteStack(stack, "worker.js"); got != want {
		t.Errorf("RewriteStack:\n%s\nwant:\n%s", got, want)
	}
	if !bytes.Contains(r.SourceMap.JSON, []byte(`"sources":["src/greet.ts"`)) {
		t.Errorf("source map JSON sources not relative to the project: %.200s", r.SourceMap.JSON)
	}
}

func TestServiceWorker(t *testing.T) {
	r := mustBuild(t, "service_worker", "worker.js", nil)
	if r.HasDefaultExport || len(r.Exports) != 0 {
		t.Errorf("HasDefaultExport = %v, Exports = %q for a service-worker script", r.HasDefaultExport, r.Exports)
	}
	if !strings.Contains(string(r.Code), `addEventListener("fetch"`) {
		t.Errorf("bundle lost the listener:\n%s", r.Code)
	}
	if strings.Contains(string(r.Code), "use strict") {
		t.Errorf("a service-worker script is a classic script, not strict:\n%.200s", r.Code)
	}
	if !slices.Equal(r.Inputs, []string{abs(t, "service_worker/worker.js")}) {
		t.Errorf("Inputs = %q", r.Inputs)
	}
}

func TestJSX(t *testing.T) {
	classic := mustBuild(t, "tsx_classic", "src/index.tsx", func(o *Options) {
		o.JSXFactory, o.JSXFragment = "React.createElement", "React.Fragment"
	})
	if !strings.Contains(string(classic.Code), `React.createElement("p", null, "classic ", 1 + 1)`) {
		t.Errorf("classic runtime not used:\n%s", classic.Code)
	}
	auto := mustBuild(t, "tsx_automatic", "src/index.tsx", nil)
	if !strings.Contains(string(auto.Code), `jsx("p", { children: "automatic" })`) ||
		!slices.Contains(auto.Inputs, abs(t, "tsx_automatic/node_modules/tinyjsx/jsx-runtime.js")) {
		t.Errorf("automatic runtime from tsconfig not used:\n%s\ninputs %q", auto.Code, auto.Inputs)
	}
}

func TestNPMPackageConditions(t *testing.T) {
	r := mustBuild(t, "npm_package", "src/index.js", nil)
	code := string(r.Code)
	if !strings.Contains(code, `"workerd"`) || strings.Contains(code, `"node"`) || strings.Contains(code, `"default"`) {
		t.Errorf("the package's workerd export condition was not chosen:\n%s", code)
	}
	if !slices.Contains(r.Inputs, abs(t, "npm_package/node_modules/tiny-greet/workerd.js")) {
		t.Errorf("Inputs = %q", r.Inputs)
	}
}

func TestDefineAliasRules(t *testing.T) {
	r := mustBuild(t, "define_alias", "src/index.js", func(o *Options) {
		o.Define = map[string]string{"__VERSION__": `"1.2.3"`}
		o.Alias = map[string]string{"shouter": "./lib/shouter.js"}
		o.Rules = append([]config.ModuleRule{{Type: config.RuleText, Globs: []string{"**/*.md"}}}, config.DefaultRules...)
	})
	code := string(r.Code)
	for _, want := range []string{`"1.2.3"`, `"production"`, `"# readme\n"`, "new WebAssembly.Module(", "toUpperCase"} {
		if !strings.Contains(code, want) {
			t.Errorf("bundle does not contain %s:\n%s", want, code)
		}
	}
	if strings.Contains(code, "process.env") || strings.Contains(code, "__VERSION__") {
		t.Error("defines were not substituted")
	}

	// Without the [[rules]] entry, a .md import is not a module Workers knows.
	_, err := build(t, "define_alias", "src/index.js", func(o *Options) {
		o.Define = map[string]string{"__VERSION__": `"1"`}
		o.Alias = map[string]string{"shouter": "./lib/shouter.js"}
	})
	if err == nil || !strings.Contains(err.Error(), "README.md") {
		t.Errorf("importing .md without a rule: err = %v", err)
	}
}

func TestMinify(t *testing.T) {
	r := mustBuild(t, "module_ts", "src/index.ts", func(o *Options) { o.Minify = true })
	if bytes.Count(r.Code, []byte("\n")) > 4 || !bytes.HasPrefix(r.Code, []byte("\"use strict\";\nvar "+GlobalName+"=")) {
		t.Errorf("not minified:\n%.400s", r.Code)
	}
	if !r.HasDefaultExport {
		t.Error("HasDefaultExport lost when minifying")
	}
	// keep_names keeps the function name for stack traces.
	if !bytes.Contains(r.Code, []byte(`"explode"`)) {
		t.Error("keep_names did not keep explode's name")
	}
	line, col := position(t, r.Code, "throw new Error(`exploded")
	if src, sl, _, _, ok := r.SourceMap.Lookup(line, col); !ok || src != "src/index.ts" || sl != 22 {
		t.Errorf("minified Lookup = %s:%d %v", src, sl, ok)
	}
}

func TestNodeBuiltins(t *testing.T) {
	_, err := build(t, "node_import", "src/index.ts", nil)
	var be *BuildError
	if !errors.As(err, &be) || len(be.Messages) != 2 {
		t.Fatalf("want a BuildError with 2 messages, got %v", err)
	}
	for _, want := range []string{
		`src/index.ts:1:24: ERROR: "node:buffer" is a Node.js built-in module; to use it, add compatibility_flags = ["nodejs_compat"]`,
		`import { Buffer } from "node:buffer";`,
		`src/index.ts:2:25: ERROR: Could not resolve "events": it is the Node.js built-in module "node:events"; to use it, add compatibility_flags = ["nodejs_compat"]`,
	} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}

	r := mustBuild(t, "node_import", "src/index.ts", func(o *Options) { o.NodeCompat = true })
	code := string(r.Code)
	for _, want := range []string{`globalThis.__outpost_require("node:buffer")`, `globalThis.__outpost_require("node:events")`} {
		if !strings.Contains(code, want) {
			t.Errorf("bundle lacks %s:\n%s", want, code)
		}
	}
	if strings.Contains(code, "require(\"node:") && strings.Count(code, "require(\"node:") != strings.Count(code, "__outpost_require(\"node:") {
		t.Error("a node: import became a bare require() call")
	}
	if !slices.Equal(r.Inputs, []string{abs(t, "node_import/src/index.ts")}) {
		t.Errorf("Inputs = %q (built-ins are not files)", r.Inputs)
	}
	if !slices.Contains(r.SourceMap.Sources, "node:buffer") {
		t.Errorf("Sources = %q", r.SourceMap.Sources)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		dir  string
		want []string
	}{
		{"syntax_error", []string{"src/index.ts:3:13: ERROR: Unexpected \";\"", "    3 | \t\tconst x = ;", "      | \t\t          ^"}},
		{"missing_import", []string{`src/index.ts:1:25: ERROR: Could not resolve "./nowhere"`, `1 | import { nothing } from "./nowhere";`}},
	}
	for _, tt := range tests {
		t.Run(tt.dir, func(t *testing.T) {
			_, err := build(t, tt.dir, "src/index.ts", nil)
			var be *BuildError
			if !errors.As(err, &be) {
				t.Fatalf("want a *BuildError, got %v", err)
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error lacks %q:\n%s", w, err)
				}
			}
		})
	}
	if _, err := build(t, "module_ts", "src/absent.ts", nil); err == nil || !strings.Contains(err.Error(), "src/absent.ts") {
		t.Errorf("missing entry: %v", err)
	}
}

func TestFromConfig(t *testing.T) {
	c, err := config.Load(config.Options{Dir: "testdata/from_config"})
	if err != nil {
		t.Fatal(err)
	}
	opts := FromConfig(c)
	if !opts.KeepNames || !opts.NodeCompat || opts.JSXFactory != "React.createElement" {
		t.Errorf("FromConfig = %+v", opts)
	}
	r, err := Build(opts)
	if err != nil {
		t.Fatal(err)
	}
	code := string(r.Code)
	if !r.HasDefaultExport || !strings.Contains(code, `"hello from define"`) ||
		!strings.Contains(code, `__outpost_require("node:buffer")`) {
		t.Errorf("configuration not applied:\n%s", code)
	}
}

func TestNamedExports(t *testing.T) {
	r := mustBuild(t, "named_exports", "index.js", nil)
	if !r.HasDefaultExport || !slices.Equal(r.Exports, []string{"Counter", "default", "version"}) {
		t.Errorf("HasDefaultExport = %v, Exports = %q", r.HasDefaultExport, r.Exports)
	}
	if !strings.Contains(string(r.Code), "Counter: () => Counter") {
		t.Errorf("Counter is not on the namespace:\n%s", r.Code)
	}
}
