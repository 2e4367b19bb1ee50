package cron

import (
	"context"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// Execer is what PostgresClaimer needs from a connection; *pgxpool.Pool and
// *pgx.Conn (used by one goroutine at a time) both have it.
type Execer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

const (
	claimsTable = "outpost_cron_claims"
	// claimRetention is how long claims are kept; a node whose clock is off
	// by less than this still cannot run a time another node ran.
	claimRetention = 7 * 24 * time.Hour
	// cleanupEvery spaces out the deletion of old claims.
	cleanupEvery = time.Hour
)

// PostgresClaimer coordinates the nodes of a fleet through one table keyed by
// (worker, cron, scheduled_time): the first INSERT wins, every other node
// skips that time. A claim is taken before the run, so a node that dies
// mid-run loses that one run (at most once, like a missed trigger) and blocks
// nothing: the next scheduled time is a new key.
type PostgresClaimer struct {
	db   Execer
	node string

	mu          sync.Mutex
	lastCleanup time.Time
}

// NewPostgresClaimer creates the claims table if needed. node identifies this
// process in the table (for people reading it); empty means hostname:pid.
func NewPostgresClaimer(ctx context.Context, db Execer, node string) (*PostgresClaimer, error) {
	if node == "" {
		host, _ := os.Hostname()
		node = fmt.Sprintf("%s:%d", host, os.Getpid())
	}
	c := &PostgresClaimer{db: db, node: node}
	if err := c.createTable(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *PostgresClaimer) createTable(ctx context.Context) error {
	// Nodes starting together would race inside CREATE TABLE IF NOT EXISTS
	// (one fails on the catalog's unique index); a transaction-scoped
	// advisory lock, taken in the same statement, makes them queue instead.
	const ddl = `DO $$ BEGIN
		PERFORM pg_advisory_xact_lock(hashtext('` + claimsTable + `'));
		CREATE TABLE IF NOT EXISTS ` + claimsTable + ` (
			worker         text        NOT NULL,
			cron           text        NOT NULL,
			scheduled_time timestamptz NOT NULL,
			node           text        NOT NULL,
			claimed_at     timestamptz NOT NULL DEFAULT now(),
			PRIMARY KEY (worker, cron, scheduled_time)
		);
	END $$`
	if _, err := c.db.Exec(ctx, ddl); err != nil {
		return fmt.Errorf("cron: creating table %s: %w", claimsTable, err)
	}
	return nil
}

// Claim records that this node runs (worker, cron, scheduledTime) and reports
// whether it was first.
func (c *PostgresClaimer) Claim(ctx context.Context, worker, cron string, scheduledTime time.Time) (bool, error) {
	tag, err := c.db.Exec(ctx,
		`INSERT INTO `+claimsTable+` (worker, cron, scheduled_time, node) VALUES ($1, $2, $3, $4)
		 ON CONFLICT (worker, cron, scheduled_time) DO NOTHING`,
		worker, cron, scheduledTime.UTC(), c.node)
	if err != nil {
		return false, fmt.Errorf("cron: claiming %s %q at %s: %w", worker, cron, scheduledTime.UTC().Format(time.RFC3339), err)
	}
	c.cleanup(ctx, scheduledTime)
	return tag.RowsAffected() == 1, nil
}

// cleanup deletes claims far older than the times being claimed now. It is
// keyed to scheduled times rather than the wall clock so that it follows the
// Scheduler's Clock.
func (c *PostgresClaimer) cleanup(ctx context.Context, now time.Time) {
	c.mu.Lock()
	due := now.Sub(c.lastCleanup) >= cleanupEvery
	if due {
		c.lastCleanup = now
	}
	c.mu.Unlock()
	if !due {
		return
	}
	// Best effort: a failed cleanup only leaves rows for the next one.
	c.db.Exec(ctx, `DELETE FROM `+claimsTable+` WHERE scheduled_time < $1`, now.Add(-claimRetention).UTC())
}
