package cache

import "errors"

// Kind classifies an Error so the JavaScript side can map it onto the
// exception a worker would see on Cloudflare.
type Kind int

const (
	// KindTypeError is thrown to JavaScript as a TypeError.
	KindTypeError Kind = iota + 1
)

// Error is an error caused by the caller's input, as opposed to an I/O
// failure of the store.
type Error struct {
	Kind    Kind
	Message string
}

func (e *Error) Error() string { return e.Message }

func typeError(msg string) error { return &Error{Kind: KindTypeError, Message: msg} }

// IsTypeError reports whether err must surface in JavaScript as a TypeError.
func IsTypeError(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Kind == KindTypeError
}
