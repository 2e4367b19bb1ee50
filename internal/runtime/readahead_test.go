package runtime

import (
	"errors"
	"io"
	"strings"
	"sync"
	"testing"
	"testing/iotest"
	"time"
)

// A body passed on to a Go consumer reads the same through readahead,
// a failure after some bytes included.
func TestReadaheadRead(t *testing.T) {
	want := strings.Repeat("0123456789", 20000) // several chunks
	closed := false
	ra := newReadahead(io.NopCloser(iotest.HalfReader(strings.NewReader(want))), -1, func() { closed = true })
	got, err := io.ReadAll(ra)
	if err != nil || string(got) != want {
		t.Fatalf("read %d bytes, err %v; want %d bytes", len(got), err, len(want))
	}
	ra.Close()
	if !closed {
		t.Fatal("Close did not run the done function")
	}

	boom := errors.New("connection reset")
	ra = newReadahead(io.NopCloser(iotest.DataErrReader(io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom)))), -1, nil)
	got, err = io.ReadAll(ra)
	if string(got) != "partial" || !errors.Is(err, boom) {
		t.Fatalf("got %q, %v; want the bytes before the failure, then the failure", got, err)
	}
	ra.Close()
}

// Closing before the body is read stops the goroutine reading ahead.
func TestReadaheadCloseUnread(t *testing.T) {
	pr, pw := io.Pipe()
	ra := newReadahead(pr, -1, nil)
	go pw.Write([]byte("first"))
	r, err := ra.wait()
	if err != nil || string((*r.buf)[:r.n]) != "first" {
		t.Fatalf("first chunk: %v", err)
	}
	ra.Close() // the reader is blocked in Read; closing the pipe ends it
	if r, err := ra.wait(); err == nil && r.err == nil {
		t.Fatal("a read after Close succeeded")
	}
}

// closeSignal is a pipe's reading end that says when it was closed.
type closeSignal struct {
	*io.PipeReader
	closed chan struct{}
	once   sync.Once
}

func (c *closeSignal) Close() error {
	c.once.Do(func() { close(c.closed) })
	return c.PipeReader.Close()
}

// Closed before its end, a body of small known length is read to its end
// (so that its connection can carry another response) and then closed;
// one of unknown or large length is closed at once.
func TestReadaheadCloseDrainsSmallBody(t *testing.T) {
	pr, pw := io.Pipe()
	src := &closeSignal{PipeReader: pr, closed: make(chan struct{})}
	ra := newReadahead(src, 10, nil)
	ra.Close()
	select {
	case <-src.closed:
		t.Fatal("a small body was closed before its rest was read")
	default:
	}
	if _, err := pw.Write([]byte("0123456789")); err != nil {
		t.Fatalf("the rest of a small body was not read: %v", err)
	}
	pw.Close()
	select {
	case <-src.closed:
	case <-time.After(10 * time.Second):
		t.Fatal("a drained body was never closed")
	}

	for _, length := range []int64{-1, drainMax + 1} {
		pr, pw := io.Pipe()
		src := &closeSignal{PipeReader: pr, closed: make(chan struct{})}
		ra := newReadahead(src, length, nil)
		ra.Close()
		select {
		case <-src.closed:
		case <-time.After(10 * time.Second):
			t.Fatalf("length %d: the body was not closed at once", length)
		}
		if _, err := pw.Write([]byte("x")); err == nil {
			t.Fatalf("length %d: the body was read after it was closed", length)
		}
	}
}

// A small body whose rest never comes is closed after drainTime.
func TestReadaheadDrainGivesUp(t *testing.T) {
	pr, _ := io.Pipe()
	src := &closeSignal{PipeReader: pr, closed: make(chan struct{})}
	ra := newReadahead(src, 10, nil)
	start := time.Now()
	ra.Close()
	select {
	case <-src.closed:
		if d := time.Since(start); d < drainTime/2 {
			t.Fatalf("closed after %s, before the rest had its time", d)
		}
	case <-time.After(drainTime + 10*time.Second):
		t.Fatal("a body whose rest never came was never closed")
	}
}
