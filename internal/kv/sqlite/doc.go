// Package sqlite is the embedded KV store: one SQLite database file
// (<state>/kv/kv.sqlite) holding every namespace, with the namespace id as a
// column so the file can be inspected with the sqlite3 shell.
package sqlite
