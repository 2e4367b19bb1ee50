package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// webSocketDialTimeout bounds an outbound WebSocket handshake.
const webSocketDialTimeout = 30 * time.Second

// installWebSocketOps adds the ops behind WebSocket and WebSocketPair
// (prelude/websocket.js). A socket is a number on both sides.
func (in *Instance) installWebSocketOps(def func(string, jsc.Func)) {
	// wsNew makes the Go end for a pair's socket returned in a response.
	def("wsNew", func(call *jsc.Call) (jsc.Value, error) {
		s := in.sockets.add(nil)
		time.AfterFunc(webSocketAttachTimeout, func() {
			s.mu.Lock()
			attached := s.attached
			s.mu.Unlock()
			if !attached {
				s.fail()
			}
		})
		return call.Ctx.Number(float64(s.id)), nil
	})
	def("wsSend", func(call *jsc.Call) (jsc.Value, error) {
		s := in.sockets.get(call.Arg(0).Int())
		if s == nil {
			return call.Ctx.Undefined(), nil // closed: sends are dropped, as the spec says
		}
		msg := call.Arg(1)
		var err error
		if msg.IsString() {
			err = s.send(wsFrame{typ: websocket.MessageText, data: []byte(msg.String())})
		} else if b, ok := msg.BytesView(); ok {
			err = s.send(wsFrame{typ: websocket.MessageBinary, data: bytes.Clone(b)})
		} else {
			return jsc.Value{}, jsc.TypeError("wsSend: the message must be a string or bytes")
		}
		if err != nil {
			return jsc.Value{}, err
		}
		return call.Ctx.Undefined(), nil
	})
	def("wsClose", func(call *jsc.Call) (jsc.Value, error) {
		if s := in.sockets.get(call.Arg(0).Int()); s != nil {
			s.send(wsFrame{close: true, code: int(call.Arg(1).Int()), reason: call.Arg(2).String()})
		}
		return call.Ctx.Undefined(), nil
	})
	def("wsAbort", func(call *jsc.Call) (jsc.Value, error) {
		if s := in.sockets.get(call.Arg(0).Int()); s != nil {
			s.fail()
		}
		return call.Ctx.Undefined(), nil
	})
	def("wsReceive", func(call *jsc.Call) (jsc.Value, error) {
		s := in.sockets.get(call.Arg(0).Int())
		return in.async(call.Ctx, func() (func(c *jsc.Context) (jsc.Value, error), error) {
			ev := disconnected()
			if s != nil {
				ev = s.receive()
			}
			return func(c *jsc.Context) (jsc.Value, error) { return ev.toJS(c) }, nil
		})
	})
	def("wsConnect", func(call *jsc.Call) (jsc.Value, error) {
		return in.opWSConnect(call.Ctx, call.Arg(0))
	})
}

func (ev wsEvent) toJS(c *jsc.Context) (jsc.Value, error) {
	o := c.Object()
	if ev.close {
		o.Set("type", c.String("close"))
		o.Set("code", c.Number(float64(ev.code)))
		o.Set("reason", c.String(ev.reason))
		o.Set("clean", c.Bool(ev.clean))
		return o, nil
	}
	o.Set("type", c.String("message"))
	if ev.text {
		o.Set("data", c.String(string(ev.data)))
		return o, nil
	}
	// Binary messages arrive as an ArrayBuffer, as on Cloudflare.
	ab, buf, err := c.NewArrayBuffer(len(ev.data))
	if err != nil {
		return o, err
	}
	copy(buf, ev.data)
	o.Set("data", ab)
	return o, nil
}

// opWSConnect opens an outbound WebSocket: ops.wsConnect({ url, headers,
// fetch }) resolves with { status, statusText, headers, id, protocol,
// extensions } on a 101, or for fetch() with the response the server
// gave instead ({ status, statusText, headers, body }).
func (in *Instance) opWSConnect(c *jsc.Context, init jsc.Value) (jsc.Value, error) {
	rawURL := init.Get("url").String()
	isFetch := init.Get("fetch").Bool()
	header, err := headersFromJS(init.Get("headers"))
	if err != nil {
		return jsc.Value{}, err
	}
	u, err := url.Parse(rawURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return jsc.Value{}, jsc.TypeError("Fetch API cannot load: %s", rawURL)
	}
	return in.async(c, func() (func(c *jsc.Context) (jsc.Value, error), error) {
		ctx, cancel := context.WithTimeout(context.Background(), webSocketDialTimeout)
		defer cancel()
		conn, resp, err := in.host.Fetch.DialWebSocket(ctx, u, header)
		if err != nil && resp != nil && isFetch {
			// fetch() with Upgrade gets whatever the server answered.
			return func(c *jsc.Context) (jsc.Value, error) {
				out, err := handshakeToJS(c, resp)
				if err != nil {
					return out, err
				}
				body := resp.Body
				resp.Body = nil
				if body != nil {
					out.Set("body", c.Number(float64(in.streams.add(body))))
				}
				return out, nil
			}, nil
		}
		if err != nil {
			if resp != nil {
				return nil, jsc.TypeError("Failed to establish the WebSocket connection: expected server to reply with HTTP status code 101 (switching protocols), but received %d instead.", resp.StatusCode)
			}
			if errors.Is(err, ErrLoop) {
				return nil, err
			}
			return nil, fmt.Errorf("Network connection lost: WebSocket connection to %s failed: %v", rawURL, unwrapURLError(err))
		}
		s := in.sockets.add(conn)
		return func(c *jsc.Context) (jsc.Value, error) {
			out, err := handshakeToJS(c, resp)
			if err != nil {
				return out, err
			}
			out.Set("id", c.Number(float64(s.id)))
			for _, h := range []struct{ key, name string }{{"Sec-Websocket-Protocol", "protocol"}, {"Sec-Websocket-Extensions", "extensions"}} {
				if v := resp.Header.Get(h.key); v != "" {
					out.Set(h.name, c.String(v))
				} else {
					out.Set(h.name, c.Null())
				}
			}
			return out, nil
		}, nil
	})
}

func handshakeToJS(c *jsc.Context, resp *http.Response) (jsc.Value, error) {
	out := c.Object()
	out.Set("status", c.Number(float64(resp.StatusCode)))
	out.Set("statusText", c.String(strings.TrimSpace(strings.TrimPrefix(resp.Status, fmt.Sprint(resp.StatusCode)))))
	hs, err := headersToJS(c, resp.Header)
	out.Set("headers", hs)
	out.Set("body", c.Null())
	return out, err
}

func unwrapURLError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err
	}
	return err
}

// handshakeHeaders are set by the WebSocket client itself.
var handshakeHeaders = []string{"Upgrade", "Connection", "Sec-Websocket-Key", "Sec-Websocket-Version",
	"Sec-Websocket-Extensions", "Sec-Websocket-Protocol", "Host", "Content-Length"}

// DialWebSocket opens an outbound WebSocket for a worker, with the same
// rules as fetch(): the worker's own address goes to the origin, private
// addresses are refused when DenyPrivate is set. Sec-WebSocket-Protocol
// in header lists the subprotocols to offer. On a refused handshake the
// error comes with the server's response.
func (f *Fetcher) DialWebSocket(ctx context.Context, u *url.URL, header http.Header) (*websocket.Conn, *http.Response, error) {
	target := *u
	if f.isSelf(&target) {
		if f.Origin == nil {
			return nil, nil, ErrLoop
		}
		target.Scheme, target.Host = f.Origin.Scheme, f.Origin.Host
	}
	h := header.Clone()
	var protocols []string
	for _, v := range h.Values("Sec-Websocket-Protocol") {
		for _, p := range strings.Split(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				protocols = append(protocols, p)
			}
		}
	}
	host := h.Get("Host")
	for _, k := range handshakeHeaders {
		h.Del(k)
	}
	return websocket.Dial(ctx, target.String(), &websocket.DialOptions{
		HTTPClient:      f.client(),
		HTTPHeader:      h,
		Host:            host,
		Subprotocols:    protocols,
		CompressionMode: websocket.CompressionDisabled,
	})
}
