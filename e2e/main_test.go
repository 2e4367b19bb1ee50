package e2e

import (
	"os"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

func TestMain(m *testing.M) {
	code := m.Run()
	outposttest.RemoveBinary()
	os.Exit(code)
}
