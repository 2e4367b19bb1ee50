package kv

import (
	"container/list"
	"sync"
	"time"
)

// readCache is the per-process cache behind cacheTtl: reads within a key's
// cacheTtl of the last fetch are served from memory (including "not found"),
// so other processes' writes show up within cacheTtl, while this process's
// own writes replace the cached copy at once. Bounded by bytes, LRU.
type readCache struct {
	mu      sync.Mutex
	limit   int64
	size    int64
	order   *list.List // front = most recently used
	entries map[cacheKey]*list.Element
	writes  uint64 // bumped by every write; a read started before one is not cached
}

type cacheKey struct{ ns, key string }

type cached struct {
	k       cacheKey
	e       Entry
	found   bool
	fetched time.Time
}

func (c *cached) bytes() int64 {
	return int64(len(c.k.ns)+len(c.k.key)+len(c.e.Value)+len(c.e.Metadata)) + 64
}

func newReadCache(limit int64) *readCache {
	return &readCache{limit: limit, order: list.New(), entries: map[cacheKey]*list.Element{}}
}

// get returns a copy fetched less than ttl before now; ok is false on a miss.
func (c *readCache) get(ns, key string, now time.Time, ttl time.Duration) (e Entry, found, ok bool) {
	if c.limit < 0 {
		return Entry{}, false, false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	el, hit := c.entries[cacheKey{ns, key}]
	if !hit {
		return Entry{}, false, false
	}
	v := el.Value.(*cached)
	if now.Sub(v.fetched) >= ttl || now.Before(v.fetched) {
		return Entry{}, false, false
	}
	c.order.MoveToFront(el)
	return v.e, v.found, true
}

// generation returns a token for putIfUnchanged.
func (c *readCache) generation() uint64 {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.writes
}

// putIfUnchanged caches a value read from the store unless a write happened
// since gen was taken (the read may predate it).
func (c *readCache) putIfUnchanged(gen uint64, ns, key string, e Entry, found bool, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.writes != gen {
		return
	}
	c.insert(&cached{k: cacheKey{ns, key}, e: e, found: found, fetched: now})
}

// write records this process's own write as the freshest copy.
func (c *readCache) write(ns, key string, e Entry, found bool, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	c.insert(&cached{k: cacheKey{ns, key}, e: e, found: found, fetched: now})
}

// forget drops a key before a write to it starts.
func (c *readCache) forget(ns, key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.writes++
	if el, ok := c.entries[cacheKey{ns, key}]; ok {
		c.remove(el)
	}
}

func (c *readCache) insert(v *cached) {
	if c.limit < 0 || v.bytes() > c.limit/4 {
		return
	}
	if el, ok := c.entries[v.k]; ok {
		c.remove(el)
	}
	c.entries[v.k] = c.order.PushFront(v)
	c.size += v.bytes()
	for c.size > c.limit {
		c.remove(c.order.Back())
	}
}

func (c *readCache) remove(el *list.Element) {
	v := el.Value.(*cached)
	c.order.Remove(el)
	delete(c.entries, v.k)
	c.size -= v.bytes()
}
