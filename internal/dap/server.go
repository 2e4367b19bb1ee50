package dap

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/outpost-dev/outpost/internal/bundle"
	"github.com/outpost-dev/outpost/internal/inspector"
)

// Worker is what the adapter knows of one worker: its VMs are the hub's
// targets of the same name.
type Worker struct {
	Name string
	// Dir is the project directory the source map's sources are relative
	// to (absolute).
	Dir string
	// ScriptURL is the name the bundle is evaluated under ("worker.js").
	ScriptURL string
	SourceMap *bundle.SourceMap
}

// Server answers DAP clients for the workers behind hub.
type Server struct {
	Hub *inspector.Hub
	// Workers describes the workers as they run now (a reload in
	// outpost dev changes the source map).
	Workers func() []*Worker

	mu       sync.Mutex
	sessions map[*session]bool
}

// Console shows a line a worker logged (console.log and friends, which
// Outpost's runtime prints itself) in every attached editor's debug
// console.
func (srv *Server) Console(worker, level, text string) {
	srv.mu.Lock()
	list := make([]*session, 0, len(srv.sessions))
	for s := range srv.sessions {
		list = append(list, s)
	}
	srv.mu.Unlock()
	category := "stdout"
	if level == "error" || level == "warn" {
		category = "stderr"
	}
	for _, s := range list {
		s.emit("output", map[string]any{"category": category, "output": text + "\n", "data": map[string]string{"worker": worker}})
	}
}

// Serve runs one DAP session on conn until the client disconnects.
func (srv *Server) Serve(conn net.Conn) {
	s := &session{
		srv:      srv,
		conn:     conn,
		targets:  map[int]*target{},
		bps:      map[string][]sourceBreakpoint{},
		refs:     map[int]objRef{},
		frames:   map[int]frameRef{},
		exceptOn: "none",
		done:     make(chan struct{}),
	}
	srv.mu.Lock()
	if srv.sessions == nil {
		srv.sessions = map[*session]bool{}
	}
	srv.sessions[s] = true
	srv.mu.Unlock()
	defer func() {
		srv.mu.Lock()
		delete(srv.sessions, s)
		srv.mu.Unlock()
		s.shutdown()
	}()
	r := bufio.NewReader(conn)
	for {
		body, err := readMessage(r)
		if err != nil {
			return
		}
		var req request
		if err := json.Unmarshal(body, &req); err != nil || req.Type != "request" {
			continue
		}
		if req.Command == "disconnect" || req.Command == "terminate" {
			s.detachAll()
			s.reply(req, nil, nil)
			return
		}
		// Requests that wait for a worker run on their own goroutine so
		// that a worker busy in JavaScript never holds up the others.
		go s.handle(req)
	}
}

type sourceBreakpoint struct {
	Line      int    `json:"line"`
	Condition string `json:"condition"`
}

type objRef struct {
	t        *target
	objectID string
}

type frameRef struct {
	t     *target
	frame callFrame
}

type session struct {
	srv  *Server
	conn net.Conn

	wmu sync.Mutex
	seq int

	// bpMu orders breakpoint changes with attaching new targets, so that
	// every target gets every breakpoint exactly once.
	bpMu     sync.Mutex
	bps      map[string][]sourceBreakpoint // by absolute source path
	exceptOn string

	mu       sync.Mutex
	attached bool
	targets  map[int]*target
	refs     map[int]objRef
	frames   map[int]frameRef
	nextRef  int
	done     chan struct{}
	closed   bool
}

func (s *session) send(v any) {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	s.seq++
	switch m := v.(type) {
	case *response:
		m.Seq = s.seq
	case *event:
		m.Seq = s.seq
	}
	writeMessage(s.conn, v)
}

func (s *session) reply(req request, body any, err error) {
	r := &response{Type: "response", RequestSeq: req.Seq, Command: req.Command, Success: err == nil, Body: body}
	if err != nil {
		r.Message = err.Error()
	}
	s.send(r)
}

func (s *session) emit(name string, body any) {
	s.send(&event{Type: "event", Event: name, Body: body})
}

func (s *session) handle(req request) {
	body, err := s.dispatch(req)
	s.reply(req, body, err)
	if req.Command == "initialize" && err == nil {
		s.emit("initialized", nil)
	}
}

func (s *session) dispatch(req request) (any, error) {
	switch req.Command {
	case "initialize":
		return map[string]any{
			"supportsConfigurationDoneRequest": true,
			"supportsEvaluateForHovers":        true,
			"supportsConditionalBreakpoints":   true,
			"supportsTerminateRequest":         true,
			"exceptionBreakpointFilters": []map[string]any{
				{"filter": "all", "label": "All Exceptions", "default": false},
				{"filter": "uncaught", "label": "Uncaught Exceptions", "default": false},
			},
		}, nil
	case "attach", "launch":
		return nil, s.attach()
	case "configurationDone":
		return nil, nil
	case "setBreakpoints":
		return s.setBreakpoints(req.Arguments)
	case "setExceptionBreakpoints":
		return s.setExceptionBreakpoints(req.Arguments)
	case "threads":
		return s.threads(), nil
	case "stackTrace":
		return s.stackTrace(req.Arguments)
	case "scopes":
		return s.scopes(req.Arguments)
	case "variables":
		return s.variables(req.Arguments)
	case "evaluate":
		return s.evaluate(req.Arguments)
	case "continue":
		return s.step(req.Arguments, "Debugger.resume")
	case "next":
		return s.step(req.Arguments, "Debugger.stepOver")
	case "stepIn":
		return s.step(req.Arguments, "Debugger.stepInto")
	case "stepOut":
		return s.step(req.Arguments, "Debugger.stepOut")
	case "pause":
		return s.step(req.Arguments, "Debugger.pause")
	}
	return nil, fmt.Errorf("%s is not supported by Outpost's debug adapter", req.Command)
}

// attach connects to every worker VM and keeps connecting to new ones.
func (s *session) attach() error {
	s.mu.Lock()
	if s.attached {
		s.mu.Unlock()
		return nil
	}
	s.attached = true
	s.mu.Unlock()
	w := s.srv.Hub.Watch()
	var failed []string
	for _, t := range s.srv.Hub.Targets() {
		if err := s.attachTarget(t); err != nil {
			failed = append(failed, fmt.Sprintf("%s: %v", t.Name, err))
		}
	}
	go func() {
		defer s.srv.Hub.Unwatch(w)
		for {
			select {
			case <-w:
				for _, t := range s.srv.Hub.Targets() {
					s.attachTarget(t)
				}
			case <-s.done:
				return
			}
		}
	}()
	if len(failed) > 0 {
		return fmt.Errorf("cannot attach to %s", strings.Join(failed, "; "))
	}
	return nil
}

func (s *session) worker(name string) *Worker {
	for _, w := range s.srv.Workers() {
		if w.Name == name {
			return w
		}
	}
	return nil
}

func (s *session) attachTarget(it inspector.Target) error {
	w := s.worker(it.Name)
	if it.Type != "JavaScript" || w == nil {
		return nil
	}
	s.bpMu.Lock()
	defer s.bpMu.Unlock()
	s.mu.Lock()
	_, known := s.targets[int(it.ID)]
	closed := s.closed
	s.mu.Unlock()
	if known || closed {
		return nil
	}
	sess, err := s.srv.Hub.Attach(it.ID)
	if err != nil {
		return err
	}
	t := &target{id: int(it.ID), name: it.Name, worker: w, s: sess, pending: map[int]chan wkMsg{}, scripts: map[string]string{}, bps: map[string][]string{}}
	go func() {
		t.read(s.onEvent)
		s.mu.Lock()
		delete(s.targets, t.id)
		closed := s.closed
		s.mu.Unlock()
		if !closed {
			s.emit("thread", map[string]any{"reason": "exited", "threadId": t.id})
		}
	}()
	setup := []struct {
		method string
		params any
	}{
		{"Debugger.enable", nil},
		{"Console.enable", nil},
		{"Debugger.setBreakpointsActive", map[string]any{"active": true}},
		{"Debugger.setPauseOnDebuggerStatements", map[string]any{"enabled": true}},
		{"Debugger.setPauseOnExceptions", map[string]any{"state": s.exceptOn}},
	}
	for _, c := range setup {
		if _, err := t.call(c.method, c.params); err != nil {
			sess.Close()
			return err
		}
	}
	for path, list := range s.bps {
		s.applyBreakpoints(t, path, list)
	}
	s.mu.Lock()
	s.targets[t.id] = t
	s.mu.Unlock()
	s.emit("thread", map[string]any{"reason": "started", "threadId": t.id})
	return nil
}

func (s *session) onEvent(t *target, m wkMsg) {
	switch m.Method {
	case "Debugger.paused":
		p := t.pausedState()
		if p == nil {
			return
		}
		t.mu.Lock()
		stepping := t.stepping
		t.stepping = false
		t.mu.Unlock()
		reason, text := "pause", ""
		switch {
		case p.Reason == "Breakpoint":
			reason = "breakpoint"
		case p.Reason == "DebuggerStatement":
			reason, text = "breakpoint", "Paused on debugger statement"
		case p.Reason == "exception" || p.Reason == "PauseOnException":
			reason = "exception"
			if d, ok := p.Data["description"].(string); ok {
				text = d
			}
		case stepping:
			reason = "step"
		}
		body := map[string]any{"reason": reason, "threadId": t.id, "allThreadsStopped": false}
		if text != "" {
			body["description"], body["text"] = text, text
		}
		s.emit("stopped", body)
	case "Debugger.resumed":
		s.forget(t)
		s.emit("continued", map[string]any{"threadId": t.id, "allThreadsContinued": false})
	case "Console.messageAdded":
		var p struct {
			Message struct {
				Level string `json:"level"`
				Text  string `json:"text"`
			} `json:"message"`
		}
		json.Unmarshal(m.Params, &p)
		cat := "stdout"
		if p.Message.Level == "error" || p.Message.Level == "warning" {
			cat = "stderr"
		}
		s.emit("output", map[string]any{"category": cat, "output": p.Message.Text + "\n"})
	}
}

// forget drops the frame and variable references of t's last stop.
func (s *session) forget(t *target) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, r := range s.refs {
		if r.t == t {
			delete(s.refs, id)
		}
	}
	for id, f := range s.frames {
		if f.t == t {
			delete(s.frames, id)
		}
	}
}

func (s *session) detachAll() {
	s.mu.Lock()
	s.closed = true
	list := make([]*target, 0, len(s.targets))
	for _, t := range s.targets {
		list = append(list, t)
	}
	s.mu.Unlock()
	for _, t := range list {
		// Detaching resumes a paused worker (the engine disables its
		// debugger when the frontend goes).
		t.s.Close()
	}
}

func (s *session) shutdown() {
	s.detachAll()
	s.mu.Lock()
	select {
	case <-s.done:
	default:
		close(s.done)
	}
	s.mu.Unlock()
	s.conn.Close()
}

func (s *session) setBreakpoints(raw json.RawMessage) (any, error) {
	var args struct {
		Source      source             `json:"source"`
		Breakpoints []sourceBreakpoint `json:"breakpoints"`
		Lines       []int              `json:"lines"`
	}
	if err := json.Unmarshal(raw, &args); err != nil {
		return nil, err
	}
	if args.Breakpoints == nil {
		for _, l := range args.Lines {
			args.Breakpoints = append(args.Breakpoints, sourceBreakpoint{Line: l})
		}
	}
	path := filepath.Clean(args.Source.Path)
	s.bpMu.Lock()
	defer s.bpMu.Unlock()
	s.bps[path] = args.Breakpoints
	s.mu.Lock()
	targets := make([]*target, 0, len(s.targets))
	for _, t := range s.targets {
		targets = append(targets, t)
	}
	s.mu.Unlock()
	for _, t := range targets {
		s.applyBreakpoints(t, path, args.Breakpoints)
	}
	out := make([]breakpoint, len(args.Breakpoints))
	for i, b := range args.Breakpoints {
		out[i] = breakpoint{Line: b.Line, Source: &args.Source, Message: fmt.Sprintf("%s is not part of any worker's bundle", args.Source.Path)}
		for _, w := range s.srv.Workers() {
			if _, _, line, ok := w.SourceMap.Generated(relSource(w, path), b.Line); ok {
				out[i] = breakpoint{Verified: true, Line: line, Source: &args.Source}
				break
			}
		}
	}
	return map[string]any{"breakpoints": out}, nil
}

// relSource is path as the worker's source map names it.
func relSource(w *Worker, path string) string {
	rel, err := filepath.Rel(w.Dir, path)
	if err != nil {
		return path
	}
	return filepath.ToSlash(rel)
}

// applyBreakpoints replaces t's breakpoints in path (bpMu held).
func (s *session) applyBreakpoints(t *target, path string, list []sourceBreakpoint) {
	for _, id := range t.bps[path] {
		t.call("Debugger.removeBreakpoint", map[string]any{"breakpointId": id})
	}
	delete(t.bps, path)
	rel := relSource(t.worker, path)
	for _, b := range list {
		line, col, _, ok := t.worker.SourceMap.Generated(rel, b.Line)
		if !ok {
			continue
		}
		params := map[string]any{"url": t.worker.ScriptURL, "lineNumber": line - 1, "columnNumber": col - 1}
		if b.Condition != "" {
			params["options"] = map[string]any{"condition": b.Condition}
		}
		res, err := t.call("Debugger.setBreakpointByUrl", params)
		if err != nil {
			continue
		}
		var r struct {
			BreakpointID string `json:"breakpointId"`
		}
		json.Unmarshal(res, &r)
		t.bps[path] = append(t.bps[path], r.BreakpointID)
	}
}

func (s *session) setExceptionBreakpoints(raw json.RawMessage) (any, error) {
	var args struct {
		Filters []string `json:"filters"`
	}
	json.Unmarshal(raw, &args)
	state := "none"
	if slices.Contains(args.Filters, "uncaught") {
		state = "uncaught"
	}
	if slices.Contains(args.Filters, "all") {
		state = "all"
	}
	s.bpMu.Lock()
	defer s.bpMu.Unlock()
	s.exceptOn = state
	for _, t := range s.targetList() {
		t.call("Debugger.setPauseOnExceptions", map[string]any{"state": state})
	}
	return nil, nil
}

func (s *session) targetList() []*target {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]*target, 0, len(s.targets))
	for _, t := range s.targets {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b *target) int { return a.id - b.id })
	return out
}

func (s *session) threads() any {
	var out []thread
	for _, t := range s.targetList() {
		out = append(out, thread{ID: t.id, Name: fmt.Sprintf("%s #%d", t.name, t.id)})
	}
	if out == nil {
		out = []thread{}
	}
	return map[string]any{"threads": out}
}

func (s *session) target(id int) (*target, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t := s.targets[id]
	if t == nil {
		return nil, fmt.Errorf("no worker thread %d", id)
	}
	return t, nil
}

func (s *session) newRef(t *target, objectID string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.nextRef++
	s.refs[s.nextRef] = objRef{t, objectID}
	return s.nextRef
}

func (s *session) step(raw json.RawMessage, method string) (any, error) {
	var args struct {
		ThreadID int `json:"threadId"`
	}
	json.Unmarshal(raw, &args)
	t, err := s.target(args.ThreadID)
	if err != nil {
		return nil, err
	}
	if method != "Debugger.resume" && method != "Debugger.pause" {
		t.mu.Lock()
		t.stepping = true
		t.mu.Unlock()
	}
	if _, err := t.call(method, nil); err != nil {
		return nil, err
	}
	if method == "Debugger.resume" {
		return map[string]any{"allThreadsContinued": false}, nil
	}
	return nil, nil
}

func (s *session) stackTrace(raw json.RawMessage) (any, error) {
	var args struct {
		ThreadID int `json:"threadId"`
	}
	json.Unmarshal(raw, &args)
	t, err := s.target(args.ThreadID)
	if err != nil {
		return nil, err
	}
	p := t.pausedState()
	if p == nil {
		return nil, errors.New("the worker is not paused")
	}
	frames := make([]stackFrame, 0, len(p.CallFrames))
	for _, cf := range p.CallFrames {
		s.mu.Lock()
		s.nextRef++
		id := s.nextRef
		s.frames[id] = frameRef{t, cf}
		s.mu.Unlock()
		name := cf.FunctionName
		if name == "" {
			name = "(anonymous)"
		}
		f := stackFrame{ID: id, Name: name, Line: cf.Location.LineNumber + 1, Column: cf.Location.ColumnNumber + 1}
		url := t.scriptURL(cf.Location.ScriptID)
		if url == t.worker.ScriptURL {
			if src, line, col, _, ok := t.worker.SourceMap.Lookup(f.Line, f.Column); ok {
				f.Source = &source{Name: filepath.Base(src), Path: filepath.Join(t.worker.Dir, filepath.FromSlash(src))}
				f.Line, f.Column = line, col
				if strings.HasPrefix(src, "node_modules/") {
					f.Source.PresentationHint = "deemphasize"
				}
			}
		}
		if f.Source == nil {
			f.Source = &source{Name: url, PresentationHint: "deemphasize"}
			f.PresentationHint = "subtle"
		}
		frames = append(frames, f)
	}
	return map[string]any{"stackFrames": frames, "totalFrames": len(frames)}, nil
}

func (s *session) frame(id int) (frameRef, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f, ok := s.frames[id]
	if !ok {
		return frameRef{}, fmt.Errorf("no stack frame %d (the worker has resumed)", id)
	}
	return f, nil
}

var scopeNames = map[string]string{
	"local": "Local", "closure": "Closure", "global": "Global", "globalLexicalEnvironment": "Script",
	"with": "With", "catch": "Catch", "functionName": "Function", "nestedLexical": "Block",
}

func (s *session) scopes(raw json.RawMessage) (any, error) {
	var args struct {
		FrameID int `json:"frameId"`
	}
	json.Unmarshal(raw, &args)
	f, err := s.frame(args.FrameID)
	if err != nil {
		return nil, err
	}
	out := []scope{}
	for _, sc := range f.frame.ScopeChain {
		name := scopeNames[sc.Type]
		if name == "" {
			name = sc.Type
		}
		if sc.Name != "" && sc.Type == "closure" {
			name += " (" + sc.Name + ")"
		}
		ds := scope{Name: name, VariablesReference: s.newRef(f.t, sc.Object.ObjectID), Expensive: sc.Type == "global"}
		if sc.Type == "local" {
			ds.PresentationHint = "locals"
		}
		out = append(out, ds)
	}
	return map[string]any{"scopes": out}, nil
}

func (s *session) variables(raw json.RawMessage) (any, error) {
	var args struct {
		Ref int `json:"variablesReference"`
	}
	json.Unmarshal(raw, &args)
	s.mu.Lock()
	r, ok := s.refs[args.Ref]
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("no variables reference %d (the worker has resumed)", args.Ref)
	}
	res, err := r.t.call("Runtime.getProperties", map[string]any{"objectId": r.objectID, "ownProperties": true})
	if err != nil {
		return nil, err
	}
	var props struct {
		Properties []struct {
			Name  string        `json:"name"`
			Value *remoteObject `json:"value"`
			Get   *remoteObject `json:"get"`
		} `json:"properties"`
	}
	json.Unmarshal(res, &props)
	out := []variable{}
	for _, p := range props.Properties {
		v := variable{Name: p.Name}
		switch {
		case p.Value != nil:
			v.Value, v.Type = display(*p.Value)
			if p.Value.ObjectID != "" {
				v.VariablesReference = s.newRef(r.t, p.Value.ObjectID)
			}
		case p.Get != nil:
			v.Value = "(getter)"
		default:
			continue
		}
		out = append(out, v)
	}
	return map[string]any{"variables": out}, nil
}

// display is how a value reads in the editor, with its type.
func display(o remoteObject) (string, string) {
	switch o.Type {
	case "string":
		var str string
		json.Unmarshal(o.Value, &str)
		return strconv.Quote(str), "string"
	case "undefined":
		return "undefined", "undefined"
	case "object":
		if o.Subtype == "null" {
			return "null", "object"
		}
		if o.Description != "" {
			return o.Description, o.ClassName
		}
		return o.ClassName, o.ClassName
	}
	if o.Description != "" {
		return o.Description, o.Type
	}
	return string(o.Value), o.Type
}

func (s *session) evaluate(raw json.RawMessage) (any, error) {
	var args struct {
		Expression string `json:"expression"`
		FrameID    int    `json:"frameId"`
	}
	json.Unmarshal(raw, &args)
	var f frameRef
	if args.FrameID != 0 {
		var err error
		if f, err = s.frame(args.FrameID); err != nil {
			return nil, err
		}
	} else {
		// The top frame of the first paused worker.
		for _, t := range s.targetList() {
			if p := t.pausedState(); p != nil && len(p.CallFrames) > 0 {
				f = frameRef{t, p.CallFrames[0]}
				break
			}
		}
		if f.t == nil {
			return nil, errors.New("no worker is paused: Outpost evaluates expressions in a paused worker's frame")
		}
	}
	res, err := f.t.call("Debugger.evaluateOnCallFrame", map[string]any{
		"callFrameId": f.frame.CallFrameID, "expression": args.Expression, "objectGroup": "dap",
		"doNotPauseOnExceptionsAndMuteConsole": true,
	})
	if err != nil {
		return nil, err
	}
	var r struct {
		Result    remoteObject `json:"result"`
		WasThrown bool         `json:"wasThrown"`
	}
	json.Unmarshal(res, &r)
	value, typ := display(r.Result)
	if r.WasThrown {
		return nil, errors.New(value)
	}
	body := map[string]any{"result": value, "type": typ, "variablesReference": 0}
	if r.Result.ObjectID != "" {
		body["variablesReference"] = s.newRef(f.t, r.Result.ObjectID)
	}
	return body, nil
}
