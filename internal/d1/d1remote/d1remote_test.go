package d1remote_test

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/d1/d1remote"
	"github.com/outpost-dev/outpost/internal/d1/d1test"
)

// remoteStore runs the conformance suite on a local store through the
// HTTP client and handler: every value, error and limit crosses the wire.
type remoteStore struct {
	store *d1.Store
	c     *d1remote.Client
	name  string
	n     int
}

func (r *remoteStore) Open(t *testing.T) d1.Database {
	r.n++
	r.name = fmt.Sprintf("db-%d", r.n)
	r.store.Close()
	return r.c.Database(r.name)
}

func (r *remoteStore) Reopen(t *testing.T) d1.Database {
	r.store.Close() // the server opens the file again on the next call
	return r.c.Database(r.name)
}

func newRemote(t *testing.T) (*d1.Store, *d1remote.Client) {
	store := d1.NewStore(t.TempDir())
	t.Cleanup(store.Close)
	srv := httptest.NewServer(d1remote.Handler("/d1", store))
	t.Cleanup(srv.Close)
	return store, &d1remote.Client{Base: srv.URL, Prefix: "/d1"}
}

func TestConformanceOverHTTP(t *testing.T) {
	store, c := newRemote(t)
	d1test.Run(t, &remoteStore{store: store, c: c})
}

func TestValues(t *testing.T) {
	ctx := context.Background()
	_, c := newRemote(t)
	db := c.Database("values")
	in := []any{nil, int64(math.MaxInt64), int64(-1), 1.0, -0.5, 1e300, math.Inf(1), math.Inf(-1), "", "text ✓ \"q\"", []byte{}, []byte{0, 1, 255}}
	var stmts []d1.Statement
	for _, v := range in {
		stmts = append(stmts, d1.Statement{SQL: "SELECT ?", Params: []any{v}})
	}
	rs, err := db.Batch(ctx, stmts)
	if err != nil {
		t.Fatal(err)
	}
	for i, v := range in {
		got := rs[i].Rows[0][0]
		if b, ok := v.([]byte); ok && len(b) == 0 {
			// SQLite returns an empty BLOB as a BLOB or NULL; both cross.
			if g, ok := got.([]byte); !(ok && len(g) == 0) && got != nil {
				t.Errorf("value %d: %#v", i, got)
			}
			continue
		}
		if !reflect.DeepEqual(got, v) {
			t.Errorf("value %d: sent %#v (%T), got %#v (%T)", i, v, v, got, got)
		}
	}
	// D1's errors stay D1 errors; a server that is down is unreachable.
	_, err = db.Exec(ctx, "SELECT * FROM nope")
	var de *d1.Error
	if !errors.As(err, &de) || !strings.Contains(de.Message, "no such table: nope") {
		t.Errorf("an error across: %#v", err)
	}
	ln, _ := net.Listen("tcp", "127.0.0.1:0")
	down := ln.Addr().String()
	ln.Close()
	if _, err := (&d1remote.Client{Base: down, Prefix: "/d1"}).Database("x").Bookmark(ctx); !errors.Is(err, d1remote.ErrUnreachable) || !d1remote.Retryable(err) {
		t.Errorf("a server that is down: %v", err)
	}
}
