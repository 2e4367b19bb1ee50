package sqlite

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/queue"
	"github.com/outpost-dev/outpost/internal/queue/queuetest"
)

func TestConformance(t *testing.T) {
	queuetest.Run(t, func(t *testing.T) queue.Store {
		s, err := Open(filepath.Join(t.TempDir(), "q.sqlite"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// BenchmarkPendingBacklog is a consumer's poll of a queue with 100,000
// ready messages: it counts up to a batch, not the backlog.
func BenchmarkPendingBacklog(b *testing.B) {
	s, err := Open(filepath.Join(b.TempDir(), "q.sqlite"))
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.UnixMilli(1_700_000_000_000)
	for i := 0; i < 100; i++ {
		rows := make([]queue.Row, 1000)
		for j := range rows {
			rows[j] = queue.Row{ID: fmt.Sprintf("m%d-%d", i, j), Body: []byte("x"), ContentType: "text", SentAt: now, VisibleAt: now}
		}
		if err := s.Insert(ctx, "q", rows); err != nil {
			b.Fatal(err)
		}
	}
	b.ResetTimer()
	for b.Loop() {
		if p, err := s.Pending(ctx, "q", now, 100); err != nil || p.Ready != 100 {
			b.Fatal(p, err)
		}
	}
}
