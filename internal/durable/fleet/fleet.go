// Package fleet runs Durable Objects' storage on many nodes: PostgreSQL is
// the coordinator (node membership, one lease per object with a fencing
// token) and the durable home of every object's SQLite database.
//
// A node that opens an object takes its lease (a new, higher token),
// restores the database from PostgreSQL into its state directory and
// serves it from there. Every committed SQLite transaction leaves its pages
// in the write-ahead log; before the operation returns to the script, the
// node reads those frames and writes the pages to PostgreSQL in one
// statement that first checks, under the object's row lock, that the node
// still holds the lease with that token. A node that lost its lease (paused
// past expiry, cut off, killed) can never write again: its token is stale
// and the check refuses it. See the README's "Durable Objects on a fleet".
package fleet

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
)

const schema = `
CREATE TABLE IF NOT EXISTS outpost_do_nodes (
	node         TEXT PRIMARY KEY,
	addr         TEXT NOT NULL,
	started_at   TIMESTAMPTZ NOT NULL DEFAULT clock_timestamp(),
	heartbeat_at TIMESTAMPTZ NOT NULL
);
CREATE TABLE IF NOT EXISTS outpost_do_objects (
	object     TEXT PRIMARY KEY,              -- worker/class/id
	owner      TEXT,                          -- the node holding the lease
	token      BIGINT NOT NULL,               -- fencing token: +1 on every acquisition
	expires_at TIMESTAMPTZ,                   -- the lease's end, by PostgreSQL's clock
	version    BIGINT NOT NULL DEFAULT 0,     -- commits stored
	page_size  INTEGER NOT NULL DEFAULT 0,
	page_count BIGINT NOT NULL DEFAULT 0,     -- the database's size in pages
	alarm_ms   BIGINT                         -- the object's alarm, if set
);
CREATE INDEX IF NOT EXISTS outpost_do_objects_owner ON outpost_do_objects (owner);
CREATE INDEX IF NOT EXISTS outpost_do_objects_alarm ON outpost_do_objects (alarm_ms) WHERE alarm_ms IS NOT NULL;
CREATE TABLE IF NOT EXISTS outpost_do_pages (
	object TEXT NOT NULL,
	pgno   BIGINT NOT NULL,
	data   BYTEA NOT NULL,
	PRIMARY KEY (object, pgno)
);
-- A page (4 KiB) fits in a row: compress it in place rather than move it
-- to a TOAST table (one heap tuple per page, not three).
ALTER TABLE outpost_do_pages ALTER COLUMN data SET STORAGE MAIN;
CREATE OR REPLACE FUNCTION outpost_do_commit(p_object TEXT, p_owner TEXT, p_token BIGINT,
	p_page_size INTEGER, p_page_count BIGINT, p_alarm_ms BIGINT, p_pgnos BIGINT[], p_pages BYTEA[])
RETURNS BIGINT LANGUAGE plpgsql AS $$
DECLARE v BIGINT;
BEGIN
	-- The fence: the row lock orders this commit against any takeover.
	UPDATE outpost_do_objects
	   SET version = version + 1, page_size = p_page_size, page_count = p_page_count, alarm_ms = p_alarm_ms
	 WHERE object = p_object AND owner = p_owner AND token = p_token AND expires_at > clock_timestamp()
	RETURNING version INTO v;
	IF NOT FOUND THEN
		RAISE EXCEPTION 'the lease of % with token % is not held', p_object, p_token USING ERRCODE = 'OPF01';
	END IF;
	INSERT INTO outpost_do_pages (object, pgno, data)
	SELECT p_object, u.n, u.d FROM unnest(p_pgnos, p_pages) AS u(n, d)
	ON CONFLICT (object, pgno) DO UPDATE SET data = excluded.data;
	DELETE FROM outpost_do_pages WHERE object = p_object AND pgno > p_page_count;
	RETURN v;
END $$;
`

// schemaLock serialises schema creation between nodes starting together.
const schemaLock = 0x6f75_7470_646f // "outpdo"

// fencedCode is the SQLSTATE outpost_do_commit raises for a stale token.
const fencedCode = "OPF01"

// ErrLost is returned for a lease the node no longer holds.
var ErrLost = errors.New("fleet: the lease is lost")

// HeldError says another node holds an object's lease.
type HeldError struct {
	Object, Owner, Addr string
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("fleet: %s is owned by node %s (%s)", e.Object, e.Owner, e.Addr)
}

// Config configures a node.
type Config struct {
	Pool *pgxpool.Pool
	// Node names this process in the fleet; unique per process (a
	// restarted node takes its objects again, under new tokens).
	Node string
	// Addr is where other nodes reach this one (for forwarding).
	Addr string
	// LeaseTTL is how long a lease lasts without renewal: an object whose
	// owner died moves after at most this long. Default 5s; renewed every
	// third of it.
	LeaseTTL time.Duration
	// Now is the node's clock for its own view of its leases (default
	// time.Now). Tests stop it to play a process that is paused.
	Now func() time.Time
	// OnLost is called (on the renewal goroutine) when a lease is lost
	// without being released: the node must drop the object.
	OnLost func(object string, token int64)
	Log    *slog.Logger
}

// Node is one member of the fleet.
type Node struct {
	cfg  Config
	pool *pgxpool.Pool

	mu     sync.Mutex
	leases map[string]*Lease

	commits, pages, bytes atomic.Int64 // stored since Start

	stop    chan struct{}
	done    chan struct{}
	pause   chan chan struct{} // tests: hold the renewal loop
	closing sync.Once
}

// Lease is a node's hold on one object.
type Lease struct {
	n      *Node
	Object string
	Token  int64

	mu       sync.Mutex
	deadline time.Time // by the node's clock: after it, the lease may be gone
	lost     bool
}

// Start joins the fleet: it creates the schema if missing, records the node
// and starts renewing its heartbeat and leases.
func Start(ctx context.Context, cfg Config) (*Node, error) {
	if cfg.Pool == nil || cfg.Node == "" {
		return nil, errors.New("fleet: a pool and a node name are required")
	}
	if cfg.LeaseTTL <= 0 {
		cfg.LeaseTTL = 5 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Log == nil {
		cfg.Log = slog.Default()
	}
	n := &Node{cfg: cfg, pool: cfg.Pool, leases: map[string]*Lease{},
		stop: make(chan struct{}), done: make(chan struct{}), pause: make(chan chan struct{})}
	if err := createSchema(ctx, n.pool); err != nil {
		return nil, err
	}
	if err := n.heartbeat(ctx); err != nil {
		return nil, err
	}
	// Every process joins under a name of its own: forget the nodes that
	// stopped (killed, or never closed) long ago.
	if _, err := n.pool.Exec(ctx, `DELETE FROM outpost_do_nodes WHERE heartbeat_at < clock_timestamp() - interval '1 hour'`); err != nil {
		return nil, fmt.Errorf("fleet: forgetting stopped nodes: %w", err)
	}
	go n.loop()
	return n, nil
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
		return fmt.Errorf("fleet: creating the schema: %w", err)
	}
	return nil
}

// Name is the node's name.
func (n *Node) Name() string { return n.cfg.Node }

// LeaseTTL is how long the node's leases last without renewal.
func (n *Node) LeaseTTL() time.Duration { return n.cfg.LeaseTTL }

func (n *Node) ttlMs() int64 { return n.cfg.LeaseTTL.Milliseconds() }

// localDeadline is how long the node trusts a lease granted or renewed by
// a request sent at sent: PostgreSQL counts the lease from when it ran the
// request, later than sent; a tenth of the TTL covers clock rate drift.
func (n *Node) localDeadline(sent time.Time) time.Time {
	return sent.Add(n.cfg.LeaseTTL - n.cfg.LeaseTTL/10)
}

func (n *Node) loop() {
	defer close(n.done)
	t := time.NewTicker(n.cfg.LeaseTTL / 3)
	defer t.Stop()
	for {
		select {
		case <-n.stop:
			return
		case resume := <-n.pause:
			select {
			case <-resume:
			case <-n.stop:
				return
			}
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), n.cfg.LeaseTTL)
			if err := n.heartbeat(ctx); err != nil {
				n.cfg.Log.Warn("fleet: renewing leases", "node", n.cfg.Node, "error", err.Error())
			}
			cancel()
			n.expire()
		}
	}
}

// heartbeat records the node as live and renews the leases it holds.
func (n *Node) heartbeat(ctx context.Context) error {
	sent := n.cfg.Now()
	if _, err := n.pool.Exec(ctx, `INSERT INTO outpost_do_nodes (node, addr, heartbeat_at) VALUES ($1, $2, clock_timestamp())
		ON CONFLICT (node) DO UPDATE SET addr = excluded.addr, heartbeat_at = excluded.heartbeat_at`, n.cfg.Node, n.cfg.Addr); err != nil {
		return err
	}
	n.mu.Lock()
	var objects []string
	var tokens []int64
	for _, l := range n.leases {
		objects = append(objects, l.Object)
		tokens = append(tokens, l.Token)
	}
	n.mu.Unlock()
	if len(objects) == 0 {
		return nil
	}
	rows, err := n.pool.Query(ctx, `UPDATE outpost_do_objects o SET expires_at = clock_timestamp() + $2 * interval '1 millisecond'
		FROM unnest($3::text[], $4::bigint[]) AS h(object, token)
		WHERE o.object = h.object AND o.token = h.token AND o.owner = $1 AND o.expires_at > clock_timestamp()
		RETURNING o.object, o.token`, n.cfg.Node, n.ttlMs(), objects, tokens)
	if err != nil {
		return err
	}
	defer rows.Close()
	renewed := map[string]int64{}
	for rows.Next() {
		var o string
		var tok int64
		if err := rows.Scan(&o, &tok); err != nil {
			return err
		}
		renewed[o] = tok
	}
	if err := rows.Err(); err != nil {
		return err
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	for o, tok := range renewed {
		if l := n.leases[o]; l != nil && l.Token == tok {
			l.extend(n.localDeadline(sent))
		}
	}
	return nil
}

// expire gives up the leases whose deadline passed without a renewal.
func (n *Node) expire() {
	now := n.cfg.Now()
	var gone []*Lease
	n.mu.Lock()
	for o, l := range n.leases {
		l.mu.Lock()
		if l.lost || !now.Before(l.deadline) {
			l.lost = true
			gone = append(gone, l)
			delete(n.leases, o)
		}
		l.mu.Unlock()
	}
	n.mu.Unlock()
	for _, l := range gone {
		n.cfg.Log.Warn("fleet: lease lost", "node", n.cfg.Node, "object", l.Object, "token", l.Token)
		if n.cfg.OnLost != nil {
			n.cfg.OnLost(l.Object, l.Token)
		}
	}
}

// Acquire takes an object's lease: when nobody holds it, its lease has
// expired, or this node holds it (a new token fences the older handle).
// Otherwise it returns a *HeldError naming the owner.
func (n *Node) Acquire(ctx context.Context, object string) (*Lease, error) {
	sent := n.cfg.Now()
	var token int64
	err := n.pool.QueryRow(ctx, `INSERT INTO outpost_do_objects (object, owner, token, expires_at)
		VALUES ($1, $2, 1, clock_timestamp() + $3 * interval '1 millisecond')
		ON CONFLICT (object) DO UPDATE SET owner = excluded.owner, token = outpost_do_objects.token + 1, expires_at = excluded.expires_at
		WHERE outpost_do_objects.owner IS NULL OR outpost_do_objects.owner = excluded.owner
		   OR outpost_do_objects.expires_at <= clock_timestamp()
		RETURNING token`, object, n.cfg.Node, n.ttlMs()).Scan(&token)
	if errors.Is(err, pgx.ErrNoRows) {
		owner, addr, _, oerr := n.Owner(ctx, object)
		if oerr != nil {
			return nil, oerr
		}
		return nil, &HeldError{Object: object, Owner: owner, Addr: addr}
	}
	if err != nil {
		return nil, fmt.Errorf("fleet: acquiring %s: %w", object, err)
	}
	l := &Lease{n: n, Object: object, Token: token, deadline: n.localDeadline(sent)}
	n.mu.Lock()
	if old := n.leases[object]; old != nil {
		old.markLost()
	}
	n.leases[object] = l
	n.mu.Unlock()
	return l, nil
}

// Owner names the node holding an object's lease (ok false when none does).
func (n *Node) Owner(ctx context.Context, object string) (owner, addr string, ok bool, err error) {
	var a *string
	err = n.pool.QueryRow(ctx, `SELECT o.owner, n.addr FROM outpost_do_objects o LEFT JOIN outpost_do_nodes n ON n.node = o.owner
		WHERE o.object = $1 AND o.owner IS NOT NULL AND o.expires_at > clock_timestamp()`, object).Scan(&owner, &a)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", "", false, nil
	}
	if err != nil {
		return "", "", false, err
	}
	if a != nil {
		addr = *a
	}
	return owner, addr, true, nil
}

// Member is a live node.
type Member struct {
	Node, Addr string
	Heartbeat  time.Time
}

// Members lists the nodes whose heartbeat is recent (within two TTLs).
func (n *Node) Members(ctx context.Context) ([]Member, error) {
	rows, err := n.pool.Query(ctx, `SELECT node, addr, heartbeat_at FROM outpost_do_nodes
		WHERE heartbeat_at > clock_timestamp() - $1 * interval '1 millisecond' ORDER BY node`, 2*n.ttlMs())
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (Member, error) {
		var m Member
		err := r.Scan(&m.Node, &m.Addr, &m.Heartbeat)
		return m, err
	})
}

// PendingAlarm is an object's alarm that this node may fire: the object is
// this node's or nobody's (its owner's lease expired).
type PendingAlarm struct {
	Object string
	At     time.Time
}

// Alarms lists the alarms this node should take care of: those of its own
// objects and of objects without a live owner (the node acquires such an
// object to run its alarm).
func (n *Node) Alarms(ctx context.Context) ([]PendingAlarm, error) {
	rows, err := n.pool.Query(ctx, `SELECT object, alarm_ms FROM outpost_do_objects
		WHERE alarm_ms IS NOT NULL AND (owner IS NULL OR owner = $1 OR expires_at <= clock_timestamp()) ORDER BY alarm_ms`, n.cfg.Node)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PendingAlarm, error) {
		var a PendingAlarm
		var ms int64
		err := r.Scan(&a.Object, &ms)
		a.At = time.UnixMilli(ms)
		return a, err
	})
}

// Close leaves the fleet: it stops renewing, releases every lease and
// removes the node's record.
func (n *Node) Close(ctx context.Context) error {
	n.closing.Do(func() { close(n.stop) })
	<-n.done
	n.mu.Lock()
	var held []*Lease
	for _, l := range n.leases {
		held = append(held, l)
	}
	n.mu.Unlock()
	var first error
	for _, l := range held {
		if err := l.Release(ctx); err != nil && first == nil {
			first = err
		}
	}
	if _, err := n.pool.Exec(ctx, `DELETE FROM outpost_do_nodes WHERE node = $1`, n.cfg.Node); err != nil && first == nil {
		first = err
	}
	return first
}

// Check says whether the node may still act on the lease: not lost, and
// its deadline (by the node's clock) not passed.
func (l *Lease) Check() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.lost || !l.n.cfg.Now().Before(l.deadline) {
		l.lost = true
		return fmt.Errorf("%w: %s (token %d)", ErrLost, l.Object, l.Token)
	}
	return nil
}

func (l *Lease) extend(deadline time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.lost && deadline.After(l.deadline) {
		l.deadline = deadline
	}
}

func (l *Lease) markLost() {
	l.mu.Lock()
	l.lost = true
	l.mu.Unlock()
}

// Release gives the lease up (the object may move at once). The token is
// kept: the next owner's is higher.
func (l *Lease) Release(ctx context.Context) error {
	l.markLost()
	n := l.n
	n.mu.Lock()
	if n.leases[l.Object] == l {
		delete(n.leases, l.Object)
	}
	n.mu.Unlock()
	_, err := n.pool.Exec(ctx, `UPDATE outpost_do_objects SET owner = NULL, expires_at = NULL
		WHERE object = $1 AND owner = $2 AND token = $3`, l.Object, n.cfg.Node, l.Token)
	return err
}

// Stats counts what the node stored in PostgreSQL since it started.
type Stats struct {
	Commits, Pages, Bytes int64
}

// Stats is for metrics: commits stored, and the pages and bytes they held.
func (n *Node) Stats() Stats {
	return Stats{Commits: n.commits.Load(), Pages: n.pages.Load(), Bytes: n.bytes.Load()}
}

// ParseObjectKey splits worker/class/id (for OnLost's object).
func ParseObjectKey(key string) (worker, class, id string, ok bool) {
	parts := strings.SplitN(key, "/", 3)
	if len(parts) != 3 {
		return "", "", "", false
	}
	return parts[0], parts[1], parts[2], true
}

// IsFenced says whether err is PostgreSQL refusing a write under a stale
// token.
func IsFenced(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && pe.Code == fencedCode
}
