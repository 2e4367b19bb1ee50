package d1_test

import (
	"context"
	"fmt"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/d1/d1test"
)

// fileStore runs the suite on SQLite files.
type fileStore struct {
	dir  string
	last *d1.DB
}

func (f *fileStore) Open(t *testing.T) d1.Database {
	p := filepath.Join(t.TempDir(), "db.sqlite")
	db, err := d1.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.last = db
	return db
}

func (f *fileStore) Reopen(t *testing.T) d1.Database {
	p := f.last.Path()
	f.last.Close()
	db, err := d1.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.last = db
	return db
}

func TestConformance(t *testing.T) { d1test.Run(t, &fileStore{}) }

// TestTwoProcesses writes through two handles on one file at once, as
// `outpost dev` and `outpost d1 execute` do: every write lands.
func TestTwoProcesses(t *testing.T) {
	p := filepath.Join(t.TempDir(), "shared.sqlite")
	a, err := d1.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := d1.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	ctx := context.Background()
	if _, err := a.Exec(ctx, "CREATE TABLE t (x)"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	for _, db := range []*d1.DB{a, b} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				if _, err := db.Batch(ctx, []d1.Statement{{SQL: "INSERT INTO t VALUES (?)", Params: []any{int64(i)}}, {SQL: "SELECT count(*) FROM t"}}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	rs, err := b.Batch(ctx, []d1.Statement{{SQL: "SELECT count(*) FROM t"}})
	if err != nil || rs[0].Rows[0][0] != int64(100) {
		t.Fatalf("count = %v %v", rs, err)
	}
	ba, _ := a.Bookmark(ctx)
	bb, _ := b.Bookmark(ctx)
	if ba != bb || ba != "0000000000000065" {
		t.Errorf("bookmarks %q %q, want 101 writes counted by both", ba, bb)
	}
}

func TestStoreNames(t *testing.T) {
	s := d1.NewStore(t.TempDir())
	defer s.Close()
	for _, bad := range []string{"../x", "a/b", "", ".hidden", "x..y"} {
		if _, err := s.Open(bad); err == nil {
			t.Errorf("Open(%q) succeeded", bad)
		}
	}
	if _, err := s.Open("prod-db_1.v2"); err != nil {
		t.Fatal(err)
	}
	names, _ := s.List()
	if len(names) != 1 || names[0] != "prod-db_1.v2" || !s.Exists("prod-db_1.v2") {
		t.Errorf("List = %v", names)
	}
}

func TestStripDumpTransaction(t *testing.T) {
	in := "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\nCREATE TABLE t (x);\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN\n SELECT 1;\nEND;\nCOMMIT;\n"
	want := "PRAGMA foreign_keys=OFF;\n\nCREATE TABLE t (x);\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN\n SELECT 1;\nEND;\n\n"
	if got := d1.StripDumpTransaction(in); got != want {
		t.Errorf("got %q", got)
	}
	two := "BEGIN TRANSACTION;\nCOMMIT;\nBEGIN TRANSACTION;\nCOMMIT;\n"
	if got := d1.StripDumpTransaction(two); got != two {
		t.Errorf("two transactions were changed: %q", got)
	}
}

// TestLongScript loads a script far longer than one statement may be, as
// `outpost d1 execute --file` does with a dump, and refuses one statement
// past D1's limit.
func TestLongScript(t *testing.T) {
	db, err := d1.OpenFile(filepath.Join(t.TempDir(), "long.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var b strings.Builder
	b.WriteString("CREATE TABLE t (n INTEGER, s TEXT);\n")
	for i := 0; i < 5000; i++ {
		fmt.Fprintf(&b, "INSERT INTO t VALUES (%d, '%s');\n", i, strings.Repeat("x", 40))
	}
	ctx := context.Background()
	rs, err := db.Exec(ctx, b.String())
	if err != nil || len(rs) != 5001 || b.Len() < 300<<10 {
		t.Fatalf("Exec of %d bytes: %d results, %v", b.Len(), len(rs), err)
	}
	if rs, _ := db.Batch(ctx, []d1.Statement{{SQL: "SELECT count(*), sum(n) FROM t"}}); rs[0].Rows[0][0] != int64(5000) || rs[0].Rows[0][1] != int64(12497500) {
		t.Errorf("rows = %v", rs[0].Rows)
	}
	long := "INSERT INTO t VALUES (1, '" + strings.Repeat("y", d1.MaxSQLLength) + "');"
	if _, err := db.Exec(ctx, "SELECT 1;\n"+long); err == nil || err.Error() != "string or blob too big: SQLITE_TOOBIG" {
		t.Errorf("a statement past the limit: %v", err)
	}
}
