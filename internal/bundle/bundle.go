package bundle

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/outpost-dev/outpost/internal/config"
)

// GlobalName is the global the bundle assigns the entry's module namespace to.
const GlobalName = "__outpost_entry"

// Options describe one build. Zero values mean wrangler's defaults.
type Options struct {
	Entry string // the entry module; relative paths are relative to Dir
	Dir   string // the project directory: resolution, tsconfig, and the paths in messages and source maps
	// Define replaces global expressions ([define]); Alias maps module
	// specifiers to others ([alias]).
	Define, Alias map[string]string
	// Rules are module rules for non-JavaScript imports; nil means
	// config.DefaultRules.
	Rules      []config.ModuleRule
	NodeCompat bool // nodejs_compat: node: imports come from the runtime
	// NodeModuleFlag, when set, says whether a Node.js module (name
	// without "node:") is on under the compatibility date and flags, and
	// which flag turns it on when it is not; nil: all are on.
	NodeModuleFlag func(name string) (flag string, on bool)
	// NodeHTTPServer turns on node:http's createServer and
	// cloudflare:node (enable_nodejs_http_server_modules).
	NodeHTTPServer bool
	Minify         bool
	// KeepNames preserves function and class names under minification
	// (wrangler's keep_names, on by default there: set it from Config).
	KeepNames bool
	// JSXFactory and JSXFragment apply to the classic JSX runtime; a
	// tsconfig "jsx": "react-jsx" selects React's automatic runtime instead.
	JSXFactory, JSXFragment string
	TSConfig                string // explicit tsconfig path; default: esbuild's own lookup
	// NodeEnv is process.env.NODE_ENV in the bundle; default "production",
	// as wrangler does.
	NodeEnv string
	// NewModuleRegistry is workerd's new_module_registry flag: it fills
	// import.meta and words an unsettled top-level await differently.
	NewModuleRegistry bool
}

// Result is a successful build.
type Result struct {
	// Code is a classic script; evaluating it sets globalThis.__outpost_entry,
	// or, for a module with top-level await, starts the module and reports
	// through globalThis.__outpost_tla (TLAGlobal).
	Code      []byte
	SourceMap *SourceMap // maps Code back to the sources, paths relative to Dir
	// Inputs are the absolute paths of every file the bundle read, for a
	// file watcher.
	Inputs   []string
	Warnings []string
	// HasDefaultExport is true for ES-module workers (export default {...});
	// false for service-worker scripts.
	HasDefaultExport bool
	// Exports are the entry module's export names, sorted (named
	// entrypoints such as WorkerEntrypoint classes); empty for
	// service-worker scripts.
	Exports []string
	// TopLevelAwait is true when the worker's modules use top-level await:
	// the script then evaluates them inside an async function.
	TopLevelAwait bool
}

// esmOutfile names the intermediate output; only its directory matters (the
// source map's paths are relative to it).
const esmOutfile = "worker.js"

// Build bundles opts.Entry. A failed build returns a *BuildError listing
// every esbuild error with its file, line, column and source line.
//
// The build runs in two steps: esbuild bundles to an ES module (its metafile
// then says whether there is a default export), and a transform turns that
// module into an IIFE script, carrying the source map through. A module
// with top-level await cannot be an IIFE: it is wrapped in an async
// function instead (asyncScript), and the runtime checks that it settled.
func Build(opts Options) (*Result, error) {
	dir, err := filepath.Abs(opts.Dir)
	if err != nil {
		return nil, err
	}
	entry := opts.Entry
	if !filepath.IsAbs(entry) {
		entry = filepath.Join(dir, entry)
	}
	if _, err := os.Stat(entry); err != nil {
		return nil, fmt.Errorf("entry module %s: %w", relTo(dir, entry), errors.Unwrap(err))
	}
	rules := opts.Rules
	if rules == nil {
		rules = config.DefaultRules
	}
	compiled, err := effectiveRules(rules)
	if err != nil {
		return nil, err
	}

	nodeEnv := opts.NodeEnv
	if nodeEnv == "" {
		nodeEnv = "production"
	}
	nodeEnvJSON, _ := json.Marshal(nodeEnv)
	define := map[string]string{
		"process.env.NODE_ENV":            string(nodeEnvJSON),
		"global.process.env.NODE_ENV":     string(nodeEnvJSON),
		"globalThis.process.env.NODE_ENV": string(nodeEnvJSON),
	}
	define["import.meta"] = importMetaName // declared by the script (esm.go)
	for k, v := range opts.Define {
		define[k] = v
	}

	var usesAsyncHooks bool
	bo := api.BuildOptions{
		EntryPoints:   []string{entry},
		Bundle:        true,
		AbsWorkingDir: dir,
		Outfile:       filepath.Join(dir, esmOutfile),
		Write:         false,
		Format:        api.FormatESModule,
		// wrangler's target: what workerd's V8 runs. JavaScriptCore 2.50
		// runs it too; newer syntax (using declarations) is lowered.
		Target:            api.ES2024,
		Platform:          api.PlatformBrowser,
		Conditions:        []string{"workerd", "worker", "browser"},
		Sourcemap:         api.SourceMapInline,
		SourcesContent:    api.SourcesContentInclude,
		Metafile:          true,
		LogLevel:          api.LogLevelSilent,
		Define:            define,
		Alias:             opts.Alias,
		KeepNames:         opts.KeepNames,
		MinifyWhitespace:  opts.Minify,
		MinifyIdentifiers: opts.Minify,
		MinifySyntax:      opts.Minify,
		JSXFactory:        opts.JSXFactory,
		JSXFragment:       opts.JSXFragment,
		Tsconfig:          opts.TSConfig,
		// wrangler lets .js files contain JSX.
		Loader:  map[string]api.Loader{".js": api.LoaderJSX, ".mjs": api.LoaderJSX, ".cjs": api.LoaderJSX},
		Plugins: []api.Plugin{cloudflarePlugin(opts), nodePlugin(opts, &usesAsyncHooks), rulesPlugin(compiled)},
	}
	br := api.Build(bo)
	lowerLater := false
	if usesAsyncHooks && len(br.Errors) == 0 {
		// AsyncLocalStorage follows continuations through Promise#then;
		// JavaScriptCore's native await bypasses it, so async functions
		// are lowered to generators for workers that load async_hooks.
		bo.Supported = lowerAsync
		if lb := api.Build(bo); onlyUnavailableTopLevelAwait(lb.Errors) {
			// esbuild cannot lower a module with top-level await: the
			// native build is kept, and its async functions are lowered
			// once the module sits in its async wrapper.
			lowerLater = true
		} else {
			br = lb
		}
	}
	warnings := formatAll("WARNING", br.Warnings, opts.NodeCompat)
	if len(br.Errors) > 0 {
		return nil, &BuildError{Messages: formatAll("ERROR", br.Errors, opts.NodeCompat)}
	}
	if len(br.OutputFiles) != 1 {
		return nil, fmt.Errorf("bundling %s: esbuild produced %d files, expected 1", relTo(dir, entry), len(br.OutputFiles))
	}
	meta, err := parseMetafile(br.Metafile, dir)
	if err != nil {
		return nil, err
	}

	isModule := slices.Contains(meta.exports, "default")
	esm := br.OutputFiles[0].Contents
	var decl string
	if bytes.Contains(esm, []byte(importMetaName)) {
		decl = importMetaDecl(opts, mainModuleName(entry), isModule)
	}
	banner := decl
	if isModule {
		// An ES-module worker is module code, which is always strict:
		// assigning an undeclared variable throws, as on workerd.
		banner = `"use strict";` + decl
	}
	tr := api.Transform(string(esm), api.TransformOptions{
		Banner:           banner,
		Loader:           api.LoaderJS,
		Format:           api.FormatIIFE,
		GlobalName:       GlobalName,
		Target:           api.ES2024,
		Sourcemap:        api.SourceMapExternal,
		SourcesContent:   api.SourcesContentInclude,
		Sourcefile:       filepath.Join(dir, esmOutfile),
		MinifyWhitespace: opts.Minify,
		LogLevel:         api.LogLevelSilent,
	})
	var esmMapJSON []byte
	if len(tr.Errors) > 0 || len(tr.Warnings) > 0 {
		var esmMap *SourceMap
		esmMapJSON, esmMap = inlineSourceMap(esm, dir)
		tr.Errors, tr.Warnings = toSources(tr.Errors, esmMap, isModule), toSources(tr.Warnings, esmMap, isModule)
	}
	warnings = append(warnings, formatAll("WARNING", tr.Warnings, opts.NodeCompat)...)
	code, mapJSON := tr.Code, tr.Map
	tla := false
	if awaits, ok := topLevelAwaits(tr.Errors); ok && isModule && esmMapJSON != nil {
		tla = true
		msg := unsettledMessage(opts.NewModuleRegistry, mainModuleURL(mainModuleName(entry)).String(), len(awaits))
		if code, err = asyncScript(esm, decl, msg, awaits); err != nil {
			return nil, fmt.Errorf("bundling %s: %w", relTo(dir, entry), err)
		}
		if mapJSON, err = shiftSourceMap(esmMapJSON, tlaPrefixLines); err != nil {
			return nil, fmt.Errorf("bundling %s: reading the source map: %w", relTo(dir, entry), err)
		}
		if lowerLater {
			if code, mapJSON, err = lowerScript(code, mapJSON, dir, opts.Minify); err != nil {
				return nil, fmt.Errorf("bundling %s: %w", relTo(dir, entry), err)
			}
		}
	} else if len(tr.Errors) > 0 {
		return nil, &BuildError{Messages: formatAll("ERROR", tr.Errors, opts.NodeCompat)}
	}
	sm, err := ParseSourceMap(mapJSON)
	if err != nil {
		return nil, fmt.Errorf("bundling %s: reading the source map: %w", relTo(dir, entry), err)
	}
	sm.normalizeSources(dir)
	return &Result{
		Code:             code,
		SourceMap:        sm,
		Inputs:           meta.inputs,
		Warnings:         warnings,
		HasDefaultExport: isModule,
		Exports:          meta.exports,
		TopLevelAwait:    tla,
	}, nil
}

// inlineSourceMap decodes the intermediate module's inline source map: as
// esbuild wrote it, and parsed with paths relative to dir.
func inlineSourceMap(code []byte, dir string) ([]byte, *SourceMap) {
	const prefix = "//# sourceMappingURL=data:application/json;base64,"
	i := bytes.LastIndex(code, []byte(prefix))
	if i < 0 {
		return nil, nil
	}
	data, err := base64.StdEncoding.DecodeString(strings.TrimSpace(string(code[i+len(prefix):])))
	if err != nil {
		return nil, nil
	}
	m, err := ParseSourceMap(data)
	if err != nil {
		return nil, nil
	}
	m.normalizeSources(dir)
	return data, m
}

// toSources points messages about the intermediate module at the user's
// sources. A service-worker script is a classic script, as on workerd,
// where top-level await is a syntax error.
func toSources(msgs []api.Message, m *SourceMap, isModule bool) []api.Message {
	for i, msg := range msgs {
		if !isModule && strings.HasPrefix(msg.Text, "Top-level await is currently not supported") {
			msg.Text = "top-level await is only valid in ES modules: a script without a default export is a service-worker script, which runs as a classic script; use export default { fetch } or move the await into a handler"
		}
		if loc := msg.Location; loc != nil && m != nil {
			if src, line, col, _, ok := m.Lookup(loc.Line, loc.Column+1); ok {
				msg.Location = &api.Location{File: src, Line: line, Column: col - 1, Length: loc.Length, LineText: m.sourceLine(src, line)}
			}
		}
		msgs[i] = msg
	}
	return msgs
}

type metaInfo struct {
	inputs  []string
	exports []string
}

func parseMetafile(text, dir string) (metaInfo, error) {
	var m struct {
		Inputs  map[string]json.RawMessage `json:"inputs"`
		Outputs map[string]struct {
			Exports    []string `json:"exports"`
			EntryPoint string   `json:"entryPoint"`
		} `json:"outputs"`
	}
	if err := json.Unmarshal([]byte(text), &m); err != nil {
		return metaInfo{}, fmt.Errorf("reading esbuild's metafile: %w", err)
	}
	var info metaInfo
	for in := range m.Inputs {
		if strings.HasPrefix(in, nsNode+":") {
			continue // provided by the runtime, not a file
		}
		in = strings.TrimPrefix(in, nsBytes+":")
		if !filepath.IsAbs(in) {
			in = filepath.Join(dir, in)
		}
		if !slices.Contains(info.inputs, in) {
			info.inputs = append(info.inputs, in)
		}
	}
	slices.Sort(info.inputs)
	for _, out := range m.Outputs {
		if out.EntryPoint != "" {
			info.exports = append(info.exports, out.Exports...)
		}
	}
	slices.Sort(info.exports)
	return info, nil
}

func relTo(dir, p string) string {
	if r, err := filepath.Rel(dir, p); err == nil && !strings.HasPrefix(r, "..") {
		return filepath.ToSlash(r)
	}
	return p
}
