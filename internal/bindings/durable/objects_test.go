package durablebinding

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/durable/fleet"
	"github.com/outpost-dev/outpost/internal/durable/forward"
	"github.com/outpost-dev/outpost/internal/pgtest"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// counterScript answers GET /NAME with "node instance count": the node
// from env, the live instance (in memory only) and the stored count.
const counterScript = `
const { DurableObject } = globalThis.__outpost_builtin("cloudflare:workers");
class Counter extends DurableObject {
  instance = crypto.randomUUID();
  async increment() {
    const n = ((await this.ctx.storage.get("n")) ?? 0) + 1;
    await this.ctx.storage.put("n", n);
    return this.env.NODE + " " + this.instance + " " + n;
  }
}
globalThis.__outpost_entry = {
  Counter,
  default: {
    async fetch(request, env) {
      const name = new URL(request.url).pathname.slice(1);
      return new Response(await env.COUNTER.getByName(name).increment());
    },
  },
};
`

// workerSet is the Workers of one test node.
type workerSet map[string]*runtime.Worker

func (s workerSet) Lookup(name string) *runtime.Worker { return s[name] }

// testNode is one node: its Objects and the worker "w" running Counter.
type testNode struct {
	objects *Objects
	worker  *runtime.Worker
}

func startNode(t *testing.T, name string, cfg ObjectsConfig) *testNode {
	t.Helper()
	workers := workerSet{}
	cfg.Workers = workers
	cfg.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	objs := NewObjects(cfg)
	t.Cleanup(objs.Close)
	classes := func(string) map[string]bool { return map[string]bool{"Counter": true} }
	w, err := runtime.NewWorker(&runtime.Config{
		Name:   "w",
		Script: runtime.Script{Code: counterScript, URL: "w.js", Modules: true},
		Bindings: runtime.Bindings{
			Vars:    map[string]any{"NODE": name},
			Objects: map[string]runtime.Binding{"COUNTER": Namespace{Script: "w", Class: "Counter", Workers: workers, Objects: objs}},
		},
		Host: &runtime.Host{Console: func(_, level, text string) { t.Logf("%s console.%s: %s", name, level, text) },
			Extensions: []runtime.Extension{Extension(objs, classes)}},
	}, 2)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(time.Second) })
	workers["w"] = w
	return &testNode{objects: objs, worker: w}
}

// get sends GET /name through the node's worker: "node instance count".
func (n *testNode) get(t *testing.T, name string) []string {
	resp, err := n.worker.Fetch(context.Background(), &runtime.Request{Method: "GET", URL: "http://do.test/" + name, Header: http.Header{}})
	if err != nil {
		t.Error(err)
		return nil
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	f := strings.Fields(string(b))
	if resp.Status != 200 || len(f) != 3 {
		t.Errorf("GET /%s = %d %s", name, resp.Status, b)
		return nil
	}
	return f
}

// An object idle for the idle timeout leaves memory and keeps its
// storage; a new instance takes its place on the next request.
func TestObjectsIdleEviction(t *testing.T) {
	store := durable.NewStore(t.TempDir())
	t.Cleanup(store.Close)
	n := startNode(t, "one", ObjectsConfig{Store: store, IdleTimeout: 100 * time.Millisecond})
	first := n.get(t, "a")
	if again := n.get(t, "a"); again == nil || again[1] != first[1] || again[2] != "2" {
		t.Fatalf("a second request reached %v, after %v", again, first)
	}
	deadline := time.Now().Add(20 * time.Second)
	for n.objects.Live() != 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n.objects.Live() != 0 {
		t.Fatal("the idle object was not evicted")
	}
	if after := n.get(t, "a"); after == nil || after[1] == first[1] || after[2] != "3" {
		t.Errorf("after eviction: %v (before: %v)", after, first)
	}
}

// Two nodes on one PostgreSQL, the calls of each forwarded to the other
// as needed: concurrent requests through both reach one instance and no
// increment is lost or doubled; a lost lease drops the object, which the
// next request opens again from PostgreSQL. Run with -race.
func TestObjectsOnTwoNodes(t *testing.T) {
	dsn := pgtest.DSN(t)
	const token = "fleet-token-0123456789"
	start := func(name string) *testNode {
		pool, err := pgxpool.New(context.Background(), dsn)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		var objs *Objects
		srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			forward.Handler(token, objs).ServeHTTP(w, r)
		}))
		fn, err := fleet.Start(context.Background(), fleet.Config{Pool: pool, Node: name, Addr: srv.Listener.Addr().String(), LeaseTTL: time.Second,
			OnLost: func(object string, _ int64) { objs.Lost(object) }})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fn.Close(context.Background()) })
		store := fn.Store(t.TempDir())
		t.Cleanup(store.Close)
		n := startNode(t, name, ObjectsConfig{Store: store, Remote: &forward.Client{Token: token}, IdleTimeout: time.Hour})
		objs = n.objects
		srv.Start()
		t.Cleanup(srv.Close)
		return n
	}
	a, b := start("a"), start("b")

	var mu sync.Mutex
	seen := map[string]bool{}
	instances := map[string]bool{}
	var wg sync.WaitGroup
	for i := range 8 {
		via := a
		if i%2 == 1 {
			via = b
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 10 {
				f := via.get(t, "shared")
				if f == nil {
					return
				}
				mu.Lock()
				if seen[f[2]] {
					t.Errorf("count %s was answered twice", f[2])
				}
				seen[f[2]] = true
				instances[f[0]+" "+f[1]] = true
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	if len(seen) != 80 || !seen["80"] || len(instances) != 1 {
		t.Fatalf("%d distinct counts, instances %v", len(seen), instances)
	}
	var owner *testNode
	for inst := range instances {
		owner = a
		if strings.HasPrefix(inst, "b ") {
			owner = b
		}
	}

	// The owner loses the lease: the object is dropped there, and the next
	// request (through either node) opens it again, with its storage.
	owner.objects.Lost(fleet.ObjectKey("w", "Counter", durable.IDFromName("w/Counter", "shared")))
	deadline := time.Now().Add(20 * time.Second)
	for owner.objects.Live() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	f := b.get(t, "shared")
	if f == nil || f[2] != "81" || instances[f[0]+" "+f[1]] {
		t.Errorf("after the lost lease: %v (before: %v)", f, instances)
	}
	if f := a.get(t, "shared"); f == nil || f[2] != "82" {
		t.Errorf("then through a: %v", f)
	}
}

// The output gate holds an object's fetch() until the writes made before
// it are durable: the origin never sees a request that depends on a write
// a crash could still lose.
func TestObjectsFetchWaitsForWrites(t *testing.T) {
	store := durable.NewStore(t.TempDir())
	t.Cleanup(store.Close)
	var seen, early atomic.Int64
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seen.Add(1)
		o, err := store.Object("w", "Writer", r.URL.Query().Get("id"))
		if err != nil {
			t.Error(err)
		} else if !o.Durable() {
			early.Add(1)
		}
		io.WriteString(w, "ok")
	}))
	defer origin.Close()
	workers := workerSet{}
	objs := NewObjects(ObjectsConfig{Store: store, Workers: workers, Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	t.Cleanup(objs.Close)
	w, err := runtime.NewWorker(&runtime.Config{
		Name: "w",
		Script: runtime.Script{Code: `
const { DurableObject } = globalThis.__outpost_builtin("cloudflare:workers");
class Writer extends DurableObject {
  async write(i) {
    this.ctx.storage.put("k" + i, "x".repeat(1000));
    const res = await fetch(this.env.ORIGIN + "?id=" + this.ctx.id.toString());
    return res.text();
  }
}
globalThis.__outpost_entry = {
  Writer,
  default: {
    async fetch(request, env) {
      const i = new URL(request.url).pathname.slice(1);
      return new Response(await env.WRITER.getByName("one").write(i));
    },
  },
};`, URL: "w.js", Modules: true},
		Bindings: runtime.Bindings{
			Vars:    map[string]any{"ORIGIN": origin.URL},
			Objects: map[string]runtime.Binding{"WRITER": Namespace{Script: "w", Class: "Writer", Workers: workers, Objects: objs}},
		},
		Host: &runtime.Host{Console: func(_, level, text string) { t.Logf("console.%s: %s", level, text) },
			Extensions: []runtime.Extension{Extension(objs, func(string) map[string]bool { return map[string]bool{"Writer": true} })}},
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(time.Second) })
	workers["w"] = w
	// One request at a time: the writes at the origin's check are the
	// request's own.
	for i := range 20 {
		resp, err := w.Fetch(context.Background(), &runtime.Request{Method: "GET", URL: fmt.Sprintf("http://do.test/%d", i), Header: http.Header{}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(b) != "ok" {
			t.Fatalf("GET /%d = %s", i, b)
		}
	}
	if seen.Load() != 20 || early.Load() != 0 {
		t.Fatalf("the origin saw %d requests, %d of them before the writes they follow were durable", seen.Load(), early.Load())
	}
}
