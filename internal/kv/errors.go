package kv

import "fmt"

// Kind says which JavaScript error class workerd throws for an Error.
type Kind int

const (
	// KindError is a plain Error: everything the KV service rejects
	// ("KV PUT failed: 400 …").
	KindError Kind = iota
	// KindTypeError is a TypeError: key names workerd rejects before any
	// request is made (empty, "." and "..").
	KindTypeError
)

// Error is a rejected KV call. Message is the exact text workerd shows.
type Error struct {
	Kind    Kind
	Message string
}

func (e *Error) Error() string { return e.Message }

// Op names as they appear in workerd's "KV <op> failed" messages.
const (
	opGet     = "GET"
	opGetBulk = "GET_BULK"
	opPut     = "PUT"
	opDelete  = "DELETE"
)

func typeError(msg string) *Error { return &Error{Kind: KindTypeError, Message: msg} }

// failed builds the message workerd makes from a non-2xx KV response:
// "KV <op> failed: <status> <statusText>".
func failed(op string, status int, format string, args ...any) *Error {
	return &Error{Kind: KindError, Message: fmt.Sprintf("KV %s failed: %d %s", op, status, fmt.Sprintf(format, args...))}
}
