package runtime

import (
	"strings"
	"testing"
	"time"
)

// The lazy units' globals: accessors until first read, then plain globals
// like the others; an assignment replaces one without loading its unit.
const lazyGlobalsScript = `
const lazyNames = ["URLPattern", "HTMLRewriter", "CompressionStream", "DecompressionStream", "MessageChannel", "MessagePort"];
function check(cond, what) { if (!cond) throw new Error(what); }
function plain(name) {
	const d = Object.getOwnPropertyDescriptor(globalThis, name);
	return d !== undefined && "value" in d && d.writable && d.configurable && !d.enumerable;
}
const before = lazyNames.map((n) => {
	const d = Object.getOwnPropertyDescriptor(globalThis, n);
	return typeof d.get === "function" && d.configurable && !d.enumerable;
});
var __outpost_entry = { default: {
	fetch() {
		check(before.every(Boolean), "lazy globals are accessors before use: " + before);
		check(lazyNames.every((n) => n in globalThis), "in globalThis");
		check(!Object.keys(globalThis).some((k) => lazyNames.includes(k)), "not enumerable");
		const p = new URLPattern({ pathname: "/a/:id" });
		check(p.exec("https://x.example/a/7").pathname.groups.id === "7", "URLPattern works");
		check(plain("URLPattern") && URLPattern.name === "URLPattern", "URLPattern is a plain global once read");
		check(typeof CompressionStream === "function" && typeof DecompressionStream === "function", "compression");
		check(new CompressionStream("gzip").readable instanceof ReadableStream, "a CompressionStream's readable is the core's ReadableStream");
		check(typeof HTMLRewriter === "function" && new HTMLRewriter().transform(new Response("x")) instanceof Response, "HTMLRewriter gives core Responses");
		globalThis.MessageChannel = 5;
		check(MessageChannel === 5 && plain("MessageChannel"), "an assignment replaces a lazy global");
		check(typeof MessagePort === "function", "MessagePort still loads");
		return new Response("ok");
	},
} };`

func TestLazyPreludeGlobals(t *testing.T) {
	in := newUnitsInstance(t, lazyGlobalsScript, false)
	if _, body, err := benchFetch(in, "http://x.example/"); err != nil || string(body) != "ok" {
		t.Fatalf("got %q, %v", body, err)
	}
}

// With nodejs_compat, Buffer, process and the node: module loader come from
// the node unit on first read; a global the worker set first stays its own.
const lazyNodeScript = `
globalThis.process = { mine: true };
var __outpost_entry = { default: {
	fetch() {
		const ok = Buffer.from("hi").toString("base64") === "aGk=" &&
			process.mine === true &&
			__outpost_require("node:buffer").Buffer === Buffer &&
			typeof __outpost_require("node:dns/promises").lookup === "function" &&
			global === globalThis;
		return new Response(ok ? "ok" : "wrong");
	},
} };`

func TestLazyNodeUnit(t *testing.T) {
	in := newUnitsInstance(t, lazyNodeScript, true)
	if _, body, err := benchFetch(in, "http://x.example/"); err != nil || string(body) != "ok" {
		t.Fatalf("got %q, %v", body, err)
	}
}

func newUnitsInstance(t *testing.T, code string, nodeCompat bool) *Instance {
	t.Helper()
	return newTestInstance(t, &Config{
		Name:       "units",
		Script:     Script{Code: code, URL: "worker.js", Modules: true},
		NodeCompat: nodeCompat,
		Host:       &Host{Console: func(worker, level, text string) { t.Logf("console.%s: %s", level, text) }},
	})
}

// newTestInstance starts an instance of cfg, closed when the test ends.
func newTestInstance(t *testing.T, cfg *Config) *Instance {
	t.Helper()
	in, err := NewInstance(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(in.Close)
	return in
}

// Time spent loading a unit is not charged to the entry that asked for it,
// while it runs (the interrupt check) or after.
func TestExemptTimeIsNotCharged(t *testing.T) {
	in := &Instance{}
	in.enter(false)
	const d = 30 * time.Millisecond
	var during time.Duration
	in.exempt(func() {
		time.Sleep(d)
		during = in.used()
	})
	if during >= d {
		t.Errorf("used %v inside an exempt call of %v", during, d)
	}
	if used := in.leave(); used >= d {
		t.Errorf("the entry was charged %v after an exempt call of %v", used, d)
	}
}

// A core module may not import a lazy unit: the build says which.
func TestPreludeCoreImportingAUnitFails(t *testing.T) {
	exts := []Extension{{Name: "eager", Module: `import { URLPattern } from "runtime:urlpattern.js"; globalThis.P = URLPattern;`}}
	_, err := bundlePrelude(preludeFS, exts)
	if err == nil || !strings.Contains(err.Error(), "prelude/urlpattern.js starts the lazy unit \"urlpattern\", but the core imports it") {
		t.Fatalf("err = %v", err)
	}
}
