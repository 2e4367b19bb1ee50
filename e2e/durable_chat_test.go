package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/outpost-dev/outpost/internal/outposttest"
	"github.com/outpost-dev/outpost/internal/pgtest"
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

// TestDurableObjectEventTimeout: a WebSocket event handler that runs past
// setHibernatableWebSocketEventTimeout is cancelled and the object reset,
// as on Cloudflare: the next message reaches a new instance (the socket
// stays open), and the cancelled handler never goes on.
func TestDurableObjectEventTimeout(t *testing.T) {
	p := outposttest.Dev(t, filepath.Join(outposttest.RepoRoot(), "testdata", "durable", "chat"), "--persist-to", t.TempDir())
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, _, err := websocket.Dial(ctx, strings.Replace(p.URL, "http", "ws", 1)+"/room/slow?name=sam", nil)
	if err != nil {
		t.Fatalf("dial: %v\n%s", err, p.Output())
	}
	defer c.CloseNow()
	if _, data, err := c.Read(ctx); err != nil || !strings.Contains(string(data), `"history"`) {
		t.Fatalf("history = %q, %v", data, err)
	}
	if err := c.Write(ctx, websocket.MessageText, []byte("/slow")); err != nil {
		t.Fatal(err)
	}
	const exceeded = "Actor exceeded event execution time and was disconnected."
	if !waitFor(15*time.Second, func() bool {
		out := p.Output()
		return strings.Contains(out, exceeded) && strings.Contains(out, "the slow handler woke up")
	}) {
		t.Fatalf("no %q (then the handler waking up) in the output:\n%s", exceeded, p.Output())
	}
	if err := c.Write(ctx, websocket.MessageText, []byte("/release")); err != nil {
		t.Fatal(err)
	}
	_, data, err := c.Read(ctx)
	if err != nil || string(data) != `{"type":"released","released":false,"timeout":300,"after":null}` {
		t.Errorf("after the timeout: %q, %v\n%s", data, err, p.Output())
	}
	if _, body := p.Get("/count/slow"); body != "0" {
		t.Errorf("messages stored = %s: the cancelled handler went on", body)
	}
}

const chatServeConfig = `
state_dir = "state"
instances = 1
[ops]
listen = "%OPS%"
[durable_objects]
idle_timeout = "1s"
[[workers]]
name = "do-chat"
dir = "%DIR%"
routes = ["chat.test/*"]
`

// TestDurableObjectChatRoomHibernates: a room whose only activity is
// hibernatable WebSockets leaves memory after the idle timeout (1 s here)
// with its sockets open; the next message makes a new instance, which
// sees the sockets (getWebSockets, tags, attachments) and answers.
func TestDurableObjectChatRoomHibernates(t *testing.T) {
	dir := filepath.Join(outposttest.RepoRoot(), "testdata", "durable", "chat")
	n := startServe(t, t.TempDir(), strings.ReplaceAll(chatServeConfig, "%DIR%", dir))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dial := func(name string) *websocket.Conn {
		t.Helper()
		c, _, err := websocket.Dial(ctx, strings.Replace(n.URL, "http", "ws", 1)+"/room/general?name="+name, &websocket.DialOptions{Host: "chat.test"})
		if err != nil {
			t.Fatalf("dial as %s: %v\n%s", name, err, n.Output())
		}
		t.Cleanup(func() { c.CloseNow() })
		return c
	}
	read := func(c *websocket.Conn) map[string]any {
		t.Helper()
		_, data, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v\n%s", err, n.Output())
		}
		var e map[string]any
		json.Unmarshal(data, &e)
		return e
	}
	live := func() float64 {
		v, _ := metric(n.metrics(), "outpost_durable_objects_live")
		return v
	}
	alice, bob := dial("alice"), dial("bob")
	read(alice)
	read(bob)
	if !waitFor(30*time.Second, func() bool { return live() == 0 }) {
		t.Fatalf("the room did not hibernate: %v live objects", live())
	}
	// Hibernated, the sockets are open: bob's message wakes the room.
	if err := bob.Write(ctx, websocket.MessageText, []byte("still here")); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*websocket.Conn{alice, bob} {
		e := read(c)
		if e["type"] != "message" || e["who"] != "bob" || e["text"] != "still here" || e["online"] != 2.0 || fmt.Sprint(e["tags"]) != "[bob]" {
			t.Errorf("after waking: %v", e)
		}
	}
	if live() != 1 {
		t.Errorf("%v live objects after the wake-up, want 1", live())
	}
	// The auto-response still answers, asleep or awake.
	alice.Write(ctx, websocket.MessageText, []byte("ping"))
	if _, data, err := alice.Read(ctx); err != nil || string(data) != "pong" {
		t.Errorf("auto-response = %q, %v", data, err)
	}
	// Once every socket is closed the room is evicted for good.
	alice.Close(websocket.StatusNormalClosure, "bye")
	bob.Close(websocket.StatusNormalClosure, "bye")
	if !waitFor(30*time.Second, func() bool { return live() == 0 }) {
		t.Errorf("the room stayed in memory after its sockets closed")
	}
	if code, body := n.hostGet("chat.test", "/count/general"); code != 200 || body != "1" {
		t.Errorf("messages stored = %d %s", code, body)
	}
}

// chatFleetConfig is one node of a two-node fleet running the chat room.
const chatFleetConfig = `
state_dir = "state"
[durable_objects]
url = "%DSN%"
listen = "%DO%"
token = "chat-fleet-token-0123456789abcdef"
lease = "1s"
[[workers]]
name = "do-chat"
dir = "%DIR%"
routes = ["chat.test/*"]
`

// TestDurableObjectChatRoomOnTwoNodes runs the chat room on two `outpost
// serve` nodes sharing one PostgreSQL: clients of one room connected
// through different nodes meet in the one instance of the room, and a
// message reaches both.
func TestDurableObjectChatRoomOnTwoNodes(t *testing.T) {
	dir := filepath.Join(outposttest.RepoRoot(), "testdata", "durable", "chat")
	dsn := pgtest.DSN(t)
	var nodes []*serveNode
	for range 2 {
		cfg := strings.NewReplacer("%DSN%", dsn, "%DIR%", dir,
			"%DO%", fmt.Sprintf("127.0.0.1:%d", outposttest.FreePort(t))).Replace(chatFleetConfig)
		nodes = append(nodes, startServe(t, t.TempDir(), cfg))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dial := func(n *serveNode, name string) *websocket.Conn {
		t.Helper()
		c, _, err := websocket.Dial(ctx, strings.Replace(n.URL, "http", "ws", 1)+"/room/lobby?name="+name, &websocket.DialOptions{Host: "chat.test"})
		if err != nil {
			t.Fatalf("dial as %s: %v\n%s", name, err, n.Output())
		}
		t.Cleanup(func() { c.CloseNow() })
		return c
	}
	read := func(c *websocket.Conn) map[string]any {
		t.Helper()
		_, data, err := c.Read(ctx)
		if err != nil {
			t.Fatalf("read: %v\nnode 0:\n%s\nnode 1:\n%s", err, nodes[0].Output(), nodes[1].Output())
		}
		var e map[string]any
		if err := json.Unmarshal(data, &e); err != nil {
			t.Fatalf("%q: %v", data, err)
		}
		return e
	}
	alice := dial(nodes[0], "alice")
	read(alice) // history
	bob := dial(nodes[1], "bob")
	read(bob)
	if err := bob.Write(ctx, websocket.MessageText, []byte("hello from node 1")); err != nil {
		t.Fatal(err)
	}
	for i, c := range []*websocket.Conn{alice, bob} {
		if e := read(c); e["type"] != "message" || e["who"] != "bob" || e["text"] != "hello from node 1" || e["online"] != 2.0 {
			t.Errorf("client %d got %v: want bob's message with both clients online", i, e)
		}
	}
	// Both nodes count the one room's stored messages.
	for i, n := range nodes {
		if code, body := n.hostGet("chat.test", "/count/lobby"); code != 200 || body != "1" {
			t.Errorf("messages stored, through node %d = %d %q", i, code, body)
		}
	}
}
