package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/outpost-dev/outpost/internal/outposttest"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

// d1FleetConfig is one node of a fleet serving testdata/projects/d1-fleet:
// its D1 database is an object of the Durable Objects fleet.
const d1FleetConfig = `
state_dir = "state"
[admin]
listen = "%ADMIN%"
token = "` + adminToken + `"
[durable_objects]
url = "%DSN%"
listen = "%DO%"
lease = "1s"
[[workers]]
name = "d1-fleet"
dir = "%DIR%"
routes = ["d1.test/*"]
vars = { NODE = "%NODE%" }
`

// startD1FleetNode starts a node; fleetAddr is its node-to-node listener.
func startD1FleetNode(t *testing.T, dsn, node string) (n *serveNode, fleetAddr string) {
	t.Helper()
	fleetAddr = fmt.Sprintf("127.0.0.1:%d", outposttest.FreePort(t))
	cfg := strings.NewReplacer("%DSN%", dsn, "%NODE%", node, "%DO%", fleetAddr,
		"%DIR%", filepath.Join(outposttest.RepoRoot(), "testdata", "projects", "d1-fleet")).Replace(d1FleetConfig)
	return startServe(t, t.TempDir(), cfg), fleetAddr
}

// d1Call sends a request to the d1-fleet worker through n and decodes its
// JSON answer.
func d1Call(t *testing.T, n *serveNode, method, path, body string, out any) {
	t.Helper()
	code, s := n.hostDo(method, "d1.test", path, strings.NewReader(body))
	if code != 200 || json.Unmarshal([]byte(s), out) != nil {
		t.Fatalf("%s %s = %d %s\noutput:\n%s", method, path, code, s, n.Output())
	}
}

// d1CLI runs `outpost d1 … --remote` in the project against a node's
// admin API.
func d1CLI(t *testing.T, n *serveNode, args ...string) string {
	t.Helper()
	dir := filepath.Join(outposttest.RepoRoot(), "testdata", "projects", "d1-fleet")
	out, code := outposttest.RunEnv(t, dir, []string{"OUTPOST_URL=" + n.admin, "OUTPOST_ADMIN_TOKEN=" + adminToken},
		append(append([]string{"d1"}, args...), "--remote")...)
	if code != 0 {
		t.Fatalf("outpost d1 %s --remote: exit %d\n%s", strings.Join(args, " "), code, out)
	}
	return out
}

type d1Note struct {
	ID   int64  `json:"id"`
	Body string `json:"body"`
	Node string `json:"node"`
}

type d1Notes struct {
	Node     string   `json:"node"`
	Notes    []d1Note `json:"notes"`
	Bookmark string   `json:"bookmark"`
}

// TestD1ServeRemote: `outpost d1 --remote` on one `outpost serve` node
// without a fleet, where the database is a file under its state_dir.
func TestD1ServeRemote(t *testing.T) {
	cfg := strings.NewReplacer("%DIR%", filepath.Join(outposttest.RepoRoot(), "testdata", "projects", "d1-fleet")).Replace(`
state_dir = "state"
[admin]
listen = "%ADMIN%"
token = "` + adminToken + `"
[[workers]]
name = "d1-fleet"
dir = "%DIR%"
routes = ["d1.test/*"]
vars = { NODE = "solo" }
`)
	dir := t.TempDir()
	n := startServe(t, dir, cfg)
	d1CLI(t, n, "migrations", "apply", "DB")
	var w struct{ ID int64 }
	d1Call(t, n, "POST", "/note", "solo note", &w)
	out := d1CLI(t, n, "execute", "fleet-db", "--command", "SELECT body FROM notes", "--json")
	if !strings.Contains(out, `"body":"solo note"`) {
		t.Errorf("execute --remote:\n%s", out)
	}
	if out := d1CLI(t, n, "list"); !strings.Contains(out, filepath.Join("state", "d1")) {
		t.Errorf("list --remote:\n%s", out)
	}
	if _, err := os.Stat(filepath.Join(dir, "state", "d1", "fleet-db.sqlite")); err != nil {
		t.Errorf("the database file: %v", err)
	}
}

// TestD1Fleet runs two `outpost serve` nodes on one PostgreSQL with a D1
// database: migrations applied by the CLI through the admin API, writes
// through either node, a read with a session's bookmark through the other
// node sees them; then the owner is killed with SIGKILL during a burst of
// inserts through both nodes, and every acknowledged insert is in the
// database once it moved to the surviving node.
func TestD1Fleet(t *testing.T) {
	dsn := pgtest.DSN(t)
	a, aFleet := startD1FleetNode(t, dsn, "a")
	b, _ := startD1FleetNode(t, dsn, "b")

	// The CLI against the fleet: the server lists the database, migrations
	// apply through a (which takes the database's lease).
	if out := d1CLI(t, a, "list"); !strings.Contains(out, "fleet-db") || !strings.Contains(out, "d1-fleet.DB") || !strings.Contains(out, "fleet") {
		t.Errorf("d1 list --remote:\n%s", out)
	}
	if out := d1CLI(t, a, "migrations", "apply", "DB"); !strings.Contains(out, "0001_init.sql") || !strings.Contains(out, "✅") {
		t.Fatalf("migrations apply --remote:\n%s", out)
	}
	if out := d1CLI(t, b, "migrations", "list", "fleet-db"); !strings.Contains(out, "No migrations to apply") {
		t.Errorf("migrations list --remote through b:\n%s", out)
	}

	// Writes through either node; each read with the writer's bookmark,
	// through the other node, sees the write.
	var bookmark string
	for i, pair := range [][2]*serveNode{{b, a}, {a, b}, {b, b}, {a, a}} {
		var w struct {
			Node     string `json:"node"`
			ID       int64  `json:"id"`
			Bookmark string `json:"bookmark"`
		}
		d1Call(t, pair[0], "POST", "/note", fmt.Sprintf("note %d", i), &w)
		if w.Bookmark == "" || w.Bookmark <= bookmark {
			t.Fatalf("write %d: bookmark %q after %q", i, w.Bookmark, bookmark)
		}
		bookmark = w.Bookmark
		var r d1Notes
		d1Call(t, pair[1], "GET", "/notes?bookmark="+url.QueryEscape(w.Bookmark), "", &r)
		if len(r.Notes) != i+1 || r.Notes[i].ID != w.ID || r.Notes[i].Body != fmt.Sprintf("note %d", i) || r.Notes[i].Node != w.Node {
			t.Fatalf("read through %s with the bookmark of write %d through %s: %+v", r.Node, i, w.Node, r)
		}
		if r.Bookmark < w.Bookmark {
			t.Errorf("the reading session's bookmark %q is older than the one it started from %q", r.Bookmark, w.Bookmark)
		}
	}

	// A batch through the node that does not own the database stays
	// atomic; D1's error crosses the nodes with its message.
	var batch struct {
		Error string `json:"error"`
		Never int    `json:"never"`
	}
	d1Call(t, b, "GET", "/batch", "", &batch)
	if !strings.HasPrefix(batch.Error, "D1_ERROR: no such table: no_such_table") || batch.Never != 0 {
		t.Errorf("a failing batch through b: %+v", batch)
	}
	// Values keep their types across the forward.
	var types struct {
		Row map[string]any `json:"row"`
		Raw [][]any        `json:"raw"`
	}
	d1Call(t, b, "GET", "/types", "", &types)
	if got, _ := json.Marshal(types.Row); string(got) != `{"b":[1,2,255],"big":9007199254740992,"f":1.5,"i":42,"inf":true,"s":"text ✓"}` {
		t.Errorf("types through b: %s", got)
	}
	if got, _ := json.Marshal(types.Raw); string(got) != `[["one","two"],[1,"x"]]` {
		t.Errorf("raw through b: %s", got)
	}
	var ex struct{ Count int }
	d1Call(t, b, "POST", "/exec", "CREATE TABLE IF NOT EXISTS scratch (x);\nINSERT INTO scratch VALUES (1);", &ex)
	if ex.Count != 2 {
		t.Errorf("exec through b: %+v", ex)
	}

	// The CLI through b runs on the owner, a.
	out := d1CLI(t, b, "execute", "DB", "--command", "SELECT count(*) AS c FROM notes", "--json")
	if !strings.Contains(out, `"c":4`) {
		t.Errorf("execute --remote through b:\n%s", out)
	}
	if out := d1CLI(t, b, "info", "DB", "--json"); !strings.Contains(out, `"num_tables": 4`) || !strings.Contains(out, `"bookmark": "`) {
		t.Errorf("info --remote through b:\n%s", out)
	}
	dump := filepath.Join(t.TempDir(), "dump.sql")
	d1CLI(t, b, "export", "DB", "--output", dump, "--table", "notes")
	if data, err := os.ReadFile(dump); err != nil || !strings.Contains(string(data), "INSERT INTO \"notes\"") || !strings.Contains(string(data), "note 3") {
		t.Errorf("export --remote: %v\n%s", err, data)
	}

	// The admin API reaches only databases a worker binds; the node-to-node
	// route wants the fleet's token.
	for _, c := range []struct {
		url, token string
		code       int
		want       string
	}{
		{a.admin + "/admin/d1/other-db/exec", adminToken, 422, "no worker on this server binds a D1 database named"},
		{"http://" + aFleet + "/outpost/d1/v1/fleet-db/exec", "wrong-token-0123456789", 401, "a valid fleet token is required"},
	} {
		req, _ := http.NewRequest("POST", c.url, strings.NewReader(`{"sql":"SELECT 1"}`))
		req.Header.Set("Authorization", "Bearer "+c.token)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != c.code || !strings.Contains(string(body), c.want) {
			t.Errorf("POST %s = %d %s", c.url, resp.StatusCode, body)
		}
	}

	// One node holds the database: the one the migrations went through.
	ownerBefore, tokenBefore := d1Owner(t, dsn)

	// kill -9 of the owner (a) in a burst of inserts through both nodes.
	var (
		mu     sync.Mutex
		acked  = map[int]string{}
		failed int
		next   int
		stop   = make(chan struct{})
		killed = make(chan struct{})
		onB    = make(chan struct{}, 1)
		wg     sync.WaitGroup
	)
	burst := func(via *serveNode, stopAtKill bool) {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			if stopAtKill {
				select {
				case <-killed:
					return
				default:
				}
			}
			mu.Lock()
			n := next
			next++
			mu.Unlock()
			code, s, ok := tryHost(via, "d1.test", fmt.Sprintf("/insert?n=%d", n))
			var r struct {
				Node string `json:"node"`
				N    int    `json:"n"`
			}
			if !ok || code != 200 || json.Unmarshal([]byte(s), &r) != nil || r.N != n {
				mu.Lock()
				failed++
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
				continue
			}
			mu.Lock()
			acked[n] = r.Node
			mu.Unlock()
			select {
			case <-killed:
				select {
				case onB <- struct{}{}:
				default:
				}
			default:
			}
		}
	}
	for range 4 {
		wg.Add(2)
		go burst(a, true)
		go burst(b, false)
	}
	time.Sleep(1500 * time.Millisecond)
	a.Kill()
	killedAt := time.Now()
	close(killed)
	var moved time.Duration
	select {
	case <-onB:
		moved = time.Since(killedAt)
	case <-time.After(30 * time.Second):
		close(stop)
		wg.Wait()
		t.Fatalf("no insert succeeded through b within 30 s of the kill\nb's output:\n%s", b.Output())
	}
	time.Sleep(time.Second) // more inserts on the new owner
	close(stop)
	wg.Wait()
	t.Logf("%d inserts acknowledged, %d refused or cut off; the database answered through b %s after the kill",
		len(acked), failed, moved.Round(time.Millisecond))

	// Every acknowledged insert is stored; read with the CLI through b,
	// which now owns the database.
	out = d1CLI(t, b, "execute", "DB", "--command", "SELECT n FROM burst ORDER BY n", "--json")
	var res []struct {
		Results []struct {
			N int `json:"n"`
		} `json:"results"`
	}
	if err := json.Unmarshal([]byte(out), &res); err != nil || len(res) != 1 {
		t.Fatalf("execute --json: %v\n%s", err, out)
	}
	stored := map[int]bool{}
	for _, r := range res[0].Results {
		stored[r.N] = true
	}
	lost := 0
	for n := range acked {
		if !stored[n] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d acknowledged inserts are missing after the owner was killed (%d rows stored)", lost, len(acked), len(stored))
	}
	if len(acked) < 20 {
		t.Errorf("only %d inserts were acknowledged: the burst did not run", len(acked))
	}
	if owner, token := d1Owner(t, dsn); owner == ownerBefore || token <= tokenBefore {
		t.Errorf("after the kill the database is owned by %s (token %d); before, by %s (token %d)", owner, token, ownerBefore, tokenBefore)
	}
	// Earlier writes survived the move too.
	var r d1Notes
	d1Call(t, b, "GET", "/notes?bookmark="+url.QueryEscape(bookmark), "", &r)
	if len(r.Notes) != 4 {
		t.Errorf("after the move: %+v", r)
	}
}

// tryHost is a GET for host through n that reports failures instead of
// failing the test (requests in flight when a node is killed fail).
func tryHost(n *serveNode, host, path string) (int, string, bool) {
	req, err := http.NewRequest("GET", n.URL+path, nil)
	if err != nil {
		return 0, "", false
	}
	req.Host = host
	resp, err := burstClient.Do(req)
	if err != nil {
		return 0, "", false
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", false
	}
	return resp.StatusCode, string(body), true
}

// d1Owner is the node holding the lease of the fleet's one D1 database,
// and its fencing token.
func d1Owner(t *testing.T, dsn string) (string, int64) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var owner string
	var token, n int64
	err = conn.QueryRow(ctx, `SELECT count(*) OVER (), owner, token FROM outpost_do_objects
		WHERE object LIKE '$d1/%' AND owner IS NOT NULL AND expires_at > clock_timestamp()`).Scan(&n, &owner, &token)
	if err != nil || n != 1 {
		t.Fatalf("the D1 database's lease: %d holders, %v", n, err)
	}
	return owner, token
}
