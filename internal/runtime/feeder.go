package runtime

import (
	"bytes"
	"errors"
	"io"
	"time"
)

// feeder runs a pull-style consumer (a decompressor, an HTML tokenizer) on
// its own goroutine and feeds it the chunks that JavaScript pushes. Between
// calls the consumer is blocked waiting for input, or has returned, so each
// push returns only when the consumer has used the chunk up.
type feeder struct {
	feed    chan []byte   // chunks from push; closed by finish and Close
	hungry  chan struct{} // the consumer used up its input
	done    chan struct{} // the consumer returned
	err     error         // the consumer's result, set before done closes
	stopped bool          // feed is closed (VM thread only)
	// charge, when set, is told how long the VM's thread waited for the
	// consumer: the consumer's CPU spent for the running invocation.
	charge func(time.Duration)

	// The consumer goroutine's side.
	cur    []byte
	closed bool
}

func startFeeder(consume func(r io.Reader) error) (*feeder, error) {
	f := &feeder{feed: make(chan []byte), hungry: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(f.done)
		f.err = consume(feedReader{f})
	}()
	if err := f.wait(); err != nil {
		return nil, err
	}
	return f, nil
}

// wait blocks until the consumer wants input or has returned.
func (f *feeder) wait() error {
	if f.charge != nil {
		start := time.Now()
		defer func() { f.charge(time.Since(start)) }()
	}
	select {
	case <-f.hungry:
		return nil
	case <-f.done:
		return f.err
	}
}

// push hands a chunk to the consumer. It reports errTrailing when the
// consumer had already finished and the chunk is not empty.
func (f *feeder) push(chunk []byte) error {
	if f.stopped {
		return errors.New("the stream has ended")
	}
	select {
	case f.feed <- bytes.Clone(chunk):
	case <-f.done:
		if f.err == nil && len(chunk) > 0 {
			return errTrailing
		}
		return f.err
	}
	return f.wait()
}

var errTrailing = errors.New("trailing bytes after the end of the data")

// finish signals the end of the input and waits for the consumer.
func (f *feeder) finish() error {
	f.stop()
	if f.charge != nil {
		start := time.Now()
		defer func() { f.charge(time.Since(start)) }()
	}
	<-f.done
	return f.err
}

func (f *feeder) stop() {
	if !f.stopped {
		f.stopped = true
		close(f.feed)
	}
}

// Close abandons the input and waits for the consumer to return.
func (f *feeder) Close() error {
	f.stop()
	for {
		select {
		case <-f.hungry:
		case <-f.done:
			return nil
		}
	}
}

// feedReader is the consumer's view of the pushed chunks.
type feedReader struct{ f *feeder }

func (r feedReader) Read(p []byte) (int, error) {
	f := r.f
	for len(f.cur) == 0 {
		if f.closed {
			return 0, io.EOF
		}
		f.hungry <- struct{}{}
		chunk, ok := <-f.feed
		if !ok {
			f.closed = true
			return 0, io.EOF
		}
		f.cur = chunk
	}
	n := copy(p, f.cur)
	f.cur = f.cur[n:]
	return n, nil
}

// ReadByte keeps decompressors from wrapping the reader in a bufio.Reader
// that would read ahead past their end.
func (r feedReader) ReadByte() (byte, error) {
	var b [1]byte
	if _, err := r.Read(b[:]); err != nil {
		return 0, err
	}
	return b[0], nil
}
