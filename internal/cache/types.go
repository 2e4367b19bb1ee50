package cache

import (
	"io"
	"net/http"
	"time"
)

// Request is the part of a JavaScript Request the cache looks at.
type Request struct {
	Method string
	URL    string
	Header http.Header
	// CacheKey is request.cf.cacheKey: when set it replaces the URL as the
	// key, exactly as given.
	CacheKey string
}

// Response is a decoded response. Body may be nil for an empty body; the
// cache always closes a Body it is given, and the caller closes a Body it
// receives.
type Response struct {
	Status int
	Header http.Header
	Body   io.ReadCloser
}

// MatchOptions are the CacheQueryOptions workerd supports.
type MatchOptions struct {
	// IgnoreMethod lets a non-GET request match (and delete) the GET entry.
	IgnoreMethod bool
}

// Purge selects entries to remove from every cache on this node, like
// Cloudflare's purge API. Prefixes are compared without the scheme
// ("example.com/assets/" matches https://example.com/assets/app.js); tags are
// the comma-separated values of a response's Cache-Tag header, compared
// case-insensitively.
type Purge struct {
	URLs     []string
	Prefixes []string
	Tags     []string
	All      bool
}

// Defaults for Options fields left at zero.
const (
	// DefaultMaxMemoryBytes bounds the bodies held in memory.
	DefaultMaxMemoryBytes = 64 << 20
	// DefaultMaxEntryBytes is Cloudflare's per-file cache limit (512 MB on
	// Free, Pro and Business plans). Without a state directory the limit is
	// also capped by MaxMemoryBytes, since there is nowhere else to keep a body.
	DefaultMaxEntryBytes = 512 << 20
	// DefaultMaxDiskBytes bounds the bodies kept under Dir/cache.
	DefaultMaxDiskBytes = 4 << 30
)

// Options configure a Store.
type Options struct {
	// Dir is the state directory; entries are kept under Dir/cache.
	// Empty means memory only: entries are lost on restart and evicted
	// whole when memory is full.
	Dir string
	// MaxMemoryBytes bounds the total size of bodies held in memory.
	// With a Dir, bodies that do not fit stay on disk only, and a single
	// body is held in memory only if it is at most 1/16 of this bound so
	// one large entry cannot flush the rest.
	MaxMemoryBytes int64
	// MaxEntryBytes is the largest body stored; larger ones are silently
	// not stored, as on Cloudflare.
	MaxEntryBytes int64
	// MaxDiskBytes bounds the total size of bodies on disk; past it the
	// least recently used entries are evicted, as Cloudflare evicts
	// unpopular content. Unused without a Dir.
	MaxDiskBytes int64
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logf, when set, is told why a response was not stored.
	Logf func(format string, args ...any)
}
