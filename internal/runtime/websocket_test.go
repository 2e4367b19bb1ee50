package runtime

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

// A WebSocket the host cannot connect to a client ends with a 1006 close
// for the worker, and the invocation ends with it.
func TestWebSocketRejected(t *testing.T) {
	var mu sync.Mutex
	var logs []string
	host := &Host{Console: func(_, _, text string) {
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, text)
	}}
	in, err := NewInstance(&Config{Name: "ws", Host: host, Script: Script{Modules: true, Code: `var __outpost_entry = { default: {
		fetch() {
			const [client, server] = Object.values(new WebSocketPair());
			server.accept();
			server.addEventListener("close", (e) => console.log("closed " + e.code + " " + e.wasClean + " " + server.readyState));
			return new Response(null, { status: 101, webSocket: client });
		},
	} };`}})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	resp, err := in.Fetch(context.Background(), &Request{Method: "GET", URL: "http://x/", Header: http.Header{}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 101 || resp.WebSocket == nil || resp.Body != nil {
		t.Fatalf("response = %d, WebSocket %v", resp.Status, resp.WebSocket)
	}
	if in.Inflight() != 1 {
		t.Errorf("Inflight with the socket open = %d", in.Inflight())
	}
	resp.WebSocket.Reject()
	select {
	case <-resp.WebSocket.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("Done not closed after Reject")
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		mu.Lock()
		got := strings.Join(logs, "\n")
		mu.Unlock()
		if strings.Contains(got, "closed 1006 false 2") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the worker saw no 1006 close; console: %q", got)
		}
		time.Sleep(10 * time.Millisecond)
	}
	for in.Inflight() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if in.Inflight() != 0 {
		t.Errorf("Inflight after the socket ended = %d", in.Inflight())
	}
}

// Returning a socket twice, or one already accepted, fails the request
// with workerd's errors.
func TestWebSocketCoupleErrors(t *testing.T) {
	w := newTestWorker(t, `var __outpost_entry = { default: {
		fetch(req) {
			const [client, server] = Object.values(new WebSocketPair());
			if (req.url.endsWith("/accepted")) client.accept();
			return new Response(null, { status: 101, webSocket: client });
		},
	} };`, true, 1)
	_, _, err := fetchText(t, w, "GET", "/accepted", "")
	var se *ScriptError
	if !errors.As(err, &se) || se.Message != "Can't return WebSocket in a Response after calling accept()." {
		t.Errorf("returning an accepted socket: %v", err)
	}
}

func TestDialWebSocketOwnHost(t *testing.T) {
	f := &Fetcher{SelfHosts: []string{"example.com"}}
	u, _ := url.Parse("http://example.com/ws")
	_, _, err := f.DialWebSocket(context.Background(), u, http.Header{})
	if !errors.Is(err, ErrLoop) {
		t.Errorf("dial to the worker's own host without an origin: %v, want ErrLoop", err)
	}
}
