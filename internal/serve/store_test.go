package serve

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/outpost-dev/outpost/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestFileStore(t *testing.T) {
	testStore(t, func(t *testing.T) Store {
		s, err := OpenFileStore(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestPostgresStore(t *testing.T) {
	testStore(t, func(t *testing.T) Store {
		s, err := OpenPostgresStore(context.Background(), pgtest.DSN(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// testStore is the behaviour every deployment store must have.
func testStore(t *testing.T, open func(t *testing.T) Store) {
	ctx := context.Background()
	bundle := func(code string) *Bundle { return &Bundle{Name: "site", Code: code, Vars: map[string]any{"A": "1"}} }

	t.Run("versions", func(t *testing.T) {
		s := open(t)
		if act, err := s.Active(ctx); err != nil || len(act) != 0 {
			t.Fatalf("empty store: %v %v", act, err)
		}
		if _, err := s.Versions(ctx, "site"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Versions of an unknown worker: %v", err)
		}
		v1, err := s.Create(ctx, "site", bundle("one"), "first")
		if err != nil || v1.Version != 1 || !v1.Active || v1.SHA256 != bundle("one").Hash() || v1.Created.IsZero() {
			t.Fatalf("Create v1 = %+v, %v", v1, err)
		}
		v2, err := s.Create(ctx, "site", bundle("two"), "")
		if err != nil || v2.Version != 2 {
			t.Fatalf("Create v2 = %+v, %v", v2, err)
		}
		if _, err := s.Create(ctx, "other", bundle("x"), ""); err != nil {
			t.Fatal(err)
		}
		act, err := s.Active(ctx)
		if err != nil || act["site"] != 2 || act["other"] != 1 || len(act) != 2 {
			t.Errorf("Active = %v, %v", act, err)
		}
		vs, err := s.Versions(ctx, "site")
		if err != nil || len(vs) != 2 || vs[0].Version != 2 || !vs[0].Active || vs[1].Active || vs[1].Message != "first" {
			t.Errorf("Versions = %+v, %v", vs, err)
		}
		b, err := s.Get(ctx, "site", 1)
		if err != nil || b.Code != "one" || b.Vars["A"] != "1" {
			t.Errorf("Get v1 = %+v, %v", b, err)
		}
		if _, err := s.Get(ctx, "site", 9); !errors.Is(err, ErrNotFound) {
			t.Errorf("Get v9: %v", err)
		}
	})

	t.Run("activate", func(t *testing.T) {
		s := open(t)
		s.Create(ctx, "site", bundle("one"), "")
		s.Create(ctx, "site", bundle("two"), "")
		v, err := s.Activate(ctx, "site", 1)
		if err != nil || v.Version != 1 || !v.Active {
			t.Fatalf("Activate(1) = %+v, %v", v, err)
		}
		if act, _ := s.Active(ctx); act["site"] != 1 {
			t.Errorf("Active after rollback = %v", act)
		}
		vs, _ := s.Versions(ctx, "site")
		if vs[0].Active || !vs[1].Active {
			t.Errorf("Versions after rollback = %+v", vs)
		}
		if _, err := s.Activate(ctx, "site", 3); !errors.Is(err, ErrNotFound) {
			t.Errorf("Activate(3): %v", err)
		}
		// A new deploy after a rollback gets the next number and is active.
		v3, err := s.Create(ctx, "site", bundle("three"), "")
		if err != nil || v3.Version != 3 {
			t.Errorf("Create after rollback = %+v, %v", v3, err)
		}
	})

	t.Run("concurrent deploys get distinct versions", func(t *testing.T) {
		s := open(t)
		var wg sync.WaitGroup
		seen := make(chan int, 8)
		for i := 0; i < 8; i++ {
			wg.Add(1)
			go func() {
				defer wg.Done()
				v, err := s.Create(ctx, "site", bundle("x"), "")
				if err != nil {
					t.Error(err)
					return
				}
				seen <- v.Version
			}()
		}
		wg.Wait()
		close(seen)
		got := map[int]bool{}
		for v := range seen {
			if got[v] {
				t.Errorf("version %d handed out twice", v)
			}
			got[v] = true
		}
		for v := 1; v <= 8; v++ {
			if !got[v] {
				t.Errorf("version %d missing: %v", v, got)
			}
		}
	})
}
