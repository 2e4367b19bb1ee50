package kv

// Limits as Cloudflare documents them and Miniflare enforces them
// (miniflare/src/workers/kv/constants.ts).
const (
	MaxKeySize        = 512              // bytes of UTF-8
	MaxValueSize      = 25 * 1024 * 1024 // bytes
	MaxMetadataSize   = 1024             // bytes of serialised JSON
	MinExpirationTTL  = 60               // seconds
	MinCacheTTL       = 30               // seconds
	DefaultCacheTTL   = 60               // seconds
	MaxListKeys       = 1000
	MaxBulkGetKeys    = 100
	MaxBulkGetSize    = 25 * 1024 * 1024 // bytes of values in one bulk get
	maxBulkGetSizeMiB = MaxBulkGetSize / 1024 / 1024
)
