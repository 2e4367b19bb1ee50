package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// Request is an incoming request handed to a worker.
type Request struct {
	Method string
	URL    string // absolute
	Header http.Header
	Body   io.ReadCloser // nil when there is none
	// CF is request.cf. Requests may share one map: it is never changed.
	CF map[string]any
	// Depth counts the workers this request already passed through
	// (service bindings); 0 for a request from a client.
	Depth int
	// Entrypoint names the exported class that handles the request (a
	// service binding's entrypoint); "" is the default export.
	Entrypoint string
	// Object, when set, sends the request to a Durable Object of this
	// worker instead (stub.fetch()).
	Object *ObjectAddress
}

// ObjectAddress names one Durable Object of a worker.
type ObjectAddress struct {
	Class string
	ID    string // 64 hex digits
	Name  string // the name it was made from, if any
}

// Response is what the worker answered.
type Response struct {
	Status     int
	StatusText string
	Header     http.Header
	// Body streams the worker's response body; nil when there is none.
	// Read it to the end or Close it: the invocation ends then.
	Body io.ReadCloser
	// ContentLength is the body's size when known up front, else -1.
	ContentLength int64
	// PassThrough asks the caller to send the original request to the
	// origin instead (passThroughOnException, or a service-worker listener
	// that never called respondWith).
	PassThrough bool
	// WebSocket is set for a 101 response with a webSocket: the caller
	// connects it to the client (Serve) or rejects it.
	WebSocket *WebSocket
	// Encoded says the body's bytes are already in the Content-Encoding
	// the header names (encodeBody: "manual", or a fetch() body returned
	// unread); otherwise a gzip or br Content-Encoding asks the server to
	// encode the body, as workerd does.
	Encoded bool
}

// WaitUntilLimit is how long waitUntil work may run after the response.
const WaitUntilLimit = 30 * time.Second

// ErrBroken is returned for work handed to an instance that was stopped.
var ErrBroken = errors.New("the worker instance was stopped")

// errNotStarted is ErrBroken for a request that never reached JavaScript
// and can be retried elsewhere.
var errNotStarted = fmt.Errorf("%w before the request started", ErrBroken)

// Fetch runs the worker's fetch handler for req.
func (in *Instance) Fetch(ctx context.Context, req *Request) (*Response, error) {
	if in.Broken() {
		// Retired or stopped after the worker picked it: the request has
		// not started, so the worker may send it to another instance.
		return nil, errNotStarted
	}
	in.begin()
	in.background.Add(1)
	type result struct {
		resp *Response
		err  error
	}
	done := make(chan result, 1)
	// The first result wins: the handler's, or a limit's or hang
	// detection's (the handler may still settle later, unheard).
	deliver := func(r result) {
		select {
		case done <- r:
		default:
		}
	}
	var reqID int64
	finish := func(id int64) { in.finishRequest(id) }
	var sid int64
	if req.Body != nil {
		sid = in.streams.add(req.Body)
	}
	what := req.Method + " " + pathOf(req.URL)
	err := in.vm.Enqueue(func(c *jsc.Context) {
		if in.vm.Terminated() || in.hooks == nil {
			// Stopped while this request waited: it never started, so the
			// caller may run it on another instance.
			deliver(result{nil, errNotStarted})
			return
		}
		inv := in.newInvocation("fetch", req.Depth, ctx)
		inv.shared = req.Object != nil
		inv.onFail = func(err error) { deliver(result{nil, err}) }
		reqID = inv.ID
		// A client that leaves before the response ends the wait below,
		// and with it the invocation (finishRequest): its work (its
		// subrequests, storage calls) is canceled, unless waitUntil work
		// must go on.
		args, err := in.requestArgs(c, req, sid, reqID)
		if err != nil {
			deliver(result{nil, err})
			return
		}
		hooks := in.hooks.Value()
		if in.fetchArgs == nil {
			in.fetchArgs = hooks.Get("fetchArgs").Keep()
		}
		in.within(reqID, func() {
			err = in.fetchArgs.Value().CallThen(hooks, args, func(v jsc.Value) {
				inv.responded = true
				if inv.failed != nil {
					return
				}
				resp, err := in.responseFromJS(c, v, reqID)
				if resp != nil {
					if b, ok := resp.Body.(*jsBody); ok {
						b.req = reqID
					}
				}
				deliver(result{resp, err})
			}, func(v jsc.Value) {
				inv.responded = true
				deliver(result{nil, in.errorFromValue(what, v)})
			})
		})
		if err != nil {
			deliver(result{nil, in.scriptError(what, err)})
		}
	})
	if err != nil {
		in.inflight.Add(-1)
		in.background.Done()
		return nil, ErrBroken
	}
	var res result
	wall := time.NewTimer(in.wallLimit())
	select {
	case res = <-done:
	case <-in.vm.Done():
		res = result{nil, ErrBroken}
	case <-ctx.Done():
		// The client left (or the calling invocation ended): nobody
		// waits for the answer; the invocation ends below.
		res = result{nil, ctx.Err()}
	case <-wall.C:
		res = result{nil, &ScriptError{Name: "Error", Limit: true, Resources: true,
			Message: fmt.Sprintf("Worker exceeded its wall-clock limit: no response within %s.", in.wallLimit())}}
		in.host.Log(in.cfg.Name, "error", "Uncaught "+res.err.Error())
	}
	wall.Stop()
	if res.err == nil && res.resp.WebSocket != nil {
		// The invocation lasts as long as the WebSocket, as on Cloudflare.
		ws := res.resp.WebSocket
		go func() {
			<-ws.Done()
			in.inflight.Add(-1)
			in.enqueueFinish(reqID, finish)
		}()
		return res.resp, nil
	}
	in.inflight.Add(-1)
	if res.err == errNotStarted {
		in.streams.detach(sid)
		in.background.Done()
		in.broken.Store(true)
		return nil, res.err
	}
	if sid != 0 && (res.err != nil || res.resp == nil || res.resp.Body == nil) {
		// Nothing will read the request body any more.
		defer in.streams.close(sid)
	}
	if res.err != nil || res.resp.Body == nil {
		// reqID is read on the VM's thread: when the wait ended without an
		// answer (client gone, wall-clock limit) the request's task may
		// not have run yet, and runs before this one.
		if err := in.vm.Enqueue(func(c *jsc.Context) { finish(reqID) }); err != nil {
			in.background.Done()
		}
		if res.err != nil {
			if in.vm.Terminated() {
				in.broken.Store(true)
			}
			return nil, res.err
		}
		return res.resp, nil
	}
	body := res.resp.Body.(*jsBody)
	body.ctx = ctx
	body.onDone = func() { in.enqueueFinish(reqID, finish) }
	return res.resp, nil
}

func (in *Instance) enqueueFinish(id int64, finish func(int64)) {
	if err := in.vm.Enqueue(func(c *jsc.Context) { finish(id) }); err != nil {
		in.background.Done()
	}
}

func pathOf(u string) string {
	if i := strings.Index(u, "://"); i >= 0 {
		rest := u[i+3:]
		if j := strings.IndexByte(rest, '/'); j >= 0 {
			return rest[j:]
		}
		return "/"
	}
	return u
}

// finishRequest is called on the VM's thread once the response has been
// sent: the invocation ends when its waitUntil promises settle, or after
// WaitUntilLimit.
func (in *Instance) finishRequest(id int64) {
	st := in.reqs[id]
	if st == nil {
		in.background.Done()
		return
	}
	if st.waitUntil == 0 {
		in.endInvocation(id)
		in.background.Done()
		return
	}
	go func() {
		select {
		case <-st.done:
		case <-time.After(WaitUntilLimit):
			in.host.Log(in.cfg.Name, "warn", "waitUntil() tasks did not complete within the allowed time ("+
				WaitUntilLimit.String()+") after the response was sent and were abandoned")
		}
		if in.vm.Enqueue(func(c *jsc.Context) { in.endInvocation(id) }) != nil {
			st.cancel()
		}
		in.background.Done()
	}()
}

// waitUntil tracks a promise handed to ctx.waitUntil / event.waitUntil.
func (in *Instance) waitUntil(c *jsc.Context, id int64, p jsc.Value) {
	st := in.reqs[id]
	if st == nil {
		return
	}
	st.waitUntil++
	settle := func() {
		st.waitUntil--
		if st.waitUntil == 0 {
			select {
			case <-st.done:
			default:
				close(st.done)
			}
		}
	}
	err := p.Then(func(jsc.Value) { settle() }, func(reason jsc.Value) {
		se := in.errorFromValue("", reason)
		in.host.Log(in.cfg.Name, "error", "Uncaught (in waitUntil) "+se.Error())
		settle()
	})
	if err != nil {
		settle()
	}
}

// requestArgs are the arguments of hooks.fetchArgs: method, url, headers,
// body stream id (or null), request.cf as JSON text, invocation id.
func (in *Instance) requestArgs(c *jsc.Context, req *Request, sid, reqID int64) ([]jsc.Value, error) {
	hs, err := headersToJS(c, req.Header)
	if err != nil {
		return nil, err
	}
	body := c.Null()
	if sid != 0 {
		body = c.Number(float64(sid))
	}
	cf, err := in.cfToJS(c, req.CF)
	if err != nil {
		return nil, err
	}
	object := c.Null()
	if o := req.Object; o != nil {
		object = c.Object()
		object.Set("class", c.String(o.Class))
		object.Set("id", c.String(o.ID))
		object.Set("name", c.String(o.Name))
	}
	return []jsc.Value{in.constString(c, req.Method), c.String(req.URL), hs, body, cf, c.Number(float64(reqID)), in.constString(c, req.Entrypoint), object}, nil
}

// constString gives s as a JavaScript string kept for the instance's life
// when it is one of the few strings most requests repeat (methods, the
// default entrypoint): strings are immutable, so one value serves them all.
func (in *Instance) constString(c *jsc.Context, s string) jsc.Value {
	switch s {
	case "", "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS":
	default:
		return c.String(s)
	}
	h, ok := in.consts[s]
	if !ok {
		if in.consts == nil {
			in.consts = map[string]*jsc.Handle{}
		}
		h = c.String(s).Keep()
		in.consts[s] = h
	}
	return h.Value()
}

// cfToJS gives request.cf as JSON text (the prelude parses it when read).
// The properties of one client's requests rarely change, so the text of
// the last flat cf is kept, with its JavaScript string, and reused while
// the next request's cf equals it.
func (in *Instance) cfToJS(c *jsc.Context, cf map[string]any) (jsc.Value, error) {
	if in.lastCF.js != nil && flatEqual(in.lastCF.m, cf) {
		return in.lastCF.js.Value(), nil
	}
	text, err := json.Marshal(cf)
	if err != nil {
		return jsc.Value{}, err
	}
	v := c.String(string(text))
	if isFlat(cf) {
		if in.lastCF.js != nil {
			in.lastCF.js.Release()
		}
		in.lastCF.m, in.lastCF.js = maps.Clone(cf), v.Keep()
	}
	return v, nil
}

// isFlat reports whether every value of m is a string, number or boolean.
func isFlat(m map[string]any) bool {
	for _, v := range m {
		switch v.(type) {
		case string, bool, int, int64, float64:
		default:
			return false
		}
	}
	return true
}

// flatEqual compares a flat map with any other (one that is not flat, whose
// values may not be comparable, is unequal).
func flatEqual(flat, m map[string]any) bool {
	if m == nil || len(flat) != len(m) || !isFlat(m) {
		return false
	}
	for k, v := range m {
		if w, ok := flat[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func errNotResponse() error {
	return &ScriptError{Name: "TypeError", Message: "Incorrect type for Promise: the Promise did not resolve to 'Response'."}
}

// responseFromJS reads the prelude's result (toHostResult): { head, body }
// with head "status\nstatusText\nencodeBody\nwebSocket id\nheaders", or
// { passThrough: true }. Runs on the VM's thread.
func (in *Instance) responseFromJS(c *jsc.Context, v jsc.Value, reqID int64) (*Response, error) {
	if !v.IsObject() {
		return nil, errNotResponse()
	}
	head := v.Get("head")
	if !head.IsString() {
		if v.Get("passThrough").Bool() {
			return &Response{PassThrough: true}, nil
		}
		return nil, errNotResponse()
	}
	fields := strings.SplitN(head.String(), "\n", 5)
	if len(fields) != 5 {
		return nil, fmt.Errorf("malformed response head %q", head.String())
	}
	status, err := strconv.Atoi(fields[0])
	if err != nil {
		return nil, fmt.Errorf("malformed response status %q", fields[0])
	}
	h, err := parseHeaderString(fields[4])
	if err != nil {
		return nil, err
	}
	resp := &Response{
		Status:        status,
		StatusText:    fields[1],
		Header:        h,
		ContentLength: -1,
		Encoded:       fields[2] == "manual",
	}
	if fields[3] != "" {
		id, _ := strconv.ParseInt(fields[3], 10, 64)
		s := in.sockets.get(id)
		if s == nil {
			return nil, &ScriptError{Name: "TypeError", Message: "the response's WebSocket is already closed"}
		}
		resp.WebSocket = &WebSocket{s: s}
	}
	body := v.Get("body")
	switch {
	case body.IsNullish():
		resp.ContentLength = 0
	case body.IsString():
		buf := body.StringBytes()
		resp.Body = &jsBody{in: in, buf: buf, eof: true}
		resp.ContentLength = int64(len(buf))
	default:
		if b, ok := body.BytesView(); ok {
			resp.Body = &jsBody{in: in, buf: bytes.Clone(b), eof: true}
			resp.ContentLength = int64(len(b))
		} else if sid := body.Get("sid"); sid.IsNumber() && in.streams.get(sid.Int()) != nil {
			// A host stream handed back untouched (a fetch() or cache body
			// passed to new Response): Go reads it directly.
			src := in.streams.get(sid.Int())
			in.streams.detach(sid.Int())
			if n := body.Get("length"); n.IsNumber() && n.Float() >= 0 {
				resp.ContentLength = int64(n.Float())
			}
			if eb, ok := src.(*encodedBody); ok {
				// Decoded, its length is unknown; still in the encoding
				// its header names, the bytes go out as they came, not
				// decoded and encoded again.
				resp.ContentLength = -1
				if raw, unread := eb.rawIfUnread(); unread && eb.encoding == contentEncoding(h) && !resp.Encoded {
					src, resp.Encoded = raw, true
				}
			}
			resp.Body = &jsBody{in: in, src: src}
		} else if body.Get("read").IsFunction() {
			resp.Body = &jsBody{in: in, reader: body.Keep()}
			if n := body.Get("length"); n.IsNumber() && n.Float() >= 0 {
				resp.ContentLength = int64(n.Float())
			}
		} else {
			return nil, &ScriptError{Name: "TypeError", Message: "the response body is not a byte source"}
		}
	}
	return resp, nil
}

// jsBody is a worker's response body as an io.ReadCloser: for a streamed
// body each Read pulls the next chunk from JavaScript on the VM's thread.
type jsBody struct {
	in     *Instance
	buf    []byte
	eof    bool
	err    error
	reader *jsc.Handle     // { read(), cancel() }, released on the VM's thread
	src    io.ReadCloser   // a host stream the body is, read without JavaScript
	ctx    context.Context // the request's; when it ends (the client left) the stream is canceled
	req    int64           // the invocation that produced it
	onDone func()
	once   sync.Once
}

func (b *jsBody) Read(p []byte) (int, error) {
	if b.src != nil {
		n, err := b.src.Read(p)
		if err != nil {
			b.finish(false)
		}
		return n, err
	}
	for len(b.buf) == 0 {
		if b.err != nil {
			return 0, b.err
		}
		if b.eof || b.reader == nil {
			b.finish(false)
			return 0, io.EOF
		}
		b.pull()
	}
	n := copy(p, b.buf)
	b.buf = b.buf[n:]
	return n, nil
}

// WriteTo writes the body chunk by chunk as JavaScript produces it, with no
// intermediate buffer (io.Copy uses it).
func (b *jsBody) WriteTo(w io.Writer) (int64, error) {
	if b.src != nil {
		bufp := chunkBuffers.Get().(*[]byte)
		defer chunkBuffers.Put(bufp)
		n, err := io.CopyBuffer(w, struct{ io.Reader }{b.src}, *bufp)
		b.finish(false)
		return n, err
	}
	var total int64
	for {
		for len(b.buf) == 0 {
			if b.err != nil {
				return total, b.err
			}
			if b.eof || b.reader == nil {
				b.finish(false)
				return total, nil
			}
			b.pull()
		}
		n, err := w.Write(b.buf)
		total += int64(n)
		b.buf = b.buf[n:]
		if err != nil {
			return total, err
		}
	}
}

// pull asks JavaScript for the next chunk and waits for it.
func (b *jsBody) pull() {
	type chunk struct {
		data   []byte
		end    bool
		err    error
		cancel bool // the invocation ended (hang, limit): cancel the stream
	}
	ch := make(chan chunk, 1)
	// The first outcome wins: the read's, or hang detection's or a
	// limit's when the read can never complete.
	send := func(ck chunk) {
		select {
		case ch <- ck:
		default:
		}
	}
	in := b.in
	err := in.vm.Enqueue(func(c *jsc.Context) {
		reader := b.reader.Value()
		var err error
		unwait := func() {}
		if inv := in.reqs[b.req]; inv != nil {
			unwait = inv.wait(func(err error) { send(chunk{err: err, cancel: true}) })
		}
		in.within(b.req, func() {
			err = reader.Get("read").CallThen(reader, nil, func(v jsc.Value) {
				unwait()
				if v.IsNullish() {
					send(chunk{end: true})
					return
				}
				if v.IsString() {
					send(chunk{data: []byte(v.String())})
					return
				}
				data, ok := v.CopyBytes()
				if !ok {
					send(chunk{err: &ScriptError{Name: "TypeError", Message: "This TransformStream is being used as a byte stream, but received an object of non-ArrayBuffer/ArrayBufferView type on its writable side."}})
					return
				}
				send(chunk{data: data})
			}, func(v jsc.Value) {
				unwait()
				send(chunk{err: in.errorFromValue("streaming the response body", v)})
			})
		})
		if err != nil {
			unwait()
			send(chunk{err: err})
		}
	})
	if err != nil {
		b.err = ErrBroken
		b.finish(false)
		return
	}
	var gone <-chan struct{}
	if b.ctx != nil {
		gone = b.ctx.Done()
	}
	select {
	case <-gone:
		// Nobody will read what the worker still produces (a pending
		// Suspense boundary, an idle event stream): cancel it now rather
		// than at the next write.
		b.err = b.ctx.Err()
		b.finish(true)
	case ck := <-ch:
		switch {
		case ck.err != nil:
			b.err = ck.err
			in.host.Log(in.cfg.Name, "error", ck.err.Error())
			b.finish(ck.cancel)
		case ck.end:
			b.eof = true
		default:
			b.buf = ck.data
		}
	case <-in.vm.Done():
		b.err = ErrBroken
	}
}

// Close ends the body early (the client went away) or after EOF.
func (b *jsBody) Close() error {
	b.finish(!b.eof && b.err == nil)
	return nil
}

func (b *jsBody) finish(cancel bool) {
	b.once.Do(func() {
		if b.src != nil {
			b.src.Close()
		}
		if b.reader != nil {
			h := b.reader
			b.in.vm.Enqueue(func(c *jsc.Context) {
				if cancel {
					// What the stream's cancel runs (a renderer's abort) is
					// work of its request, while that request lasts.
					b.in.within(b.req, func() { h.Value().CallMethod("cancel") })
				}
				h.Release()
			})
		}
		if b.onDone != nil {
			b.onDone()
		}
	})
}

// ScheduledResult is the outcome of a scheduled event.
type ScheduledResult struct {
	NoRetry bool
}

// Scheduled runs the worker's scheduled handler and waits for it and its
// waitUntil promises.
func (in *Instance) Scheduled(ctx context.Context, cron string, scheduledTime time.Time) (ScheduledResult, error) {
	if in.Broken() {
		return ScheduledResult{}, ErrBroken
	}
	in.begin()
	defer in.inflight.Add(-1)
	in.background.Add(1)
	type result struct {
		res ScheduledResult
		err error
		st  *Invocation
	}
	done := make(chan result, 1)
	var reqID int64
	err := in.vm.Enqueue(func(c *jsc.Context) {
		if in.vm.Terminated() || in.hooks == nil {
			done <- result{err: ErrBroken}
			return
		}
		st := in.newInvocation("scheduled", 0, ctx)
		st.onFail = func(err error) {
			select {
			case done <- result{err: err, st: st}:
			default:
			}
		}
		reqID = st.ID
		ev := c.Object()
		ev.Set("cron", c.String(cron))
		ev.Set("scheduledTime", c.Number(float64(scheduledTime.UnixMilli())))
		hooks := in.hooks.Value()
		var err error
		in.within(reqID, func() {
			err = hooks.Get("scheduled").CallThen(hooks, []jsc.Value{ev, c.Number(float64(reqID))}, func(v jsc.Value) {
				st.responded = true
				select {
				case done <- result{res: ScheduledResult{NoRetry: v.Get("noRetry").Bool()}, st: st}:
				default:
				}
			}, func(v jsc.Value) {
				st.responded = true
				st.onFail(in.errorFromValue("running the scheduled handler", v))
			})
		})
		if err != nil {
			st.onFail(in.scriptError("running the scheduled handler", err))
		}
	})
	if err != nil {
		in.background.Done()
		return ScheduledResult{}, ErrBroken
	}
	var res result
	select {
	case res = <-done:
	case <-in.vm.Done():
		in.background.Done()
		return ScheduledResult{}, ErrBroken
	}
	if res.st == nil {
		in.background.Done()
		in.broken.Store(true)
		return ScheduledResult{}, res.err
	}
	// A scheduled invocation lasts until its waitUntil work is done.
	in.awaitWaitUntil(ctx, res.st, 0)
	if in.vm.Enqueue(func(c *jsc.Context) { in.endInvocation(reqID) }) != nil {
		res.st.cancel()
	}
	in.background.Done()
	if in.vm.Terminated() {
		in.broken.Store(true)
	}
	return res.res, res.err
}

// awaitWaitUntil waits until the invocation's waitUntil promises have
// settled, ctx ends, the instance stops, or (when limit > 0) limit passes.
func (in *Instance) awaitWaitUntil(ctx context.Context, st *Invocation, limit time.Duration) {
	waitCh := make(chan struct{})
	var timeout <-chan time.Time
	if limit > 0 {
		timeout = time.After(limit)
	}
	in.vm.Enqueue(func(c *jsc.Context) {
		if st.waitUntil == 0 {
			close(waitCh)
			return
		}
		go func() {
			select {
			case <-st.done:
			case <-ctx.Done():
			case <-timeout:
			}
			close(waitCh)
		}()
	})
	select {
	case <-waitCh:
	case <-ctx.Done():
	case <-in.vm.Done():
	}
}
