package server

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/outpost-dev/outpost/internal/runtime"
)

// errNotUpgrade is workerd's error for a WebSocket returned to a plain request.
var errNotUpgrade = errors.New("Worker tried to return a WebSocket in a response to a request which did not contain the header \"Upgrade: websocket\".")

// handshakeOwned are the response headers the WebSocket handshake sets.
var handshakeOwned = []string{"Upgrade", "Connection", "Sec-Websocket-Accept", "Sec-Websocket-Extensions",
	"Sec-Websocket-Protocol", "Content-Length", "Transfer-Encoding"}

// serveWebSocket answers a 101 response that carries a WebSocket: it
// upgrades the client's connection and connects it to the worker's socket
// until either side closes, so the request lasts as long as the socket.
func (h *Handler) serveWebSocket(w http.ResponseWriter, r *http.Request, resp *runtime.Response) (int, string) {
	ws := resp.WebSocket
	if !isWebSocketUpgrade(r) {
		ws.Reject()
		if h.Logger != nil {
			h.Logger.Error(errNotUpgrade.Error())
		}
		return h.errorPage(w, r, http.StatusInternalServerError, "Worker returned a WebSocket to a plain request", errNotUpgrade), "(error)"
	}
	// The worker picks the subprotocol by answering with the header; the
	// handshake confirms it only if the client offered it.
	var protocols []string
	for _, v := range resp.Header.Values("Sec-Websocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				protocols = append(protocols, p)
			}
		}
	}
	dst := w.Header()
	for k, vs := range resp.Header {
		dst[k] = vs
	}
	for _, k := range handshakeOwned {
		dst.Del(k)
	}
	// A WebSocket outlives any per-request deadline the server set.
	rc := http.NewResponseController(w)
	rc.SetReadDeadline(time.Time{})
	rc.SetWriteDeadline(time.Time{})
	conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{
		// As on Cloudflare, the worker decides which origins it serves.
		InsecureSkipVerify: true,
		Subprotocols:       protocols,
		CompressionMode:    websocket.CompressionDisabled,
	})
	if err != nil {
		ws.Reject()
		if h.Logger != nil {
			h.Logger.Error("WebSocket handshake with the client failed: " + err.Error())
		}
		return http.StatusBadRequest, "(WebSocket handshake failed)"
	}
	ws.Serve(conn)
	return http.StatusSwitchingProtocols, "(WebSocket closed)"
}

func isWebSocketUpgrade(r *http.Request) bool {
	for _, v := range r.Header.Values("Upgrade") {
		for _, p := range strings.Split(v, ",") {
			if strings.EqualFold(strings.TrimSpace(p), "websocket") {
				return true
			}
		}
	}
	return false
}
