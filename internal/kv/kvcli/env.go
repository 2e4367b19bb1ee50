package kvcli

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/outpost-dev/outpost/internal/kv"
)

// NamespaceInfo is one configured kv_namespaces entry.
type NamespaceInfo struct {
	Binding string `json:"binding"`
	ID      string `json:"id"`
}

// CLIEnv is what the commands run against.
type CLIEnv struct {
	Stdin  io.Reader
	Stdout io.Writer
	Store  kv.Store
	// ResolveBinding maps a binding name to its namespace id.
	ResolveBinding func(binding string) (namespaceID string, err error)
	// Namespaces lists the configured namespaces, for `namespace list`.
	Namespaces []NamespaceInfo
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// UsageError is a command line the CLI does not accept; the caller prints it
// and exits with status 2.
type UsageError struct{ Msg string }

func (e *UsageError) Error() string { return e.Msg }

func usagef(format string, args ...any) error {
	return &UsageError{Msg: fmt.Sprintf(format, args...)}
}

// IsUsage reports whether err is a UsageError.
func IsUsage(err error) bool {
	var u *UsageError
	return errors.As(err, &u)
}
