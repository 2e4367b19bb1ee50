package postgres

import "strings"

// PostgreSQL text cannot hold NUL, which KV keys may contain. Keys are stored
// with an order-preserving prefix code: NUL → \x01\x01, \x01 → \x01\x02,
// every other byte as itself. Byte order and prefixes carry over, and keys
// without control characters stay readable in psql.
var (
	keyEncoder = strings.NewReplacer("\x01", "\x01\x02", "\x00", "\x01\x01")
	keyDecoder = strings.NewReplacer("\x01\x02", "\x01", "\x01\x01", "\x00")
)

func encodeKey(k string) string { return keyEncoder.Replace(k) }

func decodeKey(k string) string { return keyDecoder.Replace(k) }
