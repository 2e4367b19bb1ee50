package logging

import (
	"bytes"
	"io"
	"sync"
	"time"
)

// BatchWriter collects writes and hands them to the underlying writer at
// most every delay, so a busy dev server makes one write system call per
// batch of log lines instead of one per request. Lines keep their order.
type BatchWriter struct {
	mu      sync.Mutex
	w       io.Writer
	buf     bytes.Buffer
	delay   time.Duration
	pending bool
}

// NewBatchWriter returns a BatchWriter over w.
func NewBatchWriter(w io.Writer, delay time.Duration) *BatchWriter {
	return &BatchWriter{w: w, delay: delay}
}

func (b *BatchWriter) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if !b.pending {
		b.pending = true
		time.AfterFunc(b.delay, b.Flush)
	}
	return len(p), nil
}

// Flush writes what is buffered now.
func (b *BatchWriter) Flush() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pending = false
	if b.buf.Len() > 0 {
		b.w.Write(b.buf.Bytes())
		b.buf.Reset()
	}
}
