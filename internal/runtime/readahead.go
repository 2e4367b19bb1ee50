package runtime

import (
	"errors"
	"io"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// readahead reads a subrequest's body one chunk ahead on its own
// goroutine. A read from JavaScript that finds the next chunk already
// there settles on the VM's thread at once, without a trip off the thread
// and back; and a chunk that ends the body says so, so that reading the
// end costs no trip either. Backpressure stays: at most one chunk waits.
//
// A body closed before it was read to its end costs Go's client the
// connection, which cannot carry another response until this one's bytes
// are gone. A rest of known, small length is instead read to its end and
// dropped, so that the connection goes back to the pool.
type readahead struct {
	src   io.ReadCloser
	drain bool        // on Close, read the rest to its end instead of dropping it
	ended atomic.Bool // run has returned: the body ended or failed
	next  chan chunkResult
	stop  chan struct{}
	once  sync.Once
	done  func() // on Close (nil: nothing)

	// Used by Read (a consumer in Go after the stream was handed on).
	rest  []byte
	restp *[]byte
	err   error
}

// chunkResult is one read: n bytes of *buf, then err (io.EOF: the body
// ends with these bytes).
type chunkResult struct {
	buf *[]byte
	n   int
	err error
}

// The rest of a body that Close reads to its end: at most drainMax bytes
// (its length known from Content-Length), given drainTime to arrive.
const (
	drainMax  = 64 << 10
	drainTime = time.Second
)

// newReadahead starts reading src ahead on a goroutine of its own; length
// is its length if known (Content-Length), or -1.
func newReadahead(src io.ReadCloser, length int64, done func()) *readahead {
	ra := makeReadahead(src, length, done)
	go ra.run()
	return ra
}

// makeReadahead is a readahead whose caller runs ra.run on a goroutine
// that has nothing else left to do (an op's own, once its result is
// queued), sparing one.
func makeReadahead(src io.ReadCloser, length int64, done func()) *readahead {
	return &readahead{src: src, done: done, next: make(chan chunkResult, 1), stop: make(chan struct{}),
		drain: length >= 0 && length <= drainMax}
}

func (ra *readahead) run() {
	for {
		bufp := chunkBuffers.Get().(*[]byte)
		n, err := ra.src.Read(*bufp)
		for n == 0 && err == nil {
			n, err = ra.src.Read(*bufp)
		}
		if n > 0 && err != nil && !errors.Is(err, io.EOF) {
			// Deliver the bytes first, the failure on the next read.
			if !ra.send(chunkResult{buf: bufp, n: n}) {
				ra.closed()
				return
			}
			bufp, n = nil, 0
		}
		if err != nil {
			// Said before the last send, so that a Close right after the
			// consumer takes it finds the body over.
			ra.ended.Store(true)
		}
		if !ra.send(chunkResult{buf: bufp, n: n, err: err}) {
			ra.closed()
			return
		}
		if err != nil {
			return
		}
	}
}

// closed ends the reading of a body closed before its end: one to drain
// is read to its end here, then closed (Close left that to this goroutine).
func (ra *readahead) closed() {
	if ra.drain {
		io.CopyN(io.Discard, ra.src, drainMax+1)
		ra.src.Close()
	}
}

func (ra *readahead) send(r chunkResult) bool {
	select {
	case ra.next <- r:
		return true
	case <-ra.stop:
		if r.buf != nil {
			chunkBuffers.Put(r.buf)
		}
		return false
	}
}

// ready returns the next chunk if it has arrived.
func (ra *readahead) ready() (chunkResult, bool) {
	select {
	case r := <-ra.next:
		return r, true
	default:
		return chunkResult{}, false
	}
}

// wait blocks for the next chunk.
func (ra *readahead) wait() (chunkResult, error) {
	select {
	case r := <-ra.next:
		return r, nil
	case <-ra.stop:
		return chunkResult{}, errors.New("the body was closed")
	}
}

// Read serves a consumer in Go (a body passed through as it is).
func (ra *readahead) Read(p []byte) (int, error) {
	for len(ra.rest) == 0 {
		if ra.restp != nil {
			chunkBuffers.Put(ra.restp)
			ra.restp = nil
		}
		if ra.err != nil {
			return 0, ra.err
		}
		r, err := ra.wait()
		if err != nil {
			return 0, err
		}
		if r.buf != nil {
			ra.restp, ra.rest = r.buf, (*r.buf)[:r.n]
		}
		ra.err = r.err
	}
	n := copy(p, ra.rest)
	ra.rest = ra.rest[n:]
	return n, nil
}

func (ra *readahead) Close() error {
	var err error
	ra.once.Do(func() {
		close(ra.stop)
		if ra.drain && !ra.ended.Load() {
			// The goroutine reading ahead drains src and closes it; a rest
			// that does not come in time is dropped after all.
			time.AfterFunc(drainTime, func() { ra.src.Close() })
		} else {
			err = ra.src.Close()
		}
		if ra.done != nil {
			ra.done()
		}
	})
	return err
}

// settleChunk turns a chunk into what streamRead resolves with: a
// Uint8Array, or null at the end. A chunk that ends the body closes the
// stream, so the next read finds it gone and resolves null at once.
func (in *Instance) settleChunk(c *jsc.Context, id int64, r chunkResult) (jsc.Value, error) {
	if r.err != nil {
		in.streams.close(id)
	}
	if r.n > 0 {
		v, err := c.Bytes((*r.buf)[:r.n])
		chunkBuffers.Put(r.buf)
		return v, err
	}
	if r.buf != nil {
		chunkBuffers.Put(r.buf)
	}
	if r.err == nil || errors.Is(r.err, io.EOF) {
		return c.Null(), nil
	}
	return jsc.Value{}, r.err
}

// readaheadRead is streamRead of a readahead stream.
func (in *Instance) readaheadRead(c *jsc.Context, id int64, ra *readahead) (jsc.Value, error) {
	if r, ok := ra.ready(); ok {
		return settledPromise(c, func() (jsc.Value, error) { return in.settleChunk(c, id, r) })
	}
	return in.async(c, func() (func(c *jsc.Context) (jsc.Value, error), error) {
		r, err := ra.wait()
		if err != nil {
			return nil, err
		}
		return func(c *jsc.Context) (jsc.Value, error) { return in.settleChunk(c, id, r) }, nil
	})
}
