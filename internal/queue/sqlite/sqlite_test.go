package sqlite

import (
	"path/filepath"
	"testing"

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
