package e2e

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// Under outpost serve the explorer lives on the admin listener, behind
// the admin token: ?token= once sets a cookie scoped to the explorer.
func TestServeExplorer(t *testing.T) {
	n := startServe(t, t.TempDir(), `
state_dir = "state"
instances = 1
[admin]
listen = "%ADMIN%"
token = "`+adminToken+`"
[[workers]]
name = "explorer-demo"
dir = "`+filepath.Join(outposttest.RepoRoot(), "testdata", "dashboard")+`"
routes = ["explorer.test/*"]
`)
	base := n.admin + "/admin/explorer"
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	for _, u := range []string{base + "/", base + "/?token=wrong"} {
		resp, err := noRedirect.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 401 {
			t.Errorf("GET %s = %d, want 401", u, resp.StatusCode)
		}
	}
	resp, err := noRedirect.Get(base + "/?token=" + adminToken)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookie := resp.Header.Get("Set-Cookie")
	if resp.StatusCode != 303 || resp.Header.Get("Location") != "/admin/explorer/" ||
		!strings.Contains(cookie, "Path=/admin/explorer") || !strings.Contains(cookie, "HttpOnly") || !strings.Contains(cookie, "SameSite=Strict") {
		t.Fatalf("?token= answered %d, Location %q, Set-Cookie %q", resp.StatusCode, resp.Header.Get("Location"), cookie)
	}
	jar, _ := cookiejar.New(nil)
	browser := &http.Client{Jar: jar}
	get := func(path string) (int, string) {
		t.Helper()
		resp, err := browser.Get(base + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := get("/?token=" + adminToken); code != 200 || !strings.Contains(body, "Outpost explorer") {
		t.Fatalf("explorer with the token = %d:\n%s", code, body)
	}
	// The cookie opens the explorer only, not the rest of the admin API.
	req, _ := http.NewRequest("GET", n.admin+"/admin/workers", nil)
	u, _ := url.Parse(base + "/")
	for _, c := range jar.Cookies(u) {
		req.AddCookie(c)
	}
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 401 {
		t.Errorf("/admin/workers with the explorer's cookie: %v %v", resp.StatusCode, err)
	}

	// A request to the worker shows in the log with its console line.
	if code, body := n.hostGet("explorer.test", "/note?name=motd"); code != 404 || body != "(none)" {
		t.Fatalf("GET /note = %d %q", code, body)
	}
	_, body := get("/requests/requests.json")
	var reqs []struct {
		Worker, Path string
		Status       int
		Console      []struct{ Text string }
	}
	if err := json.Unmarshal([]byte(body), &reqs); err != nil || len(reqs) != 1 || reqs[0].Path != "/note?name=motd" || reqs[0].Status != 404 ||
		len(reqs[0].Console) != 1 || reqs[0].Console[0].Text != "reading note motd" {
		t.Errorf("requests.json = %s (%v)", body, err)
	}
	// A KV key written in the explorer is what the worker reads.
	form := url.Values{"key": {"motd"}, "value": {"served"}}
	preq, _ := http.NewRequest("POST", base+"/kv/put?ns=notes", strings.NewReader(form.Encode()))
	preq.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	preq.Header.Set("Origin", n.admin)
	presp, err := browser.Do(preq)
	if err != nil {
		t.Fatal(err)
	}
	presp.Body.Close()
	if code, body := n.hostGet("explorer.test", "/note?name=motd"); code != 200 || body != "served" {
		t.Errorf("GET /note after the edit = %d %q", code, body)
	}
	if _, body := get("/bindings"); !strings.Contains(body, "NOTES") || !strings.Contains(body, "DurableObjectNamespace") {
		t.Errorf("bindings page:\n%s", body)
	}
}
