package forward

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/outpost-dev/outpost/internal/runtime"
)

// Client sends calls to the nodes that own objects.
type Client struct {
	// Token is the fleet's shared secret, checked by every node's Handler.
	Token string
	// HTTP is the client used (default: one with a 5 s dial timeout and
	// no overall timeout: a response streams as long as the object sends).
	HTTP *http.Client
}

var dialer = net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second}

// NodeHTTP is the client for calls between the nodes of a fleet (Durable
// Objects here, D1 in d1remote): a 5 s dial timeout, kept-alive
// connections, and no overall timeout, so a response streams as long as
// its sender sends.
var NodeHTTP = &http.Client{Transport: &http.Transport{
	Proxy:               nil,
	DialContext:         (&dialer).DialContext,
	MaxIdleConnsPerHost: 64,
	IdleConnTimeout:     90 * time.Second,
}}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return NodeHTTP
}

func (c *Client) newRequest(ctx context.Context, addr, path string, body io.Reader) (*http.Request, error) {
	r, err := http.NewRequestWithContext(ctx, http.MethodPost, baseURL(addr)+path, body)
	if err != nil {
		return nil, err
	}
	r.Header.Set("Authorization", "Bearer "+c.Token)
	return r, nil
}

// Fetch sends a stub.fetch() to the node at addr. The body is consumed
// (closed) whatever happens: a caller that may send the call again (after
// ErrUnreachable or a *MovedError) passes a copy it can make again.
func (c *Client) Fetch(ctx context.Context, addr, worker string, req *runtime.Request) (*runtime.Response, error) {
	head, err := json.Marshal(requestHead{Worker: worker, Object: *req.Object, Depth: req.Depth,
		Method: req.Method, URL: req.URL, Header: req.Header, CF: req.CF})
	if err != nil {
		closeBody(req)
		return nil, err
	}
	if isUpgrade(req.Header) {
		closeBody(req)
		return c.dialWebSocket(ctx, addr, head)
	}
	var body io.Reader
	if req.Body != nil {
		body = req.Body
	}
	hr, err := c.newRequest(ctx, addr, fetchPath, body)
	if err != nil {
		closeBody(req)
		return nil, err
	}
	hr.Header.Set(headHeader, string(head))
	resp, err := c.http().Do(hr)
	if err != nil {
		if unreachable(err) {
			return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
		}
		return nil, fmt.Errorf("forwarding to the Durable Object's node %s: %w", addr, err)
	}
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusMisdirectedRequest:
		resp.Body.Close()
		return nil, &MovedError{Node: addr}
	default:
		defer resp.Body.Close()
		return nil, readError(resp)
	}
	var rh responseHead
	if err := json.Unmarshal([]byte(resp.Header.Get(headHeader)), &rh); err != nil {
		resp.Body.Close()
		return nil, fmt.Errorf("forwarding to %s: a malformed response head: %v", addr, err)
	}
	out := &runtime.Response{Status: rh.Status, StatusText: rh.StatusText, Header: rh.Header, Body: resp.Body, ContentLength: resp.ContentLength, Encoded: rh.Encoded}
	if out.Header == nil {
		out.Header = http.Header{}
	}
	return out, nil
}

// dialWebSocket forwards a WebSocket upgrade: the object's socket on the
// owner and this node's end are joined by a WebSocket between the nodes.
func (c *Client) dialWebSocket(ctx context.Context, addr string, head []byte) (*runtime.Response, error) {
	u := "ws" + strings.TrimPrefix(baseURL(addr), "http") + fetchPath
	conn, hr, err := websocket.Dial(ctx, u, &websocket.DialOptions{
		HTTPClient: c.http(),
		HTTPHeader: http.Header{"Authorization": {"Bearer " + c.Token}, headHeader: {string(head)}},
	})
	if err != nil {
		if unreachable(err) {
			return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
		}
		if hr == nil {
			return nil, fmt.Errorf("forwarding a WebSocket to the Durable Object's node %s: %w", addr, err)
		}
		defer hr.Body.Close()
		switch hr.StatusCode {
		case http.StatusMisdirectedRequest:
			return nil, &MovedError{Node: addr}
		case http.StatusOK:
			// The object answered without accepting the upgrade.
		default:
			return nil, readError(hr)
		}
		rh, err := readHead(hr, addr)
		if err != nil {
			return nil, err
		}
		b, _ := io.ReadAll(hr.Body)
		return &runtime.Response{Status: rh.Status, StatusText: rh.StatusText, Header: rh.Header, Body: io.NopCloser(bytes.NewReader(b)), ContentLength: int64(len(b))}, nil
	}
	rh, err := readHead(hr, addr)
	if err != nil {
		conn.CloseNow()
		return nil, err
	}
	return &runtime.Response{Status: http.StatusSwitchingProtocols, StatusText: rh.StatusText, Header: rh.Header, WebSocket: runtime.DialedWebSocket(conn), ContentLength: -1}, nil
}

func readHead(hr *http.Response, addr string) (*responseHead, error) {
	var rh responseHead
	if err := json.Unmarshal([]byte(hr.Header.Get(headHeader)), &rh); err != nil {
		return nil, fmt.Errorf("forwarding to %s: a malformed response head: %v", addr, err)
	}
	if rh.Header == nil {
		rh.Header = http.Header{}
	}
	return &rh, nil
}

func isUpgrade(h http.Header) bool {
	return strings.EqualFold(h.Get("Upgrade"), "websocket")
}

// Call sends an RPC call to the node at addr.
func (c *Client) Call(ctx context.Context, addr, worker string, depth int, obj runtime.ObjectAddress, path []string, args *runtime.Message) (*runtime.Message, error) {
	wargs, err := toWire(args)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(callBody{Worker: worker, Object: obj, Depth: depth, Path: path, Args: wargs})
	if err != nil {
		return nil, err
	}
	hr, err := c.newRequest(ctx, addr, callPath, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	hr.Header.Set("Content-Type", "application/json")
	resp, err := c.http().Do(hr)
	if err != nil {
		if unreachable(err) {
			return nil, fmt.Errorf("%w: %v", ErrUnreachable, err)
		}
		return nil, fmt.Errorf("forwarding to the Durable Object's node %s: %w", addr, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusOK:
	case http.StatusMisdirectedRequest:
		return nil, &MovedError{Node: addr}
	default:
		return nil, readError(resp)
	}
	var res callResult
	if err := json.NewDecoder(resp.Body).Decode(&res); err != nil {
		return nil, fmt.Errorf("forwarding to %s: a malformed result: %v", addr, err)
	}
	if res.Error != nil {
		return nil, res.Error.err()
	}
	return fromWire(res.Result), nil
}

func readError(resp *http.Response) error {
	var res callResult
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err := json.Unmarshal(b, &res); err == nil && res.Error != nil {
		return res.Error.err()
	}
	return fmt.Errorf("forwarding a Durable Object call: the owner answered %s: %s", resp.Status, bytes.TrimSpace(b))
}

func closeBody(req *runtime.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
