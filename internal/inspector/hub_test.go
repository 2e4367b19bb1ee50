package inspector

import (
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

var testHub *Hub

func TestMain(m *testing.M) {
	if err := jsc.InspectorAvailable(); err == nil {
		h, err := Listen()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		if err := jsc.EnableInspector(h.Addr()); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		testHub = h
		jsc.OnInspectorTargets(h.Refresh)
	}
	os.Exit(m.Run())
}

func needHub(t *testing.T) *Hub {
	t.Helper()
	if err := jsc.InspectorAvailable(); err != nil {
		t.Skip(err)
	}
	return testHub
}

// waitTarget waits for a target named name to be listed.
func waitTarget(t *testing.T, h *Hub, name string) Target {
	t.Helper()
	w := h.Watch()
	defer h.Unwatch(w)
	deadline := time.After(10 * time.Second)
	for {
		for _, tg := range h.Targets() {
			if tg.Name == name {
				return tg
			}
		}
		select {
		case <-w:
		case <-deadline:
			t.Fatalf("no target %q; have %v", name, h.Targets())
		}
	}
}

type rawMsg struct {
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  json.RawMessage `json:"error"`
}

// call sends a command and waits for its answer, collecting events.
func call(t *testing.T, s *Session, events chan<- rawMsg, id int, method string, params any) rawMsg {
	t.Helper()
	b, _ := json.Marshal(map[string]any{"id": id, "method": method, "params": params})
	if err := s.Send(b); err != nil {
		t.Fatal(err)
	}
	for {
		msg, ok := s.Next()
		if !ok {
			t.Fatalf("%s: session ended", method)
		}
		var m rawMsg
		if err := json.Unmarshal(msg, &m); err != nil {
			t.Fatal(err)
		}
		if m.ID == id {
			if m.Error != nil {
				t.Fatalf("%s: %s", method, m.Error)
			}
			return m
		}
		if events != nil && m.Method != "" {
			events <- m
		}
	}
}

func nextEvent(t *testing.T, s *Session, method string) rawMsg {
	t.Helper()
	for {
		msg, ok := s.Next()
		if !ok {
			t.Fatalf("waiting for %s: session ended", method)
		}
		var m rawMsg
		json.Unmarshal(msg, &m)
		if m.Method == method {
			return m
		}
	}
}

func TestPauseAtDebuggerStatementAndBreakpoint(t *testing.T) {
	h := needHub(t)
	vm, err := jsc.New(jsc.Options{Name: "hub-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	tg := waitTarget(t, h, "hub-test")
	s, err := h.Attach(tg.ID)
	if err != nil {
		t.Fatal(err)
	}
	call(t, s, nil, 1, "Debugger.enable", nil)
	call(t, s, nil, 2, "Debugger.setBreakpointsActive", map[string]any{"active": true})
	call(t, s, nil, 3, "Debugger.setPauseOnDebuggerStatements", map[string]any{"enabled": true})
	call(t, s, nil, 4, "Debugger.setBreakpointByUrl", map[string]any{"url": "test.js", "lineNumber": 2})

	result := make(chan string, 1)
	go vm.Run(func(c *jsc.Context) error {
		c.Global().Set("hostAnswer", c.Function("hostAnswer", func(*jsc.Call) (jsc.Value, error) {
			return c.Number(7), nil
		}))
		v, err := c.Eval("function f(a) {\n  let b = a * 2; debugger;\n  return b + hostAnswer();\n}\nf(20);\n", "test.js")
		if err != nil {
			result <- err.Error()
		} else {
			result <- v.String()
		}
		return nil
	})
	p := nextEvent(t, s, "Debugger.paused")
	var paused struct {
		Reason     string `json:"reason"`
		CallFrames []struct {
			CallFrameID  string `json:"callFrameId"`
			FunctionName string `json:"functionName"`
			Location     struct {
				LineNumber int `json:"lineNumber"`
			} `json:"location"`
		} `json:"callFrames"`
	}
	json.Unmarshal(p.Params, &paused)
	if paused.Reason != "DebuggerStatement" || paused.CallFrames[0].FunctionName != "f" || paused.CallFrames[0].Location.LineNumber != 1 {
		t.Fatalf("paused: %s", p.Params)
	}
	ev := call(t, s, nil, 5, "Debugger.evaluateOnCallFrame", map[string]any{"callFrameId": paused.CallFrames[0].CallFrameID, "expression": "a + b"})
	if !strings.Contains(string(ev.Result), `"value":60`) {
		t.Fatalf("evaluate: %s", ev.Result)
	}
	// A host function called from the debugger throws rather than running
	// Go on the inspector's thread.
	ev = call(t, s, nil, 6, "Debugger.evaluateOnCallFrame", map[string]any{"callFrameId": paused.CallFrames[0].CallFrameID, "expression": "hostAnswer()"})
	if !strings.Contains(string(ev.Result), "cannot run from a debugger evaluation") {
		t.Fatalf("host call from the debugger: %s", ev.Result)
	}
	call(t, s, nil, 7, "Debugger.resume", nil)
	p = nextEvent(t, s, "Debugger.paused")
	json.Unmarshal(p.Params, &paused)
	if paused.Reason != "Breakpoint" || paused.CallFrames[0].Location.LineNumber != 2 {
		t.Fatalf("paused at the breakpoint: %s", p.Params)
	}
	// Detaching resumes the script.
	s.Close()
	select {
	case r := <-result:
		if r != "47" {
			t.Fatalf("result %s", r)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the script did not resume after the debugger detached")
	}
}

// The engine suspends every thread that has used a VM to collect its
// garbage. Debugger commands run on the inspector's thread: collections
// they set off must suspend the VM's thread (parked, or paused), and the
// VM's own collections must suspend the inspector's thread.
func TestCollectionsAcrossTheInspectorAndVMThreads(t *testing.T) {
	h := needHub(t)
	vm, err := jsc.New(jsc.Options{Name: "gc-test"})
	if err != nil {
		t.Fatal(err)
	}
	defer vm.Close()
	tg := waitTarget(t, h, "gc-test")
	s, err := h.Attach(tg.ID)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	call(t, s, nil, 1, "Debugger.enable", nil)
	call(t, s, nil, 2, "Debugger.setPauseOnDebuggerStatements", map[string]any{"enabled": true})
	call(t, s, nil, 3, "Debugger.setBreakpointsActive", map[string]any{"active": true})
	const allocate = "(() => { let a = []; for (let i = 0; i < 300000; i++) a.push({ i, s: 'x' + i }); return a.length })()"

	// The VM's thread collects while the inspector evaluates.
	vmDone := make(chan error, 1)
	go func() {
		for range 10 {
			err := vm.Run(func(c *jsc.Context) error {
				_, err := c.Eval(allocate, "vm.js")
				c.GC()
				return err
			})
			if err != nil {
				vmDone <- err
				return
			}
		}
		vmDone <- nil
	}()
	for i := range 10 {
		r := call(t, s, nil, 10+i, "Runtime.evaluate", map[string]any{"expression": allocate})
		if !strings.Contains(string(r.Result), "300000") {
			t.Fatalf("evaluate: %s", r.Result)
		}
	}
	select {
	case err := <-vmDone:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		t.Fatal("the VM's own work did not finish")
	}

	// Paused: evaluations on the paused frame collect too.
	go vm.Run(func(c *jsc.Context) error {
		_, err := c.Eval("(function held() { let n = 1; debugger; return n })()", "held.js")
		return err
	})
	p := nextEvent(t, s, "Debugger.paused")
	var paused struct {
		CallFrames []struct {
			CallFrameID string `json:"callFrameId"`
		} `json:"callFrames"`
	}
	json.Unmarshal(p.Params, &paused)
	for i := range 5 {
		r := call(t, s, nil, 30+i, "Debugger.evaluateOnCallFrame", map[string]any{"callFrameId": paused.CallFrames[0].CallFrameID, "expression": allocate})
		if !strings.Contains(string(r.Result), "300000") {
			t.Fatalf("evaluate on the paused frame: %s", r.Result)
		}
	}
	call(t, s, nil, 40, "Debugger.resume", nil)
}
