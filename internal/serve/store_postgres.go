package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// PostgresStore keeps deployments in PostgreSQL so that every node of a
// fleet serves the same versions: nodes poll the small outpost_workers
// table and load a bundle when its active version changes.
type PostgresStore struct {
	pool *pgxpool.Pool
}

const pgSchema = `
CREATE TABLE IF NOT EXISTS outpost_deployments (
	worker   text        NOT NULL,
	version  integer     NOT NULL,
	created  timestamptz NOT NULL DEFAULT now(),
	message  text        NOT NULL DEFAULT '',
	sha256   text        NOT NULL,
	bundle   bytea       NOT NULL,
	PRIMARY KEY (worker, version)
);
CREATE TABLE IF NOT EXISTS outpost_workers (
	worker  text        PRIMARY KEY,
	active  integer     NOT NULL,
	updated timestamptz NOT NULL DEFAULT now()
);`

// schemaLock serialises schema creation between nodes starting together
// (CREATE TABLE IF NOT EXISTS is not safe against a concurrent twin).
const schemaLock = 0x6f7574706f7374 // "outpost"

// OpenPostgresStore connects and creates the tables if needed.
func OpenPostgresStore(ctx context.Context, url string) (*PostgresStore, error) {
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		return nil, fmt.Errorf("deployments.url %s: %w", redactURL(url), err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(schemaLock)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, pgSchema)
		return err
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("deployments: creating tables in %s: %w", redactURL(url), err)
	}
	return &PostgresStore{pool: pool}, nil
}

func (s *PostgresStore) Close() error { s.pool.Close(); return nil }

func (s *PostgresStore) Create(ctx context.Context, worker string, b *Bundle, message string) (Version, error) {
	data, err := json.Marshal(b)
	if err != nil {
		return Version{}, err
	}
	v := Version{Worker: worker, Message: message, SHA256: b.Hash(), Active: true}
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		// The worker's row serialises concurrent deploys of one worker.
		if _, err := tx.Exec(ctx, `INSERT INTO outpost_workers (worker, active) VALUES ($1, 0) ON CONFLICT DO NOTHING`, worker); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `SELECT 1 FROM outpost_workers WHERE worker = $1 FOR UPDATE`, worker); err != nil {
			return err
		}
		err := tx.QueryRow(ctx, `INSERT INTO outpost_deployments (worker, version, message, sha256, bundle)
			SELECT $1, COALESCE(MAX(version), 0) + 1, $2, $3, $4 FROM outpost_deployments WHERE worker = $1
			RETURNING version, created`, worker, message, v.SHA256, data).Scan(&v.Version, &v.Created)
		if err != nil {
			return err
		}
		_, err = tx.Exec(ctx, `UPDATE outpost_workers SET active = $2, updated = now() WHERE worker = $1`, worker, v.Version)
		return err
	})
	if err != nil {
		return Version{}, fmt.Errorf("deployments: storing %s: %w", worker, err)
	}
	v.Created = v.Created.UTC()
	return v, nil
}

func (s *PostgresStore) Activate(ctx context.Context, worker string, version int) (Version, error) {
	v := Version{Worker: worker, Version: version, Active: true}
	err := s.pool.QueryRow(ctx, `SELECT created, message, sha256 FROM outpost_deployments WHERE worker = $1 AND version = $2`,
		worker, version).Scan(&v.Created, &v.Message, &v.SHA256)
	if errors.Is(err, pgx.ErrNoRows) {
		return Version{}, notFound(worker, version)
	}
	if err != nil {
		return Version{}, err
	}
	if _, err := s.pool.Exec(ctx, `UPDATE outpost_workers SET active = $2, updated = now() WHERE worker = $1`, worker, version); err != nil {
		return Version{}, err
	}
	v.Created = v.Created.UTC()
	return v, nil
}

func (s *PostgresStore) Active(ctx context.Context) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT worker, active FROM outpost_workers WHERE active > 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var w string
		var n int
		if err := rows.Scan(&w, &n); err != nil {
			return nil, err
		}
		out[w] = n
	}
	return out, rows.Err()
}

func (s *PostgresStore) Versions(ctx context.Context, worker string) ([]Version, error) {
	rows, err := s.pool.Query(ctx, `SELECT d.version, d.created, d.message, d.sha256, d.version = w.active
		FROM outpost_deployments d JOIN outpost_workers w USING (worker)
		WHERE d.worker = $1 ORDER BY d.version DESC`, worker)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Version
	for rows.Next() {
		v := Version{Worker: worker}
		var created time.Time
		if err := rows.Scan(&v.Version, &created, &v.Message, &v.SHA256, &v.Active); err != nil {
			return nil, err
		}
		v.Created = created.UTC()
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	if len(out) == 0 {
		return nil, notFound(worker, 0)
	}
	return out, nil
}

func (s *PostgresStore) Get(ctx context.Context, worker string, version int) (*Bundle, error) {
	var data []byte
	err := s.pool.QueryRow(ctx, `SELECT bundle FROM outpost_deployments WHERE worker = $1 AND version = $2`, worker, version).Scan(&data)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFound(worker, version)
	}
	if err != nil {
		return nil, err
	}
	var b Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		return nil, fmt.Errorf("deployments: %s v%d: %w", worker, version, err)
	}
	return &b, nil
}

// Ping checks that the database answers a query.
func (s *PostgresStore) Ping(ctx context.Context) error {
	_, err := s.pool.Exec(ctx, "SELECT 1")
	return err
}
