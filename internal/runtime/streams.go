package runtime

import (
	"errors"
	"fmt"
	"io"
	"runtime/debug"
	"sync"
	"unicode/utf8"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// streamTable holds Go byte streams (request bodies, subrequest response
// bodies) that JavaScript reads by number. A stream made for an invocation
// is closed when the invocation ends, if nothing read it to its end or
// took it over: on Cloudflare a request's I/O objects end with it.
type streamTable struct {
	mu    sync.Mutex
	next  int64
	m     map[int64]io.ReadCloser
	owner map[int64]int64 // the invocation a stream ends with; absent: the instance
}

func (t *streamTable) add(r io.ReadCloser) int64 { return t.addFor(0, r) }

// addFor registers r as a stream of invocation owner (0: of the instance).
func (t *streamTable) addFor(owner int64, r io.ReadCloser) int64 {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[int64]io.ReadCloser{}
		t.owner = map[int64]int64{}
	}
	t.next++
	t.m[t.next] = r
	if owner != 0 {
		t.owner[t.next] = owner
	}
	return t.next
}

func (t *streamTable) get(id int64) io.ReadCloser {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[id]
}

func (t *streamTable) close(id int64) {
	if r := t.take(id); r != nil {
		r.Close()
	}
}

// detach forgets a stream without closing it (its reader is handed on).
func (t *streamTable) detach(id int64) { t.take(id) }

func (t *streamTable) take(id int64) io.ReadCloser {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := t.m[id]
	delete(t.m, id)
	delete(t.owner, id)
	return r
}

// closeOwned closes the streams still open that invocation owner made.
func (t *streamTable) closeOwned(owner int64) {
	var rs []io.ReadCloser
	t.mu.Lock()
	for id, o := range t.owner {
		if o == owner {
			rs = append(rs, t.m[id])
			delete(t.m, id)
			delete(t.owner, id)
		}
	}
	t.mu.Unlock()
	for _, r := range rs {
		r.Close()
	}
}

func (t *streamTable) closeAll() {
	t.mu.Lock()
	m := t.m
	t.m, t.owner = nil, nil
	t.mu.Unlock()
	for _, r := range m {
		r.Close()
	}
}

// streamOwner is the invocation whose end closes a stream made now: the
// running one, unless it is a Durable Object's, whose invocations share
// what they make (as in workerd's actor context); such a stream, like one
// made outside any invocation, lasts until it is read, cancelled, or the
// instance closes. Runs on the VM's thread.
func (in *Instance) streamOwner() int64 {
	if inv := in.current(); inv != nil && !inv.shared {
		return inv.ID
	}
	return 0
}

// streamChunk is how much one streamRead asks of the underlying reader.
const streamChunk = 64 << 10

// chunkBuffers are reused across reads: the bytes are copied into
// JavaScript memory before a buffer goes back.
var chunkBuffers = sync.Pool{New: func() any { b := make([]byte, streamChunk); return &b }}

// streamRead reads the next chunk of a stream off the VM's thread and
// resolves with a Uint8Array, or null at the end.
func (in *Instance) streamRead(c *jsc.Context, id int64) (jsc.Value, error) {
	r := in.streams.get(id)
	if r == nil {
		// Already finished or cancelled: a read after the end is the end.
		return settledPromise(c, func() (jsc.Value, error) { return c.Null(), nil })
	}
	if ra, ok := r.(*readahead); ok {
		return in.readaheadRead(c, id, ra)
	}
	return in.async(c, func() (func(c *jsc.Context) (jsc.Value, error), error) {
		bufp := chunkBuffers.Get().(*[]byte)
		buf := *bufp
		n, err := r.Read(buf)
		for n == 0 && err == nil {
			n, err = r.Read(buf)
		}
		if n > 0 {
			return func(c *jsc.Context) (jsc.Value, error) {
				v, err := c.Bytes(buf[:n])
				chunkBuffers.Put(bufp)
				return v, err
			}, nil
		}
		chunkBuffers.Put(bufp)
		in.streams.close(id)
		if errors.Is(err, io.EOF) {
			return func(c *jsc.Context) (jsc.Value, error) { return c.Null(), nil }, nil
		}
		return nil, err
	})
}

// streamReadAll reads the rest of a stream in one op: a body's text(),
// json(), arrayBuffer() or bytes() when JavaScript never took its stream.
// It resolves with a Uint8Array or, when text is set and the bytes are
// valid UTF-8, with their string (a leading BOM dropped); bytes that are
// not valid UTF-8 stay bytes, for the prelude's decoder to replace as the
// Encoding Standard says. Chunks a subrequest's body has already read
// ahead are taken on the VM's thread, so a body that has arrived whole
// settles without a trip off it.
func (in *Instance) streamReadAll(c *jsc.Context, id int64, text bool) (jsc.Value, error) {
	var buf []byte
	finish := func(c *jsc.Context) (jsc.Value, error) {
		if text {
			b := buf
			if len(b) >= 3 && b[0] == 0xEF && b[1] == 0xBB && b[2] == 0xBF {
				b = b[3:]
			}
			if utf8.Valid(b) {
				return c.String(string(b)), nil
			}
		}
		return c.Bytes(buf)
	}
	r := in.streams.get(id)
	if r == nil {
		// Already finished or cancelled: nothing is left.
		return settledPromise(c, func() (jsc.Value, error) { return finish(c) })
	}
	if ra, ok := r.(*readahead); ok {
		for {
			cr, ok := ra.ready()
			if !ok {
				break
			}
			if cr.buf != nil {
				buf = append(buf, (*cr.buf)[:cr.n]...)
				chunkBuffers.Put(cr.buf)
			}
			if cr.err == nil {
				continue
			}
			in.streams.close(id)
			if !errors.Is(cr.err, io.EOF) {
				return settledPromise(c, func() (jsc.Value, error) { return jsc.Value{}, cr.err })
			}
			return settledPromise(c, func() (jsc.Value, error) { return finish(c) })
		}
	}
	return in.async(c, func() (func(c *jsc.Context) (jsc.Value, error), error) {
		rest, err := io.ReadAll(r)
		in.streams.close(id)
		if err != nil {
			return nil, err
		}
		buf = append(buf, rest...)
		return finish, nil
	})
}

// settledPromise returns a promise settled at once: resolved with what
// make returns, or rejected with its error.
func settledPromise(c *jsc.Context, make func() (jsc.Value, error)) (jsc.Value, error) {
	d, p, err := c.NewPromise()
	if err != nil {
		return p, err
	}
	if v, err := make(); err != nil {
		d.RejectError(err)
	} else {
		d.Resolve(v)
	}
	return p, nil
}

// async runs work off the VM's thread and returns a promise settled with
// what work's finisher makes on the VM's thread (or rejected with its error).
func (in *Instance) async(c *jsc.Context, work func() (func(c *jsc.Context) (jsc.Value, error), error)) (jsc.Value, error) {
	return in.asyncThen(c, work, nil)
}

// asyncThen is async, and then runs then (if not nil) on the same
// goroutine once the finisher is queued: work that goes on after the
// promise settles, such as reading a response's body ahead.
func (in *Instance) asyncThen(c *jsc.Context, work func() (func(c *jsc.Context) (jsc.Value, error), error), then func()) (jsc.Value, error) {
	d, p, err := c.NewPromise()
	if err != nil {
		return p, err
	}
	enqueue := in.vm.RegisterCallback()
	owner := in.cur
	if inv := in.reqs[owner]; inv != nil {
		inv.pending++
	}
	go func() {
		finish, err := in.runWork(work)
		enqueue(func(c *jsc.Context) {
			if inv := in.reqs[owner]; inv != nil {
				inv.pending--
			}
			// What the settled promise runs is work of the same invocation.
			in.within(owner, func() {
				if err != nil {
					d.RejectError(err)
					return
				}
				v, err := finish(c)
				if err != nil {
					d.RejectError(err)
					return
				}
				d.Resolve(v)
			})
		})
		if then != nil {
			then()
		}
	}()
	return p, nil
}

// runWork runs an op's work, turning a panic into an error for that op
// alone (the stack goes to the log).
func (in *Instance) runWork(work func() (func(c *jsc.Context) (jsc.Value, error), error)) (finish func(c *jsc.Context) (jsc.Value, error), err error) {
	defer func() {
		if r := recover(); r != nil {
			in.log.Error(fmt.Sprintf("internal error (a Go panic) in an operation of the worker: %v\n%s", r, debug.Stack()))
			finish, err = nil, errInternal
		}
	}()
	return work()
}
