package inspector

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"

	"github.com/coder/websocket"
)

// Server is `outpost dev --inspect`'s port. On one loopback port it
// serves the Debug Adapter Protocol (a connection that starts with a
// Content-Length header) and, over HTTP, the list of targets at /json/list
// and each target's WebKit Inspector protocol over WebSocket at /<id>.
// Connections from other hosts are refused.
type Server struct {
	Hub *Hub
	// DAP serves one Debug Adapter Protocol connection.
	DAP func(net.Conn)

	ln    net.Listener
	http  *http.Server
	conns chan net.Conn
	once  sync.Once
}

// Listen opens addr, which must be a loopback address.
func (s *Server) Listen(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("inspector address %q: %w", addr, err)
	}
	if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("inspector address %q: the inspector listens on loopback only (127.0.0.1, ::1 or localhost)", addr)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("inspector: cannot listen on %s: %w (is another debugger using it? try --inspect=PORT)", addr, err)
	}
	s.ln = ln
	s.conns = make(chan net.Conn)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /json", s.list)
	mux.HandleFunc("GET /json/list", s.list)
	mux.HandleFunc("GET /json/version", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, map[string]string{"Browser": "Outpost", "Protocol-Version": "WebKit"})
	})
	mux.HandleFunc("GET /{id}", s.websocket)
	s.http = &http.Server{Handler: loopbackOnly(mux)}
	go s.http.Serve(chanListener{s})
	go s.accept()
	return nil
}

// Addr is the address the server listens on.
func (s *Server) Addr() net.Addr { return s.ln.Addr() }

// Close stops the server.
func (s *Server) Close() error {
	s.once.Do(func() {
		s.ln.Close()
		s.http.Close()
	})
	return nil
}

func isLoopback(addr net.Addr) bool {
	ta, ok := addr.(*net.TCPAddr)
	return ok && ta.IP.IsLoopback()
}

func (s *Server) accept() {
	for {
		c, err := s.ln.Accept()
		if err != nil {
			close(s.conns)
			return
		}
		if !isLoopback(c.RemoteAddr()) {
			c.Close()
			continue
		}
		go s.route(c)
	}
}

// route tells a DAP client from an HTTP one by the first bytes.
func (s *Server) route(c net.Conn) {
	br := bufio.NewReader(c)
	head, err := br.Peek(len("Content-Length"))
	if err != nil {
		c.Close()
		return
	}
	pc := &peekedConn{Conn: c, r: br}
	if strings.EqualFold(string(head), "Content-Length") {
		if s.DAP == nil {
			c.Close()
			return
		}
		s.DAP(pc)
		return
	}
	s.conns <- pc
}

type peekedConn struct {
	net.Conn
	r *bufio.Reader
}

func (p *peekedConn) Read(b []byte) (int, error) { return p.r.Read(b) }

// chanListener hands the HTTP connections route found to http.Server.
type chanListener struct{ s *Server }

func (l chanListener) Accept() (net.Conn, error) {
	c, ok := <-l.s.conns
	if !ok {
		return nil, net.ErrClosed
	}
	return c, nil
}
func (l chanListener) Close() error   { return nil }
func (l chanListener) Addr() net.Addr { return l.s.ln.Addr() }

// loopbackOnly refuses requests whose Host is not a loopback name, so that
// a web page cannot reach the inspector through DNS rebinding.
func loopbackOnly(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		host := r.Host
		if hh, _, err := net.SplitHostPort(host); err == nil {
			host = hh
		}
		host = strings.Trim(host, "[]")
		if ip := net.ParseIP(host); host != "localhost" && (ip == nil || !ip.IsLoopback()) {
			http.Error(w, "the inspector answers only requests for localhost", http.StatusForbidden)
			return
		}
		h.ServeHTTP(w, r)
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(v)
}

// list answers /json/list with the targets, in the shape inspector
// clients read.
func (s *Server) list(w http.ResponseWriter, r *http.Request) {
	type entry struct {
		ID                   string `json:"id"`
		Title                string `json:"title"`
		Type                 string `json:"type"`
		URL                  string `json:"url"`
		WebSocketDebuggerURL string `json:"webSocketDebuggerUrl"`
		Attached             bool   `json:"attached"`
	}
	out := []entry{}
	for _, t := range s.Hub.Targets() {
		id := strconv.FormatUint(t.ID, 10)
		out = append(out, entry{ID: id, Title: t.Name, Type: "node", URL: "worker://" + t.Name,
			WebSocketDebuggerURL: "ws://" + r.Host + "/" + id, Attached: t.HasDebugger})
	}
	writeJSON(w, out)
}

// websocket carries one target's protocol over a WebSocket.
func (s *Server) websocket(w http.ResponseWriter, r *http.Request) {
	id, err := strconv.ParseUint(r.PathValue("id"), 10, 64)
	if err != nil {
		http.NotFound(w, r)
		return
	}
	sess, err := s.Hub.Attach(id)
	if err != nil {
		code := http.StatusNotFound
		if errors.Is(err, ErrAttached) {
			code = http.StatusConflict
		}
		http.Error(w, err.Error(), code)
		return
	}
	defer sess.Close()
	// The default origin check refuses pages from other origins.
	ws, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer ws.CloseNow()
	ws.SetReadLimit(maxMessage)
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	go func() {
		defer cancel()
		for {
			msg, ok := sess.Next()
			if !ok {
				ws.Close(websocket.StatusGoingAway, "the worker's VM has gone away")
				return
			}
			if ws.Write(ctx, websocket.MessageText, msg) != nil {
				return
			}
		}
	}()
	for {
		_, msg, err := ws.Read(ctx)
		if err != nil {
			return
		}
		if sess.Send(msg) != nil {
			return
		}
	}
}
