package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

const queueFleetConfig = `
state_dir = "state"
instances = 1
[ops]
listen = "%OPS%"
[kv]
url = "%DSN%"
[queues]
url = "%DSN%"
lease = "2s"
[[workers]]
name = "fleet"
dir = "%DIR%"
routes = ["fleet.test/*"]
[workers.vars]
NODE = "%NODE%"
`

// TestQueuesTwoServeNodes: two outpost serve nodes consume one queue in
// PostgreSQL. Node A takes the first batch and is killed (kill -9) in the
// middle of it; node B processes everything, A's batch once its lease
// runs out (attempts 2). Every message is processed; a message B
// finished (and so acknowledged) is never delivered again.
func TestQueuesTwoServeNodes(t *testing.T) {
	dsn := pgtest.DSN(t)
	dir := filepath.Join(outposttest.RepoRoot(), "testdata", "queues", "fleet")
	config := func(node string) string {
		return strings.NewReplacer("%DSN%", dsn, "%DIR%", dir, "%NODE%", node).Replace(queueFleetConfig)
	}
	a := startServe(t, t.TempDir(), config("a"))
	list := func(n *serveNode, prefix string) []string {
		t.Helper()
		code, body := n.hostGet("fleet.test", "/log?prefix="+prefix)
		var keys []string
		if code != 200 || json.Unmarshal([]byte(body), &keys) != nil {
			t.Fatalf("log: %d %s", code, body)
		}
		return keys
	}
	const total = 100
	if code, body := a.hostGet("fleet.test", fmt.Sprintf("/send?n=%d", total)); code != 200 || body != "sent" {
		t.Fatalf("send: %d %s", code, body)
	}
	if !waitFor(20*time.Second, func() bool { return len(list(a, "start:a:")) == 10 }) {
		t.Fatalf("node A did not start a batch: %v", list(a, "start:a:"))
	}
	b := startServe(t, t.TempDir(), config("b"))
	a.Kill()

	ends := func() map[string][]string {
		out := map[string][]string{}
		for _, k := range list(b, "end:") {
			parts := strings.Split(k, ":") // end:NODE:n:attempts
			out[parts[2]] = append(out[parts[2]], parts[1]+":"+parts[3])
		}
		return out
	}
	if !waitFor(60*time.Second, func() bool { return len(ends()) == total }) {
		t.Fatalf("processed %d of %d messages", len(ends()), total)
	}
	startedOnA := map[string]bool{}
	for _, k := range list(b, "start:a:") {
		startedOnA[strings.Split(k, ":")[2]] = true
	}
	if len(startedOnA) != 10 {
		t.Fatalf("node A started %d messages, want one batch of 10", len(startedOnA))
	}
	for n, e := range ends() {
		want := "b:1"
		if startedOnA[n] {
			want = "b:2" // delivered again after A's lease ran out
		}
		if len(e) != 1 || e[0] != want {
			t.Errorf("message %s finished as %v, want once as %s", n, e, want)
		}
	}
	// Nothing is left, and nothing comes back.
	if got := list(b, "start:b:"); len(got) != total {
		t.Errorf("node B started %d deliveries, want %d", len(got), total)
	}
	// Node B's metrics count every message it acknowledged.
	if !waitFor(10*time.Second, func() bool {
		v, ok := metric(b.metrics(), `outpost_queue_messages_total{worker="fleet",queue="work",result="acked"}`)
		return ok && v == total
	}) {
		t.Errorf("metrics:\n%s", b.metrics())
	}
	if !strings.Contains(b.Output(), `"msg":"queue delivery"`) {
		t.Error("no queue delivery in node B's log")
	}
}

// TestQueueOneConsumerWorker: a queue has one consumer worker. Node A
// runs worker fleet, which consumes queue work; a deploy of worker rival
// (also consuming work) to node B, which shares A's PostgreSQL, is
// refused with the consumer's name, and A keeps consuming. A node whose
// own configuration has two consumers of one queue does not start.
func TestQueueOneConsumerWorker(t *testing.T) {
	dsn := pgtest.DSN(t)
	fleet := filepath.Join(outposttest.RepoRoot(), "testdata", "queues", "fleet")
	rival := filepath.Join(outposttest.RepoRoot(), "testdata", "queues", "rival")
	a := startServe(t, t.TempDir(), strings.NewReplacer("%DSN%", dsn, "%DIR%", fleet, "%NODE%", "b").Replace(queueFleetConfig))
	b := startServe(t, t.TempDir(), strings.ReplaceAll(`
state_dir = "state"
[admin]
listen = "%ADMIN%"
token = "`+adminToken+`"
[ops]
listen = "%OPS%"
[queues]
url = "%DSN%"
[[workers]]
name = "rival"
routes = ["rival.test/*"]
`, "%DSN%", dsn))
	out, code := b.outpost(outposttest.CopyDir(t, rival), "deploy")
	if code == 0 || !strings.Contains(out, "queue work already has a consumer, worker fleet") {
		t.Fatalf("deploying a second consumer of queue work: exit %d, output:\n%s", code, out)
	}
	if code, body := b.hostGet("rival.test", "/"); code != 503 {
		t.Errorf("rival after the refused deploy: %d %s, want 503 (no version)", code, body)
	}
	// The queue's consumer is untouched.
	if code, body := a.hostGet("fleet.test", "/send?n=3"); code != 200 || body != "sent" {
		t.Fatalf("send: %d %s", code, body)
	}
	if !waitFor(30*time.Second, func() bool {
		_, body := a.hostGet("fleet.test", "/log?prefix=end:")
		var keys []string
		json.Unmarshal([]byte(body), &keys)
		return len(keys) == 3
	}) {
		t.Error("fleet did not consume its queue after the refused deploy")
	}

	// Node A goes away for good, its worker with it: the claim it left
	// still refuses rival, until `outpost queues consumer remove` ends it.
	a.Kill()
	if out, code := b.outpost(outposttest.CopyDir(t, rival), "deploy"); code == 0 || !strings.Contains(out, "already has a consumer, worker fleet") {
		t.Fatalf("deploying rival while fleet's claim stays: exit %d, output:\n%s", code, out)
	}
	cli := []string{"OUTPOST_QUEUES_URL=" + dsn}
	if out, code := runWithEnv(t, rival, cli, "queues", "consumer", "remove", "work", "rival"); code == 0 || !strings.Contains(out, "consumed by worker fleet, not rival") {
		t.Fatalf("removing a claim rival does not hold: exit %d, output:\n%s", code, out)
	}
	if out, code := runWithEnv(t, rival, cli, "queues", "consumer", "remove", "work", "fleet"); code != 0 || !strings.Contains(out, "Worker fleet no longer holds queue work") {
		t.Fatalf("queues consumer remove: exit %d, output:\n%s", code, out)
	}
	if out, code := b.outpost(outposttest.CopyDir(t, rival), "deploy"); code != 0 {
		t.Fatalf("deploying rival after the claim was removed: exit %d, output:\n%s", code, out)
	}

	dir := t.TempDir()
	path := filepath.Join(dir, "outpost.toml")
	os.WriteFile(path, []byte(`
state_dir = "state"
[[workers]]
name = "fleet"
dir = "`+fleet+`"
routes = ["fleet.test/*"]
[[workers]]
name = "rival"
dir = "`+rival+`"
routes = ["rival.test/*"]
`), 0o644)
	p := outposttest.Start(t, outposttest.FreePort(t), "serve", "--config", path)
	if !p.Exited(60*time.Second) || p.ExitCode() == 0 || !strings.Contains(p.Output(), "queue work already has a consumer, worker fleet") {
		t.Errorf("serve with two consumers of one queue: exited %v, output:\n%s", p.ExitCode(), p.Output())
	}
}
