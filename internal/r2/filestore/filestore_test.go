package filestore

import (
	"testing"

	"github.com/outpost-dev/outpost/internal/r2"
	"github.com/outpost-dev/outpost/internal/r2/r2test"
)

func TestConformance(t *testing.T) {
	r2test.Run(t, func(t *testing.T) r2.Store {
		s, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}, r2test.Quirks{})
}
