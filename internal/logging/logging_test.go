package logging

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"
)

type lockedBuffer struct {
	mu     sync.Mutex
	b      bytes.Buffer
	writes int
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.writes++
	return l.b.Write(p)
}

func TestBatchWriterKeepsOrderAndBatches(t *testing.T) {
	out := &lockedBuffer{}
	bw := NewBatchWriter(out, 20*time.Millisecond)
	for i := 0; i < 100; i++ {
		fmt.Fprintf(bw, "line %d\n", i)
	}
	time.Sleep(60 * time.Millisecond)
	out.mu.Lock()
	defer out.mu.Unlock()
	lines := strings.Split(strings.TrimSpace(out.b.String()), "\n")
	if len(lines) != 100 || lines[0] != "line 0" || lines[99] != "line 99" {
		t.Fatalf("got %d lines: %q…", len(lines), lines[0])
	}
	if out.writes > 2 {
		t.Errorf("%d writes for 100 lines: not batched", out.writes)
	}
}

func TestDevHandler(t *testing.T) {
	var b bytes.Buffer
	l := slog.New(NewDev(&b, slog.LevelInfo)).With("worker", "w")
	l.Info("GET / 200 OK (1ms)")
	l.Warn("careful", "field", "x")
	l.Error("broken")
	l.Debug("hidden")
	got := b.String()
	for _, want := range []string{"GET / 200 OK (1ms)\n", "▲ [WARNING] careful field=x\n", "✘ [ERROR] broken\n"} {
		if !strings.Contains(got, want) {
			t.Errorf("missing %q in %q", want, got)
		}
	}
	if strings.Contains(got, "hidden") || strings.Contains(got, "worker=") {
		t.Errorf("unexpected output %q", got)
	}
}
