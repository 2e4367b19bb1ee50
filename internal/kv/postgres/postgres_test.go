package postgres

import (
	"context"
	"strings"
	"sync"
	"testing"

	"github.com/outpost-dev/outpost/internal/kv"
	"github.com/outpost-dev/outpost/internal/kv/kvtest"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t *testing.T, dsn string) *Store {
	t.Helper()
	s, err := Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.Store { return open(t, pgtest.DSN(t)) })
}

// TestNodesOpeningTogether: several nodes create the schema at once.
func TestNodesOpeningTogether(t *testing.T) {
	dsn := pgtest.DSN(t)
	var wg sync.WaitGroup
	stores := make([]*Store, 4)
	errs := make([]error, len(stores))
	for i := range stores {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = Open(context.Background(), dsn)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		defer stores[i].Close()
	}
	a := kv.New(stores[0], kv.Options{}).Namespace("shared")
	b := kv.New(stores[1], kv.Options{}).Namespace("shared")
	if err := a.Put(t.Context(), "k", []byte("from a"), kv.PutOptions{}); err != nil {
		t.Fatal(err)
	}
	if r, err := b.Get(t.Context(), "k", kv.GetOptions{}); err != nil || string(r.Value) != "from a" {
		t.Fatalf("node b reads %q, %v", r.Value, err)
	}
}

// TestByteOrderWhateverTheDatabaseCollation: list order must not follow the
// database's locale.
func TestByteOrderWhateverTheDatabaseCollation(t *testing.T) {
	s := open(t, pgtest.DSN(t))
	defer s.Close()
	ns := kv.New(s, kv.Options{}).Namespace("order")
	for _, k := range []string{"b", "B", "a", "_x", "é", "e"} {
		if err := ns.Put(t.Context(), k, []byte("v"), kv.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	r, err := ns.List(t.Context(), kv.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, k := range r.Keys {
		got = append(got, k.Name)
	}
	if s := strings.Join(got, " "); s != "B _x a b e é" {
		t.Fatalf("order = %s", s)
	}
}

func TestOpenBadDSN(t *testing.T) {
	if _, err := Open(t.Context(), "postgres://nobody@127.0.0.1:1/none?connect_timeout=2"); err == nil || !strings.Contains(err.Error(), "kv: postgres") {
		t.Fatalf("error = %v", err)
	}
}
