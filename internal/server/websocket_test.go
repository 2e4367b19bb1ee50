package server

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/outpost-dev/outpost/internal/runtime"
)

// wsScript accepts WebSockets: /echo echoes (and answers "close-me" by
// closing with 4001), /proxy returns fetch()'s WebSocket to the upstream
// named in ?to= as it is, /outbound relays one message through new WebSocket().
const wsScript = `var __outpost_entry = { default: {
	async fetch(req) {
		const url = new URL(req.url);
		if (url.pathname === "/proxy") {
			const res = await fetch(url.searchParams.get("to"), { headers: { Upgrade: "websocket" } });
			return new Response(null, { status: 101, webSocket: res.webSocket });
		}
		if (url.pathname === "/outbound") {
			const ws = new WebSocket(url.searchParams.get("to").replace("http", "ws"));
			const got = new Promise((resolve, reject) => {
				ws.addEventListener("message", (e) => resolve(e.data));
				ws.addEventListener("error", (e) => reject(e.error));
			});
			await new Promise((resolve) => ws.addEventListener("open", resolve));
			ws.send("ping " + ws.readyState + " " + ws.protocol);
			const reply = await got;
			ws.close(1000, "done");
			return new Response(String(reply));
		}
		const [client, server] = Object.values(new WebSocketPair());
		server.accept();
		server.send("hello");
		server.addEventListener("message", (e) => {
			if (e.data === "close-me") return server.close(4001, "asked to");
			server.send(typeof e.data === "string" ? "echo: " + e.data : e.data);
		});
		server.addEventListener("close", (e) => server.close(e.code, e.reason));
		return new Response(null, { status: 101, webSocket: client, headers: { "Sec-WebSocket-Protocol": "chat", "X-Worker": "yes" } });
	},
} };`

func newWSServer(t *testing.T) (*httptest.Server, *runtime.Worker) {
	t.Helper()
	w, err := runtime.NewWorker(&runtime.Config{Name: "ws", Script: runtime.Script{Code: wsScript, Modules: true}}, 1)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close(time.Second) })
	srv := httptest.NewServer(&Handler{Target: func() (Target, error) { return w, nil }, Dev: true})
	t.Cleanup(srv.Close)
	return srv, w
}

func dial(t *testing.T, u string, protocols ...string) (*websocket.Conn, *http.Response) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c, resp, err := websocket.Dial(ctx, strings.Replace(u, "http", "ws", 1), &websocket.DialOptions{Subprotocols: protocols})
	if err != nil {
		t.Fatal(err)
	}
	return c, resp
}

func read(t *testing.T, c *websocket.Conn) (websocket.MessageType, string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	typ, b, err := c.Read(ctx)
	return typ, string(b), err
}

func write(t *testing.T, c *websocket.Conn, typ websocket.MessageType, s string) {
	t.Helper()
	if err := c.Write(context.Background(), typ, []byte(s)); err != nil {
		t.Fatal(err)
	}
}

func TestWebSocketEcho(t *testing.T) {
	srv, w := newWSServer(t)
	c, resp := dial(t, srv.URL+"/echo", "chat", "other")
	if resp.Header.Get("X-Worker") != "yes" || c.Subprotocol() != "chat" {
		t.Errorf("handshake: X-Worker=%q protocol=%q", resp.Header.Get("X-Worker"), c.Subprotocol())
	}
	// What the worker sent before returning the response comes first.
	if typ, s, err := read(t, c); err != nil || typ != websocket.MessageText || s != "hello" {
		t.Fatalf("first message = %v %q %v", typ, s, err)
	}
	write(t, c, websocket.MessageText, "hi")
	if _, s, err := read(t, c); err != nil || s != "echo: hi" {
		t.Fatalf("echo = %q %v", s, err)
	}
	write(t, c, websocket.MessageBinary, "\x00\x01\xff")
	if typ, s, err := read(t, c); err != nil || typ != websocket.MessageBinary || s != "\x00\x01\xff" {
		t.Fatalf("binary echo = %v %q %v", typ, s, err)
	}
	// The invocation lasts as long as the socket.
	if n := w.Instances()[0].Inflight(); n != 1 {
		t.Errorf("Inflight while open = %d, want 1", n)
	}
	if err := c.Close(4000, "bye"); err != nil {
		t.Fatalf("close handshake: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for w.Instances()[0].Inflight() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := w.Instances()[0].Inflight(); n != 0 {
		t.Errorf("Inflight after close = %d, want 0", n)
	}
}

func TestWebSocketServerCloses(t *testing.T) {
	srv, _ := newWSServer(t)
	c, _ := dial(t, srv.URL+"/echo")
	read(t, c) // hello
	write(t, c, websocket.MessageText, "close-me")
	_, _, err := read(t, c)
	if websocket.CloseStatus(err) != 4001 {
		t.Fatalf("read after the worker closed: %v, want close 4001", err)
	}
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Reason != "asked to" {
		t.Errorf("close reason = %+v", ce)
	}
}

func TestWebSocketToPlainRequest(t *testing.T) {
	srv, w := newWSServer(t)
	resp, body := do(t, "GET", srv.URL+"/echo", "", nil)
	if resp.StatusCode != 500 || !strings.Contains(body, `did not contain the header "Upgrade: websocket"`) {
		t.Errorf("plain GET = %d %q", resp.StatusCode, body)
	}
	deadline := time.Now().Add(5 * time.Second)
	for w.Instances()[0].Inflight() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := w.Instances()[0].Inflight(); n != 0 {
		t.Errorf("Inflight after a rejected WebSocket = %d, want 0", n)
	}
}

// upstream is a plain Go WebSocket server that answers "upstream: <msg>".
func upstream(t *testing.T) *httptest.Server {
	t.Helper()
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, &websocket.AcceptOptions{Subprotocols: []string{"up"}})
		if err != nil {
			return
		}
		for {
			typ, b, err := c.Read(context.Background())
			if err != nil {
				return
			}
			if err := c.Write(context.Background(), typ, append([]byte("upstream: "), b...)); err != nil {
				return
			}
		}
	}))
	t.Cleanup(up.Close)
	return up
}

func TestWebSocketProxiedFromFetch(t *testing.T) {
	srv, _ := newWSServer(t)
	up := upstream(t)
	c, _ := dial(t, srv.URL+"/proxy?to="+up.URL)
	write(t, c, websocket.MessageText, "through")
	if _, s, err := read(t, c); err != nil || s != "upstream: through" {
		t.Fatalf("proxied = %q %v", s, err)
	}
	write(t, c, websocket.MessageBinary, "\x02")
	if typ, s, err := read(t, c); err != nil || typ != websocket.MessageBinary || !bytes.Equal([]byte(s), []byte("upstream: \x02")) {
		t.Fatalf("proxied binary = %v %q %v", typ, s, err)
	}
	if err := c.Close(websocket.StatusNormalClosure, ""); err != nil {
		t.Errorf("close: %v", err)
	}
}

func TestWebSocketOutbound(t *testing.T) {
	srv, _ := newWSServer(t)
	up := upstream(t)
	resp, body := do(t, "GET", srv.URL+"/outbound?to="+up.URL, "", nil)
	// readyState 1 (OPEN); no subprotocol was offered, so none was chosen.
	if resp.StatusCode != 200 || body != "upstream: ping 1 null" {
		t.Errorf("outbound = %d %q", resp.StatusCode, body)
	}
}

// Many sockets at once on one instance, each with its own conversation.
func TestWebSocketConcurrent(t *testing.T) {
	srv, w := newWSServer(t)
	const n = 20
	errs := make(chan error, n)
	for i := 0; i < n; i++ {
		go func(i int) {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			c, _, err := websocket.Dial(ctx, strings.Replace(srv.URL, "http", "ws", 1)+"/echo", nil)
			if err != nil {
				errs <- err
				return
			}
			defer c.CloseNow()
			if _, b, err := c.Read(ctx); err != nil || string(b) != "hello" {
				errs <- fmt.Errorf("socket %d: first message %q %v", i, b, err)
				return
			}
			for j := 0; j < 10; j++ {
				msg := fmt.Sprintf("%d-%d", i, j)
				if err := c.Write(ctx, websocket.MessageText, []byte(msg)); err != nil {
					errs <- err
					return
				}
				if _, b, err := c.Read(ctx); err != nil || string(b) != "echo: "+msg {
					errs <- fmt.Errorf("socket %d: got %q %v, want echo of %s", i, b, err, msg)
					return
				}
			}
			errs <- c.Close(websocket.StatusNormalClosure, "")
		}(i)
	}
	for i := 0; i < n; i++ {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for w.Instances()[0].Inflight() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := w.Instances()[0].Inflight(); n != 0 {
		t.Errorf("Inflight after all sockets closed = %d", n)
	}
}
