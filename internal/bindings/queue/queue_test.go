package queuebinding

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/queue"
	queuesqlite "github.com/outpost-dev/outpost/internal/queue/sqlite"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// worker starts a worker with a producer JOBS (queue "jobs") over a
// SQLite store and returns it with the broker.
func worker(t *testing.T, code string, modules bool, contentType string) (*runtime.Worker, *queue.Broker) {
	t.Helper()
	store, err := queuesqlite.Open(filepath.Join(t.TempDir(), "q.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	b := queue.NewBroker(store, queue.Options{})
	w, err := runtime.NewWorker(&runtime.Config{
		Name:   "test",
		Script: runtime.Script{Code: code, URL: "test.js", Modules: modules},
		Bindings: runtime.Bindings{Objects: map[string]runtime.Binding{
			"JOBS": Producer{Broker: b, Queue: "jobs", DefaultContentType: contentType},
		}},
		Host: &runtime.Host{Console: func(worker, level, text string) { t.Logf("console.%s: %s", level, text) }, Extensions: []runtime.Extension{Extension()}},
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(5 * time.Second) })
	return w, b
}

func get(t *testing.T, w *runtime.Worker, path string) string {
	t.Helper()
	resp, err := w.Fetch(context.Background(), &runtime.Request{Method: "GET", URL: "http://x" + path, Header: http.Header{}})
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// deliver leases every ready message of queue and runs it on w.
func deliver(t *testing.T, w *runtime.Worker, b *queue.Broker, name string) (queue.Result, error, []queue.Message) {
	t.Helper()
	now := b.Now()
	msgs, err := b.Store().Lease(context.Background(), name, 100, now.Add(time.Hour), now.Add(2*time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	res, derr := Deliverer(func() *runtime.Worker { return w })(context.Background(), queue.Batch{Queue: name, Messages: msgs})
	return res, derr, msgs
}

const moduleWorker = `
const seen = [];
function describe(v) {
  if (v instanceof Uint8Array) return "Uint8Array[" + Array.from(v).join(",") + "]";
  if (v instanceof Date) return "Date " + v.toISOString();
  if (v instanceof Map) return "Map " + JSON.stringify([...v]);
  return typeof v + " " + JSON.stringify(v);
}
async function errorOf(f) {
  try { await f(); return "no error"; } catch (e) { return e.name + ": " + e.message; }
}
globalThis.__outpost_entry = { default: {
  async fetch(req, env) {
    const path = new URL(req.url).pathname;
    if (path === "/send") {
      await env.JOBS.send({ a: 1 });
      await env.JOBS.send("plain", { contentType: "text" });
      await env.JOBS.send(new Uint8Array([1, 2, 3]), { contentType: "bytes" });
      await env.JOBS.send(new Map([["d", new Date(0)]]), { contentType: "V8" });
      await env.JOBS.sendBatch([{ body: "b1", contentType: "text" }, { body: [2] }], { delaySeconds: 0 });
      return new Response("sent");
    }
    if (path === "/seen") return new Response(JSON.stringify(seen));
    if (path === "/errors") {
      const big = "x".repeat(128001);
      const out = [
        await errorOf(() => env.JOBS.send(undefined)),
        await errorOf(() => env.JOBS.send(1, { contentType: "xml" })),
        await errorOf(() => env.JOBS.send(1, { contentType: "text" })),
        await errorOf(() => env.JOBS.send("s", { contentType: "bytes" })),
        await errorOf(() => env.JOBS.send(big, { contentType: "text" })),
        await errorOf(() => env.JOBS.send(1, { delaySeconds: 43201 })),
        await errorOf(() => env.JOBS.send(() => 1, { contentType: "v8" })),
        await errorOf(() => env.JOBS.sendBatch([])),
        await errorOf(() => env.JOBS.sendBatch(Array.from({ length: 101 }, () => ({ body: 1 })))),
        await errorOf(() => env.JOBS.sendBatch([{ body: big, contentType: "text" }])),
        await errorOf(() => env.JOBS.sendBatch(Array.from({ length: 3 }, () => ({ body: "y".repeat(100000), contentType: "text" })))),
        await errorOf(() => env.JOBS.sendBatch([{ body: 1, delaySeconds: -1 }])),
      ];
      return new Response(JSON.stringify(out));
    }
    return new Response("?", { status: 404 });
  },
  async queue(batch, env, ctx) {
    for (const m of batch.messages) {
      seen.push([batch.queue, m.id.length, m.timestamp instanceof Date, m.attempts, describe(m.body)]);
    }
    const [first, second, third] = batch.messages;
    first.ack();
    second?.retry({ delaySeconds: 7 });
    second?.ack(); // ignored: retried already
    third?.retry();
    if (batch.messages.length > 3) throw new Error("boom");
  },
} };
`

func TestProducerAndModuleConsumer(t *testing.T) {
	w, b := worker(t, moduleWorker, true, "json")
	if got := get(t, w, "/send"); got != "sent" {
		t.Fatalf("send: %s", got)
	}
	res, err, msgs := deliver(t, w, b, "jobs")
	if len(msgs) != 6 {
		t.Fatalf("stored %d messages, want 6", len(msgs))
	}
	var se *runtime.ScriptError
	if err == nil || !strings.Contains(err.Error(), "boom") || !errorAs(err, &se) {
		t.Fatalf("err = %v, want the handler's exception", err)
	}
	// What the handler decided before it threw still counts.
	if len(res.Acks) != 1 || res.Acks[0] != msgs[0].ID || len(res.Retries) != 2 || *res.Retries[msgs[1].ID] != 7 || res.Retries[msgs[2].ID] != nil {
		t.Fatalf("result = %+v", res)
	}
	var seen [][]any
	if err := json.Unmarshal([]byte(get(t, w, "/seen")), &seen); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`object {"a":1}`, `string "plain"`, `Uint8Array[1,2,3]`, `Map [["d","1970-01-01T00:00:00.000Z"]]`, `string "b1"`, `object [2]`,
	}
	if len(seen) != len(want) {
		t.Fatalf("seen %v", seen)
	}
	for i, s := range seen {
		if s[0] != "jobs" || s[1] != float64(32) || s[2] != true || s[3] != float64(1) || s[4] != want[i] {
			t.Errorf("message %d = %v, want queue jobs, a 32-digit id, a Date, attempts 1, %s", i, s, want[i])
		}
	}
}

func errorAs(err error, se **runtime.ScriptError) bool {
	e, ok := err.(*runtime.ScriptError)
	if ok {
		*se = e
	}
	return ok
}

func TestProducerErrors(t *testing.T) {
	w, _ := worker(t, moduleWorker, true, "json")
	var got []string
	if err := json.Unmarshal([]byte(get(t, w, "/errors")), &got); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"TypeError: Message body cannot be undefined",
		"TypeError: Unsupported queue message content type: xml",
		`TypeError: Content Type "text" requires a value of type string, but received: number`,
		`TypeError: Content Type "bytes" requires a value of type ArrayBufferView, but received: string`,
		"Error: Queue send failed: message length of 128001 bytes exceeds limit of 128000",
		"Error: Queue send failed: message delay 43201 is invalid: it must be a whole number of seconds from 0 to 43200 (12 hours)",
		"DataCloneError: ",
		"TypeError: sendBatch() requires at least one message",
		"Error: Queue sendBatch failed: batch message count of 101 exceeds limit of 100",
		"Error: Queue sendBatch failed: message in batch has length 128001 bytes which exceeds single message size limit of 128000",
		"Error: Queue sendBatch failed: batch size of 300000 bytes exceeds limit of 256000",
		"Error: Queue sendBatch failed: message delay -1 is invalid: it must be a whole number of seconds from 0 to 43200 (12 hours)",
	}
	if len(got) != len(want) {
		t.Fatalf("got %q", got)
	}
	for i := range want {
		if !strings.HasPrefix(got[i], want[i]) {
			t.Errorf("case %d: %q, want %q", i, got[i], want[i])
		}
	}
}

// TestDefaultContentTypeV8: before queues_json_messages, a plain send()
// keeps structured-clone types.
func TestDefaultContentTypeV8(t *testing.T) {
	w, b := worker(t, `globalThis.__outpost_entry = { default: {
  async fetch(req, env) { await env.JOBS.send(new Date(5)); return new Response("ok"); },
  async queue(batch) { globalThis.got = batch.messages[0].body instanceof Date && batch.messages[0].body.getTime(); if (globalThis.got !== 5) throw new Error("got " + batch.messages[0].body); },
} };`, true, "v8")
	get(t, w, "/")
	if _, err, msgs := deliver(t, w, b, "jobs"); err != nil || len(msgs) != 1 || msgs[0].ContentType != "v8" {
		t.Fatalf("err %v, messages %+v", err, msgs)
	}
}

func TestConsumerForms(t *testing.T) {
	for _, tc := range []struct {
		name    string
		modules bool
		code    string
	}{
		{"class", true, `
class Consumer { constructor(ctx, env) { this.env = env; } async queue(batch) { batch.retryAll({ delaySeconds: 3 }); batch.ackAll(); } }
globalThis.__outpost_entry = { default: Consumer };`},
		{"service-worker", false, `
addEventListener("queue", (event) => {
  if (event.queue !== "jobs" || event.messages.length !== 1 || String(event) !== "[object QueueEvent]") throw new Error("bad event");
  event.waitUntil(Promise.resolve().then(() => event.retryAll({ delaySeconds: 3 })));
});`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w, b := worker(t, tc.code, tc.modules, "json")
			if err := b.Send(context.Background(), "jobs", []queue.Outgoing{{Body: []byte(`1`), ContentType: "json"}}, false, 0); err != nil {
				t.Fatal(err)
			}
			res, err, _ := deliver(t, w, b, "jobs")
			if err != nil || !res.RetryAll || res.RetryAllDelay == nil || *res.RetryAllDelay != 3 || res.AckAll {
				t.Fatalf("result %+v, err %v: want retryAll with a 3 s delay (ackAll after retryAll has no effect)", res, err)
			}
		})
	}
}

func TestQueueOnlyWorkerStarts(t *testing.T) {
	w, b := worker(t, `globalThis.__outpost_entry = { default: { async queue(batch) { batch.ackAll(); } } };`, true, "json")
	if err := b.Send(context.Background(), "jobs", []queue.Outgoing{{Body: []byte(`"x"`), ContentType: "json"}}, false, 0); err != nil {
		t.Fatal(err)
	}
	if res, err, _ := deliver(t, w, b, "jobs"); err != nil || !res.AckAll {
		t.Fatalf("result %+v, err %v", res, err)
	}
	// Its fetch fails as workerd's does.
	_, err := w.Fetch(context.Background(), &runtime.Request{Method: "GET", URL: "http://x/", Header: http.Header{}})
	if err == nil || !strings.Contains(err.Error(), "Handler does not export a fetch() function.") {
		t.Fatalf("fetch on a queue-only worker: %v", err)
	}
}

func TestMissingQueueHandler(t *testing.T) {
	w, b := worker(t, `globalThis.__outpost_entry = { default: { fetch() { return new Response("x"); } } };`, true, "json")
	b.Send(context.Background(), "jobs", []queue.Outgoing{{Body: []byte(`1`), ContentType: "json"}}, false, 0)
	if _, err, _ := deliver(t, w, b, "jobs"); err == nil || !strings.Contains(err.Error(), "Handler does not export a queue() function.") {
		t.Fatalf("err = %v", err)
	}
}

// A queue handler that finishes is not taken for a hung one; a handler
// that waits on nothing is, and its delivery ends with the hang error
// (its messages are then retried) instead of waiting forever.
func TestQueueHandlerHangDetection(t *testing.T) {
	var mu sync.Mutex
	var logged []string
	w, err := runtime.NewWorker(&runtime.Config{
		Name: "q",
		Script: runtime.Script{Code: `var __outpost_entry = { default: {
			async fetch() { return new Response("x"); },
			async queue(batch) {
				if (batch.queue === "hang") await new Promise(() => {});
				await Promise.resolve();
				for (const m of batch.messages) m.ack();
			},
		} };`, URL: "worker.js", Modules: true},
		Host: &runtime.Host{Console: func(_, level, text string) {
			mu.Lock()
			defer mu.Unlock()
			logged = append(logged, level+": "+text)
		}, Extensions: []runtime.Extension{Extension()}},
	}, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer w.Close(time.Second)
	msgs := []runtime.QueueMessage{{ID: "m1", Timestamp: time.Now(), Body: []byte(`"a"`), ContentType: "json", Attempts: 1}}

	res, err := w.Queue(context.Background(), "work", msgs, runtime.QueueMetrics{})
	if err != nil || len(res.Acks) != 1 {
		t.Fatalf("queue work: %+v, %v", res, err)
	}
	mu.Lock()
	if len(logged) != 0 {
		t.Errorf("a finished queue handler logged %q", logged)
	}
	mu.Unlock()

	done := make(chan error, 1)
	go func() {
		_, err := w.Queue(context.Background(), "hang", msgs, runtime.QueueMetrics{})
		done <- err
	}()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "had hung") {
			t.Errorf("a hung queue handler: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the delivery of a hung queue handler never ended")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(logged) != 1 || !strings.Contains(logged[0], "had hung") {
		t.Errorf("logged %q", logged)
	}
}
