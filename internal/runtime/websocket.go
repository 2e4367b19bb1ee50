package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/coder/websocket"
)

// MaxWebSocketMessage is the largest WebSocket message a worker receives
// (Cloudflare's limit is 32 MiB).
const MaxWebSocketMessage = 32 << 20

// webSocketAttachTimeout bounds how long a WebSocket handed out in a 101
// response waits for the HTTP server to connect it to a client.
const webSocketAttachTimeout = 30 * time.Second

// wsSocket is the Go side of one WebSocket the worker uses: a connection
// (dialed by the worker, or the client's connection attached by the HTTP
// server) that JavaScript reads with ops.wsReceive and writes through an
// ordered queue, so send() never blocks the VM's thread.
type wsSocket struct {
	id     int64
	ctx    context.Context
	cancel context.CancelFunc
	dialed bool // an outbound connection (new WebSocket, fetch with Upgrade)
	// foreign is another worker's WebSocket (a Durable Object's or a
	// service's 101 response) that this worker hands on as it is.
	foreign *WebSocket

	mu       sync.Mutex
	conn     *websocket.Conn
	queue    []wsFrame
	queued   int // bytes in queue
	writing  bool
	attached bool

	ready    chan struct{} // closed once conn is set or the socket failed
	done     chan struct{} // closed when the connection is over
	doneOnce sync.Once
	failOnce sync.Once
}

// wsFrame is one queued outgoing message or close.
type wsFrame struct {
	typ    websocket.MessageType
	data   []byte
	close  bool
	code   int
	reason string
}

func newWSSocket(id int64, conn *websocket.Conn) *wsSocket {
	ctx, cancel := context.WithCancel(context.Background())
	s := &wsSocket{id: id, ctx: ctx, cancel: cancel, ready: make(chan struct{}), done: make(chan struct{})}
	if conn != nil {
		s.dialed = true
		s.attach(conn)
	}
	return s
}

// attach sets the connection; false if the socket already has one or failed.
func (s *wsSocket) attach(conn *websocket.Conn) bool {
	s.mu.Lock()
	if s.attached || s.ctx.Err() != nil {
		s.mu.Unlock()
		return false
	}
	conn.SetReadLimit(MaxWebSocketMessage)
	s.conn = conn
	s.attached = true
	start := len(s.queue) > 0 && !s.writing
	if start {
		s.writing = true
	}
	s.mu.Unlock()
	close(s.ready)
	if start {
		go s.writeLoop()
	}
	return true
}

// fail ends the socket at once (instance closing, no client to attach).
func (s *wsSocket) fail() {
	s.failOnce.Do(func() {
		s.mu.Lock()
		s.attached = true
		conn := s.conn
		s.queue = nil
		s.queued = 0
		s.mu.Unlock()
		s.cancel()
		if conn != nil {
			conn.CloseNow()
		} else {
			close(s.ready)
		}
		s.finish()
	})
}

func (s *wsSocket) finish() {
	s.doneOnce.Do(func() { close(s.done) })
}

// send queues a frame; frames go out in order once there is a connection.
// A peer that does not read cannot make the queue grow past
// MaxWebSocketQueue: the socket is then closed and send fails.
func (s *wsSocket) send(f wsFrame) error {
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		return nil
	}
	if len(s.queue) > 0 && s.queued+len(f.data) > MaxWebSocketQueue {
		s.mu.Unlock()
		s.fail()
		return errWebSocketQueueFull
	}
	s.queued += len(f.data)
	s.queue = append(s.queue, f)
	start := s.conn != nil && !s.writing
	if start {
		s.writing = true
	}
	s.mu.Unlock()
	if start {
		go s.writeLoop()
	}
	return nil
}

// MaxWebSocketQueue is how many bytes of messages a WebSocket may have
// waiting for a slow peer.
const MaxWebSocketQueue = 32 << 20

var errWebSocketQueueFull = fmt.Errorf("WebSocket send buffer is full: the peer is not reading (more than %d MiB queued); the socket was closed", MaxWebSocketQueue>>20)

func (s *wsSocket) writeLoop() {
	for {
		s.mu.Lock()
		if len(s.queue) == 0 {
			s.writing = false
			s.mu.Unlock()
			return
		}
		f := s.queue[0]
		s.queue[0] = wsFrame{}
		s.queue = s.queue[1:]
		s.queued -= len(f.data)
		conn := s.conn
		s.mu.Unlock()
		var err error
		if f.close {
			// Close writes the frame and waits for the peer's; the reader
			// reports the peer's code to JavaScript.
			err = conn.Close(websocket.StatusCode(f.code), f.reason)
		} else {
			err = conn.Write(s.ctx, f.typ, f.data)
		}
		if err != nil {
			s.mu.Lock()
			s.queue = nil
			s.queued = 0
			s.writing = false
			s.mu.Unlock()
			if !f.close {
				conn.CloseNow()
			}
			return
		}
	}
}

// wsEvent is what the reader delivers to JavaScript.
type wsEvent struct {
	text   bool
	data   []byte
	close  bool
	code   int
	reason string
	clean  bool
}

// receive waits for the next message or the end of the connection.
func (s *wsSocket) receive() wsEvent {
	select {
	case <-s.ready:
	case <-s.ctx.Done():
	}
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn == nil || s.ctx.Err() != nil {
		s.finish()
		return disconnected()
	}
	typ, data, err := conn.Read(s.ctx)
	if err == nil {
		return wsEvent{text: typ == websocket.MessageText, data: data}
	}
	defer s.finish()
	var ce websocket.CloseError
	if errors.As(err, &ce) {
		code := int(ce.Code)
		return wsEvent{close: true, code: code, reason: ce.Reason, clean: true}
	}
	conn.CloseNow()
	return disconnected()
}

func disconnected() wsEvent {
	return wsEvent{close: true, code: 1006, reason: "WebSocket disconnected without sending Close frame."}
}

// socketTable holds an instance's WebSockets by the number JavaScript uses.
type socketTable struct {
	mu   sync.Mutex
	next int64
	m    map[int64]*wsSocket
}

func (t *socketTable) add(conn *websocket.Conn) *wsSocket {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.m == nil {
		t.m = map[int64]*wsSocket{}
	}
	t.next++
	s := newWSSocket(t.next, conn)
	t.m[s.id] = s
	go func() {
		<-s.done
		t.mu.Lock()
		delete(t.m, s.id)
		t.mu.Unlock()
	}()
	return s
}

// addForeign registers another worker's WebSocket under a number of this
// instance, so that a Response in this worker can carry it.
func (t *socketTable) addForeign(ws *WebSocket) *wsSocket {
	s := t.add(nil)
	s.foreign = ws
	go func() {
		<-ws.Done()
		s.finish()
	}()
	return s
}

func (t *socketTable) get(id int64) *wsSocket {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[id]
}

func (t *socketTable) closeAll() {
	t.mu.Lock()
	list := make([]*wsSocket, 0, len(t.m))
	for _, s := range t.m {
		list = append(list, s)
	}
	t.mu.Unlock()
	for _, s := range list {
		s.fail()
	}
}

// WebSocket is the end of a worker's WebSocket that the worker returned in
// a 101 response (new Response(null, { status: 101, webSocket })): the
// HTTP server upgrades the client's connection and hands it to Serve.
type WebSocket struct {
	s *wsSocket
}

// Done is closed when the WebSocket is over; the invocation that returned
// it lasts until then, as on Cloudflare.
func (w *WebSocket) Done() <-chan struct{} {
	if w.s.foreign != nil {
		return w.s.foreign.Done()
	}
	return w.s.done
}

// Serve connects the client's connection to the worker's WebSocket and
// returns when either side has closed it.
func (w *WebSocket) Serve(client *websocket.Conn) {
	if f := w.s.foreign; f != nil {
		// Another worker's socket, handed on untouched: it is served there.
		defer w.s.finish()
		f.Serve(client)
		return
	}
	client.SetReadLimit(MaxWebSocketMessage)
	if !w.s.dialed {
		// The other end of a WebSocketPair is in the worker: JavaScript
		// reads and writes this connection.
		if !w.s.attach(client) {
			client.Close(websocket.StatusGoingAway, "the worker's WebSocket is gone")
			return
		}
		<-w.s.done
		return
	}
	// A WebSocket the worker opened to another server and returned as it
	// is: relay frames both ways without JavaScript.
	w.s.mu.Lock()
	w.s.attached = true
	upstream := w.s.conn
	w.s.mu.Unlock()
	defer w.s.finish()
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); relay(w.s.ctx, client, upstream) }()
	go func() { defer wg.Done(); relay(w.s.ctx, upstream, client) }()
	wg.Wait()
}

// Reject ends a WebSocket that cannot be connected to a client (the
// request was not a WebSocket upgrade); the worker sees a 1006 close.
func (w *WebSocket) Reject() {
	if w.s.foreign != nil {
		w.s.foreign.Reject()
	}
	w.s.fail()
}

// relay copies messages from src to dst until src closes, then passes the
// close (its code and reason) on.
func relay(ctx context.Context, src, dst *websocket.Conn) {
	for {
		typ, data, err := src.Read(ctx)
		if err != nil {
			var ce websocket.CloseError
			if errors.As(err, &ce) {
				dst.Close(ce.Code, ce.Reason) // 1005 goes out as a close without a code
			} else {
				dst.CloseNow()
			}
			return
		}
		if err := dst.Write(ctx, typ, data); err != nil {
			src.CloseNow()
			return
		}
	}
}

// DialedWebSocket is a WebSocket whose other end is conn, a connection Go
// opened (to a Durable Object on another node of a fleet): a worker that
// returns it in a Response has its frames relayed both ways.
func DialedWebSocket(conn *websocket.Conn) *WebSocket { return &WebSocket{s: newWSSocket(0, conn)} }
