package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/outpost-dev/outpost/internal/kv"
)

// COLLATE "C" makes text compare by bytes, which for UTF-8 is the order KV
// lists keys in, whatever the database's default collation.
const schema = `
CREATE TABLE IF NOT EXISTS kv_entries (
	namespace  text COLLATE "C" NOT NULL,
	key        text COLLATE "C" NOT NULL,
	value      bytea NOT NULL,
	expiration bigint,
	metadata   text,
	PRIMARY KEY (namespace, key)
);
CREATE INDEX IF NOT EXISTS kv_entries_expiration ON kv_entries (expiration) WHERE expiration IS NOT NULL;
`

// schemaLock serialises schema creation between nodes starting together
// (CREATE TABLE IF NOT EXISTS alone can race).
const schemaLock = 0x6f75_7470_6b76 // "outpkv"

// Store is a kv.Store in PostgreSQL.
type Store struct {
	pool   *pgxpool.Pool
	health *health
}

var _ kv.Store = (*Store)(nil)

// Open connects to dsn (a postgres:// URL or key=value string) and creates
// the schema if it is missing.
func Open(ctx context.Context, dsn string) (*Store, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("kv: postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("kv: postgres: connecting: %w", err)
	}
	if err := createSchema(ctx, pool); err != nil {
		pool.Close()
		return nil, err
	}
	return &Store{pool: pool, health: newHealth(dsn)}, nil
}

func createSchema(ctx context.Context, pool *pgxpool.Pool) error {
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLock)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, schema)
		return err
	})
	if err != nil {
		return fmt.Errorf("kv: postgres: creating table kv_entries: %w", err)
	}
	return nil
}

// Close closes the connection pool.
func (s *Store) Close() error {
	s.health.close()
	s.pool.Close()
	return nil
}

// begin starts a call: it fails at once while the database is stalled,
// and end turns the cancellation of a call the stall cut short into the
// stall's error.
func (s *Store) begin(ctx context.Context) (context.Context, func(ctx context.Context, err *error), error) {
	ctx, release, err := s.health.guard(ctx)
	if err != nil {
		return nil, nil, err
	}
	return ctx, func(ctx context.Context, err *error) {
		if *err != nil && errors.Is(context.Cause(ctx), ErrStalled) {
			*err = s.health.err()
			if *err == nil {
				*err = ErrStalled
			}
		}
		release()
	}, nil
}

// Get implements kv.Store.
func (s *Store) Get(ctx context.Context, ns, key string, nowSec int64) (_ kv.Entry, _ bool, err error) {
	ctx, end, err := s.begin(ctx)
	if err != nil {
		return kv.Entry{}, false, err
	}
	defer end(ctx, &err)
	var (
		e   kv.Entry
		exp *int64
		md  *string
	)
	err = s.pool.QueryRow(ctx,
		`SELECT value, expiration, metadata FROM kv_entries
		 WHERE namespace = $1 AND key = $2 AND (expiration IS NULL OR expiration > $3)`,
		ns, encodeKey(key), nowSec).Scan(&e.Value, &exp, &md)
	if errors.Is(err, pgx.ErrNoRows) {
		return kv.Entry{}, false, nil
	}
	if err != nil {
		return kv.Entry{}, false, fmt.Errorf("kv: postgres: reading %q: %w", key, err)
	}
	if e.Value == nil {
		e.Value = []byte{}
	}
	if exp != nil {
		e.Expiration = *exp
	}
	if md != nil {
		e.Metadata = []byte(*md)
	}
	return e, true, nil
}

// Put implements kv.Store.
func (s *Store) Put(ctx context.Context, ns, key string, e kv.Entry) (err error) {
	ctx, end, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer end(ctx, &err)
	value := e.Value
	if value == nil {
		value = []byte{}
	}
	_, err = s.pool.Exec(ctx,
		`INSERT INTO kv_entries (namespace, key, value, expiration, metadata) VALUES ($1, $2, $3, $4, $5)
		 ON CONFLICT (namespace, key) DO UPDATE SET value = excluded.value, expiration = excluded.expiration, metadata = excluded.metadata`,
		ns, encodeKey(key), value, nullInt(e.Expiration), nullText(e.Metadata))
	if err != nil {
		return fmt.Errorf("kv: postgres: writing %q: %w", key, err)
	}
	return nil
}

// Delete implements kv.Store.
func (s *Store) Delete(ctx context.Context, ns, key string) (err error) {
	ctx, end, err := s.begin(ctx)
	if err != nil {
		return err
	}
	defer end(ctx, &err)
	if _, err := s.pool.Exec(ctx, `DELETE FROM kv_entries WHERE namespace = $1 AND key = $2`, ns, encodeKey(key)); err != nil {
		return fmt.Errorf("kv: postgres: deleting %q: %w", key, err)
	}
	return nil
}

// List implements kv.Store with keyset pagination on the primary key.
func (s *Store) List(ctx context.Context, ns string, q kv.ListQuery) (_ []kv.Key, err error) {
	ctx, end, err := s.begin(ctx)
	if err != nil {
		return nil, err
	}
	defer end(ctx, &err)
	// The prefix becomes a key range so the index scan stops at its end.
	prefix := encodeKey(q.Prefix)
	upper := ""
	args := []any{ns, prefix, encodeKey(q.StartAfter), q.NowSec, q.Limit}
	if end, ok := kv.PrefixEnd(prefix); ok {
		upper = "AND key < $6"
		args = append(args, end)
	}
	rows, err := s.pool.Query(ctx,
		`SELECT key, expiration, metadata FROM kv_entries
		 WHERE namespace = $1 AND key >= $2 AND key > $3 `+upper+`
		   AND (expiration IS NULL OR expiration > $4)
		 ORDER BY key LIMIT $5`, args...)
	if err != nil {
		return nil, fmt.Errorf("kv: postgres: listing: %w", err)
	}
	keys, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (kv.Key, error) {
		var (
			k   kv.Key
			exp *int64
			md  *string
		)
		if err := row.Scan(&k.Name, &exp, &md); err != nil {
			return k, err
		}
		k.Name = decodeKey(k.Name)
		if exp != nil {
			k.Expiration = *exp
		}
		if md != nil {
			k.Metadata = []byte(*md)
		}
		return k, nil
	})
	if err != nil {
		return nil, fmt.Errorf("kv: postgres: listing: %w", err)
	}
	return keys, nil
}

// DeleteExpired implements kv.Store.
func (s *Store) DeleteExpired(ctx context.Context, nowSec int64) (_ int64, err error) {
	ctx, end, err := s.begin(ctx)
	if err != nil {
		return 0, err
	}
	defer end(ctx, &err)
	tag, err := s.pool.Exec(ctx, `DELETE FROM kv_entries WHERE expiration <= $1`, nowSec)
	if err != nil {
		return 0, fmt.Errorf("kv: postgres: sweeping expired keys: %w", err)
	}
	return tag.RowsAffected(), nil
}

func nullInt(v int64) *int64 {
	if v == 0 {
		return nil
	}
	return &v
}

func nullText(b []byte) *string {
	if b == nil {
		return nil
	}
	s := string(b)
	return &s
}

// Ping checks that the database answers a query.
func (s *Store) Ping(ctx context.Context) error {
	if err := s.health.err(); err != nil {
		return err
	}
	_, err := s.pool.Exec(ctx, "SELECT 1")
	return err
}
