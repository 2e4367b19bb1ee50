package e2e

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

const rpcServeConfig = `
state_dir = "state"
instances = 1

[[workers]]
name = "rpc-caller"
dir = "%DIR%/caller"
routes = ["rpc.test/*"]

[[workers]]
name = "rpc-callee"
dir = "%DIR%/callee"
`

// TestRPC runs testdata/rpc (a caller and a callee with a named
// WorkerEntrypoint, both written against cloudflare:workers) under
// outpost dev with two -c configs and under outpost serve, and checks
// every RPC feature the same way under both.
func TestRPC(t *testing.T) {
	dir := filepath.Join(outposttest.RepoRoot(), "testdata", "rpc")
	starts := []struct {
		name string
		get  func(t *testing.T) func(path string) (int, string)
	}{
		{"dev", func(t *testing.T) func(string) (int, string) {
			p := outposttest.Dev(t, filepath.Join(dir, "caller"), "-c", "wrangler.toml", "-c", "../callee/wrangler.toml", "--persist-to", t.TempDir())
			return func(path string) (int, string) {
				resp, body := p.Get(path)
				return resp.StatusCode, body
			}
		}},
		{"serve", func(t *testing.T) func(string) (int, string) {
			n := startServe(t, t.TempDir(), strings.ReplaceAll(rpcServeConfig, "%DIR%", dir))
			return func(path string) (int, string) { return n.hostGet("rpc.test", path) }
		}},
	}
	want := map[string]string{
		// Arguments and results cross by value.
		"/add": `5`,
		// this.env in the entrypoint, and env from cloudflare:workers at
		// the callee's top level.
		"/greet": `"hello, world (at the top level: hello)"`,
		// getCounter().increment(5) without awaiting getCounter().
		"/pipeline": `5`,
		// An RpcTarget comes back as a stub whose methods and getters run
		// on the callee, keeping its state between calls.
		"/counter": `3`,
		// A function passed as an argument is called back in the caller.
		"/callback": `210`,
		"/types":    `{"date":true,"map":true,"set":true,"big":true,"bytes":true,"nested":true,"regexp":true,"cyclic":true}`,
		// Thrown errors keep their class, name and message.
		"/errors": `["RangeError RangeError: out of range","Error MyError: custom failure"]`,
		// workerd's errors for an unknown method, an instance property, and
		// a value that cannot be serialized.
		"/unknown": `["TypeError TypeError: The RPC receiver does not implement the method \"nope\".",` +
			`"TypeError TypeError: The RPC receiver does not implement the method \"env\".",` +
			`"DOMException DataCloneError: Could not serialize object of type \"Foo\". This type does not support serialization."]`,
		// A ReadableStream in each direction and a WritableStream, streamed.
		"/streams": `{"sum":{"bytes":7,"text":"one two"},"received":"chunk0;chunk1;chunk2;","done":"done","written":"written by the callee"}`,
		// Request and Response cross with their bodies.
		"/request": `{"status":201,"header":"rpc-callee","body":"POST https://example.test/path payload"}`,
		// `using` disposes a stub; using it afterwards fails.
		"/dispose": `"Error Error: Attempted to use RPC stub after it has been disposed."`,
		// fetch() on a named entrypoint and on a class default export, and
		// an RPC method of the default export.
		"/entrypoints": `{"api":"Api fetch /p","def":"default fetch, hello","ping":"pong"}`,
		// waitUntil from cloudflare:workers.
		"/waituntil": `"ok"`,
		// ctx.exports and exports from cloudflare:workers reach the
		// worker's own entrypoints.
		"/loopback": `{"viaCtx":42,"viaModule":8,"names":["Helper","default"]}`,
	}
	for _, s := range starts {
		t.Run(s.name, func(t *testing.T) {
			get := s.get(t)
			for path, body := range want {
				if code, got := get(path); code != 200 || got != body {
					t.Errorf("GET %s = %d %s\nwant %s", path, code, got, body)
				}
			}
		})
	}
}
