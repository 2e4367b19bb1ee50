package platform

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"

	"github.com/outpost-dev/outpost/internal/runtime"
)

type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// TestOneConsumerPerQueue: a second worker consuming a queue that has a
// consumer on this node is refused with a log line; a new version of the
// same worker takes its place.
func TestOneConsumerPerQueue(t *testing.T) {
	var log syncBuf
	n, err := Open(context.Background(), Options{StateDir: t.TempDir(), Logger: slog.New(slog.NewTextHandler(&log, nil))})
	if err != nil {
		t.Fatal(err)
	}
	defer n.Close()
	none := func() *runtime.Worker { return nil }
	consumers := []QueueConsumer{{Queue: "jobs", MaxBatchSize: 10, MaxRetries: 3}}
	v1, stop1 := context.WithCancel(context.Background())
	n.StartConsumers(v1, "a", consumers, none)
	n.StartConsumers(context.Background(), "b", consumers, none)
	if !strings.Contains(log.String(), "queue jobs already has a consumer, worker a") {
		t.Fatalf("log: %s", log.String())
	}
	// Worker a's next version replaces the first.
	v2, stop2 := context.WithCancel(context.Background())
	defer stop2()
	n.StartConsumers(v2, "a", consumers, none)
	stop1()
	if other := n.claimQueue(context.Background(), "jobs", "b"); other != "a" {
		t.Fatalf("after a's first version stopped, the queue's consumer is %q, want a", other)
	}
}
