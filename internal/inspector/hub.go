// Package inspector is Outpost's inspector server: JavaScriptCore's remote
// inspector (enabled with jsc.EnableInspector) connects to its Hub, which
// lists the workers' VMs as targets and carries the WebKit Inspector
// protocol between each target and one debugger session. Frontends reach
// it over WebSocket (Server) or through the Debug Adapter Protocol
// (internal/dap).
package inspector

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// Hub is the in-process end of JavaScriptCore's remote inspector
// connection.
type Hub struct {
	ln net.Listener

	mu       sync.Mutex
	conn     net.Conn
	targets  map[uint64]Target
	sessions map[uint64]*Session
	watchers map[chan struct{}]bool
	synced   []chan struct{} // waiting for the next SetTargetList
	closed   bool
	done     chan struct{}
}

// Listen opens the hub on a loopback port; pass Addr to
// jsc.EnableInspector, then the engine connects when the first VM is made.
func Listen() (*Hub, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("inspector: %w", err)
	}
	h := &Hub{ln: ln, targets: map[uint64]Target{}, sessions: map[uint64]*Session{}, watchers: map[chan struct{}]bool{}, done: make(chan struct{})}
	go h.accept()
	return h, nil
}

// Addr is the address the engine connects to.
func (h *Hub) Addr() string { return h.ln.Addr().String() }

// accept takes the engine's one connection: nobody else may speak for it.
func (h *Hub) accept() {
	conn, err := h.ln.Accept()
	h.ln.Close()
	if err != nil {
		return
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		conn.Close()
		return
	}
	h.conn = conn
	h.mu.Unlock()
	h.write(encodeMessage("GetTargetList", nil))
	go h.poll()
	h.read(bufio.NewReaderSize(conn, 64<<10))
}

// Refresh asks the engine for its target list. The engine's own
// announcements of new and closed VMs are scheduled on the VMs' threads,
// where no GLib loop runs: the hub asks when a VM is made
// (jsc.OnInspectorTargets) and every pollEvery for closed ones.
func (h *Hub) Refresh() { h.write(encodeMessage("GetTargetList", nil)) }

const pollEvery = time.Second

func (h *Hub) poll() {
	t := time.NewTicker(pollEvery)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			h.Refresh()
		case <-h.done:
			return
		}
	}
}

func (h *Hub) read(r *bufio.Reader) {
	defer h.Close()
	for {
		m, err := readMessage(r)
		if err != nil {
			return
		}
		switch m.name {
		case "SetTargetList":
			h.setTargets(decodeTargets(m.params))
		case "SendMessageToFrontend":
			id, msg := decodeIDString(m.params)
			h.mu.Lock()
			s := h.sessions[id]
			h.mu.Unlock()
			if s != nil {
				s.deliver([]byte(msg))
			}
		}
	}
}

func (h *Hub) setTargets(list []Target) {
	h.mu.Lock()
	next := map[uint64]Target{}
	for _, t := range list {
		next[t.ID] = t
	}
	var gone []*Session
	for id, s := range h.sessions {
		if _, ok := next[id]; !ok {
			gone = append(gone, s)
			delete(h.sessions, id)
		}
	}
	h.targets = next
	for _, c := range h.synced {
		close(c)
	}
	h.synced = nil
	for w := range h.watchers {
		select {
		case w <- struct{}{}:
		default:
		}
	}
	h.mu.Unlock()
	for _, s := range gone {
		s.end()
	}
}

func (h *Hub) write(b []byte) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.conn == nil {
		return errors.New("inspector: the engine is not connected")
	}
	_, err := h.conn.Write(b)
	return err
}

// commandTimeout bounds how long a VM stays parked for one command.
const commandTimeout = 20 * time.Second

// roundTrip writes a message that makes the engine take a VM's lock
// (Setup, FrontendDidClose) and waits until the engine has handled it,
// with the VM parked (jsc.ParkForInspector) unless it is paused.
func (h *Hub) roundTrip(s *Session, msg []byte) error {
	if !s.paused.Load() {
		defer jsc.ParkForInspector(s.Target.Name)()
	}
	c := make(chan struct{})
	h.mu.Lock()
	h.synced = append(h.synced, c)
	h.mu.Unlock()
	if err := h.write(msg); err != nil {
		return err
	}
	// The engine handles messages in order: its answer to GetTargetList
	// comes after msg is done.
	if err := h.write(encodeMessage("GetTargetList", nil)); err != nil {
		return err
	}
	t := time.NewTimer(commandTimeout)
	defer t.Stop()
	select {
	case <-c:
	case <-t.C:
	case <-h.done:
	}
	return nil
}

// Targets lists the inspectable VMs, by id.
func (h *Hub) Targets() []Target {
	h.mu.Lock()
	defer h.mu.Unlock()
	out := make([]Target, 0, len(h.targets))
	for _, t := range h.targets {
		out = append(out, t)
	}
	slices.SortFunc(out, func(a, b Target) int { return int(a.ID) - int(b.ID) })
	return out
}

// Watch returns a channel that receives after every change of the target
// list; stop with Unwatch.
func (h *Hub) Watch() chan struct{} {
	c := make(chan struct{}, 1)
	h.mu.Lock()
	h.watchers[c] = true
	h.mu.Unlock()
	return c
}

// Unwatch stops a Watch channel.
func (h *Hub) Unwatch(c chan struct{}) {
	h.mu.Lock()
	delete(h.watchers, c)
	h.mu.Unlock()
}

// Done is closed when the engine's connection has ended.
func (h *Hub) Done() <-chan struct{} { return h.done }

// Close ends every session and the engine's connection.
func (h *Hub) Close() {
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return
	}
	h.closed = true
	h.ln.Close()
	if h.conn != nil {
		h.conn.Close()
	}
	sessions := h.sessions
	h.sessions = map[uint64]*Session{}
	h.mu.Unlock()
	for _, s := range sessions {
		s.end()
	}
	close(h.done)
}

// ErrAttached is returned by Attach for a target that already has a
// debugger.
var ErrAttached = errors.New("a debugger is already attached to this worker")

// Attach connects a debugger session to target id.
func (h *Hub) Attach(id uint64) (*Session, error) {
	h.mu.Lock()
	t, ok := h.targets[id]
	if !ok {
		h.mu.Unlock()
		return nil, fmt.Errorf("inspector: no target %d", id)
	}
	if h.sessions[id] != nil {
		h.mu.Unlock()
		return nil, ErrAttached
	}
	s := newSession(h, t)
	h.sessions[id] = s
	h.mu.Unlock()
	if err := h.roundTrip(s, encodeMessage("Setup", encodeID(id))); err != nil {
		h.detach(s)
		return nil, err
	}
	return s, nil
}

func (h *Hub) detach(s *Session) {
	h.mu.Lock()
	mine := h.sessions[s.Target.ID] == s
	if mine {
		delete(h.sessions, s.Target.ID)
	}
	h.mu.Unlock()
	if mine {
		h.roundTrip(s, encodeMessage("FrontendDidClose", encodeID(s.Target.ID)))
	}
	s.end()
}

// Session is one debugger's connection to one target. Messages are the
// WebKit Inspector protocol's JSON.
type Session struct {
	Target Target
	hub    *Hub

	mu     sync.Mutex
	queue  [][]byte
	notify chan struct{}
	done   chan struct{}
	ended  bool
	// paused follows Debugger.paused/resumed; waits are the commands
	// sent for a running VM, by id, until their answer.
	paused atomic.Bool
	waits  map[int64]chan struct{}
}

func newSession(h *Hub, t Target) *Session {
	return &Session{Target: t, hub: h, notify: make(chan struct{}, 1), done: make(chan struct{})}
}

// deliver queues a message from the target. The queue is unbounded so
// that one slow frontend never stalls the engine's connection, which all
// targets share.
func (s *Session) deliver(msg []byte) {
	var m struct {
		ID     *int64 `json:"id"`
		Method string `json:"method"`
	}
	json.Unmarshal(msg, &m)
	switch m.Method {
	case "Debugger.paused":
		s.paused.Store(true)
	case "Debugger.resumed":
		s.paused.Store(false)
	}
	s.mu.Lock()
	s.queue = append(s.queue, msg)
	if m.ID != nil && s.waits[*m.ID] != nil {
		close(s.waits[*m.ID])
		delete(s.waits, *m.ID)
	}
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

// Next returns the next message from the target; ok is false once the
// session has ended (the target went away or Close was called).
func (s *Session) Next() (msg []byte, ok bool) {
	for {
		s.mu.Lock()
		if len(s.queue) > 0 {
			msg = s.queue[0]
			s.queue[0] = nil
			s.queue = s.queue[1:]
			s.mu.Unlock()
			return msg, true
		}
		s.mu.Unlock()
		select {
		case <-s.notify:
		case <-s.done:
			s.mu.Lock()
			n := len(s.queue)
			s.mu.Unlock()
			if n == 0 {
				return nil, false
			}
		}
	}
}

// Send hands a protocol message to the target. For a VM that is not
// paused it returns once the command is answered, the VM's thread parked
// meanwhile (see jsc.ParkForInspector).
func (s *Session) Send(msg []byte) error {
	select {
	case <-s.done:
		return errors.New("inspector: the session has ended")
	default:
	}
	wire := encodeMessage("SendMessageToTarget", encodeIDString(s.Target.ID, string(msg)))
	var cmd struct {
		ID *int64 `json:"id"`
	}
	if s.paused.Load() || json.Unmarshal(msg, &cmd) != nil || cmd.ID == nil {
		return s.hub.write(wire)
	}
	answered := make(chan struct{})
	s.mu.Lock()
	if s.waits == nil {
		s.waits = map[int64]chan struct{}{}
	}
	s.waits[*cmd.ID] = answered
	s.mu.Unlock()
	defer jsc.ParkForInspector(s.Target.Name)()
	if err := s.hub.write(wire); err != nil {
		return err
	}
	t := time.NewTimer(commandTimeout)
	defer t.Stop()
	select {
	case <-answered:
	case <-s.done:
	case <-t.C:
	}
	return nil
}

// Done is closed when the session has ended.
func (s *Session) Done() <-chan struct{} { return s.done }

// Close detaches the debugger; the engine resumes a paused target.
func (s *Session) Close() { s.hub.detach(s) }

func (s *Session) end() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.ended {
		s.ended = true
		close(s.done)
	}
}
