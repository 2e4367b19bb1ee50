package dashboard

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/cron"
	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/kv"
	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/queue"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// fixture is a dashboard over a real node (SQLite KV, queues and Durable
// Object files in a temporary state directory) with one worker's bundle.
type fixture struct {
	t     *testing.T
	node  *platform.Node
	rec   *Recorder
	clock *cron.ManualClock
	srv   *httptest.Server
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	clock := cron.NewManualClock(time.Date(2026, 12, 7, 10, 2, 0, 0, time.UTC))
	node, err := platform.Open(context.Background(), platform.Options{StateDir: t.TempDir(), Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(node.Close)
	bundle := &platform.Bundle{
		Name:           "shop",
		Vars:           map[string]any{"GREETING": "hi", "LIMIT": int64(3)},
		KVNamespaces:   []platform.KVBinding{{Binding: "NOTES", ID: "notes-id"}},
		D1Databases:    []platform.D1Binding{{Binding: "DB", Database: "shop-db"}},
		R2Buckets:      []platform.R2Binding{{Binding: "FILES", Bucket: "shop-files"}},
		DurableObjects: []platform.DurableObjectBinding{{Binding: "CARTS", Class: "Cart"}},
		ObjectClasses:  map[string]bool{"Cart": false},
		QueueProducers: []platform.QueueProducerBinding{{Binding: "ORDERS", Queue: "orders"}},
		QueueConsumers: []platform.QueueConsumer{{Queue: "orders", MaxBatchSize: 10, MaxRetries: 3, DeadLetterQueue: "orders-dlq"}},
		Crons:          []string{"*/5 * * * *"},
	}
	rec := NewRecorder(100)
	d, err := New(Options{Node: node, Recorder: rec, StateDir: "/state",
		Workers: func() []Worker {
			return []Worker{{Name: "shop", Bundle: bundle, Secrets: []string{"API_KEY"}, Current: func() *runtime.Worker { return nil }}}
		}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(d)
	t.Cleanup(srv.Close)
	return &fixture{t: t, node: node, rec: rec, clock: clock, srv: srv}
}

// get fetches a dashboard page and returns its status and body.
func (f *fixture) get(path string) (int, string) {
	f.t.Helper()
	resp, err := http.Get(f.srv.URL + Path + path)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// post sends a form as the browser does (same origin) and returns where
// it redirected.
func (f *fixture) post(path string, form url.Values) *url.URL {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+Path+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", f.srv.URL)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("POST %s = %d, want 303", path, resp.StatusCode)
	}
	u, err := url.Parse(resp.Header.Get("Location"))
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

func TestKVPageEditsKeys(t *testing.T) {
	f := newFixture(t)
	ns := f.node.KV().Namespace("notes-id")
	ctx := context.Background()
	ns.Put(ctx, "user:1", []byte("ada"), kv.PutOptions{})
	ns.Put(ctx, "user:2", []byte("grace"), kv.PutOptions{})
	ns.Put(ctx, "order:9", []byte{0xff, 0x00}, kv.PutOptions{})

	// Browse and search.
	if code, body := f.get("/kv/?ns=notes-id"); code != 200 || !strings.Contains(body, "user:1") || !strings.Contains(body, "order:9") {
		t.Errorf("list = %d:\n%s", code, body)
	}
	_, body := f.get("/kv/?ns=notes-id&q=user:")
	if !strings.Contains(body, "user:2") || strings.Contains(body, "order:9") {
		t.Errorf("prefix search user: shows the wrong keys:\n%s", body)
	}
	_, body = f.get("/kv/?ns=notes-id&q=DER&mode=contains")
	if !strings.Contains(body, "order:9") || strings.Contains(body, "user:1") {
		t.Errorf("contains search DER shows the wrong keys:\n%s", body)
	}
	// A binary value is described, not put in an editable box.
	if _, body := f.get("/kv/?ns=notes-id&key=order:9"); !strings.Contains(body, "2 bytes of binary data") || !strings.Contains(body, "readonly") {
		t.Errorf("binary key page:\n%s", body)
	}

	// Edit with metadata and a TTL; the namespace has it.
	loc := f.post("/kv/put?ns=notes-id", url.Values{"key": {"user:1"}, "value": {"ada lovelace"}, "metadata": {`{"v":2}`}, "ttl": {"3600"}})
	if !strings.Contains(loc.Query().Get("flash"), `saved "user:1"`) {
		t.Errorf("put redirected to %s", loc)
	}
	res, err := ns.Get(ctx, "user:1", kv.GetOptions{})
	if err != nil || string(res.Value) != "ada lovelace" || string(res.Metadata) != `{"v":2}` || res.Expiration != f.clock.Now().Unix()+3600 {
		t.Errorf("after the edit: %+v %v", res, err)
	}
	if _, body := f.get("/kv/?ns=notes-id&key=user:1"); !strings.Contains(body, "ada lovelace") || !strings.Contains(body, "expires") {
		t.Errorf("key page after the edit:\n%s", body)
	}

	// KV's own limits come back as the message shown.
	loc = f.post("/kv/put?ns=notes-id", url.Values{"key": {"user:1"}, "value": {"x"}, "ttl": {"30"}})
	if e := loc.Query().Get("error"); !strings.Contains(e, "60") {
		t.Errorf("a TTL of 30 s gave error %q", e)
	}
	loc = f.post("/kv/put?ns=notes-id", url.Values{"key": {"user:1"}, "value": {"x"}, "metadata": {"{nope"}})
	if e := loc.Query().Get("error"); e != "metadata must be JSON" {
		t.Errorf("bad metadata gave error %q", e)
	}

	f.post("/kv/delete?ns=notes-id", url.Values{"key": {"user:2"}})
	if res, _ := ns.Get(ctx, "user:2", kv.GetOptions{}); res.Found {
		t.Error("user:2 is still there after delete")
	}
	if code, _ := f.get("/kv/?ns=other"); code != 404 {
		t.Errorf("an unbound namespace = %d, want 404", code)
	}
}

func TestRefusesOtherSites(t *testing.T) {
	f := newFixture(t)
	req, _ := http.NewRequest("POST", f.srv.URL+Path+"/kv/delete?ns=notes-id", strings.NewReader("key=a"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Origin", "https://evil.example")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("cross-site POST: %v %v", resp.StatusCode, err)
	}
	req, _ = http.NewRequest("GET", f.srv.URL+Path+"/", nil)
	req.Host = "attacker.example"
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 403 {
		t.Errorf("GET with a DNS name as Host: %v %v", resp.StatusCode, err)
	}
	for _, h := range []string{"localhost:8787", "127.0.0.1:8787", "[::1]:8787", "app.localhost:8787", "192.168.1.5:8787"} {
		if !localHost(h) {
			t.Errorf("localHost(%q) = false", h)
		}
	}
}

func TestBindingsPage(t *testing.T) {
	f := newFixture(t)
	_, body := f.get("/bindings")
	for _, want := range []string{"NOTES", "KVNamespace", "FILES", "R2Bucket", "bucket shop-files", "CARTS", "DurableObjectNamespace", "ORDERS", "queue orders", "GREETING", "&#34;hi&#34;", "API_KEY", "hidden"} {
		if !strings.Contains(body, want) {
			t.Errorf("bindings page lacks %s", want)
		}
	}
}

func TestQueuesPage(t *testing.T) {
	f := newFixture(t)
	b := f.node.Queues()
	ctx := context.Background()
	if err := b.Send(ctx, "orders", []queue.Outgoing{{Body: []byte(`{"id":1}`), ContentType: "json"}, {Body: []byte("plain"), ContentType: "text"}}, true, 0); err != nil {
		t.Fatal(err)
	}
	b.Send(ctx, "orders-dlq", []queue.Outgoing{{Body: []byte(`"dead"`), ContentType: "json"}}, false, 0)
	_, body := f.get("/queues/")
	for _, want := range []string{"orders", "dead letters of orders", "shop.ORDERS"} {
		if !strings.Contains(body, want) {
			t.Errorf("queues page lacks %q:\n%s", want, body)
		}
	}
	_, body = f.get("/queues/?queue=orders")
	if !strings.Contains(body, "{&#34;id&#34;:1}") || !strings.Contains(body, "plain") {
		t.Errorf("orders' messages are not shown:\n%s", body)
	}
	loc := f.post("/queues/purge?queue=orders", nil)
	if loc.Query().Get("flash") != "purged 2 messages from orders" {
		t.Errorf("purge redirected to %s", loc)
	}
	if st, _ := b.Store().Stats(ctx, "orders", b.Now()); len(st) != 0 && st[0].Messages != 0 {
		t.Errorf("after purge: %+v", st)
	}
}

func TestObjectsPage(t *testing.T) {
	f := newFixture(t)
	id := durable.IDFromName("shop/Cart", "alice")
	o, err := f.node.Objects().Object("shop", "Cart", id)
	if err != nil {
		t.Fatal(err)
	}
	packed := func(js string) []byte {
		b := binary.BigEndian.AppendUint32(nil, uint32(len(js)))
		b = binary.BigEndian.AppendUint32(b, 0)
		return append(b, js...)
	}
	if err := o.Put([]durable.Entry{{Key: "items", Value: packed(`3`)}, {Key: "owner", Value: packed(`"alice"`)}}); err != nil {
		t.Fatal(err)
	}
	_, body := f.get("/objects/")
	if !strings.Contains(body, id) {
		t.Errorf("objects page lacks the object %s:\n%s", id, body)
	}
	_, body = f.get("/objects/?worker=shop&class=Cart&id=" + id)
	if !strings.Contains(body, "items") || !strings.Contains(body, "&#34;alice&#34;") {
		t.Errorf("object page:\n%s", body)
	}
	f.post("/objects/delete?worker=shop&class=Cart&id="+id, url.Values{"key": {"items"}})
	if keys, _ := o.Keys(); len(keys) != 1 || keys[0] != "owner" {
		t.Errorf("keys after delete: %v", keys)
	}
	if code, _ := f.get("/objects/?worker=shop&class=Cart&id=nothex"); code != 400 {
		t.Errorf("a bad id = %d, want 400", code)
	}
}

func TestCronsPage(t *testing.T) {
	f := newFixture(t)
	f.rec.Scheduled("shop", "*/5 * * * *", f.clock.Now(), 12*time.Millisecond, nil)
	_, body := f.get("/crons")
	// The clock says 10:02 UTC: the next runs are 10:05, 10:10, 10:15.
	for _, at := range []int{5, 10, 15} {
		want := time.Date(2026, 12, 7, 10, at, 0, 0, time.UTC).Local().Format("2006-01-02 15:04:05")
		if !strings.Contains(body, want) {
			t.Errorf("crons page lacks the next run %s:\n%s", want, body)
		}
	}
	if !strings.Contains(body, `class="outcome ok"`) || !strings.Contains(body, "Run now") {
		t.Errorf("crons page lacks the last run or the button:\n%s", body)
	}
}

func TestRequestLog(t *testing.T) {
	f := newFixture(t)
	// A stand-in for the worker's handler: a console line and a
	// subrequest while it is the only request in flight.
	worker := f.rec.Wrap("shop", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.rec.Console("shop", "log", "hello from "+r.URL.Path)
		sub, _ := http.NewRequest("GET", "https://api.example/v1", nil)
		f.rec.Subrequest("shop", sub, &http.Response{StatusCode: 204}, nil, time.Millisecond)
		if r.URL.Path == "/fail" {
			f.rec.Finish(r.Context(), runtime.OutcomeException, &runtime.ScriptError{Name: "TypeError", Message: "x is undefined", Stack: "fetch@src/index.ts:3:9"})
			w.WriteHeader(500)
			return
		}
		w.WriteHeader(201)
	}))
	app := httptest.NewServer(worker)
	defer app.Close()

	// The live log: rendered rows as Server-Sent Events.
	resp, err := http.Get(f.srv.URL + Path + "/requests/events")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("events Content-Type = %q", ct)
	}
	events := bufio.NewReader(resp.Body)
	http.Get(app.URL + "/fail")
	var data strings.Builder
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) && !strings.Contains(data.String(), "x is undefined") {
		line, err := events.ReadString('\n')
		if err != nil {
			t.Fatal(err)
		}
		data.WriteString(strings.TrimPrefix(line, "data: "))
	}
	for _, want := range []string{`id="req-1"`, "/fail", "500", "TypeError: x is undefined", "fetch@src/index.ts:3:9", "hello from /fail", "https://api.example/v1"} {
		if !strings.Contains(data.String(), want) {
			t.Errorf("live rows lack %q:\n%s", want, data.String())
		}
	}

	http.Get(app.URL + "/ok")
	var reqs []Request
	_, body := f.get("/requests/requests.json")
	if err := json.Unmarshal([]byte(body), &reqs); err != nil || len(reqs) != 2 {
		t.Fatalf("requests.json = %s (%v)", body, err)
	}
	ok := reqs[1]
	if ok.Path != "/ok" || ok.Status != 201 || ok.Outcome != "ok" || len(ok.Console) != 1 || len(ok.Subrequests) != 1 || ok.Subrequests[0].Status != 204 {
		t.Errorf("the /ok record: %+v", ok)
	}
	if code, body := f.get("/"); code != 200 || !strings.Contains(body, "/ok") || !strings.Contains(body, "/fail") {
		t.Errorf("the log page = %d:\n%s", code, body)
	}
	var points []Point
	_, body = f.get("/requests/series")
	if err := json.Unmarshal([]byte(body), &points); err != nil || len(points) != chartWindow {
		t.Fatalf("series: %v, %d points", err, len(points))
	}
	total, errs := 0, 0
	for _, p := range points {
		total += p.Count
		errs += p.Errors
	}
	if total != 2 || errs != 1 {
		t.Errorf("series counts %d requests, %d errors; want 2, 1", total, errs)
	}

	// A console line while no request runs stands on its own.
	f.rec.Console("shop", "warn", "from waitUntil")
	if _, lines := f.rec.Recent(); len(lines) != 1 || lines[0].Line.Text != "from waitUntil" {
		t.Errorf("lines of no request: %+v", lines)
	}
}

func TestD1Page(t *testing.T) {
	f := newFixture(t)
	db, err := f.node.D1().Open("shop-db")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(context.Background(), "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO items (name) VALUES ('apple'), ('pear');"); err != nil {
		t.Fatal(err)
	}
	_, body := f.get("/d1/")
	if !strings.Contains(body, "shop.DB") || !strings.Contains(body, ">items</a></td><td>table</td><td>2</td>") {
		t.Errorf("D1 page lacks the items table with 2 rows:\n%s", body)
	}
	if _, body := f.get("/d1/?db=shop-db&table=items"); !strings.Contains(body, "<td>pear</td>") {
		t.Errorf("the items table's rows are not shown:\n%s", body)
	}
	// The console runs a script; the last statement's rows are shown.
	form := url.Values{"sql": {"INSERT INTO items (name) VALUES ('plum'); SELECT name FROM items WHERE name = 'plum'"}}
	req, _ := http.NewRequest("POST", f.srv.URL+Path+"/d1/?db=shop-db", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "<td>plum</td>") || !strings.Contains(string(b), "1 changes") {
		t.Errorf("the console's result:\n%s", b)
	}
	// D1's errors are shown, not a crash.
	form = url.Values{"sql": {"SELECT * FROM nope"}}
	req, _ = http.NewRequest("POST", f.srv.URL+Path+"/d1/?db=shop-db", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, _ = http.DefaultClient.Do(req)
	b, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if !strings.Contains(string(b), "no such table: nope") {
		t.Errorf("the error of a bad query is not shown:\n%s", b)
	}
	if code, _ := f.get("/d1/?db=other"); code != 404 {
		t.Errorf("an unbound database = %d, want 404", code)
	}
}

func TestCachePage(t *testing.T) {
	f := newFixture(t)
	store := f.node.Cache()
	put := func(u string) {
		req := cache.Request{Method: "GET", URL: u, Header: http.Header{}}
		resp := cache.Response{Status: 200, Header: http.Header{"Cache-Control": {"max-age=3600"}}, Body: io.NopCloser(strings.NewReader("cached"))}
		if err := store.Put("default", req, resp); err != nil {
			t.Fatal(err)
		}
	}
	put("https://shop.example/a")
	put("https://shop.example/b")
	loc := f.post("/cache/", url.Values{"urls": {"https://shop.example/a\n"}})
	if loc.Query().Get("flash") != "purged 1 cache entries" {
		t.Errorf("purge by URL redirected to %s", loc)
	}
	if _, ok, _ := store.Match("default", cache.Request{Method: "GET", URL: "https://shop.example/b", Header: http.Header{}}, cache.MatchOptions{}); !ok {
		t.Error("purging /a removed /b")
	}
	loc = f.post("/cache/", url.Values{})
	if loc.Query().Get("error") == "" {
		t.Errorf("an empty purge redirected to %s", loc)
	}
	loc = f.post("/cache/", url.Values{"everything": {"1"}})
	if loc.Query().Get("flash") != "purged 1 cache entries" {
		t.Errorf("purge everything redirected to %s", loc)
	}
}

// The cost the recorder adds to a request (under outpost serve it runs for
// every request when the admin token is set).
func BenchmarkRecorderRequest(b *testing.B) {
	rc := NewRecorder(500)
	r := httptest.NewRequest("GET", "/items?page=2", nil)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			req := rc.Begin("shop", r)
			rc.Console("shop", "log", "hello")
			rc.End(req, 200, time.Millisecond)
		}
	})
}

func TestRecorderKeepsTheLast(t *testing.T) {
	rc := NewRecorder(3)
	for i := 1; i <= 5; i++ {
		req := rc.Begin("shop", httptest.NewRequest("GET", fmt.Sprintf("/%d", i), nil))
		rc.End(req, 200, time.Millisecond)
	}
	reqs, _ := rc.Recent()
	var paths []string
	for _, r := range reqs {
		paths = append(paths, r.Path)
	}
	if strings.Join(paths, " ") != "/3 /4 /5" {
		t.Errorf("kept %v, want the last three, oldest first", paths)
	}
}
