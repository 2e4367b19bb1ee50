package runtime

import (
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

// A body passed on to a Go consumer reads the same through readahead,
// a failure after some bytes included.
func TestReadaheadRead(t *testing.T) {
	want := strings.Repeat("0123456789", 20000) // several chunks
	closed := false
	ra := newReadahead(io.NopCloser(iotest.HalfReader(strings.NewReader(want))), func() { closed = true })
	got, err := io.ReadAll(ra)
	if err != nil || string(got) != want {
		t.Fatalf("read %d bytes, err %v; want %d bytes", len(got), err, len(want))
	}
	ra.Close()
	if !closed {
		t.Fatal("Close did not run the done function")
	}

	boom := errors.New("connection reset")
	ra = newReadahead(io.NopCloser(iotest.DataErrReader(io.MultiReader(strings.NewReader("partial"), iotest.ErrReader(boom)))), nil)
	got, err = io.ReadAll(ra)
	if string(got) != "partial" || !errors.Is(err, boom) {
		t.Fatalf("got %q, %v; want the bytes before the failure, then the failure", got, err)
	}
	ra.Close()
}

// Closing before the body is read stops the goroutine reading ahead.
func TestReadaheadCloseUnread(t *testing.T) {
	pr, pw := io.Pipe()
	ra := newReadahead(pr, nil)
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
