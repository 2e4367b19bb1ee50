// Package kv implements Workers KV semantics once, above a Store.
//
// Validation, limits, error strings, expiry, metadata, list cursors and the
// per-process cacheTtl read cache live here; a Store (SQLite, PostgreSQL)
// only keeps rows. Every Store passes the conformance suite in kvtest.
//
// The JavaScript binding calls Namespace methods with already-decoded
// arguments (JS numbers converted as WebIDL long, metadata already
// JSON-serialised) and turns a returned *Error into a TypeError or an Error
// according to its Kind, exactly as workerd does.
package kv
