package bundle

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// TLAGlobal names the global through which a bundle with top-level await
// reports how its evaluation went. The runtime reads it once the script and
// the microtasks it queued have run, and deletes it:
//
//	{ settled: false, unsettled: "…", awaits: "src/index.ts:3:15\n…" }
//
// settled turns true when the module body has finished; error is then set
// to [thrown value] if it threw, else globalThis.__outpost_entry holds the
// module namespace. unsettled is workerd's message for a body still waiting
// (it depends on the module registry), awaits the top-level awaits of the
// sources, one per line, for that message.
const TLAGlobal = "__outpost_tla"

// tlaPrefixLines is how many lines the wrapper adds before the module code;
// the source map shifts by as many.
const tlaPrefixLines = 2

// asyncScript turns an ES module that uses top-level await into a classic
// script: the module code runs unchanged inside an async function (so its
// awaits are real awaits), its closing export clause becomes the function's
// return value, and TLAGlobal records the outcome. decl (import.meta's
// declaration, or "") goes before it. Lines keep their columns; the code
// moves down tlaPrefixLines lines.
func asyncScript(esm []byte, decl, unsettled string, awaits []string) ([]byte, error) {
	code := stripSourceMapComment(esm)
	start, end, items, err := exportClause(code)
	if err != nil {
		return nil, err
	}
	state, _ := json.Marshal(map[string]any{"settled": false, "unsettled": unsettled, "awaits": strings.Join(awaits, "\n")})
	var b bytes.Buffer
	b.WriteString("\"use strict\";\n")
	// The outer function never rejects, so nothing is reported as an
	// unhandled rejection; the module code runs in the inner one and sees
	// none of the wrapper's names.
	fmt.Fprintf(&b, "%sglobalThis.%s = %s; (async () => { try { globalThis.%s = await (async () => {\n", decl, TLAGlobal, state, GlobalName)
	b.Write(code[:start])
	b.WriteString("return {")
	for i, it := range items {
		if i > 0 {
			b.WriteString(",")
		}
		// Getters keep the exports live, as a module namespace's are.
		fmt.Fprintf(&b, " get %s() { return %s; }", it.exported, it.local)
	}
	b.WriteString(" };")
	// Keep the clause's line breaks so nothing after it moves.
	b.WriteString(strings.Repeat("\n", bytes.Count(code[start:end], []byte("\n"))))
	b.Write(code[end:])
	fmt.Fprintf(&b, "\n})(); } catch (e) { %[1]s.error = [e]; } %[1]s.settled = true; })();\n", TLAGlobal)
	return b.Bytes(), nil
}

func stripSourceMapComment(code []byte) []byte {
	if i := bytes.LastIndex(code, []byte("//# sourceMappingURL=")); i >= 0 {
		return code[:i]
	}
	return code
}

type exportItem struct{ local, exported string }

// exportClause finds the `export { a as default, b };` that esbuild ends
// an ES-module bundle with (only comments, such as the legal comments it
// gathers at the end, may follow) and returns its extent and items. An
// alias may be a string literal; it is returned as written.
func exportClause(code []byte) (start, end int, items []exportItem, err error) {
	for at := len(code); at > 0; {
		i := bytes.LastIndex(code[:at], []byte("export"))
		if i < 0 {
			break
		}
		at = i
		if i > 0 && !strings.ContainsRune(" \t\r\n;}", rune(code[i-1])) {
			continue
		}
		items, n, ok := parseExportClause(code[i+len("export"):])
		if end := i + len("export") + n; ok && onlyComments(code[end:]) {
			return i, end, items, nil
		}
	}
	return 0, 0, nil, fmt.Errorf("the ES module esbuild produced does not end with an export clause")
}

// onlyComments reports whether s holds nothing but white space and
// comments.
func onlyComments(s []byte) bool {
	for {
		s = bytes.TrimLeft(s, " \t\r\n")
		switch {
		case len(s) == 0:
			return true
		case bytes.HasPrefix(s, []byte("/*")):
			i := bytes.Index(s[2:], []byte("*/"))
			if i < 0 {
				return false
			}
			s = s[2+i+2:]
		case bytes.HasPrefix(s, []byte("//")):
			i := bytes.IndexByte(s, '\n')
			if i < 0 {
				return true
			}
			s = s[i:]
		default:
			return false
		}
	}
}

// parseExportClause parses `{ a as b, c }` and an optional `;` at the start
// of s (after spaces) and returns the items and the bytes consumed.
func parseExportClause(s []byte) ([]exportItem, int, bool) {
	p := 0
	space := func() {
		for p < len(s) && strings.IndexByte(" \t\r\n", s[p]) >= 0 {
			p++
		}
	}
	token := func() string {
		space()
		if p < len(s) && (s[p] == '"' || s[p] == '\'') {
			q, from := s[p], p
			for p++; p < len(s) && s[p] != q; p++ {
				if s[p] == '\\' {
					p++
				}
			}
			if p >= len(s) {
				return ""
			}
			p++
			return string(s[from:p])
		}
		from := p
		for p < len(s) && strings.IndexByte(" \t\r\n,{};\"'", s[p]) < 0 {
			p++
		}
		return string(s[from:p])
	}
	space()
	if p >= len(s) || s[p] != '{' {
		return nil, 0, false
	}
	p++
	var items []exportItem
	for {
		space()
		if p < len(s) && s[p] == '}' {
			p++
			break
		}
		local := token()
		if local == "" || local[0] == '"' || local[0] == '\'' {
			return nil, 0, false
		}
		it := exportItem{local: local, exported: local}
		space()
		if bytes.HasPrefix(s[p:], []byte("as")) && p+2 < len(s) && strings.IndexByte(" \t\r\n\"'", s[p+2]) >= 0 {
			p += 2
			if it.exported = token(); it.exported == "" {
				return nil, 0, false
			}
		}
		items = append(items, it)
		space()
		if p < len(s) && s[p] == ',' {
			p++
		} else if p >= len(s) || s[p] != '}' {
			return nil, 0, false
		}
	}
	space()
	if p < len(s) && s[p] == ';' {
		p++
	}
	return items, p, true
}

// shiftSourceMap moves a source map's generated lines down by n lines.
func shiftSourceMap(data []byte, n int) ([]byte, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, err
	}
	var mappings string
	if err := json.Unmarshal(raw["mappings"], &mappings); err != nil {
		return nil, err
	}
	raw["mappings"], _ = json.Marshal(strings.Repeat(";", n) + mappings)
	return json.Marshal(raw)
}

// lowerAsync is what esbuild may not emit for a worker that loads
// node:async_hooks: async functions become generators driven by promises.
var lowerAsync = map[string]bool{"async-await": false, "async-generator": false, "for-await": false}

// onlyUnavailableTopLevelAwait reports whether a build failed only because
// lowerAsync leaves top-level await unavailable.
func onlyUnavailableTopLevelAwait(errs []api.Message) bool {
	for _, e := range errs {
		if !strings.HasPrefix(e.Text, "Top-level await is not available") {
			return false
		}
	}
	return len(errs) > 0
}

// lowerScript lowers the async functions of the async wrapper's script
// (lowerAsync), the module's top-level awaits with them, carrying the
// source map through. A function around the result keeps the helpers
// esbuild adds (__async) out of the global scope; the script's "use strict"
// becomes its directive.
func lowerScript(code, mapJSON []byte, dir string, minify bool) ([]byte, []byte, error) {
	src := string(code) + "//# sourceMappingURL=data:application/json;base64," + base64.StdEncoding.EncodeToString(mapJSON) + "\n"
	tr := api.Transform(src, api.TransformOptions{
		Loader:           api.LoaderJS,
		Target:           api.ES2024,
		Supported:        lowerAsync,
		Sourcemap:        api.SourceMapExternal,
		SourcesContent:   api.SourcesContentInclude,
		Sourcefile:       filepath.Join(dir, esmOutfile),
		MinifyWhitespace: minify,
		LogLevel:         api.LogLevelSilent,
	})
	if len(tr.Errors) > 0 {
		return nil, nil, fmt.Errorf("lowering async functions for node:async_hooks: %s", tr.Errors[0].Text)
	}
	m, err := shiftSourceMap(tr.Map, 1)
	if err != nil {
		return nil, nil, err
	}
	return []byte("(() => {\n" + string(tr.Code) + "})();\n"), m, nil
}

// topLevelAwaits lists the locations of the transform's complaints about
// top-level await (each a source file:line:column), or returns ok=false
// when any error is about something else.
func topLevelAwaits(errs []api.Message) (sites []string, ok bool) {
	for _, e := range errs {
		if !strings.HasPrefix(e.Text, "Top-level await is currently not supported") {
			return nil, false
		}
		if loc := e.Location; loc != nil && loc.File != "" {
			site := fmt.Sprintf("%s:%d:%d", loc.File, loc.Line, loc.Column+1)
			if !slices.Contains(sites, site) {
				sites = append(sites, site)
			}
		}
	}
	return sites, len(errs) > 0
}

// unsettledMessage is workerd's error for a main module whose top-level
// await has not settled once the microtasks queued at startup have run,
// followed by where the awaits are.
func unsettledMessage(newRegistry bool, specifier string, awaits int) string {
	msg := "Top-level await in module is unsettled."
	if newRegistry {
		msg = fmt.Sprintf("Use of top-level await in a synchronously required module is restricted to promises that are resolved synchronously. This includes any top-level awaits in the entrypoint module for a worker. Specifier: %q.", specifier)
	}
	where := "The top-level await below"
	if awaits > 1 {
		where = "One of the top-level awaits below"
	}
	return msg + " " + where + " waits for a promise that nothing settles while the worker starts."
}

// Import meta: workerd's default module registry gives every module an
// empty import.meta (V8's, with a null prototype); its new module registry
// (the new_module_registry flag) sets main, url, filename, dirname and
// resolve, naming a wrangler bundle's module file:///bundle/<entry>.js.
// The whole bundle is one module there, so all of its sources see the same
// object. esbuild replaces import.meta with importMetaName, which the
// script declares (importMetaDecl) when something reads it.

const importMetaName = "__outpost_import_meta"

// importMetaDecl declares importMetaName, on one line so that it can go
// before the module code without moving it. A service-worker script gets
// the empty object wrangler's IIFE bundle has.
func importMetaDecl(opts Options, moduleName string, isModule bool) string {
	if !isModule {
		return "const " + importMetaName + " = {};"
	}
	if !opts.NewModuleRegistry {
		return "const " + importMetaName + " = Object.create(null);"
	}
	u := mainModuleURL(moduleName)
	href, _ := json.Marshal(u.String())
	filename, _ := json.Marshal(u.EscapedPath())
	builtins := []byte("null")
	if opts.NodeCompat {
		// A Node.js built-in's name resolves to its node: specifier.
		names := make([]string, 0, len(nodeBuiltins))
		for n := range nodeBuiltins {
			names = append(names, n)
		}
		slices.Sort(names)
		builtins, _ = json.Marshal(names)
	}
	// resolve is new URL(specifier, import.meta.url).href, with workerd's
	// errors.
	decl := fmt.Sprintf(`const %s = (() => {
		const URLClass = URL, href = %s, names = %s, builtins = names && new Set(names);
		const meta = Object.create(null);
		meta.main = true;
		meta.url = href;
		meta.filename = %s;
		meta.dirname = "/bundle";
		meta.resolve = function (...args) {
			if (args.length < 1) throw new TypeError("import.meta.resolve requires a specifier argument");
			let specifier = %s;
			if (builtins && (specifier === "sys" || specifier === "node:sys")) specifier = "node:util";
			else if (builtins && builtins.has(specifier)) specifier = "node:" + specifier;
			try {
				return new URLClass(specifier, href).href;
			} catch {
				throw new TypeError("Invalid module specifier: " + specifier);
			}
		};
		return meta;
	})();`, importMetaName, href, builtins, filename, "`${args[0]}`")
	return lineBreaks.ReplaceAllString(decl, " ")
}

var lineBreaks = lazyregexp.New(`\n\s*`)

// mainModuleURL is the main module's URL under workerd's new module
// registry.
func mainModuleURL(moduleName string) *url.URL {
	return &url.URL{Scheme: "file", Path: "/bundle/" + moduleName}
}

// mainModuleName is what wrangler names the bundle of entry: its base name
// with a .js extension.
func mainModuleName(entry string) string {
	base := entry[strings.LastIndexAny(entry, `/\`)+1:]
	if i := strings.LastIndexByte(base, '.'); i > 0 {
		base = base[:i]
	}
	return base + ".js"
}
