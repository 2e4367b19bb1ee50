package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// queueRecord is what testdata/queues/consumer writes for each delivery.
type queueRecord struct {
	Queue    string `json:"queue"`
	ID       string `json:"id"`
	Attempts int    `json:"attempts"`
	Batch    int    `json:"batch"`
	Body     string `json:"body"`
	Date     bool   `json:"date"`
	Backlog  int    `json:"backlog"` // batch.metadata.metrics.backlogCount
	Oldest   bool   `json:"oldest"`  // its oldestMessageTimestamp is a Date
}

type queueDev struct {
	p     *outposttest.Proc
	state string
}

// startQueueDev runs the producer and the consumer of testdata/queues in
// one outpost dev with a manual clock: nothing waits for real time.
func startQueueDev(t *testing.T, dir, state string) *queueDev {
	t.Helper()
	p := outposttest.DevEnv(t, []string{"OUTPOST_TEST_CLOCK=manual"}, filepath.Join(dir, "producer"),
		"-c", "wrangler.toml", "-c", "../consumer/wrangler.toml", "--persist-to", state)
	return &queueDev{p, state}
}

func (d *queueDev) get(t *testing.T, path string) string {
	t.Helper()
	resp, body := d.p.Get(path)
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
	}
	return body
}

func (d *queueDev) log(t *testing.T, prefix string) []queueRecord {
	t.Helper()
	var out []queueRecord
	if err := json.Unmarshal([]byte(d.get(t, "/log?prefix="+prefix)), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// waitLog waits until the consumer recorded n deliveries under prefix.
func (d *queueDev) waitLog(t *testing.T, prefix string, n int) []queueRecord {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		recs := d.log(t, prefix)
		if len(recs) >= n {
			return recs
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %d deliveries recorded, want %d: %+v", prefix, len(recs), n, recs)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (d *queueDev) advance(t *testing.T, by time.Duration) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(d.state, "dev-server.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Token string `json:"token"`
	}
	json.Unmarshal(b, &st)
	req, _ := http.NewRequest("POST", d.p.URL+"/cdn-cgi/outpost/clock?advance="+by.String(), nil)
	req.Header.Set("Authorization", "Bearer "+st.Token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("advancing the clock: %s", resp.Status)
	}
}

func regexpMatch(re, s string) bool { return regexp.MustCompile(re).MatchString(s) }

func summary(recs []queueRecord) string {
	var out []string
	for _, r := range recs {
		out = append(out, fmt.Sprintf("%s a%d b%d %s", r.Queue, r.Attempts, r.Batch, r.Body))
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// TestQueuesDev: a producer worker and a consumer worker (queue() only,
// with static assets) in one outpost dev: every content type, delays,
// batching by size and by timeout, ack/retry per message and per batch,
// an exception → redelivery with attempts counted, dead-lettering,
// Cloudflare's size limit, and a backlog that survives a restart.
func TestQueuesDev(t *testing.T) {
	dir := outposttest.CopyDir(t, filepath.Join(outposttest.RepoRoot(), "testdata", "queues"))
	state := t.TempDir()
	d := startQueueDev(t, dir, state)

	t.Run("content types", func(t *testing.T) {
		d.get(t, "/types")
		recs := d.waitLog(t, "jobs:", 4)
		got := map[string]bool{}
		for _, r := range recs {
			if len(r.ID) != 32 || r.Attempts != 1 || !r.Date {
				t.Errorf("record %+v: want a 32-digit id, attempts 1, a Date timestamp", r)
			}
			// The batch's messages are in the backlog until acknowledged.
			if r.Backlog < r.Batch || !r.Oldest {
				t.Errorf("record %+v: batch.metadata.metrics should count the batch's messages and date the oldest", r)
			}
			got[r.Body] = true
		}
		for _, want := range []string{`json {"kind":"json","n":1}`, "string some text", "Uint8Array [1,2,255]", "v8 1970-01-02T00:00:00.000Z Set 1,2"} {
			if !got[want] {
				t.Errorf("no delivery of %q in %+v", want, recs)
			}
		}
	})

	t.Run("metrics", func(t *testing.T) {
		var got struct {
			Before, After map[string]any
			Sent, Batch   struct {
				Metadata struct{ Metrics map[string]any }
			}
			IsDate bool
		}
		if err := json.Unmarshal([]byte(d.get(t, "/metrics")), &got); err != nil {
			t.Fatal(err)
		}
		if len(got.Before) != 2 || got.Before["backlogCount"] != 0.0 || got.Before["backlogBytes"] != 0.0 {
			t.Errorf("metrics() of an empty queue = %v, want zero counts and no oldestMessageTimestamp", got.Before)
		}
		if m := got.Sent.Metadata.Metrics; m["backlogCount"] != 1.0 || m["backlogBytes"] != 3.0 || m["oldestMessageTimestamp"] == nil {
			t.Errorf("send() answered %v, want the backlog after it", m)
		}
		if m := got.Batch.Metadata.Metrics; m["backlogCount"] != 2.0 || m["backlogBytes"] != 5.0 {
			t.Errorf("sendBatch() answered %v", m)
		}
		if got.After["backlogCount"] != 2.0 || got.After["oldestMessageTimestamp"] != got.Sent.Metadata.Metrics["oldestMessageTimestamp"] || !got.IsDate {
			t.Errorf("metrics() after two sends = %v (a Date: %v)", got.After, got.IsDate)
		}
	})

	t.Run("limit", func(t *testing.T) {
		if got := d.get(t, "/too-big"); got != "Error: Queue send failed: message length of 128001 bytes exceeds limit of 128000" {
			t.Errorf("too big: %s", got)
		}
	})

	t.Run("exception redelivers", func(t *testing.T) {
		d.get(t, "/flaky?kind=throw-once")
		recs := d.waitLog(t, "flaky:", 2)
		if got := summary(recs); got != "flaky a1 b1 json {\"kind\":\"throw-once\"}\nflaky a2 b1 json {\"kind\":\"throw-once\"}" || recs[0].ID != recs[1].ID {
			t.Errorf("deliveries:\n%s", got)
		}
		if !d.p.WaitOutput("flaky failure", 10*time.Second) {
			t.Error("the consumer's exception is not in the log")
		}
	})

	t.Run("dead letter", func(t *testing.T) {
		d.get(t, "/send?binding=FLAKY&kind=always-retry")
		dead := d.waitLog(t, "flaky-dlq:", 1)
		var tries []queueRecord
		for _, r := range d.log(t, "flaky:") {
			if r.ID == dead[0].ID {
				tries = append(tries, r)
			}
		}
		if len(tries) != 3 || dead[0].Attempts != 1 || dead[0].Body != `json {"kind":"always-retry"}` {
			t.Errorf("tries %+v, dead letter %+v: want 3 attempts (max_retries 2) then one delivery from flaky-dlq", tries, dead)
		}
		if !d.p.WaitOutput(`to dead letter queue "flaky-dlq" after 3 failed attempts`, 10*time.Second) {
			t.Error("no log line for the dead letter")
		}
	})

	t.Run("retry delay", func(t *testing.T) {
		d.get(t, "/send?binding=FLAKY&kind=delay-retry")
		first := d.waitLog(t, "flaky:", 6)              // 2 + 3 before, and this one
		d.get(t, "/send?binding=FLAKY&kind=throw-once") // goes past the delayed retry
		d.waitLog(t, "flaky:", 8)
		for _, r := range d.log(t, "flaky:") {
			if r.Body == `json {"kind":"delay-retry"}` && r.Attempts == 2 {
				t.Fatalf("retried before its 120 s delay passed: %+v (first %+v)", r, first)
			}
		}
		d.advance(t, 120*time.Second)
		d.waitLog(t, "flaky:", 9)
	})

	t.Run("delivery delay", func(t *testing.T) {
		d.get(t, "/send?binding=LATER&kind=delayed&delay=600")
		d.get(t, "/send?binding=LATER&kind=now")
		recs := d.waitLog(t, "later:", 1)
		if len(recs) != 1 || recs[0].Body != `json {"kind":"now"}` {
			t.Fatalf("before the delay: %+v", recs)
		}
		d.advance(t, 600*time.Second)
		recs = d.waitLog(t, "later:", 2)
		if got := summary(recs); got != "later a1 b1 json {\"kind\":\"delayed\"}\nlater a1 b1 json {\"kind\":\"now\"}" {
			t.Errorf("deliveries:\n%s", got)
		}
	})

	t.Run("batch by size, ack then throw", func(t *testing.T) {
		// max_batch_size 3, max_batch_timeout 60: a full batch goes at
		// once; the consumer acks the first message and throws.
		d.get(t, "/batch?binding=PARTIAL&n=3")
		recs := d.waitLog(t, "partial:", 3)
		if got := summary(recs); strings.Count(got, "partial a1 b3") != 3 {
			t.Errorf("deliveries:\n%s", got)
		}
		// The two others are a partial batch now: they go after 60 s.
		d.advance(t, 60*time.Second)
		recs = d.waitLog(t, "partial:", 5)
		var again []queueRecord
		for _, r := range recs {
			if r.Attempts == 2 {
				again = append(again, r)
			}
		}
		if len(again) != 2 || again[0].Batch != 2 || again[0].Body == `json {"kind":"batch","i":0}` || again[1].Body == `json {"kind":"batch","i":0}` {
			t.Errorf("redelivered %+v: want the two un-acked messages in one batch", again)
		}
	})

	t.Run("retryAll then ackAll", func(t *testing.T) {
		d.get(t, "/batch?binding=BATCHOPS&n=2")
		d.waitLog(t, "batchops:", 2)
		recs := d.waitLog(t, "batchops:", 4)
		if got := summary(recs); strings.Count(got, "a1 b2") != 2 || strings.Count(got, "a2 b2") != 2 {
			t.Errorf("deliveries:\n%s", got)
		}
	})

	t.Run("batch by timeout", func(t *testing.T) {
		// Two sends in two requests: with max_batch_timeout 30 they wait
		// for each other and arrive in one batch.
		d.get(t, "/send?binding=SLOW&kind=one")
		d.get(t, "/send?binding=SLOW&kind=two")
		d.advance(t, 30*time.Second)
		recs := d.waitLog(t, "slow:", 2)
		if got := summary(recs); got != "slow a1 b2 json {\"kind\":\"one\"}\nslow a1 b2 json {\"kind\":\"two\"}" {
			t.Errorf("deliveries:\n%s", got)
		}
	})

	t.Run("restart with a backlog", func(t *testing.T) {
		for i := 0; i < 5; i++ {
			d.get(t, fmt.Sprintf("/send?binding=SLOW&kind=backlog-%d", i))
		}
		// The backlog, seen from the command line beside the dev server.
		out, code := outposttest.Run(t, filepath.Join(dir, "producer"), "queues", "peek", "slow",
			"-c", "wrangler.toml", "-c", "../consumer/wrangler.toml", "--persist-to", state)
		if code != 0 || strings.Count(out, "backlog-") != 5 || !strings.Contains(out, "ATTEMPTS") {
			t.Errorf("outpost queues peek slow: %d\n%s", code, out)
		}
		out, code = outposttest.Run(t, filepath.Join(dir, "producer"), "queues", "list",
			"-c", "wrangler.toml", "-c", "../consumer/wrangler.toml", "--persist-to", state)
		if code != 0 || !regexpMatch(`(?m)^slow\s+5\s+`, out) || !regexpMatch(`(?m)^flaky-dlq\s+0\s+.*queue-consumer$`, out) {
			t.Errorf("outpost queues list: %d\n%s", code, out)
		}
		d.p.Stop()
		d = startQueueDev(t, dir, state)
		// The new process's manual clock starts at the real time again,
		// behind the one the messages were sent by (moved 810 s above).
		d.advance(t, 30*time.Minute)
		recs := d.waitLog(t, "slow:", 7)
		seen := map[string]int{}
		for _, r := range recs {
			if strings.Contains(r.Body, "backlog") {
				seen[r.Body]++
				if r.Attempts != 1 {
					t.Errorf("%+v: delivered before the restart", r)
				}
			}
		}
		if len(seen) != 5 {
			t.Errorf("backlog after the restart: %v", seen)
		}
	})

	t.Run("outcomes logged", func(t *testing.T) {
		if !strings.Contains(d.p.Output(), "QUEUE slow 5/5") {
			t.Errorf("no QUEUE line for the backlog batch in:\n%s", d.p.Output())
		}
	})
}

// TestQueueConsumerOnlyWorker: Cloudflare's consumer template shape, a
// worker whose only handler is queue(), starts and serves its assets.
func TestQueueConsumerOnlyWorker(t *testing.T) {
	dir := filepath.Join(outposttest.RepoRoot(), "testdata", "queues", "consumer")
	p := outposttest.Dev(t, dir, "--persist-to", t.TempDir())
	resp, body := p.Get("/")
	if resp.StatusCode != 200 || !strings.Contains(body, "consumer assets") {
		t.Fatalf("GET / = %d %s", resp.StatusCode, body)
	}
}

// TestQueueTemplate: a project shaped like Cloudflare's queue consumer
// template (TypeScript, wrangler.jsonc, one worker producing and
// consuming with the default batch settings) runs unchanged: a request's
// message is logged by the consumer once its 5 s batch timeout passes.
func TestQueueTemplate(t *testing.T) {
	dir := filepath.Join(outposttest.RepoRoot(), "testdata", "queues", "template")
	p := outposttest.Dev(t, dir, "--persist-to", t.TempDir())
	resp, body := p.Get("/hello?x=1")
	if resp.StatusCode != 200 || body != "Sent message to the queue" {
		t.Fatalf("GET = %d %s", resp.StatusCode, body)
	}
	if !p.WaitOutput(`processed: {"url":"http://127.0.0.1:`, 30*time.Second) || !p.WaitOutput(`/hello?x=1","method":"GET","headers":{`, time.Second) {
		t.Fatalf("the consumer did not log the message:\n%s", p.Output())
	}
	if !p.WaitOutput("QUEUE my-queue 1/1", 5*time.Second) {
		t.Errorf("no QUEUE line:\n%s", p.Output())
	}
}

// TestQueueConsumersFollowReloads: under outpost dev, editing
// [[queues.consumers]] takes effect on reload, as other config changes do.
func TestQueueConsumersFollowReloads(t *testing.T) {
	dir := outposttest.CopyDir(t, filepath.Join(outposttest.RepoRoot(), "testdata", "queues", "template"))
	cfgPath := filepath.Join(dir, "wrangler.jsonc")
	orig, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	other := strings.Replace(string(orig), `"consumers": [{ "queue": "my-queue" }]`, `"consumers": [{ "queue": "another-queue" }]`, 1)
	if other == string(orig) {
		t.Fatal("the template's consumer line changed; update this test")
	}
	if err := os.WriteFile(cfgPath, []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	p := outposttest.Dev(t, dir, "--persist-to", t.TempDir())
	if resp, body := p.Get("/waiting"); resp.StatusCode != 200 {
		t.Fatalf("GET = %d %s", resp.StatusCode, body)
	}
	// Nothing consumes my-queue yet; after the edit, its consumer picks
	// up the waiting message.
	if err := os.WriteFile(cfgPath, orig, 0o644); err != nil {
		t.Fatal(err)
	}
	if !p.WaitOutput("Reloaded", 30*time.Second) {
		t.Fatalf("no reload:\n%s", p.Output())
	}
	if !p.WaitOutput(`/waiting","method":"GET"`, 30*time.Second) {
		t.Fatalf("the message sent before the reload was not consumed:\n%s", p.Output())
	}
}

// TestQueueDevOneConsumerWorker: outpost dev refuses two workers that
// consume one queue, naming both.
func TestQueueDevOneConsumerWorker(t *testing.T) {
	dir := outposttest.CopyDir(t, filepath.Join(outposttest.RepoRoot(), "testdata", "queues"))
	out, code := outposttest.Run(t, filepath.Join(dir, "fleet"), "dev", "-c", "wrangler.toml", "-c", "../rival/wrangler.toml",
		"--persist-to", t.TempDir(), "--port", "0")
	if code == 0 || !strings.Contains(out, `worker "rival" consumes queue "work", which worker "fleet"`) {
		t.Errorf("dev with two consumers of queue work: exit %d, output:\n%s", code, out)
	}
}
