package d1fleet_test

import (
	"context"
	"fmt"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/d1/d1fleet"
	"github.com/outpost-dev/outpost/internal/d1/d1test"
	"github.com/outpost-dev/outpost/internal/durable/fleet"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

func TestMain(m *testing.M) {
	if os.Getenv("D1FLEET_CHILD") != "" {
		crashChild()
		return
	}
	pgtest.Main(m)
}

var seq atomic.Int64

// fleetStore runs the suite on fleet storage: each Open is a new database
// on a node; Reopen gives the database up and opens it on another node,
// from PostgreSQL.
type fleetStore struct {
	dsn   string
	name  string
	store *d1fleet.Store
}

func (f *fleetStore) node(t *testing.T) *d1fleet.Store {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), f.dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	n, err := fleet.Start(context.Background(), fleet.Config{Pool: pool, Node: fmt.Sprintf("d1-node-%d", seq.Add(1)), Addr: "127.0.0.1:0", LeaseTTL: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	objects := n.Store(t.TempDir())
	s := d1fleet.New(objects)
	t.Cleanup(func() {
		s.Close()
		objects.Close()
		n.Close(context.Background())
	})
	return s
}

func (f *fleetStore) Open(t *testing.T) d1.Database {
	f.name = fmt.Sprintf("db-%d", seq.Add(1))
	f.store = f.node(t)
	db, err := f.store.Open(f.name)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func (f *fleetStore) Reopen(t *testing.T) d1.Database {
	if err := f.store.Drop(f.name); err != nil {
		t.Fatal(err)
	}
	f.store = f.node(t)
	db, err := f.store.Open(f.name)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformance(t *testing.T) {
	d1test.Run(t, &fleetStore{dsn: pgtest.DSN(t)})
}

// TestOneOwner: while a node holds a database, another node cannot open
// it; once the owner gives it up, the other node gets every acknowledged
// write.
func TestOneOwner(t *testing.T) {
	ctx := context.Background()
	f := &fleetStore{dsn: pgtest.DSN(t)}
	a := f.Open(t)
	if _, err := a.Exec(ctx, "CREATE TABLE t (x); INSERT INTO t VALUES (1), (2)"); err != nil {
		t.Fatal(err)
	}
	other := f.node(t)
	if _, err := other.Open(f.name); err == nil {
		t.Fatal("a second node opened a database another node holds")
	}
	b := f.Reopen(t)
	rs, err := b.Batch(ctx, []d1.Statement{{SQL: "SELECT sum(x) FROM t"}})
	if err != nil || rs[0].Rows[0][0] != int64(3) {
		t.Fatalf("on the new owner: %v %v", rs, err)
	}
	if _, err := a.Batch(ctx, []d1.Statement{{SQL: "SELECT 1"}}); err == nil {
		t.Error("the old owner still answers after giving the database up")
	}
}
