package dap

import (
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/outpost-dev/outpost/internal/inspector"
)

// target is one worker VM the adapter is attached to: a DAP thread.
type target struct {
	id     int
	name   string
	worker *Worker
	s      *inspector.Session

	mu       sync.Mutex
	nextID   int
	pending  map[int]chan wkMsg
	scripts  map[string]string // scriptId → URL
	paused   *pausedParams
	stepping bool
	// bps are the engine's breakpoint ids set for each source path.
	bps map[string][]string
}

// wkMsg is one WebKit Inspector protocol message.
type wkMsg struct {
	ID     int             `json:"id"`
	Method string          `json:"method"`
	Params json.RawMessage `json:"params"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Message string `json:"message"`
	} `json:"error"`
}

type remoteObject struct {
	Type        string          `json:"type"`
	Subtype     string          `json:"subtype"`
	ClassName   string          `json:"className"`
	Value       json.RawMessage `json:"value"`
	Description string          `json:"description"`
	ObjectID    string          `json:"objectId"`
}

type callFrame struct {
	CallFrameID  string `json:"callFrameId"`
	FunctionName string `json:"functionName"`
	Location     struct {
		ScriptID     string `json:"scriptId"`
		LineNumber   int    `json:"lineNumber"`
		ColumnNumber int    `json:"columnNumber"`
	} `json:"location"`
	ScopeChain []struct {
		Object remoteObject `json:"object"`
		Type   string       `json:"type"`
		Name   string       `json:"name"`
	} `json:"scopeChain"`
}

type pausedParams struct {
	CallFrames []callFrame    `json:"callFrames"`
	Reason     string         `json:"reason"`
	Data       map[string]any `json:"data"`
}

// callTimeout bounds a command: the engine answers a worker busy in
// JavaScript only once its script yields.
const callTimeout = 20 * time.Second

var errEnded = errors.New("the worker's VM has gone away")

func (t *target) call(method string, params any) (json.RawMessage, error) {
	t.mu.Lock()
	t.nextID++
	id := t.nextID
	ch := make(chan wkMsg, 1)
	t.pending[id] = ch
	t.mu.Unlock()
	defer func() {
		t.mu.Lock()
		delete(t.pending, id)
		t.mu.Unlock()
	}()
	msg := map[string]any{"id": id, "method": method}
	if params != nil {
		msg["params"] = params
	}
	b, _ := json.Marshal(msg)
	if err := t.s.Send(b); err != nil {
		return nil, err
	}
	timer := time.NewTimer(callTimeout)
	defer timer.Stop()
	select {
	case m := <-ch:
		if m.Error != nil {
			return nil, fmt.Errorf("%s: %s", method, m.Error.Message)
		}
		return m.Result, nil
	case <-t.s.Done():
		return nil, errEnded
	case <-timer.C:
		return nil, fmt.Errorf("%s: the worker did not answer within %s (is it busy running JavaScript?)", method, callTimeout)
	}
}

// read delivers answers to their callers and events to the session.
func (t *target) read(events func(t *target, m wkMsg)) {
	for {
		b, ok := t.s.Next()
		if !ok {
			return
		}
		var m wkMsg
		if json.Unmarshal(b, &m) != nil {
			continue
		}
		if m.Method == "" {
			t.mu.Lock()
			ch := t.pending[m.ID]
			t.mu.Unlock()
			if ch != nil {
				ch <- m
			}
			continue
		}
		switch m.Method {
		case "Debugger.scriptParsed":
			var p struct {
				ScriptID string `json:"scriptId"`
				URL      string `json:"url"`
			}
			json.Unmarshal(m.Params, &p)
			t.mu.Lock()
			t.scripts[p.ScriptID] = p.URL
			t.mu.Unlock()
			continue
		case "Debugger.paused":
			var p pausedParams
			json.Unmarshal(m.Params, &p)
			t.mu.Lock()
			t.paused = &p
			t.mu.Unlock()
		case "Debugger.resumed":
			t.mu.Lock()
			t.paused = nil
			t.mu.Unlock()
		}
		events(t, m)
	}
}

func (t *target) pausedState() *pausedParams {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.paused
}

func (t *target) scriptURL(id string) string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.scripts[id]
}
