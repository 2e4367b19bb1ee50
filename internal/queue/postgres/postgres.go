// Package postgres keeps queue messages in PostgreSQL for `outpost serve`
// on many nodes: any node leases a batch with SELECT … FOR UPDATE SKIP
// LOCKED (no two nodes get one message), and a delivery whose node died
// becomes deliverable again when its lease runs out.
package postgres

import (
	"context"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/outpost-dev/outpost/internal/queue"
)

const schema = `
CREATE TABLE IF NOT EXISTS outpost_queue_messages (
	seq          bigserial PRIMARY KEY,
	queue        text NOT NULL,
	id           text NOT NULL,
	body         bytea NOT NULL,
	content_type text NOT NULL,
	sent_at      bigint NOT NULL,
	visible_at   bigint NOT NULL,
	attempts     integer NOT NULL DEFAULT 0,
	lease        bigint NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS outpost_queue_messages_ready ON outpost_queue_messages (queue, visible_at, seq);
CREATE UNIQUE INDEX IF NOT EXISTS outpost_queue_messages_id ON outpost_queue_messages (queue, id);
CREATE TABLE IF NOT EXISTS outpost_queue_consumers (
	queue  text PRIMARY KEY,
	worker text NOT NULL
);
`

// schemaLock serializes schema creation between nodes starting together.
const schemaLock = 0x6f75_7470_7175 // "outpqu"

// Store is a queue.Store in PostgreSQL.
type Store struct {
	pool *pgxpool.Pool
}

var _ queue.Store = (*Store)(nil)

// Open connects to dsn and creates the table if needed.
func Open(ctx context.Context, dsn string) (*Store, error) {
	pool, err := pgxpool.New(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("queues: postgres: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("queues: postgres: connecting: %w", err)
	}
	err = pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, int64(schemaLock)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, schema)
		return err
	})
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("queues: postgres: creating table outpost_queue_messages: %w", err)
	}
	return &Store{pool: pool}, nil
}

// Close closes the pool.
func (s *Store) Close() error { s.pool.Close(); return nil }

func ms(t time.Time) int64 { return t.UnixMilli() }

// Insert implements queue.Store.
func (s *Store) Insert(ctx context.Context, q string, rows []queue.Row) error {
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		b := &pgx.Batch{}
		for _, r := range rows {
			body := r.Body
			if body == nil {
				body = []byte{}
			}
			b.Queue(`INSERT INTO outpost_queue_messages (queue, id, body, content_type, sent_at, visible_at, attempts) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				q, r.ID, body, r.ContentType, ms(r.SentAt), ms(r.VisibleAt), r.Attempts)
		}
		return tx.SendBatch(ctx, b).Close()
	})
}

// Pending implements queue.Store.
func (s *Store) Pending(ctx context.Context, q string, now time.Time, limit int) (queue.Pending, error) {
	var p queue.Pending
	var since, next *int64
	err := s.pool.QueryRow(ctx, `SELECT
		(SELECT count(*) FROM (SELECT 1 FROM outpost_queue_messages WHERE queue = $1 AND visible_at <= $2 LIMIT $3) AS ready),
		(SELECT min(visible_at) FROM outpost_queue_messages WHERE queue = $1 AND visible_at <= $2),
		(SELECT min(visible_at) FROM outpost_queue_messages WHERE queue = $1 AND visible_at > $2)`, q, ms(now), limit).Scan(&p.Ready, &since, &next)
	if err != nil {
		return p, err
	}
	if since != nil {
		p.ReadySince = time.UnixMilli(*since)
	}
	if next != nil {
		p.NextVisible = time.UnixMilli(*next)
	}
	return p, nil
}

// Lease implements queue.Store.
func (s *Store) Lease(ctx context.Context, q string, max int, now, until time.Time) ([]queue.Message, error) {
	lease := rand.Int64N(1<<62) + 1
	rows, err := s.pool.Query(ctx, `WITH picked AS (
			SELECT seq FROM outpost_queue_messages WHERE queue = $3 AND visible_at <= $4
			ORDER BY visible_at, seq LIMIT $5 FOR UPDATE SKIP LOCKED)
		UPDATE outpost_queue_messages m SET visible_at = $1, attempts = m.attempts + 1, lease = $2
		FROM picked WHERE m.seq = picked.seq
		RETURNING m.id, m.body, m.content_type, m.sent_at, m.attempts, m.seq`, ms(until), lease, q, ms(now), max)
	if err != nil {
		return nil, err
	}
	type withSeq struct {
		m   queue.Message
		seq int64
	}
	var out []withSeq
	for rows.Next() {
		var m queue.Message
		var sent, seq int64
		var attempts int32
		if err := rows.Scan(&m.ID, &m.Body, &m.ContentType, &sent, &attempts, &seq); err != nil {
			rows.Close()
			return nil, err
		}
		m.Queue, m.Timestamp, m.Lease, m.Attempts = q, time.UnixMilli(sent), lease, int(attempts)
		out = append(out, withSeq{m, seq})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Deliver in the order they were sent.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].seq < out[j-1].seq; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	msgs := make([]queue.Message, len(out))
	for i := range out {
		msgs[i] = out[i].m
	}
	return msgs, nil
}

// Extend implements queue.Store.
func (s *Store) Extend(ctx context.Context, q string, lease int64, until time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE outpost_queue_messages SET visible_at = $1 WHERE queue = $2 AND lease = $3`, ms(until), q, lease)
	return err
}

// Ack implements queue.Store.
func (s *Store) Ack(ctx context.Context, q string, lease int64, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	_, err := s.pool.Exec(ctx, `DELETE FROM outpost_queue_messages WHERE queue = $1 AND lease = $2 AND id = ANY($3)`, q, lease, ids)
	return err
}

// Retry implements queue.Store.
func (s *Store) Retry(ctx context.Context, q string, lease int64, id string, visibleAt time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE outpost_queue_messages SET visible_at = $1, lease = 0 WHERE queue = $2 AND lease = $3 AND id = $4`, ms(visibleAt), q, lease, id)
	return err
}

// Move implements queue.Store.
func (s *Store) Move(ctx context.Context, q string, lease int64, id, to string, now time.Time) error {
	_, err := s.pool.Exec(ctx, `UPDATE outpost_queue_messages SET queue = $1, visible_at = $2, attempts = 0, lease = 0 WHERE queue = $3 AND lease = $4 AND id = $5`, to, ms(now), q, lease, id)
	return err
}

// Stats implements queue.Store.
func (s *Store) Stats(ctx context.Context, q string, now time.Time) ([]queue.Stats, error) {
	rows, err := s.pool.Query(ctx, `SELECT queue, count(*),
		count(*) FILTER (WHERE visible_at <= $1), count(*) FILTER (WHERE visible_at > $1 AND lease = 0),
		count(*) FILTER (WHERE visible_at > $1 AND lease <> 0), coalesce(sum(length(body)), 0), min(sent_at)
		FROM outpost_queue_messages WHERE $2 = '' OR queue = $2 GROUP BY queue ORDER BY queue`, ms(now), q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []queue.Stats
	for rows.Next() {
		var st queue.Stats
		var all, ready, delayed, leased, oldest int64
		if err := rows.Scan(&st.Queue, &all, &ready, &delayed, &leased, &st.Bytes, &oldest); err != nil {
			return nil, err
		}
		st.Oldest = time.UnixMilli(oldest)
		st.Messages, st.Ready, st.Delayed, st.Leased = int(all), int(ready), int(delayed), int(leased)
		out = append(out, st)
	}
	return out, rows.Err()
}

// Peek implements queue.Store.
func (s *Store) Peek(ctx context.Context, q string, limit int) ([]queue.Peeked, error) {
	rows, err := s.pool.Query(ctx, `SELECT id, body, content_type, sent_at, attempts, visible_at, lease
		FROM outpost_queue_messages WHERE queue = $1 ORDER BY visible_at, seq LIMIT $2`, q, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []queue.Peeked
	for rows.Next() {
		var p queue.Peeked
		var sent, visible, lease int64
		var attempts int32
		if err := rows.Scan(&p.ID, &p.Body, &p.ContentType, &sent, &attempts, &visible, &lease); err != nil {
			return nil, err
		}
		p.Queue, p.Attempts, p.Timestamp, p.VisibleAt, p.Leased = q, int(attempts), time.UnixMilli(sent), time.UnixMilli(visible), lease != 0
		out = append(out, p)
	}
	return out, rows.Err()
}

// Purge implements queue.Store.
func (s *Store) Purge(ctx context.Context, q string) (int, error) {
	tag, err := s.pool.Exec(ctx, `DELETE FROM outpost_queue_messages WHERE queue = $1`, q)
	return int(tag.RowsAffected()), err
}

// ClaimConsumer implements queue.Store.
func (s *Store) ClaimConsumer(ctx context.Context, q, worker string) (string, error) {
	var owner string
	// The no-op update makes RETURNING give the row that holds the queue.
	err := s.pool.QueryRow(ctx, `INSERT INTO outpost_queue_consumers (queue, worker) VALUES ($1, $2)
		ON CONFLICT (queue) DO UPDATE SET worker = outpost_queue_consumers.worker RETURNING worker`, q, worker).Scan(&owner)
	return owner, err
}

// ReleaseConsumer implements queue.Store.
func (s *Store) ReleaseConsumer(ctx context.Context, q, worker string) error {
	_, err := s.pool.Exec(ctx, `DELETE FROM outpost_queue_consumers WHERE queue = $1 AND worker = $2`, q, worker)
	return err
}
