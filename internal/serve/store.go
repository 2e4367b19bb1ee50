package serve

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Version describes one deployed version of a worker.
type Version struct {
	Worker  string    `json:"worker"`
	Version int       `json:"version"`
	Created time.Time `json:"created"`
	Message string    `json:"message,omitempty"`
	SHA256  string    `json:"sha256"`
	Active  bool      `json:"active"`
}

// Store keeps every deployed version of every worker and which one is
// active. All nodes of a fleet share one store and converge on its active
// versions.
type Store interface {
	// Create stores b as the worker's next version and makes it active.
	Create(ctx context.Context, worker string, b *Bundle, message string) (Version, error)
	// Activate makes an existing version active (a rollback).
	Activate(ctx context.Context, worker string, version int) (Version, error)
	// Active returns each deployed worker's active version.
	Active(ctx context.Context) (map[string]int, error)
	// Versions lists a worker's versions, newest first.
	Versions(ctx context.Context, worker string) ([]Version, error)
	// Get returns one version's bundle.
	Get(ctx context.Context, worker string, version int) (*Bundle, error)
	Close() error
}

// ErrNotFound is returned for a worker or version the store does not have.
var ErrNotFound = errors.New("not found")

func notFound(worker string, version int) error {
	if version == 0 {
		return fmt.Errorf("worker %q has no deployments: %w", worker, ErrNotFound)
	}
	return fmt.Errorf("worker %q has no version %d: %w", worker, version, ErrNotFound)
}
