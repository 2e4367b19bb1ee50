package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/textproto"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/outposttest"
)

// dapClient is a scripted Debug Adapter Protocol client, as an editor
// speaks it.
type dapClient struct {
	t     *testing.T
	conn  net.Conn
	seq   int
	msgs  chan map[string]any
	stash []map[string]any // events read while waiting for a response
}

func dialDAP(t *testing.T, port int) *dapClient {
	t.Helper()
	conn, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	c := &dapClient{t: t, conn: conn, msgs: make(chan map[string]any, 100)}
	go func() {
		defer close(c.msgs)
		r := bufio.NewReader(conn)
		for {
			h, err := textproto.NewReader(r).ReadMIMEHeader()
			if err != nil {
				return
			}
			n, _ := strconv.Atoi(h.Get("Content-Length"))
			body := make([]byte, n)
			if _, err := io.ReadFull(r, body); err != nil {
				return
			}
			var m map[string]any
			json.Unmarshal(body, &m)
			c.msgs <- m
		}
	}()
	t.Cleanup(func() { conn.Close() })
	return c
}

// waitTimeout bounds each wait so that a broken debugger fails the test
// instead of hanging it.
const waitTimeout = 30 * time.Second

func (c *dapClient) next() map[string]any {
	c.t.Helper()
	select {
	case m, ok := <-c.msgs:
		if !ok {
			c.t.Fatal("the debug adapter closed the connection")
		}
		return m
	case <-time.After(waitTimeout):
		c.t.Fatal("no message from the debug adapter")
	}
	return nil
}

// request sends a request and returns its response's body; a failed
// request fails the test unless wantErr.
func (c *dapClient) request(command string, args any) map[string]any {
	c.t.Helper()
	r := c.send(command, args)
	if r["success"] != true {
		c.t.Fatalf("%s failed: %v", command, r["message"])
	}
	body, _ := r["body"].(map[string]any)
	return body
}

func (c *dapClient) send(command string, args any) map[string]any {
	c.t.Helper()
	c.seq++
	seq := c.seq
	body, _ := json.Marshal(map[string]any{"seq": seq, "type": "request", "command": command, "arguments": args})
	fmt.Fprintf(c.conn, "Content-Length: %d\r\n\r\n%s", len(body), body)
	for {
		m := c.next()
		if m["type"] == "response" && m["request_seq"] == float64(seq) {
			return m
		}
		if m["type"] == "event" {
			c.stash = append(c.stash, m)
		}
	}
}

// event waits for an event named name that match accepts.
func (c *dapClient) event(name string, match func(body map[string]any) bool) map[string]any {
	c.t.Helper()
	for i, m := range c.stash {
		body, _ := m["body"].(map[string]any)
		if m["event"] == name && (match == nil || match(body)) {
			c.stash = append(c.stash[:i:i], c.stash[i+1:]...)
			return body
		}
	}
	for {
		m := c.next()
		body, _ := m["body"].(map[string]any)
		if m["type"] == "event" && m["event"] == name && (match == nil || match(body)) {
			return body
		}
		if m["type"] == "event" {
			c.stash = append(c.stash, m)
		}
	}
}

func (c *dapClient) stopped(thread int) map[string]any {
	c.t.Helper()
	return c.event("stopped", func(b map[string]any) bool { return thread == 0 || b["threadId"] == float64(thread) })
}

// stoppedOrDone waits for thread to stop again or for the response.
func (c *dapClient) stoppedOrDone(thread int, res chan httpResult) (httpResult, bool) {
	c.t.Helper()
	for {
		select {
		case r := <-res:
			if r.err != nil {
				c.t.Fatal(r.err)
			}
			return r, true
		case m, ok := <-c.msgs:
			if !ok {
				c.t.Fatal("the debug adapter closed the connection")
			}
			body, _ := m["body"].(map[string]any)
			if m["event"] == "stopped" && body["threadId"] == float64(thread) {
				return httpResult{}, false
			}
		case <-time.After(waitTimeout):
			c.t.Fatal("neither a stop nor the response")
		}
	}
}

type frame struct {
	id   int
	name string
	path string
	line int
}

func (c *dapClient) topFrame(thread int) frame {
	c.t.Helper()
	st := c.request("stackTrace", map[string]any{"threadId": thread})
	frames := st["stackFrames"].([]any)
	f := frames[0].(map[string]any)
	src, _ := f["source"].(map[string]any)
	path, _ := src["path"].(string)
	return frame{id: int(f["id"].(float64)), name: f["name"].(string), path: path, line: int(f["line"].(float64))}
}

// locals are the variables of a frame's first scope, name → value.
func (c *dapClient) locals(frameID int) map[string]string {
	c.t.Helper()
	sc := c.request("scopes", map[string]any{"frameId": frameID})
	scopes := sc["scopes"].([]any)
	ref := scopes[0].(map[string]any)["variablesReference"]
	vars := c.request("variables", map[string]any{"variablesReference": ref})
	out := map[string]string{}
	for _, v := range vars["variables"].([]any) {
		m := v.(map[string]any)
		out[m["name"].(string)] = m["value"].(string)
	}
	return out
}

func (c *dapClient) threadNamed(prefix string) int {
	c.t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		th := c.request("threads", nil)
		for _, x := range th["threads"].([]any) {
			m := x.(map[string]any)
			if strings.HasPrefix(m["name"].(string), prefix+" #") {
				return int(m["id"].(float64))
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	c.t.Fatalf("no thread for worker %s", prefix)
	return 0
}

type httpResult struct {
	status int
	body   string
	err    error
}

func getAsync(url string) chan httpResult {
	ch := make(chan httpResult, 1)
	go func() {
		resp, err := http.Get(url)
		if err != nil {
			ch <- httpResult{err: err}
			return
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		ch <- httpResult{status: resp.StatusCode, body: string(b)}
	}()
	return ch
}

func waitResult(t *testing.T, ch chan httpResult) httpResult {
	t.Helper()
	select {
	case r := <-ch:
		if r.err != nil {
			t.Fatal(r.err)
		}
		return r
	case <-time.After(waitTimeout):
		t.Fatal("the request did not complete")
	}
	return httpResult{}
}

func startDebugProject(t *testing.T) (*outposttest.Proc, int, string) {
	t.Helper()
	if err := jsc.InspectorAvailable(); err != nil {
		t.Skip("debugging is unavailable with the installed JavaScriptCore: ", err)
	}
	dir, _ := filepath.Abs(filepath.Join("..", "testdata", "debug"))
	port := outposttest.FreePort(t)
	p := outposttest.Dev(t, filepath.Join(dir, "app"), "-c", "wrangler.toml", "-c", "../helper/wrangler.toml",
		"--persist-to", t.TempDir(), fmt.Sprintf("--inspect=%d", port))
	if !p.WaitOutput("Debugger on", 10*time.Second) {
		t.Fatalf("no debugger port announced:\n%s", p.Output())
	}
	return p, port, dir
}

func TestDebugAdapterBreakpointsSteppingAndVariables(t *testing.T) {
	p, port, dir := startDebugProject(t)
	appSrc := filepath.Join(dir, "app", "src", "index.ts")
	helperSrc := filepath.Join(dir, "helper", "src", "index.ts")

	c := dialDAP(t, port)
	caps := c.request("initialize", map[string]any{"adapterID": "outpost", "linesStartAt1": true, "columnsStartAt1": true, "pathFormat": "path"})
	if caps["supportsConfigurationDoneRequest"] != true {
		t.Fatalf("capabilities: %v", caps)
	}
	c.event("initialized", nil)
	c.request("attach", map[string]any{})
	bps := c.request("setBreakpoints", map[string]any{"source": map[string]any{"path": appSrc}, "breakpoints": []any{map[string]any{"line": 33}}})
	bp := bps["breakpoints"].([]any)[0].(map[string]any)
	if bp["verified"] != true || bp["line"] != float64(33) {
		t.Fatalf("breakpoint: %v", bp)
	}
	c.request("configurationDone", nil)
	app := c.threadNamed("debug-app")
	helper := c.threadNamed("debug-helper")

	// A breakpoint in fetch(): the stop is on the TypeScript line, with
	// the handler's variables.
	res := getAsync(p.URL + "/?name=ada")
	stop := c.stopped(app)
	if stop["reason"] != "breakpoint" {
		t.Fatalf("stopped: %v", stop)
	}
	f := c.topFrame(app)
	if f.path != appSrc || f.line != 33 || f.name != "fetch" {
		t.Fatalf("top frame: %+v", f)
	}
	locals := c.locals(f.id)
	if locals["name"] != `"ada"` || !strings.HasPrefix(locals["orders"], "Array") || locals["count"] != "undefined" {
		t.Fatalf("locals: %v", locals)
	}
	ev := c.request("evaluate", map[string]any{"expression": "orders.length * 10 + name.length", "frameId": f.id, "context": "watch"})
	if ev["result"] != "23" {
		t.Fatalf("evaluate: %v", ev)
	}

	// Step into total(), out again, over the next line.
	c.request("stepIn", map[string]any{"threadId": app})
	c.stopped(app)
	f = c.topFrame(app)
	if f.name != "total" || f.path != appSrc || f.line < 10 || f.line > 12 {
		t.Fatalf("after stepIn: %+v", f)
	}
	c.request("next", map[string]any{"threadId": app})
	if s := c.stopped(app); s["reason"] != "step" {
		t.Fatalf("after next: %v", s)
	}
	// Out of total(): JavaScriptCore stops back in fetch(), on the call's
	// line or, with the call complete, on the next one.
	c.request("stepOut", map[string]any{"threadId": app})
	c.stopped(app)
	f = c.topFrame(app)
	if f.name != "fetch" || (f.line != 33 && f.line != 34) {
		t.Fatalf("after stepOut: %+v", f)
	}
	if f.line == 33 {
		c.request("next", map[string]any{"threadId": app})
		c.stopped(app)
		f = c.topFrame(app)
	}
	if f.line != 34 {
		t.Fatalf("after next: %+v", f)
	}
	if got := c.locals(f.id)["count"]; got != "5" {
		t.Fatalf("count after the call: %s", got)
	}
	c.request("continue", map[string]any{"threadId": app})
	if r := waitResult(t, res); r.status != 200 || r.body != "hello ada: 5 items" {
		t.Fatalf("response: %d %q", r.status, r.body)
	}

	// A debugger statement pauses.
	c.request("setBreakpoints", map[string]any{"source": map[string]any{"path": appSrc}, "breakpoints": []any{}})
	res = getAsync(p.URL + "/debugger")
	c.stopped(app)
	f = c.topFrame(app)
	if f.line != 25 {
		t.Fatalf("debugger statement frame: %+v", f)
	}
	if ev := c.request("evaluate", map[string]any{"expression": "marker", "frameId": f.id}); ev["result"] != `"stopped by a debugger statement"` {
		t.Fatalf("evaluate: %v", ev)
	}
	c.request("continue", map[string]any{"threadId": app})
	if r := waitResult(t, res); r.body != "stopped by a debugger statement" {
		t.Fatalf("response: %q", r.body)
	}

	// One worker paused, the other answers.
	c.request("setBreakpoints", map[string]any{"source": map[string]any{"path": helperSrc}, "breakpoints": []any{map[string]any{"line": 6}}})
	held := getAsync(p.URL + "/helper")
	c.stopped(helper)
	if f := c.topFrame(helper); f.path != helperSrc || f.line != 6 {
		t.Fatalf("helper frame: %+v", f)
	}
	if r := waitResult(t, getAsync(p.URL+"/?name=bob")); r.body != "hello bob: 5 items" {
		t.Fatalf("the running worker answered %q", r.body)
	}
	select {
	case r := <-held:
		t.Fatalf("the paused worker's request completed: %+v", r)
	default:
	}
	c.request("continue", map[string]any{"threadId": helper})
	if r := waitResult(t, held); r.body != "helper answered /helper" {
		t.Fatalf("helper response: %q", r.body)
	}
	// What the worker logs reaches the debug console.
	c.event("output", func(b map[string]any) bool { return strings.Contains(fmt.Sprint(b["output"]), "helper saw /helper") })
	c.request("setBreakpoints", map[string]any{"source": map[string]any{"path": helperSrc}, "breakpoints": []any{}})

	// Pause on exceptions.
	c.request("setExceptionBreakpoints", map[string]any{"filters": []string{"all"}})
	res = getAsync(p.URL + "/throw")
	s := c.stopped(app)
	if s["reason"] != "exception" || !strings.Contains(fmt.Sprint(s["text"]), "thrown on purpose") {
		t.Fatalf("exception stop: %v", s)
	}
	// The exception pauses again where it propagates (the handler's
	// caller): continue until the response arrives.
	for range 5 {
		c.request("continue", map[string]any{"threadId": app})
		if r, done := c.stoppedOrDone(app, res); done {
			if r.status != 500 {
				t.Fatalf("response after the exception: %d %q", r.status, r.body)
			}
			break
		}
	}
	c.request("setExceptionBreakpoints", map[string]any{"filters": []string{}})

	// Detaching resumes a paused worker.
	c.request("setBreakpoints", map[string]any{"source": map[string]any{"path": appSrc}, "breakpoints": []any{map[string]any{"line": 12}}})
	res = getAsync(p.URL + "/?name=cy")
	c.stopped(app)
	if f := c.topFrame(app); f.name != "total" || f.line != 12 {
		t.Fatalf("frame: %+v", f)
	}
	c.request("disconnect", nil)
	if r := waitResult(t, res); r.body != "hello cy: 5 items" {
		t.Fatalf("response after detaching: %q", r.body)
	}
}

func TestDebugInspectorWebSocketAndLoopbackOnly(t *testing.T) {
	_, port, _ := startDebugProject(t)
	base := fmt.Sprintf("http://127.0.0.1:%d", port)

	// The WebKit Inspector protocol, per worker, over WebSocket.
	var targets []struct {
		Title string `json:"title"`
		WS    string `json:"webSocketDebuggerUrl"`
	}
	deadline := time.Now().Add(waitTimeout)
	for len(targets) < 2 && time.Now().Before(deadline) {
		resp, err := http.Get(base + "/json/list")
		if err != nil {
			t.Fatal(err)
		}
		json.NewDecoder(resp.Body).Decode(&targets)
		resp.Body.Close()
		if len(targets) < 2 {
			time.Sleep(50 * time.Millisecond)
		}
	}
	var wsURL string
	for _, tg := range targets {
		if tg.Title == "debug-app" {
			wsURL = tg.WS
		}
	}
	if wsURL == "" {
		t.Fatalf("targets: %+v", targets)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	ws, _, err := websocket.Dial(ctx, wsURL, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer ws.CloseNow()
	ws.Write(ctx, websocket.MessageText, []byte(`{"id":1,"method":"Runtime.evaluate","params":{"expression":"6 * 7"}}`))
	for {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var m struct {
			ID     int `json:"id"`
			Result struct {
				Result struct {
					Value float64 `json:"value"`
				} `json:"result"`
			} `json:"result"`
		}
		json.Unmarshal(msg, &m)
		if m.ID == 1 {
			if m.Result.Result.Value != 42 {
				t.Fatalf("Runtime.evaluate: %s", msg)
			}
			break
		}
	}
	// One debugger per worker.
	resp, err := http.Get(strings.Replace(wsURL, "ws://", "http://", 1))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusConflict {
		t.Fatalf("second debugger on a worker: %d", resp.StatusCode)
	}

	// A request for another host name is refused (DNS rebinding).
	req, _ := http.NewRequest("GET", base+"/json/list", nil)
	req.Host = "attacker.example"
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Fatalf("request for another host: %d", resp.StatusCode)
	}

	// The port is not reachable from other addresses.
	addrs, _ := net.InterfaceAddrs()
	tried := false
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() || ipn.IP.To4() == nil {
			continue
		}
		tried = true
		conn, err := net.DialTimeout("tcp", net.JoinHostPort(ipn.IP.String(), strconv.Itoa(port)), 5*time.Second)
		if err == nil {
			conn.Close()
			t.Fatalf("the inspector port answered on %s", ipn.IP)
		}
	}
	if !tried {
		t.Log("no non-loopback address on this machine: the remote refusal was not exercised")
	}
}
