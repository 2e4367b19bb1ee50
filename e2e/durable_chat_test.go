package e2e

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// TestDurableObjectChatRoom runs a chat room on a Durable Object with the
// WebSocket Hibernation API: two clients in one room, a message goes to
// both with the sender's tags, history is kept in SQL and replayed to a
// client that joins later, the auto-response answers without the handler,
// and a client that leaves is announced.
func TestDurableObjectChatRoom(t *testing.T) {
	p := outposttest.Dev(t, filepath.Join(outposttest.RepoRoot(), "testdata", "durable", "chat"), "--persist-to", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dial := func(name string) *websocket.Conn {
		t.Helper()
		c, _, err := websocket.Dial(ctx, strings.Replace(p.URL, "http", "ws", 1)+"/room/general?name="+name, nil)
		if err != nil {
			t.Fatalf("dial as %s: %v\n%s", name, err, p.Output())
		}
		t.Cleanup(func() { c.CloseNow() })
		return c
	}
	type event struct {
		Type    string              `json:"type"`
		Who     string              `json:"who"`
		Text    string              `json:"text"`
		Tags    []string            `json:"tags"`
		Online  int                 `json:"online"`
		History []map[string]string `json:"history"`
	}
	read := func(c *websocket.Conn) event {
		t.Helper()
		_, data, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v\n%s", err, p.Output())
		}
		var e event
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		return e
	}

	alice := dial("alice")
	if e := read(alice); e.Type != "history" || len(e.History) != 0 {
		t.Errorf("alice's history = %+v", e)
	}
	bob := dial("bob")
	read(bob)
	if err := alice.Write(ctx, websocket.MessageText, []byte("hello bob")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*websocket.Conn{alice, bob} {
		if e := read(c); e.Type != "message" || e.Who != "alice" || e.Text != "hello bob" || e.Online != 2 || len(e.Tags) != 1 || e.Tags[0] != "alice" {
			t.Errorf("broadcast = %+v", e)
		}
	}
	// The auto-response answers ping without running the handler.
	bob.Write(ctx, websocket.MessageText, []byte("ping"))
	if _, data, err := bob.Read(ctx); err != nil || string(data) != "pong" {
		t.Errorf("auto-response = %q, %v", data, err)
	}
	// A later client gets the history from SQL.
	carol := dial("carol")
	if e := read(carol); e.Type != "history" || len(e.History) != 1 || e.History[0]["text"] != "hello bob" {
		t.Errorf("carol's history = %+v", e)
	}
	bob.Close(websocket.StatusNormalClosure, "bye")
	if e := read(alice); e.Type != "left" || e.Who != "bob" {
		t.Errorf("after bob left = %+v", e)
	}
	if _, body := p.Get("/count/general"); body != "1" {
		t.Errorf("messages stored = %s", body)
	}
}
