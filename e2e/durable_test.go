package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

const durableServeConfig = `
state_dir = "%STATE%"
instances = 2

[[workers]]
name = "do-counter"
dir = "%DIR%"
routes = ["do.test/*"]
`

// TestDurableObjects runs testdata/durable/counter (Cloudflare's template
// shape: wrangler.jsonc, a SQLite-backed class extending DurableObject,
// plus a key-value backed class) under outpost dev and under outpost serve
// (with two instances: every call for an object reaches its one live
// instance), and restarts each to check that storage and alarms survive.
func TestDurableObjects(t *testing.T) {
	dir := filepath.Join(outposttest.RepoRoot(), "testdata", "durable", "counter")
	type node struct {
		get  func(path string) (int, string)
		stop func()
	}
	modes := []struct {
		name  string
		start func(t *testing.T, state string) node
	}{
		{"dev", func(t *testing.T, state string) node {
			p := outposttest.Dev(t, dir, "--persist-to", state)
			return node{func(path string) (int, string) { r, b := p.Get(path); return r.StatusCode, b }, p.Stop}
		}},
		{"serve", func(t *testing.T, state string) node {
			cfg := strings.NewReplacer("%STATE%", state, "%DIR%", dir).Replace(durableServeConfig)
			n := startServe(t, t.TempDir(), cfg)
			return node{func(path string) (int, string) { return n.hostGet("do.test", path) }, n.Stop}
		}},
	}
	for _, m := range modes {
		t.Run(m.name, func(t *testing.T) {
			state := t.TempDir()
			n := m.start(t, state)
			expect := func(path, want string) {
				t.Helper()
				if code, got := n.get(path); code != 200 || got != want {
					t.Errorf("GET %s = %d %s\nwant %s", path, code, got, want)
				}
			}
			// RPC on a stub, state kept by the one live instance and in storage.
			expect("/inc/a", "1")
			expect("/inc/a?by=2", "3")
			expect("/pipeline/a", "4")
			expect("/inc/b", "1")
			var info struct {
				ID     string `json:"id"`
				Name   string `json:"name"`
				Count  int    `json:"count"`
				Visits int    `json:"visits"`
			}
			_, body := n.get("/info/a")
			if err := json.Unmarshal([]byte(body), &info); err != nil || info.Name != "a" || info.Count != 4 || info.Visits != 3 || len(info.ID) != 64 {
				t.Errorf("info = %s", body)
			}
			expect("/fetch/a", "fetch in a: /hello count=4")
			expect("/tour/t", `{"some":{"a:2":{"nested":[1,2]},"a:1":1},"ranged":["a:3","a:2"],"after":["a:2","a:3"],"deleted":1,"rolledBack":"gone","date":true,"bytes":[7],`+
				`"errors":["RangeError: Keys cannot be larger than 2048 bytes. A key of size 2049 was provided.",`+
				`"RangeError: Values cannot be larger than 131072 bytes. A value of size 204810 was provided.",`+
				`"DataCloneError: function could not be cloned.",`+
				`"RangeError: Maximum number of key value pairs is 128. 129 pairs were provided."]}`)
			expect("/ids", `{"len":64,"equal":true,"stable":true,"name":"x","unique":true,"errors":["Invalid Durable Object ID: must be 64 hex digits","Invalid Durable Object ID: the ID is not for this Durable Object namespace"]}`)
			expect("/legacy", `"1 SQL is not enabled for this Durable Object class: declare it in new_sqlite_classes in your wrangler config's migrations."`)
			expect("/fail/a", `"RangeError: inside the object remote=true retryable=undefined overloaded=undefined durableObjectReset=undefined"`)
			expect("/fail-fetch/a", `"TypeError: fetch threw remote=true retryable=undefined overloaded=undefined durableObjectReset=undefined"`)
			expect("/reset/a", `"Error: reset by the test remote=true retryable=undefined overloaded=undefined durableObjectReset=true"`)
			expect("/self", "1")

			// An alarm fires alarm() once.
			expect("/alarm/z?ms=100", "true")
			if !waitFor(10*time.Second, func() bool {
				_, b := n.get("/alarm-state/z")
				return b == `{"fired":1,"info":{"retryCount":0,"isRetry":false},"pending":null}`
			}) {
				_, b := n.get("/alarm-state/z")
				t.Errorf("alarm state = %s", b)
			}
			// One readable SQLite file per object.
			if info.ID != "" {
				if _, err := os.Stat(filepath.Join(state, "do", "do-counter", "Counter", info.ID+".sqlite")); err != nil {
					t.Errorf("the object's database: %v", err)
				}
			}

			// An alarm set before a restart fires after it; storage survives.
			expect("/alarm/late?ms=1500", "true")
			n.stop()
			n = m.start(t, state)
			expect("/inc/a", "5")
			if !waitFor(10*time.Second, func() bool {
				_, b := n.get("/alarm-state/late")
				return strings.HasPrefix(b, `{"fired":1,`)
			}) {
				_, b := n.get("/alarm-state/late")
				t.Errorf("an alarm set before the restart: %s", b)
			}
			n.stop()

			// outpost do reads the same state.
			if out, code := runWithEnv(t, dir, nil, "do", "get", "COUNTER", "--name", "a", "count", "--persist-to", state); code != 0 || strings.TrimSpace(out) != "5" {
				t.Errorf("outpost do get = %d %q", code, out)
			}
			if out, code := runWithEnv(t, dir, nil, "do", "get", "COUNTER", "--name", "t", "a:3", "--persist-to", state); code != 0 || !strings.Contains(out, `"$date": "1970-01-01T00:00:00Z"`) {
				t.Errorf("outpost do get of a Date = %d %q", code, out)
			}
			if out, code := runWithEnv(t, dir, nil, "do", "list", "COUNTER", "--persist-to", state); code != 0 || !strings.Contains(out, info.ID) {
				t.Errorf("outpost do list = %d %q", code, out)
			}
			if out, code := runWithEnv(t, dir, nil, "do", "keys", "NOPE", "--persist-to", state); code == 0 || !strings.Contains(out, `no Durable Object binding "NOPE"`) {
				t.Errorf("outpost do with an unknown binding = %d %q", code, out)
			}
		})
	}
}
