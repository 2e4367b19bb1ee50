package e2e

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

func wsDial(t *testing.T, u string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, strings.Replace(u, "http", "ws", 1), nil)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func wsRead(t *testing.T, c *websocket.Conn) (websocket.MessageType, []byte, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return c.Read(ctx)
}

func TestWebSocketEchoWorker(t *testing.T) {
	p := outposttest.Dev(t, project("websocket-echo"))
	c := wsDial(t, p.URL+"/ws")
	ctx := context.Background()

	if err := c.Write(ctx, websocket.MessageText, []byte("hello ✓")); err != nil {
		t.Fatal(err)
	}
	typ, b, err := wsRead(t, c)
	if err != nil || typ != websocket.MessageText || string(b) != "echo: hello ✓" {
		t.Fatalf("text echo = %v %q %v", typ, b, err)
	}
	if err := c.Write(ctx, websocket.MessageBinary, []byte{1, 2, 3, 0xff}); err != nil {
		t.Fatal(err)
	}
	typ, b, err = wsRead(t, c)
	if err != nil || typ != websocket.MessageBinary || string(b) != "\xff\x03\x02\x01" {
		t.Fatalf("binary echo = %v %v %v", typ, b, err)
	}
	// The worker closes with a code and reason.
	if err := c.Write(ctx, websocket.MessageText, []byte("bye")); err != nil {
		t.Fatal(err)
	}
	_, _, err = wsRead(t, c)
	var ce websocket.CloseError
	if !errors.As(err, &ce) || ce.Code != 4000 || ce.Reason != "goodbye" {
		t.Fatalf("after bye: %v, want close 4000 goodbye", err)
	}
	if !p.WaitOutput("GET /ws 101 Switching Protocols", 10*time.Second) {
		t.Error("no request log line for the WebSocket")
	}

	// A client that closes first: the worker sees its code and reason.
	c2 := wsDial(t, p.URL+"/ws")
	if err := c2.Close(4321, "client leaving"); err != nil {
		t.Errorf("client close: %v", err)
	}
	if !p.WaitOutput("client closed: 4321 client leaving", 10*time.Second) {
		t.Error("the worker did not see the client's close")
	}

	// A plain GET to a WebSocket endpoint is the worker's to answer.
	resp, body := p.Get("/ws")
	if resp.StatusCode != 426 || body != "Expected Upgrade: websocket" {
		t.Errorf("plain GET /ws = %d %q", resp.StatusCode, body)
	}
}

func TestWebSocketOutboundWorker(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := websocket.Accept(w, r, nil)
		if err != nil {
			return
		}
		defer c.CloseNow()
		_, b, err := c.Read(r.Context())
		if err != nil {
			return
		}
		c.Write(r.Context(), websocket.MessageText, []byte("upstream got "+string(b)))
		c.Read(r.Context()) // until the worker closes
	}))
	defer upstream.Close()
	p := outposttest.Dev(t, project("websocket-echo"))
	to := strings.Replace(upstream.URL, "http", "ws", 1)
	resp, body := p.Get("/relay?to=" + url.QueryEscape(to) + "&msg=ping")
	if resp.StatusCode != 200 || body != "upstream got ping" {
		t.Errorf("relay = %d %q", resp.StatusCode, body)
	}
}
