package d1fleet_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/d1/d1fleet"
	"github.com/outpost-dev/outpost/internal/d1/d1remote"
	"github.com/outpost-dev/outpost/internal/d1/d1test"
	"github.com/outpost-dev/outpost/internal/durable/fleet"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

const testToken = "fleet-token-0123456789"

// routedNode is a fleet node serving D1 with forwarding, as a serve node
// does: its router, and its listener for the calls other nodes forward.
type routedNode struct {
	store  *d1fleet.Store
	router *d1fleet.Router
}

func startRoutedNode(t *testing.T, dsn string) *routedNode {
	t.Helper()
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+testToken {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		handler.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	pool, err := pgxpool.New(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	n, err := fleet.Start(context.Background(), fleet.Config{Pool: pool, Node: fmt.Sprintf("routed-%d", seq.Add(1)),
		Addr: srv.Listener.Addr().String(), LeaseTTL: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	objects := n.Store(t.TempDir())
	s := d1fleet.New(objects)
	r := d1fleet.NewRouter(s, testToken, 10*time.Second, nil)
	handler = d1remote.Handler(d1fleet.ForwardPrefix, r.Local())
	t.Cleanup(func() {
		s.Close()
		objects.Close()
		n.Close(context.Background())
	})
	return &routedNode{store: s, router: r}
}

// forwardedStore runs the conformance suite through a node that does not
// own the database: every call is forwarded to the owner. Reopen makes
// the owner give the database up; the next call takes it over on the
// node the suite talks to, restored from PostgreSQL.
type forwardedStore struct {
	owner, via *routedNode
	name       string
}

func (f *forwardedStore) Open(t *testing.T) d1.Database {
	f.name = fmt.Sprintf("fwd-%d", seq.Add(1))
	if _, err := f.owner.store.Open(f.name); err != nil {
		t.Fatal(err)
	}
	db, err := f.via.router.Database(f.name)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func (f *forwardedStore) Reopen(t *testing.T) d1.Database {
	if err := f.owner.store.Drop(f.name); err != nil {
		t.Fatal(err)
	}
	db, err := f.via.router.Database(f.name)
	if err != nil {
		t.Fatal(err)
	}
	return db
}

func TestConformanceForwarded(t *testing.T) {
	dsn := pgtest.DSN(t)
	f := &forwardedStore{owner: startRoutedNode(t, dsn), via: startRoutedNode(t, dsn)}
	d1test.Run(t, f)
}

// TestRouterForwards: a node that does not own a database sends its calls
// to the owner, which runs them; a batch stays atomic; D1's errors keep
// their messages; the owner's lease moves only when it lets go.
func TestRouterForwards(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	a, b := startRoutedNode(t, dsn), startRoutedNode(t, dsn)
	dbA, _ := a.router.Database("shared")
	dbB, _ := b.router.Database("shared")
	if _, err := dbA.Exec(ctx, "CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	if !a.store.Holds("shared") || b.store.Holds("shared") {
		t.Fatal("a should own the database")
	}
	rs, bookmark, err := dbB.(d1.BatchBookmarker).BatchBookmark(ctx, []d1.Statement{
		{SQL: "INSERT INTO t VALUES (?)", Params: []any{int64(1) << 60}},
		{SQL: "INSERT INTO t VALUES (?)", Params: []any{[]byte{0, 255}}},
	})
	if err != nil || len(rs) != 2 || rs[1].Meta.Changes != 1 || bookmark == "" {
		t.Fatalf("a batch through b: %v %v %q", rs, err, bookmark)
	}
	if b.store.Holds("shared") {
		t.Error("b took the database while a holds it")
	}
	if got, _ := dbA.Bookmark(ctx); got != bookmark {
		t.Errorf("the owner's bookmark %q, b's %q", got, bookmark)
	}
	_, err = dbB.Batch(ctx, []d1.Statement{{SQL: "INSERT INTO t VALUES (3)"}, {SQL: "INSERT INTO nope VALUES (1)"}})
	var de *d1.Error
	if !errors.As(err, &de) || de.Message != "no such table: nope: SQLITE_ERROR" {
		t.Errorf("a failing batch through b: %#v", err)
	}
	rs, err = dbB.Batch(ctx, []d1.Statement{{SQL: "SELECT x, typeof(x) FROM t ORDER BY rowid"}})
	if err != nil || len(rs[0].Rows) != 2 || rs[0].Rows[0][0] != int64(1)<<60 || string(rs[0].Rows[1][0].([]byte)) != "\x00\xff" {
		t.Fatalf("read through b: %v %v", rs, err)
	}
	// a lets go: the next call through either node finds the database,
	// restored from PostgreSQL on whichever node takes it, and only one
	// node holds it.
	if err := a.store.Drop("shared"); err != nil {
		t.Fatal(err)
	}
	for i, db := range []d1.Database{dbB, dbA, dbB} {
		rs, err = db.Batch(ctx, []d1.Statement{{SQL: "SELECT count(*) FROM t"}})
		if err != nil || rs[0].Rows[0][0] != int64(2) {
			t.Fatalf("call %d after a let go: %v %v", i, rs, err)
		}
		if a.store.Holds("shared") == b.store.Holds("shared") {
			t.Fatalf("call %d: a holds it %v, b holds it %v", i, a.store.Holds("shared"), b.store.Holds("shared"))
		}
	}
}

// TestLost: a database whose lease the node lost is opened again, from
// PostgreSQL, by its next call; objects that are not D1's are left alone.
func TestLost(t *testing.T) {
	ctx := context.Background()
	a := startRoutedNode(t, pgtest.DSN(t))
	db, _ := a.router.Database("lost")
	if _, err := db.Exec(ctx, "CREATE TABLE t (x); INSERT INTO t VALUES (1)"); err != nil {
		t.Fatal(err)
	}
	if a.store.Lost("worker/Class/" + d1fleet.ObjectID("lost")) {
		t.Error("Lost claimed a Durable Object of a worker")
	}
	if !a.store.Lost(d1fleet.Worker + "/" + d1fleet.Class + "/" + d1fleet.ObjectID("lost")) {
		t.Fatal("Lost did not claim the D1 database's object")
	}
	if a.store.Holds("lost") {
		t.Error("the database is still usable after its lease was lost")
	}
	rs, err := db.Batch(ctx, []d1.Statement{{SQL: "SELECT count(*) FROM t"}})
	if err != nil || rs[0].Rows[0][0] != int64(1) || !a.store.Holds("lost") {
		t.Fatalf("after the loss: %v %v", rs, err)
	}
}
