package bundle

import (
	"bytes"
	"testing"
)

// A bundle that loads node:async_hooks has its async functions lowered, so
// AsyncLocalStorage can follow continuations through Promise#then; other
// bundles keep native async functions.
func TestAsyncHooksLowersAsyncFunctions(t *testing.T) {
	r := mustBuild(t, "node_als", "src/index.ts", func(o *Options) { o.NodeCompat = true })
	if bytes.Contains(r.Code, []byte("await ")) || !bytes.Contains(r.Code, []byte("__async(")) {
		t.Errorf("async functions were not lowered:\n%s", r.Code)
	}
	if !bytes.Contains(r.Code, []byte(`__outpost_require("node:async_hooks")`)) {
		t.Error("node:async_hooks does not come from the runtime")
	}
	plain := mustBuild(t, "node_async", "src/index.ts", func(o *Options) { o.NodeCompat = true })
	if !bytes.Contains(plain.Code, []byte("await ")) || bytes.Contains(plain.Code, []byte("__async(")) {
		t.Error("a bundle without async_hooks lost its native async functions")
	}
}
