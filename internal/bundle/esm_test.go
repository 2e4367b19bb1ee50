package bundle

import (
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// tlaState decodes the TLAGlobal object the script's second line sets.
func tlaState(t *testing.T, code []byte) map[string]any {
	t.Helper()
	lines := strings.Split(string(code), "\n")
	m := regexp.MustCompile(`^(?:const __outpost_import_meta = .*;)?globalThis\.__outpost_tla = (\{.*\}); \(async \(\) => \{ try \{ globalThis\.__outpost_entry = await \(async \(\) => \{$`).FindStringSubmatch(lines[1])
	if lines[0] != `"use strict";` || m == nil {
		t.Fatalf("the script does not start with the async wrapper:\n%.600s", code)
	}
	var state map[string]any
	if err := json.Unmarshal([]byte(m[1]), &state); err != nil {
		t.Fatal(err)
	}
	return state
}

func TestTopLevelAwait(t *testing.T) {
	r := mustBuild(t, "top_level_await", "src/index.ts", nil)
	if !r.TopLevelAwait || !r.HasDefaultExport || !slices.Equal(r.Exports, []string{"answer", "default", "the answer"}) {
		t.Errorf("TopLevelAwait = %v, HasDefaultExport = %v, Exports = %q", r.TopLevelAwait, r.HasDefaultExport, r.Exports)
	}
	code := string(r.Code)
	state := tlaState(t, r.Code)
	// Every top-level await of the sources, in the order they run; the
	// dynamically imported module's await runs inside its own
	// initializer, which the import awaits.
	wantAwaits := "src/base.ts:2:21\nsrc/index.ts:3:14\nsrc/index.ts:4:23\nsrc/index.ts:5:1"
	if state["awaits"] != wantAwaits || state["settled"] != false {
		t.Errorf("state = %v, want awaits %q", state, wantAwaits)
	}
	if want := "Top-level await in module is unsettled. One of the top-level awaits below"; !strings.HasPrefix(state["unsettled"].(string), want) {
		t.Errorf("unsettled = %q", state["unsettled"])
	}
	// The export clause became the inner function's value, with getters.
	if !strings.Contains(code, "\nreturn { get answer() { return answer; }, get default() { return index_default; }, get \"the answer\"() { return answer; } };\n") {
		t.Errorf("no namespace object for the exports:\n%s", code)
	}
	// The legal comment esbuild gathers after the export clause stays.
	if !strings.Contains(code, "return {") || !strings.Contains(code[strings.Index(code, "return {"):], "base.ts: a legal comment") {
		t.Errorf("the legal comment is not after the exports:\n%s", code)
	}
	if !strings.HasSuffix(code, "\n})(); } catch (e) { __outpost_tla.error = [e]; } __outpost_tla.settled = true; })();\n") {
		t.Errorf("the script does not end the async wrapper:\n%s", code)
	}
	if regexp.MustCompile(`(?m)^\s*(import|export)\b`).MatchString(code) || strings.Contains(code, "import.meta") || strings.Contains(code, "sourceMappingURL") {
		t.Errorf("module syntax left in the script:\n%s", code)
	}
	if !strings.Contains(code, "var answer = await Promise.resolve(base * 2);") || !strings.Contains(code, "for await (const part of [lazy.word])") {
		t.Errorf("the awaits were changed:\n%s", code)
	}
	// The source map follows the two lines the wrapper adds.
	for _, c := range []struct {
		needle, src string
		line, col   int
	}{
		{"await Promise.resolve(base * 2)", "src/index.ts", 4, 23},
		{"await Promise.resolve(21)", "src/base.ts", 2, 21},
		{"await Promise.resolve(\"lazy\")", "src/lazy.ts", 1, 21},
		{"new Response(`", "src/index.ts", 11, 10},
	} {
		line, col := position(t, r.Code, c.needle)
		if src, sl, sc, _, ok := r.SourceMap.Lookup(line, col); !ok || src != c.src || sl != c.line || sc != c.col {
			t.Errorf("Lookup(%q at %d:%d) = %s:%d:%d %v, want %s:%d:%d", c.needle, line, col, src, sl, sc, ok, c.src, c.line, c.col)
		}
	}
}

func TestTopLevelAwaitMinified(t *testing.T) {
	r := mustBuild(t, "top_level_await", "src/index.ts", func(o *Options) { o.Minify = true })
	if !r.TopLevelAwait {
		t.Fatal("TopLevelAwait not set")
	}
	tlaState(t, r.Code)
	if !regexp.MustCompile(`return \{ get answer\(\) \{ return (\w+); \}, get default\(\) \{ return \w+; \}, get "the answer"\(\) \{ return (\w+); \} \};`).Match(r.Code) {
		t.Errorf("no namespace object for the minified exports:\n%s", r.Code)
	}
	line, col := position(t, r.Code, "await Promise.resolve(21)")
	if src, sl, sc, _, ok := r.SourceMap.Lookup(line, col); !ok || src != "src/base.ts" || sl != 2 || sc != 21 {
		t.Errorf("minified Lookup = %s:%d:%d %v", src, sl, sc, ok)
	}
}

func TestTopLevelAwaitNewModuleRegistry(t *testing.T) {
	r := mustBuild(t, "top_level_await", "src/index.ts", func(o *Options) { o.NewModuleRegistry = true })
	want := `Use of top-level await in a synchronously required module is restricted to promises that are resolved synchronously. This includes any top-level awaits in the entrypoint module for a worker. Specifier: "file:///bundle/index.js".`
	if got := tlaState(t, r.Code)["unsettled"].(string); !strings.HasPrefix(got, want) {
		t.Errorf("unsettled = %q, want workerd's new registry message", got)
	}
}

// A bundle without top-level await stays an IIFE.
func TestNoTopLevelAwaitStaysIIFE(t *testing.T) {
	r := mustBuild(t, "module_ts", "src/index.ts", nil)
	if r.TopLevelAwait || strings.Contains(string(r.Code), TLAGlobal) {
		t.Errorf("a bundle without top-level await got the async wrapper:\n%.300s", r.Code)
	}
}

func TestTopLevelAwaitErrors(t *testing.T) {
	_, err := build(t, "service_worker_tla", "worker.js", nil)
	var be *BuildError
	if !errors.As(err, &be) || !strings.Contains(err.Error(), "worker.js:1:18: ERROR: top-level await is only valid in ES modules: a script without a default export is a service-worker script") ||
		!strings.Contains(err.Error(), `1 | const greeting = await Promise.resolve("hello");`) {
		t.Errorf("service worker with top-level await: %v", err)
	}
}

// A worker that loads node:async_hooks has its async functions lowered to
// generators: with top-level await, after the module is in its wrapper.
func TestTopLevelAwaitAsyncHooks(t *testing.T) {
	r := mustBuild(t, "tla_async_hooks", "src/index.ts", func(o *Options) { o.NodeCompat = true })
	code := string(r.Code)
	if !r.TopLevelAwait || !strings.HasPrefix(code, "(() => {\n\"use strict\";\nvar __async = ") || !strings.HasSuffix(code, "})();\n") {
		t.Errorf("not the lowered async wrapper in a function:\n%.400s", code)
	}
	if regexp.MustCompile(`\basync\s*(\(|function)|\bawait Promise`).MatchString(code) || !strings.Contains(code, "var greeting = yield Promise.resolve(\"hello\");") ||
		!strings.Contains(code, "globalThis.__outpost_tla = {") {
		t.Errorf("async functions not lowered:\n%s", code)
	}
	line, col := position(t, r.Code, `Promise.resolve("hello")`)
	if src, sl, sc, _, ok := r.SourceMap.Lookup(line, col); !ok || src != "src/index.ts" || sl != 4 || sc != 24 {
		t.Errorf("Lookup = %s:%d:%d %v, want src/index.ts:4:24", src, sl, sc, ok)
	}
}

func TestImportMeta(t *testing.T) {
	r := mustBuild(t, "import_meta", "src/index.ts", func(o *Options) { o.Define = map[string]string{"import.meta.env.MODE": `"dev"`} })
	code := string(r.Code)
	// workerd's default registry: an empty object with a null prototype,
	// the same one in every source of the bundle.
	if !strings.HasPrefix(code, `"use strict";const __outpost_import_meta = Object.create(null);`) ||
		!strings.Contains(code, `url: __outpost_import_meta.url, same: other === __outpost_import_meta, mode: "dev"`) ||
		!strings.Contains(code, "var other = __outpost_import_meta;") || strings.Contains(code, "import.meta") {
		t.Errorf("import.meta not replaced:\n%s", code)
	}
	if len(r.Warnings) != 0 {
		t.Errorf("warnings: %q", r.Warnings)
	}

	r = mustBuild(t, "import_meta", "src/index.ts", func(o *Options) { o.NewModuleRegistry, o.NodeCompat = true, true })
	code = string(r.Code)
	for _, want := range []string{
		`meta.main = true; meta.url = href; meta.filename = "/bundle/index.js"; meta.dirname = "/bundle";`,
		`href = "file:///bundle/index.js"`, `"async_hooks"`,
		`throw new TypeError("import.meta.resolve requires a specifier argument")`,
	} {
		if !strings.Contains(code, want) {
			t.Errorf("new registry import.meta lacks %s:\n%s", want, code)
		}
	}
	if first := strings.SplitN(code, "\n", 2)[0]; !strings.HasSuffix(first, "})();") {
		t.Errorf("the declaration is not on the first line: %s", first)
	}

	// A service-worker script gets the empty object wrangler's IIFE has.
	sw := mustBuild(t, "service_worker_meta", "worker.js", nil)
	if !strings.HasPrefix(string(sw.Code), "const __outpost_import_meta = {};") || !strings.Contains(string(sw.Code), "String(__outpost_import_meta.url)") {
		t.Errorf("service worker import.meta:\n%s", sw.Code)
	}

	// Nothing is declared when nothing reads import.meta.
	plain := mustBuild(t, "module_ts", "src/index.ts", func(o *Options) { o.NewModuleRegistry = true })
	if strings.Contains(string(plain.Code), importMetaName) {
		t.Errorf("import.meta declared in a bundle that does not use it:\n%.300s", plain.Code)
	}
}

func TestExportClause(t *testing.T) {
	for _, c := range []struct {
		code  string
		items []exportItem
		rest  string
	}{
		{"var a = 1;\nexport {\n  a as default,\n  b\n};\n", []exportItem{{"a", "default"}, {"b", "b"}}, "var a = 1;\n"},
		{`var x=1;export{x as default,y as"a b",z};`, []exportItem{{"x", "default"}, {"y", `"a b"`}, {"z", "z"}}, "var x=1;"},
		{`f();export { q as 'it\'s }' }`, []exportItem{{"q", `'it\'s }'`}}, "f();"},
		// "export" inside an alias is not the clause.
		{`var s="export{t}";export{s as "export{u}"};`, []exportItem{{"s", `"export{u}"`}}, `var s="export{t}";`},
		{"$a;\nexport {\n  $a as default\n};", []exportItem{{"$a", "default"}}, "$a;\n"},
		// esbuild gathers legal comments after it.
		{"a;\nexport {\n  a as default\n};\n/*! export { b } */\n/*\n (** @license *)\n*/\n// end\n", []exportItem{{"a", "default"}}, "a;\n"},
	} {
		start, end, items, err := exportClause([]byte(c.code))
		if err != nil || !slices.Equal(items, c.items) || c.code[:start] != c.rest || !onlyComments([]byte(c.code[end:])) || !strings.HasSuffix(c.code[:end], "}") && !strings.HasSuffix(c.code[:end], ";") {
			t.Errorf("exportClause(%q) = %d %d %q %v, want %q before it", c.code, start, end, items, err, c.rest)
		}
	}
	for _, code := range []string{"var a = 1;", "export { a };\nfoo();", `export { "a" as b };`, "reexport { a };", "export { a as };", "export { a }; /* open"} {
		if _, _, _, err := exportClause([]byte(code)); err == nil {
			t.Errorf("exportClause(%q) found a clause", code)
		}
	}
}

func TestMainModuleName(t *testing.T) {
	for in, want := range map[string]string{
		"/p/src/index.ts": "index.js", "/p/worker.mjs": "worker.js", "/p/src/index.worker.ts": "index.worker.js", `C:\p\app.tsx`: "app.js",
	} {
		if got := mainModuleName(in); got != want {
			t.Errorf("mainModuleName(%s) = %s, want %s", in, got, want)
		}
	}
	if got := mainModuleURL("my worker.js").String(); got != "file:///bundle/my%20worker.js" {
		t.Errorf("mainModuleURL = %s", got)
	}
}
