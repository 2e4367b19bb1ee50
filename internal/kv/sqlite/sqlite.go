package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/outpost-dev/outpost/internal/sqlitedb"

	"github.com/outpost-dev/outpost/internal/kv"
)

// FileName is where a state directory keeps its KV database.
const FileName = "kv/kv.sqlite"

const schema = `
CREATE TABLE IF NOT EXISTS kv_entries (
	namespace  TEXT NOT NULL,
	key        TEXT NOT NULL,
	value      BLOB NOT NULL,
	expiration INTEGER,
	metadata   TEXT,
	PRIMARY KEY (namespace, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_entries_expiration ON kv_entries (expiration) WHERE expiration IS NOT NULL;
`

// Store is a kv.Store in one SQLite file.
type Store struct {
	db   *sql.DB
	path string
}

var _ kv.Store = (*Store)(nil)

// OpenStateDir opens (creating if needed) <stateDir>/kv/kv.sqlite.
func OpenStateDir(stateDir string) (*Store, error) {
	return Open(filepath.Join(stateDir, FileName))
}

// Open opens (creating if needed) the database at path. WAL with
// synchronous=FULL makes every acknowledged put survive kill -9 and power loss.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("kv: creating the directory for %s: %w", path, err)
	}
	db, err := sqlitedb.Open(path, "foreign_keys(on)")
	if err != nil {
		return nil, fmt.Errorf("kv: opening %s: %w", path, err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("kv: preparing %s: %w", path, err)
	}
	return &Store{db: db, path: path}, nil
}

// Path returns the database file's path.
func (s *Store) Path() string { return s.path }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Get implements kv.Store.
func (s *Store) Get(ctx context.Context, ns, key string, nowSec int64) (kv.Entry, bool, error) {
	var (
		e   kv.Entry
		exp sql.NullInt64
		md  sql.NullString
	)
	err := s.db.QueryRowContext(ctx,
		`SELECT value, expiration, metadata FROM kv_entries
		 WHERE namespace = ? AND key = ? AND (expiration IS NULL OR expiration > ?)`,
		ns, key, nowSec).Scan(&e.Value, &exp, &md)
	if errors.Is(err, sql.ErrNoRows) {
		return kv.Entry{}, false, nil
	}
	if err != nil {
		return kv.Entry{}, false, fmt.Errorf("kv: reading %q from %s: %w", key, s.path, err)
	}
	if e.Value == nil {
		e.Value = []byte{}
	}
	e.Expiration = exp.Int64
	if md.Valid {
		e.Metadata = []byte(md.String)
	}
	return e, true, nil
}

// Put implements kv.Store.
func (s *Store) Put(ctx context.Context, ns, key string, e kv.Entry) error {
	_, err := s.db.ExecContext(ctx,
		`INSERT INTO kv_entries (namespace, key, value, expiration, metadata) VALUES (?, ?, ?, ?, ?)
		 ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expiration = excluded.expiration, metadata = excluded.metadata`,
		ns, key, e.Value, nullInt(e.Expiration), nullText(e.Metadata))
	if err != nil {
		return fmt.Errorf("kv: writing %q to %s: %w", key, s.path, err)
	}
	return nil
}

// Delete implements kv.Store.
func (s *Store) Delete(ctx context.Context, ns, key string) error {
	if _, err := s.db.ExecContext(ctx, `DELETE FROM kv_entries WHERE namespace = ? AND key = ?`, ns, key); err != nil {
		return fmt.Errorf("kv: deleting %q from %s: %w", key, s.path, err)
	}
	return nil
}

// List implements kv.Store. Keys are TEXT compared with the BINARY
// collation, which is UTF-8 byte order.
func (s *Store) List(ctx context.Context, ns string, q kv.ListQuery) ([]kv.Key, error) {
	// The prefix becomes a key range so the scan stops at its end.
	upper := ""
	args := []any{ns, q.Prefix, q.StartAfter, q.NowSec, q.Limit}
	if end, ok := kv.PrefixEnd(q.Prefix); ok {
		upper = "AND key < ?6"
		args = append(args, end)
	}
	rows, err := s.db.QueryContext(ctx,
		`SELECT key, expiration, metadata FROM kv_entries
		 WHERE namespace = ?1 AND key >= ?2 AND key > ?3 `+upper+`
		   AND (expiration IS NULL OR expiration > ?4)
		 ORDER BY key LIMIT ?5`, args...)
	if err != nil {
		return nil, fmt.Errorf("kv: listing %s: %w", s.path, err)
	}
	defer rows.Close()
	var keys []kv.Key
	for rows.Next() {
		var (
			k   kv.Key
			exp sql.NullInt64
			md  sql.NullString
		)
		if err := rows.Scan(&k.Name, &exp, &md); err != nil {
			return nil, fmt.Errorf("kv: listing %s: %w", s.path, err)
		}
		k.Expiration = exp.Int64
		if md.Valid {
			k.Metadata = []byte(md.String)
		}
		keys = append(keys, k)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("kv: listing %s: %w", s.path, err)
	}
	return keys, nil
}

// DeleteExpired implements kv.Store.
func (s *Store) DeleteExpired(ctx context.Context, nowSec int64) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM kv_entries WHERE expiration <= ?`, nowSec)
	if err != nil {
		return 0, fmt.Errorf("kv: sweeping expired keys in %s: %w", s.path, err)
	}
	return res.RowsAffected()
}

func nullInt(v int64) any {
	if v == 0 {
		return nil
	}
	return v
}

func nullText(b []byte) any {
	if b == nil {
		return nil
	}
	return string(b)
}
