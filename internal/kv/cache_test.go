package kv

import (
	"strings"
	"testing"
	"time"
)

func TestReadCacheEvictsLeastRecentlyUsed(t *testing.T) {
	c := newReadCache(4000)
	now := time.Unix(1000, 0)
	v := Entry{Value: []byte(strings.Repeat("x", 900))}
	for _, k := range []string{"a", "b", "c", "d"} {
		c.write("ns", k, v, true, now)
	}
	if _, _, ok := c.get("ns", "a", now, time.Minute); !ok { // a is now most recent
		t.Fatal("a evicted too early")
	}
	c.write("ns", "e", v, true, now)
	if _, _, ok := c.get("ns", "b", now, time.Minute); ok {
		t.Error("least recently used entry b was kept")
	}
	for _, k := range []string{"a", "c", "d", "e"} {
		if _, _, ok := c.get("ns", k, now, time.Minute); !ok {
			t.Errorf("%s evicted", k)
		}
	}
	if c.size > c.limit {
		t.Errorf("size %d over limit %d", c.size, c.limit)
	}
	// A value too big for the cache is not cached at all.
	c.write("ns", "huge", Entry{Value: make([]byte, 2000)}, true, now)
	if _, _, ok := c.get("ns", "huge", now, time.Minute); ok {
		t.Error("a value over a quarter of the cache was cached")
	}
}

func TestReadCacheDropsReadsOlderThanAWrite(t *testing.T) {
	c := newReadCache(1 << 20)
	now := time.Unix(1000, 0)
	gen := c.generation()
	// A write lands while a read of the old value is in flight.
	c.forget("ns", "k")
	c.write("ns", "k", Entry{Value: []byte("new")}, true, now)
	c.putIfUnchanged(gen, "ns", "k", Entry{Value: []byte("old")}, true, now)
	if e, _, ok := c.get("ns", "k", now, time.Minute); !ok || string(e.Value) != "new" {
		t.Fatalf("cache = %q, %v; want the write, not the older read", e.Value, ok)
	}
}

func TestReadCacheTTL(t *testing.T) {
	c := newReadCache(1 << 20)
	t0 := time.Unix(1000, 0)
	c.write("ns", "k", Entry{Value: []byte("v")}, true, t0)
	if _, _, ok := c.get("ns", "k", t0.Add(59*time.Second), time.Minute); !ok {
		t.Error("miss within ttl")
	}
	if _, _, ok := c.get("ns", "k", t0.Add(time.Minute), time.Minute); ok {
		t.Error("hit at ttl")
	}
	if _, _, ok := c.get("other", "k", t0, time.Minute); ok {
		t.Error("namespaces share cache entries")
	}
	off := newReadCache(-1)
	off.write("ns", "k", Entry{}, true, t0)
	if _, _, ok := off.get("ns", "k", t0, time.Minute); ok {
		t.Error("disabled cache returned an entry")
	}
}
