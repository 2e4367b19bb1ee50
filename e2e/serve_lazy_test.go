package e2e

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// lazyConfig runs api and auth from their directories, the cron worker
// and site (deployed only), all with start_instances = "on_request".
const lazyConfig = `
state_dir = "state"
instances = 1
start_instances = "on_request"
[admin]
listen = "%ADMIN%"
token = "` + adminToken + `"
[ops]
listen = "%OPS%"
[[workers]]
name = "api"
dir = "%DIR%/api"
routes = ["api.test/*"]
[[workers]]
name = "auth"
dir = "%DIR%/auth"
routes = ["auth.test/*"]
[[workers]]
name = "crons"
dir = "%CRON%"
routes = ["cron.test/*"]
[[workers]]
name = "site"
routes = ["site.test/*"]
`

// adminInstances reads every worker's instance count from the admin API.
func (n *serveNode) adminInstances() map[string]int {
	n.t.Helper()
	req, _ := http.NewRequest("GET", n.admin+"/admin/workers", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := client.Do(req)
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	var list []struct {
		Name      string `json:"name"`
		Running   bool   `json:"running"`
		Instances int    `json:"instances"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		n.t.Fatal(err)
	}
	out := map[string]int{}
	for _, w := range list {
		if w.Running {
			out[w.Name] = w.Instances
		}
	}
	return out
}

// With start_instances = "on_request" a worker holds no VM until its first
// request or event: after start-up and after a deploy the admin API and
// the metrics show no instance, and a request starts exactly the pool.
func TestServeStartsWorkersOnFirstRequest(t *testing.T) {
	config := strings.ReplaceAll(lazyConfig, "%DIR%", serveProject(""))
	config = strings.ReplaceAll(config, "%CRON%", filepath.Join(outposttest.RepoRoot(), "testdata", "projects", "cron-module"))
	n := startServe(t, t.TempDir(), config)

	if resp, body := getURL(t, n.ops+"/readyz"); resp != 200 {
		t.Fatalf("/readyz with workers that hold no VM: %d %s", resp, body)
	}
	got := n.adminInstances()
	if got["api"] != 0 || got["auth"] != 0 {
		t.Fatalf("instances before any request: %v, want none for api and auth", got)
	}
	if _, ok := got["api"]; !ok {
		t.Fatalf("api is not listed as running: %v", got)
	}
	if v, ok := metric(n.metrics(), `outpost_instances{worker="api"}`); !ok || v != 0 {
		t.Errorf("outpost_instances for api before any request = %v (%v), want 0", v, ok)
	}

	// A service binding starts the worker it calls, as a request does.
	if code, body := n.hostGet("api.test", "/whoami"); code != 200 || !strings.Contains(body, `"user":"ada"`) {
		t.Errorf("api → auth: %d %s", code, body)
	}
	if got := n.adminInstances(); got["api"] != 1 || got["auth"] != 1 {
		t.Errorf("after api's first request (which calls auth): %v, want api 1, auth 1", got)
	}

	// A scheduled event starts a worker as its cron trigger would.
	req, _ := http.NewRequest("POST", n.admin+"/admin/workers/crons/scheduled?cron=*+*+*+*+*", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(b), `"ok"`) {
		t.Fatalf("scheduled event on the cron worker: %d %s", resp.StatusCode, b)
	}
	if got := n.adminInstances(); got["crons"] != 1 {
		t.Errorf("after a scheduled event crons holds %d instances", got["crons"])
	}
	if code, body := n.hostGet("cron.test", "/runs"); code != 200 || !strings.Contains(body, `"cron":"* * * * *"`) {
		t.Errorf("cron runs: %d %s", code, body)
	}

	// A deploy checks the script and keeps no VM; the first request
	// starts the version.
	out, code := n.outpost(withVersion(t, "1"), "deploy")
	if code != 0 || !strings.Contains(out, "Deployed site version 1") {
		t.Fatalf("deploy v1: %d %s", code, out)
	}
	if got := n.adminInstances(); got["site"] != 0 {
		t.Errorf("site holds %d instances right after its deploy, want 0", got["site"])
	}
	broken := withVersion(t, "2")
	if err := os.WriteFile(filepath.Join(broken, "src", "index.js"), []byte("throw new Error('broken at start');\nexport default {};\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code = n.outpost(broken, "deploy")
	if code == 0 || !strings.Contains(out, "broken at start") || !strings.Contains(out, "nothing was deployed") {
		t.Errorf("broken deploy: %d %s", code, out)
	}
	// Many first requests at once: every one answers, one instance starts.
	var wg sync.WaitGroup
	errs := make(chan string, 16)
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if code, body := n.hostGet("site.test", "/"); code != 200 || body != "version 1" {
				errs <- fmt.Sprintf("%d %q", code, body)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Errorf("first request to site: %s", e)
	}
	if got := n.adminInstances(); got["site"] != 1 {
		t.Errorf("site holds %d instances after its first requests, want 1", got["site"])
	}
	// A warm worker's next version starts at deploy and answers at once.
	out, code = n.outpost(withVersion(t, "3"), "deploy")
	if code != 0 || !strings.Contains(out, "Deployed site version 2") {
		t.Fatalf("deploy v3: %d %s", code, out)
	}
	if got := n.adminInstances(); got["site"] != 1 {
		t.Errorf("site holds %d instances after a deploy while warm, want 1", got["site"])
	}
	if code, body := n.hostGet("site.test", "/"); code != 200 || body != "version 3" {
		t.Errorf("after deploying v3: %d %q", code, body)
	}
}

// A project directory whose script throws at start-up stops `outpost
// serve` from starting, on_request or not: its build is checked once.
func TestServeOnRequestRefusesABrokenDirectory(t *testing.T) {
	proj := withVersion(t, "1")
	if err := os.WriteFile(filepath.Join(proj, "src", "index.js"), []byte("throw new Error('broken at start');\nexport default {};\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	conf := fmt.Sprintf("state_dir = \"state\"\nstart_instances = \"on_request\"\n[[workers]]\nname = \"site\"\ndir = %q\nroutes = [\"site.test/*\"]\n", proj)
	path := filepath.Join(dir, "outpost.toml")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	out, code := outposttest.Run(t, dir, "serve", "--config", path, "--listen", fmt.Sprintf("127.0.0.1:%d", outposttest.FreePort(t)))
	if code == 0 || !strings.Contains(out, "broken at start") {
		t.Errorf("serve with a broken worker directory: exit %d\n%s", code, out)
	}
}

func getURL(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := client.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// A queue batch starts an on_request consumer worker that no request ever
// reached.
func TestServeOnRequestQueueConsumer(t *testing.T) {
	dir := filepath.Join(outposttest.RepoRoot(), "testdata", "queues")
	n := startServe(t, t.TempDir(), strings.ReplaceAll(`
state_dir = "state"
instances = 1
start_instances = "on_request"
[admin]
listen = "%ADMIN%"
token = "`+adminToken+`"
[[workers]]
name = "queue-producer"
dir = "%DIR%/producer"
routes = ["producer.test/*"]
[[workers]]
name = "queue-consumer"
dir = "%DIR%/consumer"
`, "%DIR%", dir))
	if got := n.adminInstances(); got["queue-consumer"] != 0 {
		t.Fatalf("the consumer holds %d instances before any message", got["queue-consumer"])
	}
	if code, body := n.hostGet("producer.test", "/types"); code != 200 || body != "sent" {
		t.Fatalf("send: %d %s", code, body)
	}
	var recs []json.RawMessage
	if !waitFor(30*time.Second, func() bool {
		code, body := n.hostGet("producer.test", "/log?prefix=jobs:")
		return code == 200 && json.Unmarshal([]byte(body), &recs) == nil && len(recs) == 4
	}) {
		t.Fatalf("the consumer recorded %d of 4 deliveries\n%s", len(recs), n.Output())
	}
	if got := n.adminInstances(); got["queue-consumer"] != 1 {
		t.Errorf("the consumer holds %d instances after a batch, want 1", got["queue-consumer"])
	}
}
