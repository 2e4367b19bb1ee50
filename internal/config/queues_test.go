package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func loadText(t *testing.T, name, text string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(dir, "src"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "src", "index.js"), []byte("export default {}"), 0o644); err != nil {
		t.Fatal(err)
	}
	return Load(Options{Dir: dir})
}

func TestQueues(t *testing.T) {
	c, err := loadText(t, "wrangler.toml", `
name = "q"
main = "src/index.js"
compatibility_date = "2025-01-01"
[[queues.producers]]
binding = "JOBS"
queue = "jobs"
delivery_delay = 30
[[queues.consumers]]
queue = "jobs"
[[queues.consumers]]
queue = "emails"
max_batch_size = 50
max_batch_timeout = 0.5
max_retries = 0
dead_letter_queue = "emails-dlq"
max_concurrency = 4
retry_delay = 120
`)
	if err != nil {
		t.Fatal(err)
	}
	if want := []QueueProducer{{Binding: "JOBS", Queue: "jobs", DeliveryDelay: 30}}; !reflect.DeepEqual(c.QueueProducers, want) {
		t.Errorf("producers = %+v, want %+v", c.QueueProducers, want)
	}
	want := []QueueConsumer{
		{Queue: "jobs", MaxBatchSize: 10, MaxBatchTimeout: 5, MaxRetries: 3},
		{Queue: "emails", MaxBatchSize: 50, MaxBatchTimeout: 0.5, MaxRetries: 0, DeadLetterQueue: "emails-dlq", MaxConcurrency: 4, RetryDelay: 120},
	}
	if !reflect.DeepEqual(c.QueueConsumers, want) {
		t.Errorf("consumers = %+v, want %+v", c.QueueConsumers, want)
	}
	for _, w := range c.Warnings {
		if strings.Contains(w, "queues") {
			t.Errorf("unexpected warning %q", w)
		}
	}
}

func TestQueuesPullConsumer(t *testing.T) {
	c, err := loadText(t, "wrangler.jsonc", `{"name": "q", "main": "src/index.js", "compatibility_date": "2025-01-01",
		"queues": {"consumers": [{"queue": "jobs", "type": "http_pull", "visibility_timeout_ms": 5000, "max_retries": 5, "dead_letter_queue": "dlq"}]}}`)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.QueueConsumers) != 1 || !c.QueueConsumers[0].Pull || c.QueueConsumers[0].VisibilityTimeoutMs != 5000 || c.QueueConsumers[0].MaxRetries != 5 || c.QueueConsumers[0].DeadLetterQueue != "dlq" {
		t.Errorf("consumers %+v", c.QueueConsumers)
	}
	if _, err := loadText(t, "wrangler.jsonc", `{"name": "q", "main": "src/index.js", "compatibility_date": "2025-01-01",
		"queues": {"consumers": [{"queue": "jobs", "type": "push"}]}}`); err == nil || !strings.Contains(err.Error(), `queues.consumers[0].type: expected "worker" or "http_pull", found "push"`) {
		t.Errorf("type push: %v", err)
	}
}

func TestQueuesLimits(t *testing.T) {
	for _, tc := range []struct{ entry, want string }{
		{`"producers": [{"binding": "J", "queue": "jobs", "delivery_delay": 43201}]`, `queues.producers[0].delivery_delay: expected a whole number from 0 to 43200, found 43201`},
		{`"producers": [{"binding": "J"}]`, `missing required field "queue"`},
		{`"producers": [{"binding": "J", "queue": "bad name"}]`, `expected a queue name of 1 to 63 letters`},
		{`"consumers": [{"queue": "jobs", "max_batch_size": 101}]`, `max_batch_size: expected a whole number from 1 to 100, found 101`},
		{`"consumers": [{"queue": "jobs", "max_batch_timeout": 61}]`, `max_batch_timeout: expected a number of seconds from 0 to 60, found 61`},
		{`"consumers": [{"queue": "jobs", "max_retries": 101}]`, `max_retries: expected a whole number from 0 to 100, found 101`},
		{`"consumers": [{"queue": "jobs", "max_concurrency": 251}]`, `max_concurrency: expected a whole number from 1 to 250, found 251`},
		{`"consumers": [{"queue": "jobs", "retry_delay": 50000}]`, `retry_delay: expected a whole number from 0 to 43200, found 50000`},
		{`"consumers": [{"queue": "jobs", "dead_letter_queue": "jobs"}]`, `cannot be its own dead letter queue`},
		{`"consumers": [{"queue": "jobs"}, {"queue": "jobs"}]`, `queue "jobs" has two consumers`},
	} {
		_, err := loadText(t, "wrangler.json", `{"name": "q", "main": "src/index.js", "compatibility_date": "2025-01-01", "queues": {`+tc.entry+`}}`)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want %q", tc.entry, err, tc.want)
		}
	}
}
