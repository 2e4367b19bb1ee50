// Package sqlitedb opens the SQLite files that keep Outpost's embedded
// state (KV, queues, R2 metadata) with the settings they all need.
package sqlitedb

import (
	"database/sql"
	"net/url"

	_ "modernc.org/sqlite" // the "sqlite" driver
)

// Open opens (creating it if needed) the database at path: write-ahead
// log, synchronous=FULL so a commit is on disk before it returns, a 10 s
// busy timeout, and write transactions that take the lock when they begin
// (so two writers wait in line instead of failing midway). extra pragmas
// ("foreign_keys(on)") follow those.
func Open(path string, extra ...string) (*sql.DB, error) {
	q := url.Values{}
	for _, p := range append([]string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)"}, extra...) {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	return sql.Open("sqlite", "file:"+path+"?"+q.Encode())
}
