package e2e

import (
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// TestWasmTiersUp runs Wasm long and often enough that JavaScriptCore
// compiles it in the background and patches the running code in (which
// suspends the VM's thread for a moment), then an out-of-bounds access
// (a trap), WebAssembly.instantiate (awaited at the top level and in a
// request) and shared memory (a SharedArrayBuffer), as on workerd.
func TestWasmTiersUp(t *testing.T) {
	p := outposttest.Dev(t, project("wasm"), "--persist-to", t.TempDir())
	for _, n := range []int{10, 100000, 3000000} {
		resp, body := p.Get("/sum?n=" + strconv.Itoa(n))
		var got struct{ Once, Wanted, Calls int64 }
		if resp.StatusCode != 200 || json.Unmarshal([]byte(body), &got) != nil || got.Once != got.Wanted {
			t.Fatalf("GET /sum?n=%d = %d %s", n, resp.StatusCode, body)
		}
		var want int64
		for i := range n {
			m := int64(i % 64)
			want = int64(int32(want + m*(m-1)/2))
		}
		if got.Calls != want {
			t.Errorf("n=%d: %d calls summed to %d, want %d", n, n, got.Calls, want)
		}
	}
	// JavaScriptCore's message adds the expression it was evaluating.
	if _, body := p.Get("/out-of-bounds"); !strings.HasPrefix(body, `{"name":"RuntimeError","message":"Out of bounds memory access`) || !strings.HasSuffix(body, `"isRuntimeError":true}`) {
		t.Errorf("GET /out-of-bounds = %s", body)
	}
	if _, body := p.Get("/instantiate"); body != `{"sum":45,"isInstance":true,"topLevel":6,"api":["instantiate",1,1]}` {
		t.Errorf("GET /instantiate = %s", body)
	}
	if _, body := p.Get("/shared"); body != `{"buffer":"[object SharedArrayBuffer]","value":5}` {
		t.Errorf("GET /shared = %s", body)
	}
}
