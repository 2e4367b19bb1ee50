package e2e

import (
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

func serveProject(name string) string {
	return filepath.Join(outposttest.RepoRoot(), "testdata", "serve", name)
}

// apiAuthConfig is an outpost.toml serving testdata/serve's api and auth
// workers (one instance each, metrics on the ops listener), with settings
// added at its top level.
func apiAuthConfig(settings string) string {
	return strings.ReplaceAll(`
state_dir = "state"
instances = 1
`+settings+`
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
`, "%DIR%", serveProject(""))
}

// serveNode is a running `outpost serve`.
type serveNode struct {
	*outposttest.Proc
	t     *testing.T
	admin string // admin API URL, "" when off
	ops   string // ops listener URL
}

// adminToken is the token the tests' servers are configured with.
const adminToken = "test-admin-token-0123456789"

// startServe writes an outpost.toml (with %ADMIN% and %OPS% replaced by
// free addresses) into dir and starts `outpost serve` on it.
func startServe(t *testing.T, dir, config string, env ...string) *serveNode {
	t.Helper()
	adminAddr := fmt.Sprintf("127.0.0.1:%d", outposttest.FreePort(t))
	opsAddr := fmt.Sprintf("127.0.0.1:%d", outposttest.FreePort(t))
	config = strings.ReplaceAll(config, "%ADMIN%", adminAddr)
	config = strings.ReplaceAll(config, "%OPS%", opsAddr)
	path := filepath.Join(dir, "outpost.toml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	port := outposttest.FreePort(t)
	p := outposttest.StartEnv(t, env, port, "serve", "--config", path, "--listen", fmt.Sprintf("127.0.0.1:%d", port))
	if !p.WaitOutput(`"msg":"ready:`, 60*time.Second) {
		t.Fatalf("outpost serve did not become ready; output:\n%s", p.Output())
	}
	n := &serveNode{Proc: p, t: t, ops: "http://" + opsAddr}
	if strings.Contains(config, adminAddr) {
		n.admin = "http://" + adminAddr
	}
	return n
}

var client = &http.Client{Timeout: 60 * time.Second}

// hostDo sends a request for host (routing) to the node.
func (n *serveNode) hostDo(method, host, path string, body io.Reader) (int, string) {
	n.t.Helper()
	req, err := http.NewRequest(method, n.URL+path, body)
	if err != nil {
		n.t.Fatal(err)
	}
	req.Host = host
	resp, err := client.Do(req)
	if err != nil {
		n.t.Fatalf("%s %s%s: %v\noutput:\n%s", method, host, path, err, n.Output())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func (n *serveNode) hostGet(host, path string) (int, string) {
	n.t.Helper()
	return n.hostDo("GET", host, path, nil)
}

// metrics scrapes the ops listener.
func (n *serveNode) metrics() string {
	n.t.Helper()
	resp, err := client.Get(n.ops + "/metrics")
	if err != nil {
		n.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// metric returns the value of the series line that starts with series.
func metric(text, series string) (float64, bool) {
	re := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(series) + ` (\S+)$`)
	m := re.FindStringSubmatch(text)
	if m == nil {
		return 0, false
	}
	v, err := strconv.ParseFloat(m[1], 64)
	return v, err == nil
}

// outpost runs the CLI with the admin URL and token in its environment.
func (n *serveNode) outpost(dir string, args ...string) (string, int) {
	n.t.Helper()
	return runWithEnv(n.t, dir, []string{"OUTPOST_URL=" + n.admin, "OUTPOST_ADMIN_TOKEN=" + adminToken}, args...)
}

// waitFor polls cond until it holds or the timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if cond() {
			return true
		}
		time.Sleep(50 * time.Millisecond)
	}
	return cond()
}

// withVersion copies the versioned project with VERSION set to v.
func withVersion(t *testing.T, v string) string {
	t.Helper()
	dir := outposttest.CopyDir(t, serveProject("versioned"))
	cfg := filepath.Join(dir, "wrangler.toml")
	b, err := os.ReadFile(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cfg, []byte(strings.Replace(string(b), `VERSION = "1"`, `VERSION = "`+v+`"`, 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func runWithEnv(t *testing.T, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	return outposttest.RunEnv(t, dir, env, args...)
}
