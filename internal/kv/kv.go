package kv

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"time"
	"unicode/utf8"
)

// Options configure a KV.
type Options struct {
	// Now is the clock; tests inject one so nothing sleeps 60 s. Default time.Now.
	Now func() time.Time
	// CacheBytes bounds the per-process read cache (default 64 MiB; negative
	// disables it).
	CacheBytes int64
}

// KV is the KV service of one process: one store, one clock, one read cache
// shared by every namespace.
type KV struct {
	store Store
	now   func() time.Time
	cache *readCache
}

// New returns a KV over store.
func New(store Store, o Options) *KV {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.CacheBytes == 0 {
		o.CacheBytes = 64 << 20
	}
	return &KV{store: store, now: o.Now, cache: newReadCache(o.CacheBytes)}
}

// Store returns the underlying store.
func (k *KV) Store() Store { return k.store }

// Namespace returns the namespace with the given id (a wrangler.toml `id`).
func (k *KV) Namespace(id string) *Namespace { return &Namespace{kv: k, id: id} }

func (k *KV) nowSec() int64 { return k.now().Unix() }

// Namespace is one KV namespace, what `env.MY_KV` is bound to.
type Namespace struct {
	kv *KV
	id string
}

// ID returns the namespace id.
func (n *Namespace) ID() string { return n.id }

// GetOptions are get's options. A nil CacheTTL means the default (60 s).
type GetOptions struct {
	CacheTTL *int64
}

// GetResult is one value read.
type GetResult struct {
	Value      []byte
	Metadata   json.RawMessage // nil when absent
	Expiration int64           // 0 when none
	Found      bool
}

// Get reads one key (get and getWithMetadata).
func (n *Namespace) Get(ctx context.Context, key string, o GetOptions) (GetResult, error) {
	if err := checkKeyName(opGet, key); err != nil {
		return GetResult{}, err
	}
	if err := checkUTF8(key); err != nil {
		return GetResult{}, err
	}
	if err := checkCacheTTL(opGet, o.CacheTTL); err != nil {
		return GetResult{}, err
	}
	return n.read(ctx, key, o.CacheTTL)
}

func (n *Namespace) read(ctx context.Context, key string, cacheTTL *int64) (GetResult, error) {
	ttl := int64(DefaultCacheTTL)
	if cacheTTL != nil {
		ttl = *cacheTTL
	}
	now := n.kv.now()
	if e, found, ok := n.kv.cache.get(n.id, key, now, time.Duration(ttl)*time.Second); ok {
		return result(e, found, now.Unix()), nil
	}
	gen := n.kv.cache.generation()
	e, found, err := n.kv.store.Get(ctx, n.id, key, now.Unix())
	if err != nil {
		return GetResult{}, err
	}
	n.kv.cache.putIfUnchanged(gen, n.id, key, e, found, now)
	return result(e, found, now.Unix()), nil
}

// result hides a cached entry that has expired since it was cached.
func result(e Entry, found bool, nowSec int64) GetResult {
	if !found || (e.Expiration != 0 && e.Expiration <= nowSec) {
		return GetResult{}
	}
	return GetResult{Value: e.Value, Metadata: e.Metadata, Expiration: e.Expiration, Found: true}
}

// BulkGetOptions are the options of get/getWithMetadata with an array of keys.
// Type is "", "text" or "json"; with "json" every value must parse.
type BulkGetOptions struct {
	Type     string
	CacheTTL *int64
}

// BulkEntry is one key of a bulk get, in request order.
type BulkEntry struct {
	Key string
	GetResult
}

// GetBulk reads up to 100 keys at once, with Miniflare's checks and messages.
func (n *Namespace) GetBulk(ctx context.Context, keys []string, o BulkGetOptions) ([]BulkEntry, error) {
	if o.Type != "" && o.Type != "text" && o.Type != "json" {
		return nil, failed(opGetBulk, 400, "%q is not a valid type. Use \"json\" or \"text\"", o.Type)
	}
	if len(keys) > MaxBulkGetKeys {
		return nil, failed(opGetBulk, 400, "You can request a maximum of %d keys", MaxBulkGetKeys)
	}
	if len(keys) < 1 {
		return nil, failed(opGetBulk, 400, "You must request a minimum of 1 key")
	}
	out := make([]BulkEntry, 0, len(keys))
	total := 0
	for _, key := range keys {
		if err := checkServiceKey(opGetBulk, key); err != nil {
			return nil, err
		}
		if err := checkUTF8(key); err != nil {
			return nil, err
		}
		if err := checkCacheTTL(opGetBulk, o.CacheTTL); err != nil {
			return nil, err
		}
		r, err := n.read(ctx, key, o.CacheTTL)
		if err != nil {
			return nil, err
		}
		if r.Found && o.Type == "json" && !json.Valid(r.Value) {
			return nil, failed(opGetBulk, 400, "At least one of the requested keys corresponds to a non-json value")
		}
		total += len(r.Value)
		out = append(out, BulkEntry{Key: key, GetResult: r})
	}
	if total > MaxBulkGetSize {
		return nil, failed(opGetBulk, 413, "Total size of request exceeds the limit of %dMB", maxBulkGetSizeMiB)
	}
	return out, nil
}

// PutOptions are put's options. Nil fields were not given; ExpirationTTL
// wins over Expiration. Metadata is the JSON text of the metadata option.
type PutOptions struct {
	Expiration    *int64
	ExpirationTTL *int64
	Metadata      json.RawMessage
}

// Put writes a value. When it returns nil the write is durable and visible to
// every later Get in this process.
func (n *Namespace) Put(ctx context.Context, key string, value []byte, o PutOptions) error {
	if err := checkKeyName(opPut, key); err != nil {
		return err
	}
	if err := checkUTF8(key); err != nil {
		return err
	}
	now := n.kv.now()
	exp, err := putExpiration(o, now.Unix())
	if err != nil {
		return err
	}
	if err := checkMetadata(o.Metadata); err != nil {
		return err
	}
	if err := checkValue(value); err != nil {
		return err
	}
	if value == nil {
		value = []byte{}
	}
	e := Entry{Value: value, Metadata: o.Metadata, Expiration: exp}
	// Drop the cached copy first so a failed write leaves no stale value.
	n.kv.cache.forget(n.id, key)
	if err := n.kv.store.Put(ctx, n.id, key, e); err != nil {
		return err
	}
	n.kv.cache.write(n.id, key, e, true, now)
	return nil
}

// Delete removes a key; an absent key is not an error.
func (n *Namespace) Delete(ctx context.Context, key string) error {
	if err := checkKeyName(opDelete, key); err != nil {
		return err
	}
	if err := checkUTF8(key); err != nil {
		return err
	}
	n.kv.cache.forget(n.id, key)
	if err := n.kv.store.Delete(ctx, n.id, key); err != nil {
		return err
	}
	n.kv.cache.write(n.id, key, Entry{}, false, n.kv.now())
	return nil
}

// ListOptions are list's options. Limit ≤ 0 means the default (1000).
type ListOptions struct {
	Prefix string
	Limit  int
	Cursor string
}

// ListResult is list's result; Cursor is "" when ListComplete.
type ListResult struct {
	Keys         []Key  `json:"keys"`
	ListComplete bool   `json:"list_complete"`
	Cursor       string `json:"cursor,omitempty"`
}

// List lists unexpired keys in UTF-8 byte order.
func (n *Namespace) List(ctx context.Context, o ListOptions) (ListResult, error) {
	limit, err := listLimit(o.Limit)
	if err != nil {
		return ListResult{}, err
	}
	if len(o.Prefix) > MaxKeySize {
		return ListResult{}, failed(opGet, 414, "UTF-8 encoded length of %d exceeds key length limit of %d.", len(o.Prefix), MaxKeySize)
	}
	if err := checkUTF8(o.Prefix); err != nil {
		return ListResult{}, err
	}
	after, err := decodeCursor(o.Cursor)
	if err != nil {
		return ListResult{}, err
	}
	// One extra row tells whether another page exists.
	keys, err := n.kv.store.List(ctx, n.id, ListQuery{Prefix: o.Prefix, StartAfter: after, Limit: limit + 1, NowSec: n.kv.nowSec()})
	if err != nil {
		return ListResult{}, err
	}
	if keys == nil {
		keys = []Key{}
	}
	if len(keys) <= limit {
		return ListResult{Keys: keys, ListComplete: true}, nil
	}
	keys = keys[:limit]
	return ListResult{Keys: keys, Cursor: encodeCursor(keys[limit-1].Name)}, nil
}

// A cursor names the last key returned, so keys written between pages
// are still found and nothing is listed twice.
func encodeCursor(lastKey string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(lastKey))
}

func decodeCursor(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil || !utf8.Valid(b) {
		return "", failed(opGet, 400, "Invalid cursor %q.", c)
	}
	return string(b), nil
}

var errNotUTF8 = errors.New("kv: key is not valid UTF-8")

// checkUTF8 rejects what no JavaScript string converts to: workerd sends keys
// as UTF-8 (lone surrogates become U+FFFD).
func checkUTF8(s string) error {
	if !utf8.ValidString(s) {
		return errNotUTF8
	}
	return nil
}
