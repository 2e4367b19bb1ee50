// Package cache implements Cloudflare's Cache API (caches.default,
// caches.open(name)) and the zone cache that sits in front of a worker's
// fetch() subrequests, for one node.
//
// As on Cloudflare, the cache is per node and never replicated. Bodies are
// held in a bounded in-memory LRU (MaxMemoryBytes) and, when a state
// directory is given, on disk under <Dir>/cache/ (bounded by MaxDiskBytes,
// least recently used evicted first), so entries survive restarts and what
// does not fit in memory is served from disk:
//
//	<Dir>/cache/default/<hash>.json           metadata: URL, status, headers, expiry, tags
//	<Dir>/cache/default/<hash>.<gen>.body     the body, byte for byte
//	<Dir>/cache/named/<name>/...              caches.open(name), the name %XX-escaped
//
// The JSON file names the URL it belongs to, so `grep -l URL` finds an entry.
// A metadata file is the commit point of a write: bodies and metadata are
// written to temporary files, synced and renamed, and a body that no
// metadata file refers to is removed when the store is opened.
//
// Semantics follow workerd (src/workerd/api/cache.c++) and Miniflare
// (src/workers/cache/cache.worker.ts): what put rejects with a TypeError,
// what it silently drops, freshness from Cache-Control/Expires/Last-Modified
// as a shared cache, 304 for If-None-Match/If-Modified-Since, 206 and
// multipart/byteranges for Range, 416 when unsatisfiable, and
// CF-Cache-Status: HIT on every hit.
package cache
