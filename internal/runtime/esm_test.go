package runtime

import (
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/bundle"
)

// sourceStack maps stacks of a bundle built by the test to its sources.
type sourceStack struct{ m *bundle.SourceMap }

func (s sourceStack) RewriteStack(stack string) string { return s.m.RewriteStack(stack, "worker.js") }

// startModules bundles files (name → source; the entry is src/index.ts) as
// outpost dev does and starts an instance of the result. It returns the
// instance or the start's error, and the console lines.
func startModules(t *testing.T, files map[string]string, opts func(*bundle.Options)) (*Instance, error, *[]string) {
	t.Helper()
	dir := t.TempDir()
	for name, src := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	bo := bundle.Options{Dir: dir, Entry: "src/index.ts", KeepNames: true}
	if opts != nil {
		opts(&bo)
	}
	res, err := bundle.Build(bo)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	lines := &[]string{}
	in, err := NewInstance(&Config{
		Name:   "esm",
		Script: Script{Code: string(res.Code), URL: "worker.js", Modules: true, Stack: sourceStack{res.SourceMap}},
		Host: &Host{Console: func(worker, level, text string) {
			mu.Lock()
			defer mu.Unlock()
			*lines = append(*lines, level+": "+text)
		}},
		NodeCompat: bo.NodeCompat,
		// The startup limit is then StartupTimeLimit.
		CPULimit: 100 * time.Millisecond,
	})
	if err == nil {
		t.Cleanup(in.Close)
	}
	return in, err, lines
}

func getBody(t *testing.T, in *Instance, path string) string {
	t.Helper()
	resp, err := in.Fetch(t.Context(), &Request{Method: "GET", URL: "http://esm.test" + path, Header: http.Header{}})
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.Body == nil {
		return ""
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return string(b)
}

func TestTopLevelAwaitEvaluates(t *testing.T) {
	in, err, _ := startModules(t, map[string]string{
		"src/base.ts": `export const base = await Promise.resolve(20);
export let counter = 0;
export function bump() { counter++; }`,
		"src/lazy.ts": `export const word = await new Promise((resolve) => queueMicrotask(() => resolve("lazy")));`,
		"src/later.ts": `await new Promise((resolve) => setTimeout(resolve, 1));
export const value = "after a timer";`,
		"src/index.ts": `import { base, counter, bump } from "./base";
const { word } = await import("./lazy");
let sum = 0;
for await (const n of [1, 1]) sum += n;
export const answer = base + sum;
// Key generation is done at once at the top level, as workerd does it.
const keys = await crypto.subtle.generateKey({ name: "ECDSA", namedCurve: "P-256" }, false, ["sign", "verify"]);
export { counter };
export default {
	async fetch(request: Request): Promise<Response> {
		if (new URL(request.url).pathname === "/later") return new Response((await import("./later")).value);
		bump();
		return new Response(answer + " " + word + " " + counter + " " + keys.privateKey.algorithm.name);
	},
};`,
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := getBody(t, in, "/"); got != "22 lazy 1 ECDSA" {
		t.Errorf("GET / = %q", got)
	}
	// A module imported while handling a request may wait on a timer.
	if got := getBody(t, in, "/later"); got != "after a timer" {
		t.Errorf("GET /later = %q", got)
	}
}

func TestTopLevelAwaitStartupErrors(t *testing.T) {
	for _, c := range []struct {
		name, src string
		opts      func(*bundle.Options)
		message   string
		stack     []string // lines the stack must contain
	}{
		{"timer", "const x = 1;\nawait new Promise((resolve) => setTimeout(resolve, 10));\n",
			nil, "Disallowed operation called within global scope.", []string{"@src/index.ts:2:11"}},
		{"fetch", "const x = 1;\nconst r = await fetch(\"http://127.0.0.1:9/\");\n",
			nil, "Disallowed operation called within global scope.", []string{"src/index.ts:2:11"}},
		{"connect", "import { connect } from \"cloudflare:sockets\";\nconst s = connect(\"127.0.0.1:9\");\nawait s.opened;\n",
			nil, "Disallowed operation called within global scope.", []string{"@src/index.ts:2:11"}},
		{"reject", "async function load(): Promise<string> {\n\tthrow new Error(\"settings are missing\");\n}\nexport const s = await load();\n",
			nil, "settings are missing", []string{"load@src/index.ts:2:12", "@src/index.ts:4:24"}},
		{"throws a string", "await 0;\nthrow \"plain\";\n",
			nil, "plain", []string{"src/index.ts:1:1"}},
		{"unsettled", "export const never = await new Promise<string>(() => {});\n",
			nil, "Top-level await in module is unsettled. The top-level await below", []string{"src/index.ts:1:22"}},
		{"unsettled, new module registry", "export const never = await new Promise<string>(() => {});\n",
			func(o *bundle.Options) { o.NewModuleRegistry = true },
			`Use of top-level await in a synchronously required module is restricted to promises that are resolved synchronously. This includes any top-level awaits in the entrypoint module for a worker. Specifier: "file:///bundle/index.js".`,
			[]string{"src/index.ts:1:22"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			src := c.src + "export default { fetch() { return new Response(\"started\"); } };\n"
			_, err, lines := startModules(t, map[string]string{"src/index.ts": src}, c.opts)
			var se *ScriptError
			if !errors.As(err, &se) {
				t.Fatalf("start = %v, want a ScriptError", err)
			}
			if se.Context != "evaluating the worker's script" || !strings.Contains(se.Message, c.message) {
				t.Errorf("error = %q in %q, want %q", se.Message, se.Context, c.message)
			}
			for _, want := range c.stack {
				if !strings.Contains(se.Stack, want) {
					t.Errorf("stack lacks %s:\n%s", want, se.Stack)
				}
			}
			if strings.Contains(se.Stack, "worker.js") {
				t.Errorf("the wrapper's frames are in the stack:\n%s", se.Stack)
			}
			for _, l := range *lines {
				if strings.Contains(l, "Uncaught") {
					t.Errorf("logged as well: %s", l)
				}
			}
		})
	}
}

// A worker that loads node:async_hooks (its async functions compiled to
// generators) evaluates its top-level awaits the same way, and
// AsyncLocalStorage still follows its handlers' awaits.
func TestTopLevelAwaitWithAsyncHooks(t *testing.T) {
	nodeCompat := func(o *bundle.Options) { o.NodeCompat = true }
	in, err, _ := startModules(t, map[string]string{"src/index.ts": `import { AsyncLocalStorage } from "node:async_hooks";
const storage = new AsyncLocalStorage<string>();
const greeting = await Promise.resolve("hello");
export default {
	fetch(): Promise<Response> {
		return storage.run(greeting, async () => {
			await Promise.resolve();
			await new Promise((resolve) => setTimeout(resolve, 1));
			return new Response(storage.getStore() + " from storage");
		});
	},
};`}, nodeCompat)
	if err != nil {
		t.Fatal(err)
	}
	if got := getBody(t, in, "/"); got != "hello from storage" {
		t.Errorf("GET / = %q", got)
	}
	_, err, _ = startModules(t, map[string]string{"src/index.ts": `import { AsyncLocalStorage } from "node:async_hooks";
export const storage = new AsyncLocalStorage();
async function load(): Promise<string> {
	throw new Error("settings are missing");
}
export const settings = await load();
export default { fetch() { return new Response(settings); } };`}, nodeCompat)
	var se *ScriptError
	if !errors.As(err, &se) || se.Message != "settings are missing" || !strings.Contains(se.Stack, "src/index.ts:4:") {
		t.Errorf("rejection with async_hooks: %v", err)
	}
	_, err, _ = startModules(t, map[string]string{"src/index.ts": `import "node:async_hooks";
export const never = await new Promise(() => {});
export default { fetch() { return new Response("x"); } };`}, nodeCompat)
	if !errors.As(err, &se) || !strings.HasPrefix(se.Message, "Top-level await in module is unsettled.") || se.Stack != "src/index.ts:2:22" {
		t.Errorf("unsettled with async_hooks: %v", err)
	}
}

// A top-level await that spins past the startup limit is stopped by it.
func TestTopLevelAwaitStartupLimit(t *testing.T) {
	_, err, _ := startModules(t, map[string]string{"src/index.ts": "await 0;\nfor (;;) {}\nexport default { fetch() { return new Response(\"x\"); } };\n"}, nil)
	var se *ScriptError
	if !errors.As(err, &se) || !se.Limit {
		t.Fatalf("start = %v, want the CPU limit", err)
	}
}

func TestImportMetaValues(t *testing.T) {
	files := map[string]string{
		"src/other.ts": "export const meta = import.meta;\n",
		"src/index.ts": `import { meta } from "./other";
function attempt(f: () => unknown): unknown {
	try { return f(); } catch (e) { return (e as Error).name + ": " + (e as Error).message; }
}
export default {
	fetch(): Response {
		const m = import.meta as any;
		return Response.json({
			proto: Object.getPrototypeOf(m) === null, keys: Object.keys(m), same: meta === import.meta,
			url: m.url, main: m.main, filename: m.filename, dirname: m.dirname,
			resolve: m.resolve && [m.resolve("./a/../b.js"), m.resolve("fs"), m.resolve("sys"), m.resolve("node:path"), m.resolve("https://example.com/x"),
				attempt(() => m.resolve()), attempt(() => m.resolve("http://[bad"))],
		});
	},
};`,
	}
	in, err, _ := startModules(t, files, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := getBody(t, in, "/"); got != `{"proto":true,"keys":[],"same":true}` {
		t.Errorf("default registry: %s", got)
	}
	in, err, _ = startModules(t, files, func(o *bundle.Options) { o.NewModuleRegistry, o.NodeCompat = true, true })
	if err != nil {
		t.Fatal(err)
	}
	want := `{"proto":true,"keys":["main","url","filename","dirname","resolve"],"same":true,"url":"file:///bundle/index.js","main":true,"filename":"/bundle/index.js","dirname":"/bundle",` +
		`"resolve":["file:///bundle/b.js","node:fs","node:util","node:path","https://example.com/x","TypeError: import.meta.resolve requires a specifier argument","TypeError: Invalid module specifier: http://[bad"]}`
	if got := getBody(t, in, "/"); got != want {
		t.Errorf("new registry:\n%s\nwant\n%s", got, want)
	}
}

// BenchmarkStartModule measures an instance's start for the same worker
// bundled as an IIFE and, with one top-level await, in the async wrapper.
func BenchmarkStartModule(b *testing.B) {
	for _, c := range []struct{ name, first string }{
		{"iife", "const base = 21;"},
		{"top-level-await", "const base = await Promise.resolve(21);"},
	} {
		b.Run(c.name, func(b *testing.B) {
			dir := b.TempDir()
			os.MkdirAll(filepath.Join(dir, "src"), 0o755)
			src := c.first + "\nexport default { fetch() { return new Response(String(base * 2)); } };\n"
			os.WriteFile(filepath.Join(dir, "src", "index.ts"), []byte(src), 0o644)
			res, err := bundle.Build(bundle.Options{Dir: dir, Entry: "src/index.ts"})
			if err != nil {
				b.Fatal(err)
			}
			cfg := &Config{Name: "bench", Script: Script{Code: string(res.Code), URL: "worker.js", Modules: true}, Host: &Host{}}
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				in, err := NewInstance(cfg)
				if err != nil {
					b.Fatal(err)
				}
				in.Close()
			}
		})
	}
}
