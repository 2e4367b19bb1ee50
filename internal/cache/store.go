package cache

import (
	"bytes"
	"container/list"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"
)

// entry is one cached response. Its fields other than mem and lru never
// change after it is committed; a new put replaces the whole entry.
type entry struct {
	cache   string // "" for caches.default
	key     string
	status  int
	header  http.Header
	size    int64
	stored  time.Time
	expires time.Time
	age     int64 // Age the response already had when stored, seconds
	tags    []string

	meta string // metadata path; "" in a memory-only store
	body string // body path; "" in a memory-only store

	mem []byte        // the body, while resident in memory
	lru *list.Element // position in Store.lru while resident
	use *list.Element // position in Store.recent, for entries on disk
}

type entryID struct{ cache, key string }

// Store is one node's cache: every named cache, caches.default and the zone
// cache used by Fetch. It is safe for concurrent use.
type Store struct {
	opts   Options
	root   string // <Dir>/cache, or "" for memory only
	memCap int64  // largest body held in memory

	mu        sync.Mutex
	entries   map[entryID]*entry
	lru       *list.List // of *entry with a body in memory, most recently used first
	memBytes  int64
	recent    *list.List // of *entry on disk, most recently used first
	diskBytes int64
}

// Open opens the store, loading what an earlier process left under
// <Dir>/cache.
func Open(opts Options) (*Store, error) {
	if opts.MaxMemoryBytes < 0 || opts.MaxEntryBytes < 0 || opts.MaxDiskBytes < 0 {
		return nil, fmt.Errorf("cache: MaxMemoryBytes (%d), MaxEntryBytes (%d) and MaxDiskBytes (%d) must not be negative",
			opts.MaxMemoryBytes, opts.MaxEntryBytes, opts.MaxDiskBytes)
	}
	if opts.MaxMemoryBytes == 0 {
		opts.MaxMemoryBytes = DefaultMaxMemoryBytes
	}
	if opts.MaxEntryBytes == 0 {
		opts.MaxEntryBytes = DefaultMaxEntryBytes
	}
	if opts.MaxDiskBytes == 0 {
		opts.MaxDiskBytes = DefaultMaxDiskBytes
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Store{opts: opts, entries: map[entryID]*entry{}, lru: list.New(), recent: list.New()}
	if opts.Dir == "" {
		s.opts.MaxEntryBytes = min(opts.MaxEntryBytes, opts.MaxMemoryBytes)
		s.memCap = s.opts.MaxEntryBytes
		return s, nil
	}
	s.opts.MaxEntryBytes = min(opts.MaxEntryBytes, opts.MaxDiskBytes)
	s.memCap = opts.MaxMemoryBytes / 16
	s.root = filepath.Join(opts.Dir, "cache")
	if err := os.MkdirAll(s.root, 0o755); err != nil {
		return nil, fmt.Errorf("cache: creating state directory: %w", err)
	}
	loaded, err := loadDir(s.root, opts.Now())
	if err != nil {
		s.logf("cache: cleaning %s: %v", s.root, err)
	}
	// Last use is not persisted; the most recently stored count as the
	// most recently used.
	slices.SortFunc(loaded, func(a, b *entry) int { return a.stored.Compare(b.stored) })
	var evicted []*entry
	for _, e := range loaded {
		evicted = append(evicted, s.install(e)...)
	}
	for _, e := range evicted {
		s.removeBody(e)
	}
	return s, nil
}

func (s *Store) logf(format string, args ...any) {
	if s.opts.Logf != nil {
		s.opts.Logf(format, args...)
	}
}

// normalizeName maps caches.default's names to "".
func normalizeName(name string) string {
	if name == "default" {
		return ""
	}
	return name
}

// Put stores resp for req in the named cache ("" or "default" is
// caches.default), as cache.put does. It returns a TypeError-kind *Error for
// a non-GET request, a 206 response, Vary: * or an invalid URL. A 304, a
// response without freshness, one Cloudflare would not store (no-store,
// private, Set-Cookie, ...) or a body over MaxEntryBytes is dropped without
// error, as on Cloudflare. resp.Body is always closed.
func (s *Store) Put(cacheName string, req Request, resp Response) error {
	if resp.Body != nil {
		defer resp.Body.Close()
	}
	if req.Method != "" && req.Method != http.MethodGet {
		return typeError("Cannot cache response to non-GET request.")
	}
	if resp.Status == http.StatusPartialContent {
		return typeError("Cannot cache response to a range request (206 Partial Content).")
	}
	if varyStar(resp.Header) {
		return typeError("Cannot cache response with 'Vary: *' header.")
	}
	key, err := cacheKey(req)
	if err != nil {
		return err
	}
	if resp.Status == http.StatusNotModified {
		s.logf("cache: ignoring cache.put of a 304 response for %s", key)
		return nil
	}
	now := s.opts.Now()
	f := cachePolicy(now, req.Header, resp.Status, resp.Header)
	if !f.storable || f.ttl <= 0 {
		s.logf("cache: not storing %s: %s", key, f.reason)
		return nil
	}
	e := &entry{
		cache: normalizeName(cacheName), key: key, status: resp.Status, header: f.header,
		stored: now, expires: now.Add(f.ttl), age: f.age, tags: cacheTags(f.header),
	}
	var body io.Reader = http.NoBody
	if resp.Body != nil {
		body = resp.Body
	}
	_, rest, err := s.storeBody(e, body, false)
	if rest != nil {
		rest.Close()
	}
	return err
}

// storeBody reads body and commits e with it. When the body is larger than
// MaxEntryBytes nothing is stored and rest replays the whole body. With
// wantSource, src reads the stored body even if the entry is replaced or
// evicted meanwhile; the caller closes it.
func (s *Store) storeBody(e *entry, body io.Reader, wantSource bool) (src source, rest io.ReadCloser, err error) {
	dir := ""
	if s.root != "" {
		dir = cacheDir(s.root, e.cache)
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, nil, fmt.Errorf("cache: creating %s: %w", dir, err)
		}
	}
	sp, rest, err := spool(body, dir, s.opts.MaxEntryBytes, s.memCap)
	if err != nil {
		return nil, nil, err
	}
	if rest != nil {
		s.logf("cache: not storing %s: body exceeds the %d-byte entry limit (MaxEntryBytes)", e.key, s.opts.MaxEntryBytes)
		return nil, rest, nil
	}
	e.size = sp.size
	e.mem = sp.mem
	e.header.Set("Content-Length", strconv.FormatInt(e.size, 10))
	if wantSource {
		if sp.mem != nil {
			src = memSource{bytes.NewReader(sp.mem)}
		} else {
			// Opened before the rename: the descriptor stays valid whatever
			// later happens to the file.
			f, err := os.Open(sp.tmp)
			if err != nil {
				sp.discard()
				return nil, nil, fmt.Errorf("cache: reopening %s: %w", sp.tmp, err)
			}
			src = f
		}
	}
	if err := s.commit(e, dir, sp); err != nil {
		sp.discard()
		if src != nil {
			src.Close()
		}
		return nil, nil, err
	}
	return src, nil, nil
}

// commit makes e visible, on disk first when the store has a directory.
func (s *Store) commit(e *entry, dir string, sp *spooled) error {
	if dir != "" {
		base := filepath.Join(dir, keyHash(e.key))
		e.meta = base + ".json"
		e.body = base + "." + newGeneration() + ".body"
		if err := os.Rename(sp.tmp, e.body); err != nil {
			return fmt.Errorf("cache: storing body as %s: %w", e.body, err)
		}
		data, err := e.metaJSON()
		if err != nil {
			os.Remove(e.body)
			return fmt.Errorf("cache: encoding metadata for %s: %w", e.key, err)
		}
		tmp, err := writeFileSynced(dir, "meta-*.tmp", data)
		if err != nil {
			os.Remove(e.body)
			return err
		}
		s.mu.Lock()
		if err := os.Rename(tmp, e.meta); err != nil {
			s.mu.Unlock()
			os.Remove(tmp)
			os.Remove(e.body)
			return fmt.Errorf("cache: committing %s: %w", e.meta, err)
		}
		gone := s.install(e)
		s.mu.Unlock()
		for _, g := range gone {
			s.removeBody(g)
		}
		if err := syncDir(dir); err != nil {
			return fmt.Errorf("cache: syncing %s: %w", dir, err)
		}
		return nil
	}
	s.mu.Lock()
	s.install(e)
	s.mu.Unlock()
	return nil
}

// lookup finds a live entry; an expired one is removed. Caller holds s.mu.
func (s *Store) lookup(cache, key string, now time.Time) (e *entry, expired *entry) {
	e = s.entries[entryID{cache, key}]
	if e == nil {
		return nil, nil
	}
	if !now.Before(e.expires) {
		s.remove(e)
		return nil, e
	}
	return e, nil
}

// Match looks req up in the named cache, as cache.match does. A miss, a
// stale entry or a non-GET request (unless o.IgnoreMethod) gives ok false.
// A hit is answered with 200, 206 (Range), 304 (If-None-Match,
// If-Modified-Since) or 416 (unsatisfiable Range), carrying
// CF-Cache-Status: HIT. The caller must close the returned Body.
func (s *Store) Match(cacheName string, req Request, o MatchOptions) (*Response, bool, error) {
	if !o.IgnoreMethod && req.Method != "" && req.Method != http.MethodGet {
		return nil, false, nil
	}
	key, err := cacheKey(req)
	if err != nil {
		return nil, false, err
	}
	resp, _, err := s.serveKey(normalizeName(cacheName), key, req.Header, "HIT", false)
	return resp, resp != nil, err
}

// Delete removes req's entry from the named cache, as cache.delete does,
// reporting whether there was one.
func (s *Store) Delete(cacheName string, req Request, o MatchOptions) (bool, error) {
	if !o.IgnoreMethod && req.Method != "" && req.Method != http.MethodGet {
		return false, nil
	}
	key, err := cacheKey(req)
	if err != nil {
		return false, err
	}
	s.mu.Lock()
	e, expired := s.lookup(normalizeName(cacheName), key, s.opts.Now())
	if e != nil {
		s.remove(e)
	}
	s.mu.Unlock()
	s.removeBody(expired)
	s.removeBody(e)
	return e != nil, nil
}
