package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// parityTarget is one way of running testdata/parity: `outpost dev` or
// `outpost serve`. The same table of checks runs against both, so a
// feature that works under one and not the other fails a test.
type parityTarget struct {
	name string
	do   func(method, path string, body io.Reader) (*http.Response, string)
	// scheduled fires the project's scheduled handler by hand.
	scheduled func(cron string)
}

func parityProject(name string) string {
	return filepath.Join(outposttest.RepoRoot(), "testdata", "parity", name)
}

func parityDev(t *testing.T) parityTarget {
	state := t.TempDir()
	p := outposttest.Dev(t, parityProject("app"), "-c", "wrangler.toml", "-c", "../back/wrangler.toml", "--persist-to", state)
	return parityTarget{
		name: "dev",
		do: func(method, path string, body io.Reader) (*http.Response, string) {
			return p.Do(method, path, body, map[string]string{"Host": "parity.test"})
		},
		scheduled: func(cron string) {
			out, code := runWithEnv(t, parityProject("app"), nil, "cron", "trigger", "--cron", cron, "--persist-to", state)
			if code != 0 {
				t.Fatalf("outpost cron trigger: %d %s", code, out)
			}
		},
	}
}

const parityServeConfig = `
state_dir = "state"
instances = 1

[admin]
listen = "%ADMIN%"
token = "` + adminToken + `"

[[workers]]
name = "parity"
dir = "%DIR%/app"
routes = ["parity.test/*"]
vars = { SECRET = "s3cret" }

[[workers]]
name = "parity-back"
dir = "%DIR%/back"
`

func parityServe(t *testing.T) parityTarget {
	n := startServe(t, t.TempDir(), strings.ReplaceAll(parityServeConfig, "%DIR%", parityProject("")))
	return parityTarget{
		name: "serve",
		do: func(method, path string, body io.Reader) (*http.Response, string) {
			req, err := http.NewRequest(method, n.URL+path, body)
			if err != nil {
				t.Fatal(err)
			}
			req.Host = "parity.test"
			resp, err := client.Do(req)
			if err != nil {
				t.Fatalf("%s %s: %v", method, path, err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			return resp, string(b)
		},
		scheduled: func(cron string) {
			req, _ := http.NewRequest("POST", n.admin+"/admin/workers/parity/scheduled?cron="+url.QueryEscape(cron), nil)
			req.Header.Set("Authorization", "Bearer "+adminToken)
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			var res struct{ Outcome string }
			if json.Unmarshal(b, &res); resp.StatusCode != 200 || res.Outcome != "ok" {
				t.Fatalf("admin scheduled: %d %s", resp.StatusCode, b)
			}
		},
	}
}

// TestDevServeParity runs one project under both commands and checks that
// every part of the platform answers the same: vars, secrets and
// process.env; KV; the Cache API and fetch() through the zone cache;
// static assets and the ASSETS binding; service bindings; a scheduled
// handler; an uncaught exception.
func TestDevServeParity(t *testing.T) {
	var originHits atomic.Int64
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		originHits.Add(1)
		io.WriteString(w, "from origin "+r.URL.Path)
	}))
	defer origin.Close()

	for _, mode := range []struct {
		name  string
		start func(*testing.T) parityTarget
	}{{"dev", parityDev}, {"serve", parityServe}} {
		originHits.Store(0)
		t.Run(mode.name, func(t *testing.T) {
			tg := mode.start(t)
			get := func(path string) (*http.Response, string) { return tg.do("GET", path, nil) }

			if _, body := get("/vars"); body != `{"greeting":"hello","limits":{"n":3},"secret":"s3cret","processEnv":"hello","processSecret":"s3cret"}` {
				t.Errorf("vars = %s", body)
			}

			if resp, body := tg.do("PUT", "/kv?key=parity:a", strings.NewReader("value a")); resp.StatusCode != 201 {
				t.Errorf("kv put = %d %s", resp.StatusCode, body)
			}
			if _, body := get("/kv?key=parity:a"); body != `{"value":"value a","metadata":{"by":"parity"},"listed":["parity:a"]}` {
				t.Errorf("kv get = %s", body)
			}

			if _, body := get("/cache?n=1"); body != "miss" {
				t.Errorf("first cache read = %q", body)
			}
			if !waitFor(5*time.Second, func() bool { _, body := get("/cache?n=1"); return body == "hit: fresh" }) {
				t.Error("the Cache API never returned what was put")
			}

			originURL := url.QueryEscape(origin.URL + "/asset.txt")
			first, body1 := get("/fetch-cached?origin=" + originURL)
			second, body2 := get("/fetch-cached?origin=" + originURL)
			if body1 != "from origin /asset.txt" || body2 != body1 || originHits.Load() != 1 ||
				first.Header.Get("X-Cache") != "MISS" || second.Header.Get("X-Cache") != "HIT" {
				t.Errorf("fetch with cf.cacheTtl: %q (%s) then %q (%s), origin hit %d times",
					body1, first.Header.Get("X-Cache"), body2, second.Header.Get("X-Cache"), originHits.Load())
			}

			if resp, body := get("/hello.txt"); resp.StatusCode != 200 || body != "static hello\n" {
				t.Errorf("static asset = %d %q", resp.StatusCode, body)
			}
			if _, body := get("/assets-binding"); body != "200 static hello\n" {
				t.Errorf("ASSETS binding = %q", body)
			}

			if _, body := get("/service"); body != "202 back got POST /echo?from=parity ping" {
				t.Errorf("service binding = %q", body)
			}

			if _, body := get("/cron-last"); body != "never" {
				t.Errorf("cron ran before it was fired: %q", body)
			}
			tg.scheduled("0 0 1 1 *")
			if _, body := get("/cron-last"); !strings.HasPrefix(body, "0 0 1 1 * at ") {
				t.Errorf("after the scheduled handler: %q", body)
			}

			if resp, _ := get("/throw"); resp.StatusCode != 500 {
				t.Errorf("an uncaught exception = %d, want 500", resp.StatusCode)
			}
		})
	}
}
