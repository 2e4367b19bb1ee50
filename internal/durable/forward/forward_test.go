package forward

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// owner plays the node that owns objects "mine" and not others.
type owner struct{}

func (owner) ServeFetch(ctx context.Context, worker string, req *runtime.Request) (*runtime.Response, error) {
	if req.Object.Name == "throws" {
		return nil, &runtime.ScriptError{Name: "TypeError", Message: "in fetch"}
	}
	if req.Object.Name != "mine" {
		return nil, &MovedError{Node: "owner"}
	}
	body, _ := io.ReadAll(req.Body)
	text := fmt.Sprintf("%s %s %s depth=%d x=%s body=%s cf=%v", worker, req.Method, req.URL, req.Depth, req.Header.Get("X-Test"), body, req.CF["colo"])
	return &runtime.Response{Status: 202, StatusText: "Accepted", Header: http.Header{"Set-Cookie": {"a=1", "b=2"}},
		Body: io.NopCloser(strings.NewReader(text)), ContentLength: -1}, nil
}

func (owner) ServeCall(ctx context.Context, worker string, depth int, obj runtime.ObjectAddress, path []string, args *runtime.Message) (*runtime.Message, error) {
	switch obj.Name {
	case "mine":
		return &runtime.Message{JSON: fmt.Sprintf(`["echo %s %s %d %s"]`, worker, strings.Join(path, "."), depth, args.JSON), Buffers: [][]byte{{1, 2}}}, nil
	case "throws":
		return nil, &runtime.ScriptError{Name: "RangeError", Message: "too far"}
	case "reset":
		return nil, &durable.CallError{Name: "Error", Message: "reset", Remote: true, Reset: true, Retryable: true, Overloaded: true}
	case "stub":
		return &runtime.Message{JSON: "[]", Refs: make([]runtime.Ref, 1)}, nil
	}
	return nil, &MovedError{Node: "owner"}
}

func TestForward(t *testing.T) {
	srv := httptest.NewServer(Handler("secret-token-0123456789", owner{}))
	defer srv.Close()
	c := &Client{Token: "secret-token-0123456789"}
	ctx := context.Background()
	obj := func(name string) *runtime.ObjectAddress {
		return &runtime.ObjectAddress{Class: "C", ID: strings.Repeat("a", 64), Name: name}
	}

	req := &runtime.Request{Method: "PUT", URL: "https://do.test/x", Header: http.Header{"X-Test": {"yes"}}, CF: map[string]any{"colo": "OUT"},
		Depth: 2, Object: obj("mine"), Body: io.NopCloser(strings.NewReader("payload"))}
	resp, err := c.Fetch(ctx, srv.Listener.Addr().String(), "w", req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.Status != 202 || resp.StatusText != "Accepted" || len(resp.Header["Set-Cookie"]) != 2 ||
		string(body) != "w PUT https://do.test/x depth=2 x=yes body=payload cf=OUT" {
		t.Errorf("fetch = %d %q %v %q", resp.Status, resp.StatusText, resp.Header, body)
	}

	var fe *durable.CallError
	if _, err := c.Fetch(ctx, srv.URL, "w", &runtime.Request{Method: "GET", URL: "https://do.test/", Object: obj("throws")}); !errors.As(err, &fe) ||
		*fe != (durable.CallError{Name: "TypeError", Message: "in fetch", Remote: true}) {
		t.Errorf("fetch that throws: %#v", err)
	}
	var moved *MovedError
	if _, err := c.Fetch(ctx, srv.URL, "w", &runtime.Request{Method: "GET", URL: "https://do.test/", Object: obj("other")}); !errors.As(err, &moved) {
		t.Errorf("fetch for another node's object: %v", err)
	}

	res, err := c.Call(ctx, srv.URL, "w", 1, *obj("mine"), []string{"a", "b"}, &runtime.Message{JSON: `[1]`})
	if err != nil || res.JSON != `["echo w a.b 1 [1]"]` || len(res.Buffers) != 1 || res.Buffers[0][1] != 2 {
		t.Errorf("call = %+v, %v", res, err)
	}
	var ce *durable.CallError
	if _, err := c.Call(ctx, srv.URL, "w", 0, *obj("throws"), []string{"a"}, nil); !errors.As(err, &ce) ||
		*ce != (durable.CallError{Name: "RangeError", Message: "too far", Remote: true}) {
		t.Errorf("a thrown error: %#v", err)
	}
	// The properties of the caller's exception cross the nodes.
	if _, err := c.Call(ctx, srv.URL, "w", 0, *obj("reset"), []string{"a"}, nil); !errors.As(err, &ce) ||
		*ce != (durable.CallError{Name: "Error", Message: "reset", Remote: true, Reset: true, Retryable: true, Overloaded: true}) {
		t.Errorf("a reset: %#v", err)
	}
	if _, err := c.Call(ctx, srv.URL, "w", 0, *obj("stub"), []string{"a"}, nil); err == nil || !strings.Contains(err.Error(), "cannot pass functions") {
		t.Errorf("a result with a stub: %v", err)
	}
	if _, err := c.Call(ctx, srv.URL, "w", 0, *obj("mine"), []string{"a"}, &runtime.Message{JSON: "[]", Refs: make([]runtime.Ref, 1)}); !errors.Is(err, ErrStubs) {
		t.Errorf("arguments with a stub: %v", err)
	}
	if _, err := c.Call(ctx, srv.URL, "w", 0, *obj("other"), []string{"a"}, nil); !errors.As(err, &moved) {
		t.Errorf("call for another node's object: %v", err)
	}

	// A wrong token is refused; a node that is down is unreachable.
	bad := &Client{Token: "wrong-token-0123456789"}
	if _, err := bad.Call(ctx, srv.URL, "w", 0, *obj("mine"), []string{"a"}, nil); err == nil || !strings.Contains(err.Error(), "a valid fleet token is required") {
		t.Errorf("wrong token: %v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down := ln.Addr().String()
	ln.Close()
	if _, err := c.Call(ctx, down, "w", 0, *obj("mine"), []string{"a"}, nil); !errors.Is(err, ErrUnreachable) {
		t.Errorf("a node that is down: %v", err)
	}
	if _, err := c.Fetch(ctx, down, "w", &runtime.Request{Method: "GET", URL: "https://do.test/", Object: obj("mine")}); !errors.Is(err, ErrUnreachable) {
		t.Errorf("fetch to a node that is down: %v", err)
	}
}
