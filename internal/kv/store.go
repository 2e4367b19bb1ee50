package kv

import (
	"context"
	"encoding/json"
	"unicode/utf8"
)

// Store keeps KV rows. It does no validation: Namespace does that once for
// every store. Times are whole seconds since the Unix epoch; an entry with
// Expiration e (non-zero) is gone once now >= e.
type Store interface {
	// Get returns the entry unless it is absent or expired at nowSec.
	Get(ctx context.Context, namespace, key string, nowSec int64) (Entry, bool, error)
	// Put stores an entry, replacing any previous one, durably before it returns.
	Put(ctx context.Context, namespace, key string, e Entry) error
	// Delete removes a key; deleting an absent key is not an error.
	Delete(ctx context.Context, namespace, key string) error
	// List returns up to q.Limit unexpired keys in UTF-8 byte order,
	// starting after q.StartAfter and starting with q.Prefix.
	List(ctx context.Context, namespace string, q ListQuery) ([]Key, error)
	// DeleteExpired removes every entry, in all namespaces, expired at nowSec.
	DeleteExpired(ctx context.Context, nowSec int64) (int64, error)
	Close() error
}

// Entry is one stored value.
type Entry struct {
	Value      []byte
	Metadata   json.RawMessage // nil when absent
	Expiration int64           // seconds since the epoch; 0 when none
}

// ListQuery is what a Store's List is asked for.
type ListQuery struct {
	Prefix     string
	StartAfter string // "" starts at the beginning (keys are never empty)
	Limit      int
	NowSec     int64
}

// Key is one list result, shaped like Cloudflare's list output.
type Key struct {
	Name       string          `json:"name"`
	Expiration int64           `json:"expiration,omitempty"`
	Metadata   json.RawMessage `json:"metadata,omitempty"`
}

// PrefixEnd returns end such that the strings in [prefix, end) are exactly
// those starting with prefix, so a store can scan its key index and match the
// prefix literally (no LIKE wildcards). ok is false when there is no bound (empty
// prefix). prefix must be valid UTF-8; so is the result, because UTF-8 byte order
// is code point order: incrementing the last code point bounds the range.
func PrefixEnd(prefix string) (end string, ok bool) {
	for prefix != "" {
		r, size := utf8.DecodeLastRuneInString(prefix)
		prefix = prefix[:len(prefix)-size]
		next := r + 1
		if next >= 0xD800 && next <= 0xDFFF {
			next = 0xE000
		}
		if next > utf8.MaxRune {
			continue
		}
		return prefix + string(next), true
	}
	return "", false
}
