// Package forward carries calls to Durable Objects between the nodes of a
// fleet: a node that receives a stub.fetch() or an RPC call for an object
// another node owns sends it to the owner over HTTP, authenticated with the
// fleet's shared token, and hands the answer back as if the object ran
// locally. The owner runs the call only if it still owns the object (or
// can take it); otherwise it answers "moved" and the sender looks the
// owner up again. A call is forwarded at most once: the receiving node
// never forwards it further.
//
// The wire format is private to Outpost (both ends are the same binary):
//
//	POST /outpost/do/v1/fetch   Outpost-Do: the request's head as JSON; the body streams
//	                            → 200, Outpost-Do: the response's head as JSON; the body streams
//	POST /outpost/do/v1/call    the call as JSON (the RPC message: its JSON text and buffers)
//	                            → 200, the result as JSON
//	any                         → 421 when the node does not own the object
//	                            → 500 with {"error":…} for a failure of the call
package forward

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"

	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// ErrUnreachable says the owner could not be reached and nothing was
// delivered to it: the call may be sent again (to the same node once it is
// back, or to the next owner once its lease expires).
var ErrUnreachable = errors.New("forward: the owner of the Durable Object is unreachable")

// MovedError says the node a call was sent to does not own the object (its
// lease moved, or it gave the object up): look the owner up again.
type MovedError struct {
	Node string // the node that refused
}

func (e *MovedError) Error() string {
	return fmt.Sprintf("forward: node %s does not own the Durable Object", e.Node)
}

// Local runs calls on the objects this node owns: it returns a
// *MovedError when the object is another node's.
type Local interface {
	ServeFetch(ctx context.Context, worker string, req *runtime.Request) (*runtime.Response, error)
	ServeCall(ctx context.Context, worker string, depth int, obj runtime.ObjectAddress, path []string, args *runtime.Message) (*runtime.Message, error)
}

// ErrStubs refuses a call whose arguments or result carry stubs (functions,
// RpcTargets, streams): they call back into the instance that made them,
// which is on another node.
var ErrStubs = errors.New("Outpost cannot pass functions, RpcTarget stubs or streams to or from a Durable Object that runs on another node of the fleet; send plain data")

const (
	fetchPath  = "/outpost/do/v1/fetch"
	callPath   = "/outpost/do/v1/call"
	headHeader = "Outpost-Do"
)

// requestHead is a forwarded stub.fetch()'s request without its body.
type requestHead struct {
	Worker string                `json:"worker"`
	Object runtime.ObjectAddress `json:"object"`
	Depth  int                   `json:"depth"`
	Method string                `json:"method"`
	URL    string                `json:"url"`
	Header http.Header           `json:"header"`
	CF     map[string]any        `json:"cf,omitempty"`
}

// responseHead is the owner's response without its body.
type responseHead struct {
	Status     int         `json:"status"`
	StatusText string      `json:"statusText"`
	Header     http.Header `json:"header"`
	// Encoded: the body is already in its Content-Encoding (runtime.Response.Encoded).
	Encoded bool `json:"encoded,omitempty"`
}

// message is a runtime.Message on the wire (buffers in base64).
type message struct {
	JSON    string   `json:"json"`
	Buffers [][]byte `json:"buffers,omitempty"`
}

type callBody struct {
	Worker string                `json:"worker"`
	Object runtime.ObjectAddress `json:"object"`
	Depth  int                   `json:"depth"`
	Path   []string              `json:"path"`
	Args   *message              `json:"args,omitempty"`
}

type callResult struct {
	Result *message   `json:"result,omitempty"`
	Error  *wireError `json:"error,omitempty"`
}

// wireError is a failure of the call on the owner: the exception a stub's
// caller sees (Script: by name and message, with Cloudflare's remote,
// retryable, overloaded and durableObjectReset properties) or Outpost's own.
type wireError struct {
	Script     bool   `json:"script,omitempty"`
	Name       string `json:"name,omitempty"`
	Message    string `json:"message"`
	Remote     bool   `json:"remote,omitempty"`
	Retryable  bool   `json:"retryable,omitempty"`
	Overloaded bool   `json:"overloaded,omitempty"`
	Reset      bool   `json:"reset,omitempty"`
}

func toWire(m *runtime.Message) (*message, error) {
	if m == nil {
		return nil, nil
	}
	if len(m.Refs) > 0 {
		return nil, ErrStubs
	}
	return &message{JSON: m.JSON, Buffers: m.Buffers}, nil
}

func fromWire(m *message) *runtime.Message {
	if m == nil {
		return nil
	}
	return &runtime.Message{JSON: m.JSON, Buffers: m.Buffers}
}

func errorToWire(err error) *wireError {
	var ce *durable.CallError
	if errors.As(err, &ce) {
		return &wireError{Script: true, Name: ce.Name, Message: ce.Message,
			Remote: ce.Remote, Retryable: ce.Retryable, Overloaded: ce.Overloaded, Reset: ce.Reset}
	}
	var se *runtime.ScriptError
	if errors.As(err, &se) {
		return &wireError{Script: true, Name: se.Name, Message: se.Message, Remote: true}
	}
	return &wireError{Message: err.Error()}
}

func (e *wireError) err() error {
	if e.Script {
		return &durable.CallError{Name: e.Name, Message: e.Message,
			Remote: e.Remote, Retryable: e.Retryable, Overloaded: e.Overloaded, Reset: e.Reset}
	}
	return errors.New(e.Message)
}

// baseURL is the node's forwarding address as a URL.
func baseURL(addr string) string {
	if strings.HasPrefix(addr, "http://") || strings.HasPrefix(addr, "https://") {
		return strings.TrimSuffix(addr, "/")
	}
	return "http://" + addr
}

// unreachable tells a failure to connect (nothing sent) from one after
// the request may have been delivered.
func unreachable(err error) bool {
	var oe *net.OpError
	return errors.As(err, &oe) && oe.Op == "dial"
}
