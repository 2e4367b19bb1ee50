package d1fleet

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"time"

	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/d1/d1remote"
	"github.com/outpost-dev/outpost/internal/durable/fleet"
)

// ForwardPrefix is where a node serves the D1 calls other nodes forward to
// it, on the fleet's node-to-node listener.
const ForwardPrefix = "/outpost/d1/v1"

// Router runs D1 calls on a fleet: on this node when it holds the
// database's lease or can take it, else on the node that holds it (sent
// there with the fleet's token). A call that could not reach an owner —
// the owner refused (it no longer holds the database) or was unreachable —
// is sent again, to the next owner once the dead one's lease expires, for
// up to MoveTimeout. All reads go to the owner, so a session's bookmark
// always holds: the owner has every acknowledged write.
type Router struct {
	store  *Store
	remote d1remote.Client // Base set per owner
	move   time.Duration
	log    *slog.Logger

	mu    sync.Mutex
	owner map[string]string // database → the owner's address, last seen
}

// NewRouter routes calls for the databases of store; token authenticates
// this node to the others. moveTimeout bounds how long a call waits for a
// database whose owner is unreachable to move (default 30 s).
func NewRouter(store *Store, token string, moveTimeout time.Duration, log *slog.Logger) *Router {
	if moveTimeout <= 0 {
		moveTimeout = 30 * time.Second
	}
	if log == nil {
		log = slog.Default()
	}
	return &Router{store: store, remote: d1remote.Client{Prefix: ForwardPrefix, Token: token}, move: moveTimeout, log: log, owner: map[string]string{}}
}

// Database is the database called name, wherever it is served.
func (r *Router) Database(name string) (d1.Database, error) {
	if !d1.ValidName(name) {
		return nil, &d1.Error{Message: "D1 database name " + name + " is not valid"}
	}
	return &routed{r: r, name: name}, nil
}

// Local serves the calls other nodes forward: only databases this node
// holds or can take now; for others it answers that they moved.
func (r *Router) Local() d1.Opener { return localOpener{r.store} }

type localOpener struct{ s *Store }

func (l localOpener) Database(name string) (d1.Database, error) {
	db, err := l.s.Open(name)
	var held *fleet.HeldError
	if errors.As(err, &held) {
		return nil, &d1remote.MovedError{Database: name, Node: held.Owner}
	}
	if err != nil {
		return nil, err
	}
	return db, nil
}

// route runs call on the database: here, or on its owner. A failure that
// is not D1's own (an owner unreachable for too long) is reported as a
// D1 error naming the database.
func (r *Router) route(ctx context.Context, name string, call func(d1.Database) error) error {
	err := r.try(ctx, name, call)
	var de *d1.Error
	if err == nil || errors.As(err, &de) || ctx.Err() != nil {
		return err
	}
	return &d1.Error{Message: fmt.Sprintf("D1 database %s is unavailable: %v", name, err)}
}

func (r *Router) try(ctx context.Context, name string, call func(d1.Database) error) error {
	deadline := time.Now().Add(r.move)
	backoff := 20 * time.Millisecond
	for {
		var err error
		addr := r.ownerHint(name)
		if addr == "" {
			var db *DB
			db, err = r.store.Open(name)
			var held *fleet.HeldError
			if err == nil {
				return call(db)
			}
			if !errors.As(err, &held) {
				return err
			}
			addr = held.Addr
			if addr == "" {
				err = d1remote.ErrUnreachable
			}
		}
		if addr != "" {
			c := r.remote
			c.Base = addr
			err = call(c.Database(name))
			if !d1remote.Retryable(err) {
				r.setOwner(name, addr)
				return err
			}
			r.setOwner(name, "")
		}
		if time.Now().After(deadline) {
			return err
		}
		r.log.Debug("d1: retrying a forwarded call", "database", name, "owner", addr, "error", err.Error())
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 500*time.Millisecond)
	}
}

func (r *Router) ownerHint(name string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.owner[name]
}

func (r *Router) setOwner(name, addr string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if addr == "" {
		delete(r.owner, name)
	} else {
		r.owner[name] = addr
	}
}

// routed is one database's calls through the router.
type routed struct {
	r    *Router
	name string
}

func (d *routed) Batch(ctx context.Context, stmts []d1.Statement) ([]d1.Result, error) {
	var rs []d1.Result
	err := d.r.route(ctx, d.name, func(db d1.Database) error {
		var err error
		rs, err = db.Batch(ctx, stmts)
		return err
	})
	return rs, err
}

// BatchBookmark runs a batch and reads the bookmark after it, in one trip
// to the owner.
func (d *routed) BatchBookmark(ctx context.Context, stmts []d1.Statement) ([]d1.Result, string, error) {
	var rs []d1.Result
	var bookmark string
	err := d.r.route(ctx, d.name, func(db d1.Database) error {
		var err error
		if bb, ok := db.(d1.BatchBookmarker); ok {
			rs, bookmark, err = bb.BatchBookmark(ctx, stmts)
			return err
		}
		if rs, err = db.Batch(ctx, stmts); err != nil {
			return err
		}
		bookmark, err = db.Bookmark(ctx)
		return err
	})
	return rs, bookmark, err
}

func (d *routed) Exec(ctx context.Context, script string) ([]d1.Result, error) {
	var rs []d1.Result
	err := d.r.route(ctx, d.name, func(db d1.Database) error {
		var err error
		rs, err = db.Exec(ctx, script)
		return err
	})
	return rs, err
}

func (d *routed) Bookmark(ctx context.Context) (string, error) {
	var b string
	err := d.r.route(ctx, d.name, func(db d1.Database) error {
		var err error
		b, err = db.Bookmark(ctx)
		return err
	})
	return b, err
}

func (d *routed) Dump(ctx context.Context, w io.Writer, opts d1.DumpOptions) error {
	return d.r.route(ctx, d.name, func(db d1.Database) error {
		// Dumped whole before it is written: a retry must not repeat output.
		var buf bytesBuffer
		if err := db.Dump(ctx, &buf, opts); err != nil {
			return err
		}
		_, err := w.Write(buf.b)
		return err
	})
}

type bytesBuffer struct{ b []byte }

func (b *bytesBuffer) Write(p []byte) (int, error) {
	b.b = append(b.b, p...)
	return len(p), nil
}
