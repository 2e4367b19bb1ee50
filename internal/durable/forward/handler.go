package forward

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"

	"github.com/coder/websocket"

	"github.com/outpost-dev/outpost/internal/runtime"
)

// maxCallBody bounds a forwarded RPC call: the message limit, doubled for
// base64 and JSON.
const maxCallBody = 2*runtime.MaxRPCMessage + 1<<20

// Handler serves the calls other nodes forward to this one; every request
// must carry the fleet's token.
func Handler(token string, local Local) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST "+fetchPath, func(w http.ResponseWriter, r *http.Request) { serveFetch(w, r, local) })
	mux.HandleFunc("GET "+fetchPath, func(w http.ResponseWriter, r *http.Request) { serveFetch(w, r, local) })
	mux.HandleFunc("POST "+callPath, func(w http.ResponseWriter, r *http.Request) { serveCall(w, r, local) })
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || token == "" || subtle.ConstantTimeCompare([]byte(got), []byte(token)) != 1 {
			writeError(w, http.StatusUnauthorized, errors.New("forward: a valid fleet token is required"))
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func writeError(w http.ResponseWriter, code int, err error) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	json.NewEncoder(w).Encode(callResult{Error: errorToWire(err)})
}

// failed answers a call that did not run here: 421 when the object is
// another node's, else the error.
func failed(w http.ResponseWriter, err error) {
	var moved *MovedError
	if errors.As(err, &moved) {
		w.WriteHeader(http.StatusMisdirectedRequest)
		return
	}
	writeError(w, http.StatusInternalServerError, err)
}

func serveFetch(w http.ResponseWriter, r *http.Request, local Local) {
	var head requestHead
	if err := json.Unmarshal([]byte(r.Header.Get(headHeader)), &head); err != nil {
		writeError(w, http.StatusBadRequest, errors.New("forward: a malformed request head"))
		return
	}
	req := &runtime.Request{Method: head.Method, URL: head.URL, Header: head.Header, CF: head.CF, Depth: head.Depth, Object: &head.Object}
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if r.ContentLength != 0 {
		req.Body = r.Body
	}
	resp, err := local.ServeFetch(r.Context(), head.Worker, req)
	if err != nil {
		failed(w, err)
		return
	}
	rh, err := json.Marshal(responseHead{Status: resp.Status, StatusText: resp.StatusText, Header: resp.Header, Encoded: resp.Encoded})
	if err != nil {
		if resp.Body != nil {
			resp.Body.Close()
		}
		writeError(w, http.StatusInternalServerError, err)
		return
	}
	w.Header().Set(headHeader, string(rh))
	if resp.WebSocket != nil {
		// The object accepted a WebSocket: join it to the calling node's
		// end, or close it if the call was not an upgrade.
		if resp.Body != nil {
			resp.Body.Close()
		}
		if !isUpgrade(r.Header) {
			resp.WebSocket.Reject()
			writeError(w, http.StatusInternalServerError, errors.New("the Durable Object answered with a WebSocket to a request that was not an upgrade"))
			return
		}
		conn, err := websocket.Accept(w, r, &websocket.AcceptOptions{InsecureSkipVerify: true})
		if err != nil {
			resp.WebSocket.Reject()
			return
		}
		resp.WebSocket.Serve(conn)
		return
	}
	w.WriteHeader(http.StatusOK)
	if resp.Body == nil {
		return
	}
	defer resp.Body.Close()
	// Stream: every chunk the object writes goes out at once.
	f, _ := w.(http.Flusher)
	buf := make([]byte, 32<<10)
	for {
		n, err := resp.Body.Read(buf)
		if n > 0 {
			if _, werr := w.Write(buf[:n]); werr != nil {
				return
			}
			if f != nil {
				f.Flush()
			}
		}
		if err != nil {
			if err != io.EOF {
				// Cut the response short: the caller sees its body fail.
				panic(http.ErrAbortHandler)
			}
			return
		}
	}
}

func serveCall(w http.ResponseWriter, r *http.Request, local Local) {
	var call callBody
	if err := json.NewDecoder(io.LimitReader(r.Body, maxCallBody)).Decode(&call); err != nil {
		writeError(w, http.StatusBadRequest, errors.New("forward: a malformed call"))
		return
	}
	res, err := local.ServeCall(r.Context(), call.Worker, call.Depth, call.Object, call.Path, fromWire(call.Args))
	if err != nil {
		var moved *MovedError
		if errors.As(err, &moved) {
			w.WriteHeader(http.StatusMisdirectedRequest)
			return
		}
		// A failure of the call itself: the caller gets it as its result.
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(callResult{Error: errorToWire(err)})
		return
	}
	out, err := toWire(res)
	if err != nil {
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(callResult{Error: errorToWire(err)})
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(callResult{Result: out})
}
