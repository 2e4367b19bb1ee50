package platform

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	durablebinding "github.com/outpost-dev/outpost/internal/bindings/durable"
	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/durable/fleet"
	"github.com/outpost-dev/outpost/internal/durable/forward"
)

// ObjectsFleet puts a node's Durable Objects on a fleet: ownership and
// storage in PostgreSQL (internal/durable/fleet), calls for an object
// another node owns forwarded to it (internal/durable/forward).
type ObjectsFleet struct {
	// URL is the postgres:// URL shared by the fleet.
	URL string
	// Node names this process in the fleet (unique per process).
	Node string
	// Addr is where the other nodes reach this node's forwarding
	// listener; Token is the secret they all share.
	Addr, Token string
	// LeaseTTL bounds how soon an object moves when its owner dies
	// (default 5 s).
	LeaseTTL time.Duration
}

// openObjects opens the Durable Objects' storage: one SQLite file per
// object under <state>/do, kept on this node or, on a fleet, in
// PostgreSQL under each object's lease.
func (n *Node) openObjects(ctx context.Context) error {
	o := n.opts
	dir := filepath.Join(o.StateDir, "do")
	cfg := durablebinding.ObjectsConfig{Workers: n, IdleTimeout: o.ObjectIdleTimeout, Log: n.log, Now: o.Clock.Now}
	f := o.ObjectsFleet
	if f == nil {
		cfg.Store = durable.NewStore(dir)
		n.objects = durablebinding.NewObjects(cfg)
		n.closers = append(n.closers, cfg.Store.Close, n.objects.Close)
		if err := n.objects.Alarms().Resume(); err != nil {
			n.log.Warn("Durable Object alarms could not be read from disk: " + err.Error())
		}
		n.objectsWhere = cfg.Store.Dir()
		return nil
	}
	pool, err := pgxpool.New(ctx, f.URL)
	if err != nil {
		return fmt.Errorf("Durable Objects in PostgreSQL (%s): %w", RedactURL(f.URL), err)
	}
	n.closers = append(n.closers, pool.Close)
	// OnLost may run once a lease exists, after n.objects is set.
	node, err := fleet.Start(ctx, fleet.Config{Pool: pool, Node: f.Node, Addr: f.Addr, LeaseTTL: f.LeaseTTL, Log: n.log,
		OnLost: func(object string, _ int64) {
			if n.d1fleet == nil || !n.d1fleet.Lost(object) {
				n.objects.Lost(object)
			}
		}})
	if err != nil {
		return fmt.Errorf("Durable Objects in PostgreSQL (%s): %w", RedactURL(f.URL), err)
	}
	n.closers = append(n.closers, func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		node.Close(ctx)
	})
	n.fleet = node
	cfg.Store = node.Store(dir)
	cfg.Remote = &forward.Client{Token: f.Token}
	n.objects = durablebinding.NewObjects(cfg)
	pollCtx, stopPoll := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		n.objects.Alarms().Poll(pollCtx, node.LeaseTTL()/3, node.Alarms)
	}()
	// Closed in reverse: the poll stops, the objects close (giving their
	// leases up), then the node leaves the fleet.
	n.closers = append(n.closers, cfg.Store.Close, n.objects.Close, func() { stopPoll(); <-done })
	n.objectsHandler = forward.Handler(f.Token, n.objects)
	n.objectsWhere = "PostgreSQL " + RedactURL(f.URL) + " (fleet node " + f.Node + ")"
	return nil
}
