// Package kvcli is the engine of `outpost kv …`, wrangler's kv commands
// against the local store:
//
//	namespace list
//	key put <key> [value] (--binding B | --namespace-id ID) [--path FILE] [--ttl S] [--expiration T] [--metadata JSON]
//	key get <key> (--binding B | --namespace-id ID)
//	key delete <key> (--binding B | --namespace-id ID)
//	key list (--binding B | --namespace-id ID) [--prefix P]
//	bulk put <FILE.json> (--binding B | --namespace-id ID)
//	bulk delete <FILE.json> (--binding B | --namespace-id ID)
//
// Writes go through kv.Namespace, so the CLI enforces the limits a worker sees.
package kvcli
