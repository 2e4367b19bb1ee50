package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/jackc/pgx/v5"

	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/outposttest"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

// doFleetConfig is one node of a fleet running Durable Objects: ownership
// and storage in PostgreSQL, calls forwarded between the nodes.
const doFleetConfig = `
state_dir = "state"
instances = 2
[admin]
listen = "%ADMIN%"
token = "` + adminToken + `"
[ops]
listen = "%OPS%"
[durable_objects]
url = "%DSN%"
listen = "%DO%"
lease = "1s"
idle_timeout = "%IDLE%"
[[workers]]
name = "fleet-do"
dir = "%DIR%"
routes = ["do.test/*"]
vars = { NODE = "%NODE%" }
`

func startDOFleetNode(t *testing.T, dsn, node, idle string) *serveNode {
	t.Helper()
	cfg := strings.NewReplacer("%DSN%", dsn, "%NODE%", node, "%IDLE%", idle,
		"%DO%", fmt.Sprintf("127.0.0.1:%d", outposttest.FreePort(t)),
		"%DIR%", filepath.Join(outposttest.RepoRoot(), "testdata", "durable", "fleet")).Replace(doFleetConfig)
	return startServe(t, t.TempDir(), cfg)
}

// objectState is what testdata/durable/fleet's counter answers.
type objectState struct {
	Node        string `json:"node"`
	Instance    string `json:"instance"`
	Incarnation int    `json:"incarnation"`
	Hits        int    `json:"hits"`
	Count       int    `json:"count"`
}

func (n *serveNode) objectCall(t *testing.T, path string) objectState {
	t.Helper()
	code, body := n.hostGet("do.test", path)
	var s objectState
	if code != 200 || json.Unmarshal([]byte(body), &s) != nil {
		t.Fatalf("GET %s = %d %s\noutput:\n%s", path, code, body, n.Output())
	}
	return s
}

// TestDurableObjectsFleet runs two `outpost serve` nodes on one
// PostgreSQL: requests for one object through either node reach its one
// live instance (RPC and fetch() forwarded to the owner); then the owner
// is killed with SIGKILL during a burst of writes through both nodes: the
// object moves to the other node within seconds, every acknowledged write
// is in its storage, and no two instances ever ran it at once. Alarms run
// once, on the owner — also for objects whose owner died, which the other
// node's alarm poll takes over.
func TestDurableObjectsFleet(t *testing.T) {
	dsn := pgtest.DSN(t)
	a := startDOFleetNode(t, dsn, "a", "10m")
	b := startDOFleetNode(t, dsn, "b", "10m")

	// One instance, whichever node the request comes through.
	first := a.objectCall(t, "/inc/x")
	if first.Node != "a" || first.Count != 1 || first.Hits != 1 {
		t.Fatalf("first call = %+v", first)
	}
	for i := 2; i <= 6; i++ {
		via := a
		if i%2 == 0 {
			via = b
		}
		s := via.objectCall(t, "/inc/x")
		if s.Node != "a" || s.Instance != first.Instance || s.Hits != i || s.Count != i || s.Incarnation != first.Incarnation {
			t.Fatalf("call %d = %+v, want the instance of %+v with %d hits", i, s, first, i)
		}
	}
	// An object first reached through B lives on B, and A forwards to it.
	y := b.objectCall(t, "/inc/y")
	if y.Node != "b" {
		t.Fatalf("y = %+v, want it on b", y)
	}
	if s := a.objectCall(t, "/peek/y"); s.Node != "b" || s.Instance != y.Instance || s.Count != 1 {
		t.Errorf("y through a = %+v", s)
	}

	// An exception thrown by the object crosses the nodes with its class,
	// marked remote (and not retryable) as on Cloudflare, from an RPC
	// method and from fetch().
	for _, n := range []*serveNode{a, b} {
		if code, body := n.hostGet("do.test", "/fail/x"); code != 200 || body != `{"name":"RangeError","message":"counter overflow","isRangeError":true,"remote":true,"retryable":false}` {
			t.Errorf("/fail/x through %s = %d %s", n.URL, code, body)
		}
		if code, body := n.hostGet("do.test", "/throw/x"); code != 200 || body != `{"name":"TypeError","message":"fetch threw","remote":true,"retryable":false}` {
			t.Errorf("/throw/x through %s = %d %s", n.URL, code, body)
		}
	}
	// stub.fetch() is forwarded with its method, headers, body, status and
	// response headers.
	code, body := b.hostDo("POST", "do.test", "/echo/x", strings.NewReader("hello owner"))
	var echo struct {
		objectState
		Method, Path, Body string
	}
	if err := json.Unmarshal([]byte(body), &echo); code != 201 || err != nil || echo.Node != "a" || echo.Instance != first.Instance ||
		echo.Method != "POST" || echo.Path != "/echo/x" || echo.Body != "hello owner" {
		t.Errorf("/echo/x through b = %d %s", code, body)
	}

	// A WebSocket to the object through b is joined to the object on a.
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, strings.Replace(b.URL, "http", "ws", 1)+"/ws/x", &websocket.DialOptions{Host: "do.test"})
	if err != nil {
		t.Fatalf("WebSocket to x through b: %v\n%s", err, b.Output())
	}
	for _, msg := range []string{"one", "two"} {
		if err := ws.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
			t.Fatal(err)
		}
		_, got, err := ws.Read(ctx)
		if want := "a " + first.Instance + " " + msg + " sockets=1"; err != nil || string(got) != want {
			t.Errorf("WebSocket answer %q, %v; want %q", got, err, want)
		}
	}
	ws.Close(websocket.StatusNormalClosure, "done")

	// Alarms: x's (owned by a, written to during the burst below and so
	// taken over by b) and z's (owned by a, left alone: b's alarm poll
	// finds it without an owner and takes it over to run its alarm).
	if s := a.objectCall(t, "/inc/z"); s.Node != "a" {
		t.Fatalf("z = %+v, want it on a", s)
	}
	a.objectCall(t, "/arm/x?ms=8000")
	b.objectCall(t, "/arm/z?ms=8000")
	// y's alarm fires on y's owner, b, while both nodes run.
	a.objectCall(t, "/arm/y?ms=300")
	alarmRuns := func(n *serveNode, name string) string {
		_, body := n.hostGet("do.test", "/alarms/"+name)
		return body
	}
	if !waitFor(30*time.Second, func() bool { return alarmRuns(a, "y") != "[]" }) {
		t.Errorf("y's alarm did not run")
	}
	// s's alarm is running on a (for a minute) when a is killed: it runs
	// again on b, as a retry (at least once, as on Cloudflare); getAlarm()
	// is null inside alarm().
	if s := a.objectCall(t, "/inc/s"); s.Node != "a" {
		t.Fatalf("s = %+v, want it on a", s)
	}
	a.hostGet("do.test", "/slow/s?ms=100")
	slowLog := func(n *serveNode) string {
		_, body := n.hostGet("do.test", "/slowlog/s")
		return body
	}
	if !waitFor(30*time.Second, func() bool { return slowLog(b) == `["a:start:0:null"]` }) {
		t.Fatalf("s's slow alarm did not start on a: %s", slowLog(b))
	}

	// kill -9 of x's owner (a) during a burst of writes through both nodes.
	type ack struct {
		objectState
		at time.Time
	}
	var (
		mu      sync.Mutex
		acks    []ack
		failed  int
		stop    = make(chan struct{})
		wg      sync.WaitGroup
		killed  = make(chan struct{})
		afterOK = make(chan struct{}, 1)
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
			st, s, ok := tryGet(via, "/inc/x")
			if !ok || st != 200 {
				mu.Lock()
				failed++
				mu.Unlock()
				time.Sleep(20 * time.Millisecond)
				continue
			}
			var o objectState
			if json.Unmarshal([]byte(s), &o) != nil {
				t.Errorf("a malformed answer: %s", s)
				return
			}
			mu.Lock()
			acks = append(acks, ack{o, time.Now()})
			mu.Unlock()
			if o.Node == "b" {
				select {
				case afterOK <- struct{}{}:
				default:
				}
			}
		}
	}
	for range 2 {
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
	case <-afterOK:
		moved = time.Since(killedAt)
	case <-time.After(30 * time.Second):
		close(stop)
		wg.Wait()
		t.Fatalf("x did not move to b within 30 s of the kill\nb's output:\n%s", b.Output())
	}
	time.Sleep(time.Second) // more writes on the new owner
	close(stop)
	wg.Wait()
	t.Logf("%d writes acknowledged, %d refused or cut off; x moved to b %s after the kill", len(acks), failed, moved.Round(time.Millisecond))
	if moved > 10*time.Second {
		t.Errorf("x took %s to move", moved)
	}

	// No acknowledged write is lost: the final count holds them all.
	final := b.objectCall(t, "/peek/x")
	if final.Node != "b" {
		t.Errorf("after the kill x runs on %q", final.Node)
	}
	seen := map[int]bool{}
	byIncarnation := map[int][]int{}
	for _, k := range acks {
		if seen[k.Count] {
			t.Errorf("count %d was acknowledged twice: two instances wrote at once", k.Count)
		}
		seen[k.Count] = true
		if k.Count > final.Count {
			t.Errorf("acknowledged count %d is lost: the object holds %d", k.Count, final.Count)
		}
		byIncarnation[k.Incarnation] = append(byIncarnation[k.Incarnation], k.Count)
	}
	if len(acks) > final.Count-6 {
		t.Errorf("%d writes acknowledged in the burst, but the count rose by %d", len(acks), final.Count-6)
	}
	// One instance at a time: each incarnation's counts form a range that
	// no other incarnation's overlaps, in incarnation order.
	var incs []int
	for inc := range byIncarnation {
		incs = append(incs, inc)
	}
	sort.Ints(incs)
	prevMax := 0
	for _, inc := range incs {
		cs := byIncarnation[inc]
		sort.Ints(cs)
		if cs[0] <= prevMax {
			t.Errorf("incarnation %d wrote count %d after an earlier incarnation wrote %d: two instances ran at once", inc, cs[0], prevMax)
		}
		prevMax = cs[len(cs)-1]
	}
	if len(incs) < 2 || final.Incarnation <= first.Incarnation {
		t.Errorf("incarnations %v, final %d: the object did not start again on b", incs, final.Incarnation)
	}

	// Each alarm ran once, on the node that held the object.
	time.Sleep(500 * time.Millisecond)
	if got := alarmRuns(b, "y"); got != `["b"]` {
		t.Errorf("y's alarm runs: %s, want one on b", got)
	}
	want := `["a:start:0:null","b:start:1:null","b:done:1:null"]`
	if !waitFor(30*time.Second, func() bool { return slowLog(b) == want }) {
		t.Errorf("s's alarm, cut off by the kill: %s, want %s", slowLog(b), want)
	}

	// z: nothing but b's alarm poll can bring it back; PostgreSQL shows its
	// alarm taken (alarm_ms cleared under b's lease) before anyone asks.
	pctx := context.Background()
	conn, err := pgx.Connect(pctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(pctx)
	objectKey := func(name string) string { return "fleet-do/Counter/" + durable.IDFromName("fleet-do/Counter", name) }
	if !waitFor(30*time.Second, func() bool {
		var pending bool
		err := conn.QueryRow(pctx, `SELECT alarm_ms IS NOT NULL FROM outpost_do_objects WHERE object = $1`, objectKey("z")).Scan(&pending)
		return err == nil && !pending
	}) {
		t.Errorf("z's alarm was not taken over after its owner died")
	}
	for _, name := range []string{"x", "z"} {
		if !waitFor(30*time.Second, func() bool { return alarmRuns(b, name) != "[]" }) {
			t.Errorf("%s's alarm did not run after its owner died", name)
			continue
		}
		time.Sleep(time.Second)
		if got := alarmRuns(b, name); got != `["b"]` {
			t.Errorf("%s's alarm runs: %s, want one, on b", name, got)
		}
	}

	// The fencing token PostgreSQL holds for x rose with the move: a's
	// token is stale, so a paused a could never write again.
	var owner string
	var token int64
	if err := conn.QueryRow(pctx, `SELECT owner, token FROM outpost_do_objects WHERE object = $1`, objectKey("x")).Scan(&owner, &token); err != nil {
		t.Fatal(err)
	}
	if token < 2 || owner == "" {
		t.Errorf("x's lease: owner %q token %d, want a token past a's", owner, token)
	}
	t.Logf("x: incarnations %v, fencing token %d", incs, token)
}

// tryGet is hostGet for a node that may be gone.
func tryGet(n *serveNode, path string) (int, string, bool) {
	req, err := http.NewRequest("GET", n.URL+path, nil)
	if err != nil {
		return 0, "", false
	}
	req.Host = "do.test"
	resp, err := burstClient.Do(req)
	if err != nil {
		return 0, "", false
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, "", false
	}
	return resp.StatusCode, string(b), true
}

var burstClient = &http.Client{Timeout: 30 * time.Second}

// TestDurableObjectsIdleEviction: an object with no request for the idle
// timeout (1 s here; 70 s by default, as on Cloudflare) is evicted — its
// in-memory state is gone, its storage stays, the next request makes a
// new instance — and on a fleet it gives its lease up, so the next
// request through another node runs it there.
func TestDurableObjectsIdleEviction(t *testing.T) {
	dsn := pgtest.DSN(t)
	a := startDOFleetNode(t, dsn, "a", "1s")
	b := startDOFleetNode(t, dsn, "b", "1s")
	live := func(n *serveNode) float64 {
		v, _ := metric(n.metrics(), "outpost_durable_objects_live")
		return v
	}

	first := a.objectCall(t, "/inc/e")
	second := a.objectCall(t, "/inc/e")
	if first.Node != "a" || second.Instance != first.Instance || second.Hits != 2 || second.Count != 2 {
		t.Fatalf("before eviction: %+v then %+v", first, second)
	}
	if live(a) != 1 {
		t.Errorf("a has %v live objects, want 1", live(a))
	}
	if !waitFor(30*time.Second, func() bool { return live(a) == 0 }) {
		t.Fatalf("the idle object was not evicted from a\n%s", a.Output())
	}
	// Through b now: the lease is free, so b takes the object; its
	// in-memory state starts over, its storage is whole.
	after := b.objectCall(t, "/inc/e")
	if after.Node != "b" || after.Instance == first.Instance || after.Hits != 1 || after.Count != 3 || after.Incarnation != first.Incarnation+1 {
		t.Errorf("after eviction: %+v (before: %+v)", after, second)
	}
	if live(b) != 1 || live(a) != 0 {
		t.Errorf("live objects: a %v, b %v", live(a), live(b))
	}
	// Through a again while b holds it: forwarded, same instance.
	if s := a.objectCall(t, "/inc/e"); s.Node != "b" || s.Instance != after.Instance || s.Hits != 2 || s.Count != 4 {
		t.Errorf("through a: %+v", s)
	}
	// Evicted on b too; the next request through b makes a new instance
	// there (the same node: its in-memory state was dropped).
	if !waitFor(30*time.Second, func() bool { return live(b) == 0 }) {
		t.Fatalf("the idle object was not evicted from b\n%s", b.Output())
	}
	if s := b.objectCall(t, "/inc/e"); s.Node != "b" || s.Instance == after.Instance || s.Hits != 1 || s.Count != 5 {
		t.Errorf("after b's eviction: %+v", s)
	}
}
