package e2e

import (
	"bytes"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// pullClient speaks Cloudflare's HTTP pull consumer API to base (…/client/v4).
type pullClient struct {
	t     *testing.T
	base  string
	token string
}

type pulledMessage struct {
	ID          string            `json:"id"`
	Body        string            `json:"body"`
	Attempts    int               `json:"attempts"`
	LeaseID     string            `json:"lease_id"`
	TimestampMs int64             `json:"timestamp_ms"`
	Metadata    map[string]string `json:"metadata"`
}

func (c *pullClient) post(path string, body any) (int, map[string]json.RawMessage) {
	c.t.Helper()
	b, _ := json.Marshal(body)
	req, _ := http.NewRequest("POST", c.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]json.RawMessage
	json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func (c *pullClient) pull(queue string, size int) ([]pulledMessage, int) {
	c.t.Helper()
	code, out := c.post("/accounts/local/queues/"+queue+"/messages/pull", map[string]any{"batch_size": size})
	if code != 200 {
		c.t.Fatalf("pull: %d %s", code, out["errors"])
	}
	var res struct {
		Backlog  int             `json:"message_backlog_count"`
		Messages []pulledMessage `json:"messages"`
	}
	json.Unmarshal(out["result"], &res)
	return res.Messages, res.Backlog
}

func (c *pullClient) ack(queue string, acks []string, retries []string) (int, int) {
	c.t.Helper()
	req := map[string]any{"acks": []any{}, "retries": []any{}}
	for _, a := range acks {
		req["acks"] = append(req["acks"].([]any), map[string]string{"lease_id": a})
	}
	for _, r := range retries {
		req["retries"] = append(req["retries"].([]any), map[string]any{"lease_id": r, "delay_seconds": 0})
	}
	code, out := c.post("/accounts/local/queues/"+queue+"/messages/ack", req)
	if code != 200 {
		c.t.Fatalf("ack: %d %s", code, out["errors"])
	}
	var res struct{ AckCount, RetryCount int }
	json.Unmarshal(out["result"], &res)
	return res.AckCount, res.RetryCount
}

// checkPullAPI runs a pull consumer through its life: batches by size,
// every content type's body, ack, retry (attempts counted), a lease that
// runs out (advance moves the clock past visibility_timeout_ms) and, past
// max_retries, the dead-letter queue; bad lease ids and queues without a
// pull consumer are refused, and nothing is pushed to the worker.
func checkPullAPI(t *testing.T, c *pullClient, send func(), advance func(time.Duration), pushed func() string) {
	send()
	first, backlog := c.pull("pulled", 2)
	if len(first) != 2 || backlog != 3 {
		t.Fatalf("first pull: %+v backlog %d, want 2 messages of 3", first, backlog)
	}
	if first[0].Body != `{"n":0}` || first[0].Metadata["CF-Content-Type"] != "json" || first[1].Body != "hello" || first[0].Attempts != 1 || len(first[0].ID) != 32 || first[0].TimestampMs == 0 {
		t.Errorf("first pull: %+v", first)
	}
	rest, _ := c.pull("pulled", 10)
	if len(rest) != 1 || rest[0].Body != "AQID" || rest[0].Metadata["CF-Content-Type"] != "bytes" {
		t.Errorf("second pull: %+v, want the bytes message in base64", rest)
	}
	if none, _ := c.pull("pulled", 10); len(none) != 0 {
		t.Errorf("leased messages pulled again: %+v", none)
	}
	if a, r := c.ack("pulled", []string{first[0].LeaseID, rest[0].LeaseID}, []string{first[1].LeaseID}); a != 2 || r != 1 {
		t.Errorf("ack: %d acked, %d retried", a, r)
	}
	again, backlog := c.pull("pulled", 10)
	if len(again) != 1 || again[0].ID != first[1].ID || again[0].Attempts != 2 || backlog != 1 {
		t.Fatalf("after the retry: %+v backlog %d, want %s with attempts 2", again, backlog, first[1].ID)
	}
	// Unanswered past its visibility timeout, the message's third delivery
	// would exceed max_retries = 1: it goes to the dead-letter queue.
	advance(6 * time.Second)
	if gone, _ := c.pull("pulled", 10); len(gone) != 0 {
		t.Errorf("a message past max_retries was pulled: %+v", gone)
	}
	if _, backlog := c.pull("pulled", 10); backlog != 0 {
		t.Errorf("backlog %d, want 0", backlog)
	}
	if code, out := c.post("/accounts/local/queues/pulled/messages/ack", map[string]any{"acks": []any{map[string]string{"lease_id": "nonsense"}}}); code != 400 || !strings.Contains(string(out["errors"]), "invalid lease_id") {
		t.Errorf("bad lease id: %d %s", code, out["errors"])
	}
	if code, out := c.post("/accounts/local/queues/pulled-dlq/messages/pull", nil); code != 404 || !strings.Contains(string(out["errors"]), "has no HTTP pull consumer") {
		t.Errorf("queue without a pull consumer: %d %s", code, out["errors"])
	}
	if code, _ := (&pullClient{t: t, base: c.base}).post("/accounts/local/queues/pulled/messages/pull", nil); code != 401 {
		t.Errorf("pull without a token: %d, want 401", code)
	}
	if got := pushed(); got != "none" {
		t.Errorf("the worker's queue() handler ran for a pull queue: %s", got)
	}
}

// TestQueuePullConsumerDev: the pull API on outpost dev, under
// /cdn-cgi/outpost/client/v4 with the dev server's token.
func TestQueuePullConsumerDev(t *testing.T) {
	dir := outposttest.CopyDir(t, filepath.Join(outposttest.RepoRoot(), "testdata", "queues", "pull"))
	state := t.TempDir()
	p := outposttest.DevEnv(t, []string{"OUTPOST_TEST_CLOCK=manual"}, dir, "--persist-to", state)
	d := &queueDev{p, state}
	b, err := os.ReadFile(filepath.Join(state, "dev-server.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Token string `json:"token"`
	}
	json.Unmarshal(b, &st)
	c := &pullClient{t: t, base: p.URL + "/cdn-cgi/outpost/client/v4", token: st.Token}
	checkPullAPI(t, c, func() { d.get(t, "/send") }, func(by time.Duration) { d.advance(t, by) }, func() string { return d.get(t, "/pushed") })
}

// TestQueuePullConsumerServe: the pull API on outpost serve's admin
// listener, with the admin token.
func TestQueuePullConsumerServe(t *testing.T) {
	dir := filepath.Join(outposttest.RepoRoot(), "testdata", "queues", "pull")
	n := startServe(t, t.TempDir(), `
state_dir = "state"
[admin]
listen = "%ADMIN%"
token = "`+adminToken+`"
[ops]
listen = "%OPS%"
[queues]
lease = "2s"
[[workers]]
name = "pull"
dir = "`+dir+`"
routes = ["pull.test/*"]
`)
	c := &pullClient{t: t, base: n.admin + "/client/v4", token: adminToken}
	get := func(path string) string {
		code, body := n.hostGet("pull.test", path)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		return body
	}
	// serve runs on the system clock: wait out the 5 s visibility timeout.
	checkPullAPI(t, c, func() { get("/send") }, func(by time.Duration) { time.Sleep(by) }, func() string { return get("/pushed") })
}
