// Package postgres is the KV store for fleets: every node shares one
// PostgreSQL (or CockroachDB) table, created on open.
package postgres
