package postgres

import (
	"testing"

	"github.com/outpost-dev/outpost/internal/pgtest"
	"github.com/outpost-dev/outpost/internal/queue"
	"github.com/outpost-dev/outpost/internal/queue/queuetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestConformance(t *testing.T) {
	queuetest.Run(t, func(t *testing.T) queue.Store {
		s, err := Open(t.Context(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
