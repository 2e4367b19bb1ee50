// Package sqlite keeps queue messages in one SQLite file,
// <state>/queues/queues.sqlite, for `outpost dev`: every acknowledged send
// survives kill -9, and a delivery's lease survives restarts, so a batch
// that was running when the process died is delivered again.
package sqlite

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/outpost-dev/outpost/internal/sqlitedb"

	"github.com/outpost-dev/outpost/internal/queue"
)

// FileName is the database's path under the state directory.
const FileName = "queues/queues.sqlite"

const schema = `
CREATE TABLE IF NOT EXISTS queue_messages (
	seq          INTEGER PRIMARY KEY AUTOINCREMENT,
	queue        TEXT NOT NULL,
	id           TEXT NOT NULL,
	body         BLOB NOT NULL,
	content_type TEXT NOT NULL,
	sent_at      INTEGER NOT NULL,
	visible_at   INTEGER NOT NULL,
	attempts     INTEGER NOT NULL DEFAULT 0,
	lease        INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS queue_messages_ready ON queue_messages (queue, visible_at, seq);
CREATE UNIQUE INDEX IF NOT EXISTS queue_messages_id ON queue_messages (queue, id);
CREATE TABLE IF NOT EXISTS queue_consumers (
	queue  TEXT PRIMARY KEY,
	worker TEXT NOT NULL
);
`

// Store is a queue.Store in one SQLite file.
type Store struct {
	db   *sql.DB
	path string

	// Sends go through one writer that commits every send waiting at
	// that moment in one transaction (one fsync for many producers).
	inserts chan insertReq
	quit    chan struct{}
	stopped chan struct{}
}

type insertReq struct {
	queue string
	rows  []queue.Row
	done  chan error
}

// maxGroup bounds how many sends share one transaction.
const maxGroup = 256

var _ queue.Store = (*Store)(nil)

// OpenStateDir opens (creating if needed) <stateDir>/queues/queues.sqlite.
func OpenStateDir(stateDir string) (*Store, error) {
	return Open(filepath.Join(stateDir, FileName))
}

// Open opens (creating if needed) the database at path.
func Open(path string) (*Store, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("queues: creating the directory for %s: %w", path, err)
	}
	db, err := sqlitedb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("queues: opening %s: %w", path, err)
	}
	// One connection: statements wait their turn in Go instead of in
	// SQLite's busy handler, which sleeps (milliseconds at a time) when
	// the producers' writer and the consumers' leases meet.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("queues: preparing %s: %w", path, err)
	}
	s := &Store{db: db, path: path, inserts: make(chan insertReq), quit: make(chan struct{}), stopped: make(chan struct{})}
	go s.writer()
	return s, nil
}

// Path is the database file.
func (s *Store) Path() string { return s.path }

// Close stops the writer and closes the database.
func (s *Store) Close() error {
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	<-s.stopped
	return s.db.Close()
}

var errClosed = errors.New("queues: the store is closed")

func ms(t time.Time) int64 { return t.UnixMilli() }

// Insert implements queue.Store: the rows are durable when it returns nil.
func (s *Store) Insert(ctx context.Context, q string, rows []queue.Row) error {
	req := insertReq{queue: q, rows: rows, done: make(chan error, 1)}
	select {
	case s.inserts <- req:
	case <-s.quit:
		return errClosed
	case <-ctx.Done():
		return ctx.Err()
	}
	// Once handed over, the outcome is the commit's: the caller learns it
	// even if its context ends meanwhile.
	return <-req.done
}

// writer commits waiting sends together until the store closes.
func (s *Store) writer() {
	defer close(s.stopped)
	for {
		var first insertReq
		select {
		case first = <-s.inserts:
		case <-s.quit:
			return
		}
		group := []insertReq{first}
	more:
		for len(group) < maxGroup {
			select {
			case r := <-s.inserts:
				group = append(group, r)
			default:
				break more
			}
		}
		err := s.insertGroup(group)
		for _, r := range group {
			if err != nil && len(group) > 1 {
				// One bad send must not fail the others: each alone.
				r.done <- s.insertGroup([]insertReq{r})
			} else {
				r.done <- err
			}
		}
	}
}

func (s *Store) insertGroup(group []insertReq) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	// Rows go in multi-row INSERTs: one statement per insertChunk rows
	// instead of one per row (a sendBatch of 100 is one statement).
	args := make([]any, 0, insertChunk*7)
	n := 0
	flush := func() error {
		if n == 0 {
			return nil
		}
		_, err := tx.ExecContext(ctx, insertSQL(n), args...)
		args, n = args[:0], 0
		return err
	}
	for _, g := range group {
		for _, r := range g.rows {
			body := r.Body
			if body == nil {
				body = []byte{}
			}
			args = append(args, g.queue, r.ID, body, r.ContentType, ms(r.SentAt), ms(r.VisibleAt), r.Attempts)
			if n++; n == insertChunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	if err := flush(); err != nil {
		return err
	}
	return tx.Commit()
}

// insertChunk is the most rows one INSERT takes (7 parameters each, far
// below SQLite's limit on parameters).
const insertChunk = 100

// insertSQLs are the INSERTs of 1 to insertChunk rows, made on first use.
var insertSQLs = sync.OnceValue(func() *[insertChunk + 1]string {
	var t [insertChunk + 1]string
	for n := 1; n <= insertChunk; n++ {
		t[n] = "INSERT INTO queue_messages (queue, id, body, content_type, sent_at, visible_at, attempts) VALUES " +
			strings.TrimSuffix(strings.Repeat("(?, ?, ?, ?, ?, ?, ?), ", n), ", ")
	}
	return &t
})

// insertSQL is the INSERT of n rows (1 to insertChunk).
func insertSQL(n int) string { return insertSQLs()[n] }

// Pending implements queue.Store.
func (s *Store) Pending(ctx context.Context, q string, now time.Time, limit int) (queue.Pending, error) {
	var p queue.Pending
	var since, next sql.NullInt64
	err := s.db.QueryRowContext(ctx, `SELECT
		(SELECT count(*) FROM (SELECT 1 FROM queue_messages WHERE queue = ?1 AND visible_at <= ?2 LIMIT ?3)),
		(SELECT min(visible_at) FROM queue_messages WHERE queue = ?1 AND visible_at <= ?2),
		(SELECT min(visible_at) FROM queue_messages WHERE queue = ?1 AND visible_at > ?2)`, q, ms(now), limit).Scan(&p.Ready, &since, &next)
	if err != nil {
		return p, err
	}
	if since.Valid {
		p.ReadySince = time.UnixMilli(since.Int64)
	}
	if next.Valid {
		p.NextVisible = time.UnixMilli(next.Int64)
	}
	return p, nil
}

// Lease implements queue.Store.
func (s *Store) Lease(ctx context.Context, q string, max int, now, until time.Time) ([]queue.Message, error) {
	lease := rand.Int64N(1<<62) + 1
	rows, err := s.db.QueryContext(ctx, `UPDATE queue_messages SET visible_at = ?1, attempts = attempts + 1, lease = ?2
		WHERE seq IN (SELECT seq FROM queue_messages WHERE queue = ?3 AND visible_at <= ?4 ORDER BY visible_at, seq LIMIT ?5)
		RETURNING id, body, content_type, sent_at, attempts, seq`, ms(until), lease, q, ms(now), max)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	type withSeq struct {
		m   queue.Message
		seq int64
	}
	var out []withSeq
	for rows.Next() {
		var m queue.Message
		var sent, seq int64
		if err := rows.Scan(&m.ID, &m.Body, &m.ContentType, &sent, &m.Attempts, &seq); err != nil {
			return nil, err
		}
		m.Queue, m.Timestamp, m.Lease = q, time.UnixMilli(sent), lease
		out = append(out, withSeq{m, seq})
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// RETURNING gives no order: deliver in the order they were sent.
	sort.Slice(out, func(i, j int) bool { return out[i].seq < out[j].seq })
	msgs := make([]queue.Message, len(out))
	for i := range out {
		msgs[i] = out[i].m
	}
	return msgs, nil
}

// Extend implements queue.Store.
func (s *Store) Extend(ctx context.Context, q string, lease int64, until time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE queue_messages SET visible_at = ? WHERE queue = ? AND lease = ?`, ms(until), q, lease)
	return err
}

// Ack implements queue.Store.
func (s *Store) Ack(ctx context.Context, q string, lease int64, ids []string) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{q, lease}
	for _, id := range ids {
		args = append(args, id)
	}
	_, err := s.db.ExecContext(ctx, `DELETE FROM queue_messages WHERE queue = ? AND lease = ? AND id IN (?`+strings.Repeat(", ?", len(ids)-1)+`)`, args...)
	return err
}

// Retry implements queue.Store.
func (s *Store) Retry(ctx context.Context, q string, lease int64, id string, visibleAt time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE queue_messages SET visible_at = ?, lease = 0 WHERE queue = ? AND lease = ? AND id = ?`, ms(visibleAt), q, lease, id)
	return err
}

// Move implements queue.Store.
func (s *Store) Move(ctx context.Context, q string, lease int64, id, to string, now time.Time) error {
	_, err := s.db.ExecContext(ctx, `UPDATE queue_messages SET queue = ?, visible_at = ?, attempts = 0, lease = 0 WHERE queue = ? AND lease = ? AND id = ?`, to, ms(now), q, lease, id)
	return err
}

// Stats implements queue.Store.
func (s *Store) Stats(ctx context.Context, q string, now time.Time) ([]queue.Stats, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT queue, count(*),
		sum(visible_at <= ?1), sum(visible_at > ?1 AND lease = 0), sum(visible_at > ?1 AND lease <> 0), sum(length(body)), min(sent_at)
		FROM queue_messages WHERE ?2 = '' OR queue = ?2 GROUP BY queue ORDER BY queue`, ms(now), q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []queue.Stats
	for rows.Next() {
		var st queue.Stats
		var oldest int64
		if err := rows.Scan(&st.Queue, &st.Messages, &st.Ready, &st.Delayed, &st.Leased, &st.Bytes, &oldest); err != nil {
			return nil, err
		}
		st.Oldest = time.UnixMilli(oldest)
		out = append(out, st)
	}
	return out, rows.Err()
}

// Peek implements queue.Store.
func (s *Store) Peek(ctx context.Context, q string, limit int) ([]queue.Peeked, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT id, body, content_type, sent_at, attempts, visible_at, lease
		FROM queue_messages WHERE queue = ? ORDER BY visible_at, seq LIMIT ?`, q, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []queue.Peeked
	for rows.Next() {
		var p queue.Peeked
		var sent, visible, lease int64
		if err := rows.Scan(&p.ID, &p.Body, &p.ContentType, &sent, &p.Attempts, &visible, &lease); err != nil {
			return nil, err
		}
		p.Queue, p.Timestamp, p.VisibleAt, p.Leased = q, time.UnixMilli(sent), time.UnixMilli(visible), lease != 0
		out = append(out, p)
	}
	return out, rows.Err()
}

// Purge implements queue.Store.
func (s *Store) Purge(ctx context.Context, q string) (int, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM queue_messages WHERE queue = ?`, q)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// ClaimConsumer implements queue.Store.
func (s *Store) ClaimConsumer(ctx context.Context, q, worker string) (string, error) {
	var owner string
	err := s.db.QueryRowContext(ctx, `INSERT INTO queue_consumers (queue, worker) VALUES (?, ?)
		ON CONFLICT (queue) DO UPDATE SET worker = queue_consumers.worker RETURNING worker`, q, worker).Scan(&owner)
	return owner, err
}

// ReleaseConsumer implements queue.Store.
func (s *Store) ReleaseConsumer(ctx context.Context, q, worker string) error {
	_, err := s.db.ExecContext(ctx, `DELETE FROM queue_consumers WHERE queue = ? AND worker = ?`, q, worker)
	return err
}
