// Package d1test is the conformance suite every D1 store passes: the
// semantics workers see (types, atomic batches, D1's refusals, limits and
// error messages, bookmarks, dumps), whatever holds the data.
package d1test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/d1"
)

// Store opens a fresh database for a test; Reopen opens the same one as a
// new process would (after the previous handle is gone).
type Store interface {
	Open(t *testing.T) d1.Database
	Reopen(t *testing.T) d1.Database
}

// Run runs the suite.
func Run(t *testing.T, s Store) {
	tests := map[string]func(*testing.T, Store){
		"Types":          testTypes,
		"Meta":           testMeta,
		"BatchAtomic":    testBatchAtomic,
		"Errors":         testErrors,
		"Refused":        testRefused,
		"Functions":      testFunctions,
		"Limits":         testLimits,
		"MultiStatement": testMultiStatement,
		"Bookmark":       testBookmark,
		"Dump":           testDump,
		"Durable":        testDurable,
		"Migrations":     testMigrations,
		"Concurrent":     testConcurrent,
	}
	for name, f := range tests {
		t.Run(name, func(t *testing.T) { f(t, s) })
	}
}

var ctx = context.Background()

func one(t *testing.T, db d1.Database, sql string, params ...any) d1.Result {
	t.Helper()
	rs, err := db.Batch(ctx, []d1.Statement{{SQL: sql, Params: params}})
	if err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
	return rs[0]
}

func fails(t *testing.T, db d1.Database, want string, sql string, params ...any) {
	t.Helper()
	_, err := db.Batch(ctx, []d1.Statement{{SQL: sql, Params: params}})
	var de *d1.Error
	if !errors.As(err, &de) || !strings.Contains(de.Message, want) {
		t.Errorf("%s: error %v, want one containing %q", sql, err, want)
	}
}

func testTypes(t *testing.T, s Store) {
	db := s.Open(t)
	one(t, db, "CREATE TABLE v (i INTEGER, r REAL, t TEXT, b BLOB, n, d DATETIME)")
	one(t, db, "INSERT INTO v VALUES (?, ?, ?, ?, ?, ?)", int64(math.MaxInt64), 1.5, "héllo", []byte{0, 1, 255}, nil, "2024-01-15 10:30:00.500Z")
	r := one(t, db, "SELECT i, r, t, b, n, d, typeof(i), typeof(r), typeof(b) FROM v")
	want := []any{int64(math.MaxInt64), 1.5, "héllo", []byte{0, 1, 255}, nil, "2024-01-15 10:30:00.500Z", "integer", "real", "blob"}
	if !reflect.DeepEqual(r.Rows, [][]any{want}) {
		t.Errorf("rows = %#v", r.Rows)
	}
	if !reflect.DeepEqual(r.Columns, []string{"i", "r", "t", "b", "n", "d", "typeof(i)", "typeof(r)", "typeof(b)"}) {
		t.Errorf("columns = %v", r.Columns)
	}
	if r := one(t, db, "SELECT ? AS e", []byte{}); len(r.Rows) != 1 || !reflect.DeepEqual(r.Rows[0][0], []byte{}) {
		t.Errorf("empty blob = %#v", r.Rows)
	}
}

func testMeta(t *testing.T, s Store) {
	db := s.Open(t)
	r := one(t, db, "CREATE TABLE m (id INTEGER PRIMARY KEY, x)")
	if !r.Meta.ChangedDB || r.Meta.ServedBy == "" || r.Meta.SizeAfter <= 0 {
		t.Errorf("create meta = %+v", r.Meta)
	}
	r = one(t, db, "INSERT INTO m (x) VALUES (1), (2), (3)")
	if r.Meta.Changes != 3 || r.Meta.LastRowID != 3 || !r.Meta.ChangedDB || r.Meta.RowsWritten != 3 || r.Meta.RowsRead != 3 {
		t.Errorf("insert meta = %+v", r.Meta)
	}
	r = one(t, db, "SELECT * FROM m")
	if r.Meta.Changes != 0 || r.Meta.ChangedDB || r.Meta.RowsRead != 3 || r.Meta.RowsWritten != 0 || r.Meta.LastRowID != 3 {
		t.Errorf("select meta = %+v", r.Meta)
	}
	r = one(t, db, "UPDATE m SET x = x + 1 WHERE id > 1")
	if r.Meta.Changes != 2 {
		t.Errorf("update meta = %+v", r.Meta)
	}
	// As wrangler dev: INSERT … RETURNING reads the row it wrote and the
	// one it returns; several statements in one query report the query's
	// changes and the last statement's rows.
	r = one(t, db, "INSERT INTO m (x) VALUES (9) RETURNING id")
	if r.Meta.RowsRead != 2 || r.Meta.RowsWritten != 1 || r.Meta.LastRowID != 4 || !reflect.DeepEqual(r.Rows, [][]any{{int64(4)}}) {
		t.Errorf("insert returning = %+v %v", r.Meta, r.Rows)
	}
	r = one(t, db, "INSERT INTO m (x) VALUES (10); INSERT INTO m (x) VALUES (11);")
	if r.Meta.Changes != 2 || r.Meta.RowsRead != 1 || r.Meta.RowsWritten != 1 || !r.Meta.ChangedDB {
		t.Errorf("two inserts in one query = %+v", r.Meta)
	}
}

func testBatchAtomic(t *testing.T, s Store) {
	db := s.Open(t)
	one(t, db, "CREATE TABLE a (id INTEGER PRIMARY KEY, v TEXT UNIQUE)")
	rs, err := db.Batch(ctx, []d1.Statement{
		{SQL: "INSERT INTO a (v) VALUES (?)", Params: []any{"x"}},
		{SQL: "INSERT INTO a (v) VALUES (?)", Params: []any{"y"}},
		{SQL: "SELECT count(*) AS n FROM a"},
	})
	if err != nil || len(rs) != 3 || rs[2].Rows[0][0] != int64(2) {
		t.Fatalf("batch = %+v, %v", rs, err)
	}
	_, err = db.Batch(ctx, []d1.Statement{
		{SQL: "INSERT INTO a (v) VALUES ('z')"},
		{SQL: "INSERT INTO a (v) VALUES ('x')"},
	})
	var de *d1.Error
	if !errors.As(err, &de) || de.Message != "UNIQUE constraint failed: a.v: SQLITE_CONSTRAINT" {
		t.Fatalf("failing batch: %v", err)
	}
	if r := one(t, db, "SELECT group_concat(v) FROM a"); r.Rows[0][0] != "x,y" {
		t.Errorf("after a failed batch: %v (the batch must roll back)", r.Rows)
	}
	if _, err := db.Batch(ctx, nil); err == nil || err.Error() != "No SQL statements detected." {
		t.Errorf("empty batch: %v", err)
	}
	if _, err := db.Batch(ctx, []d1.Statement{{SQL: "  -- only a comment\n"}}); err == nil || err.Error() != "No SQL statements detected." {
		t.Errorf("comment batch: %v", err)
	}
}

func testErrors(t *testing.T, s Store) {
	db := s.Open(t)
	fails(t, db, "no such table: nope: SQLITE_ERROR", "SELECT * FROM nope")
	fails(t, db, `near "SELEC": syntax error: SQLITE_ERROR`, "SELEC 1")
	fails(t, db, "Wrong number of parameter bindings for SQL query.", "SELECT ?, ?", int64(1))
	one(t, db, "CREATE TABLE p (id INTEGER PRIMARY KEY)")
	one(t, db, "CREATE TABLE c (p INTEGER REFERENCES p(id))")
	fails(t, db, "FOREIGN KEY constraint failed: SQLITE_CONSTRAINT", "INSERT INTO c VALUES (7)")
	fails(t, db, "NOT NULL constraint failed", "CREATE TABLE nn (x NOT NULL); INSERT INTO nn VALUES (NULL)")
}

func testRefused(t *testing.T, s Store) {
	db := s.Open(t)
	one(t, db, "CREATE TABLE r (x)")
	for _, q := range []string{"BEGIN TRANSACTION", "BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT sp", "RELEASE sp"} {
		fails(t, db, "To execute a transaction, please use the state.storage.transaction()", q)
	}
	for _, q := range []string{
		"PRAGMA journal_mode=DELETE", "PRAGMA synchronous=OFF", "PRAGMA user_version = 7", "PRAGMA user_version", "PRAGMA writable_schema=ON",
		"ATTACH DATABASE '/tmp/x.db' AS x", "CREATE TEMP TABLE t (x)",
		"CREATE TABLE _cf_mine (x)", "CREATE VIRTUAL TABLE vt USING dbstat",
	} {
		fails(t, db, "not authorized: SQLITE_AUTH", q)
	}
	fails(t, db, "access to _cf_KV.key is prohibited: SQLITE_AUTH", "SELECT * FROM _cf_KV")
	fails(t, db, "not authorized to use function: sqlite_version: SQLITE_ERROR", "SELECT sqlite_version()")
	for _, q := range []string{"PRAGMA foreign_keys=OFF", "PRAGMA table_list", "PRAGMA table_info(r)", "PRAGMA optimize", "PRAGMA defer_foreign_keys = true"} {
		one(t, db, q)
	}
}

func testFunctions(t *testing.T, s Store) {
	db := s.Open(t)
	r := one(t, db, `SELECT json_extract('{"a":[1,2]}', '$.a[1]'), '{"b":3}' ->> '$.b', sqrt(16), pow(2, 10), floor(2.5), upper('x'), strftime('%Y', '2024-05-01')`)
	if !reflect.DeepEqual(r.Rows[0], []any{int64(2), int64(3), 4.0, 1024.0, 2.0, "X", "2024"}) {
		t.Errorf("functions = %#v", r.Rows[0])
	}
	one(t, db, "CREATE VIRTUAL TABLE docs USING fts5(body)")
	one(t, db, "INSERT INTO docs (body) VALUES ('the quick brown fox'), ('lazy dogs sleep')")
	r = one(t, db, "SELECT body, bm25(docs) < 0 FROM docs WHERE docs MATCH 'quick' ORDER BY rank")
	if len(r.Rows) != 1 || r.Rows[0][0] != "the quick brown fox" {
		t.Errorf("fts5 = %#v", r.Rows)
	}
	one(t, db, "CREATE VIRTUAL TABLE boxes USING rtree(id, x0, x1)")
	one(t, db, "INSERT INTO boxes VALUES (1, 0, 5), (2, 10, 20)")
	if r := one(t, db, "SELECT id FROM boxes WHERE x0 < 3"); !reflect.DeepEqual(r.Rows, [][]any{{int64(1)}}) {
		t.Errorf("rtree = %v", r.Rows)
	}
	r = one(t, db, "SELECT value FROM json_each('[1,2,3]')")
	if len(r.Rows) != 3 {
		t.Errorf("json_each = %#v", r.Rows)
	}
}

func testLimits(t *testing.T, s Store) {
	db := s.Open(t)
	params := make([]any, 101)
	marks := make([]string, 101)
	for i := range params {
		params[i], marks[i] = int64(i), "?"
	}
	fails(t, db, "too many SQL variables: SQLITE_ERROR", "SELECT "+strings.Join(marks, ","), params...)
	one(t, db, "SELECT "+strings.Join(marks[:100], ","), params[:100]...)
	fails(t, db, "SQLITE_TOOBIG", "SELECT 1 -- "+strings.Repeat("x", d1.MaxSQLLength))
	fails(t, db, "string or blob too big: SQLITE_TOOBIG", "SELECT ?", strings.Repeat("x", d1.MaxValueSize+1))
	cols := make([]string, 101)
	for i := range cols {
		cols[i] = fmt.Sprintf("c%d", i)
	}
	fails(t, db, "too many columns on t: SQLITE_ERROR", "CREATE TABLE t ("+strings.Join(cols, ",")+")")
}

func testMultiStatement(t *testing.T, s Store) {
	db := s.Open(t)
	r := one(t, db, "CREATE TABLE ms (x); INSERT INTO ms VALUES (1); INSERT INTO ms VALUES (41); SELECT sum(x) + ? AS s FROM ms", int64(0))
	if !reflect.DeepEqual(r.Rows, [][]any{{int64(42)}}) || !reflect.DeepEqual(r.Columns, []string{"s"}) {
		t.Errorf("multi = %+v", r)
	}
	fails(t, db, "only the last statement can have parameters", "INSERT INTO ms VALUES (?); SELECT 1", int64(1))
	one(t, db, `CREATE TRIGGER ms_t AFTER INSERT ON ms BEGIN UPDATE ms SET x = x * 10 WHERE rowid = new.rowid; END`)
	one(t, db, "INSERT INTO ms VALUES (5)")
	if r := one(t, db, "SELECT max(x) FROM ms"); r.Rows[0][0] != int64(50) {
		t.Errorf("trigger: %v", r.Rows)
	}
	rs, err := db.Exec(ctx, "SELECT 1; -- c\nSELECT 2;\n\nSELECT 3")
	if err != nil || len(rs) != 3 || rs[2].Rows[0][0] != int64(3) {
		t.Errorf("Exec = %+v %v", rs, err)
	}
}

func testBookmark(t *testing.T, s Store) {
	db := s.Open(t)
	b0, err := db.Bookmark(ctx)
	if err != nil {
		t.Fatal(err)
	}
	one(t, db, "SELECT 1")
	b1, _ := db.Bookmark(ctx)
	one(t, db, "CREATE TABLE bm (x)")
	b2, _ := db.Bookmark(ctx)
	one(t, db, "INSERT INTO bm VALUES (1)")
	b3, _ := db.Bookmark(ctx)
	if b0 != b1 || !(b1 < b2 && b2 < b3) {
		t.Errorf("bookmarks %q %q %q %q: reads keep it, writes advance it", b0, b1, b2, b3)
	}
}

func testDump(t *testing.T, s Store) {
	db := s.Open(t)
	one(t, db, `CREATE TABLE "Quoted" (id INTEGER PRIMARY KEY AUTOINCREMENT, s TEXT, b BLOB, f REAL)`)
	one(t, db, `INSERT INTO "Quoted" (s, b, f) VALUES ('it''s
two lines', x'00ff', 0.5), (NULL, NULL, 3.0)`)
	one(t, db, "CREATE INDEX q_s ON Quoted(s)")
	var buf bytes.Buffer
	if err := db.Dump(ctx, &buf, d1.DumpOptions{}); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	for _, want := range []string{
		"PRAGMA defer_foreign_keys=TRUE;\n",
		`CREATE TABLE IF NOT EXISTS "Quoted" (id INTEGER PRIMARY KEY AUTOINCREMENT, s TEXT, b BLOB, f REAL);`,
		`INSERT INTO "Quoted" ("id","s","b","f") VALUES(1,replace('it''s\ntwo lines','\n',char(10)),X'00ff',0.5);`,
		`INSERT INTO "Quoted" ("id","s","b","f") VALUES(2,NULL,NULL,3.0);`,
		"DELETE FROM sqlite_sequence;\nINSERT INTO \"sqlite_sequence\" (\"name\",\"seq\") VALUES('Quoted',2);",
		"CREATE INDEX q_s ON Quoted(s);",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("dump lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "_cf_") {
		t.Errorf("dump shows D1's own tables:\n%s", out)
	}
	db2 := s.Open(t)
	if _, err := db2.Exec(ctx, out); err != nil {
		t.Fatalf("reading the dump back: %v", err)
	}
	if r := one(t, db2, "SELECT s FROM Quoted WHERE id = 1"); r.Rows[0][0] != "it's\ntwo lines" {
		t.Errorf("round trip: %v", r.Rows)
	}
}

func testDurable(t *testing.T, s Store) {
	db := s.Open(t)
	one(t, db, "CREATE TABLE d (x)")
	one(t, db, "INSERT INTO d VALUES ('kept')")
	b, _ := db.Bookmark(ctx)
	db = s.Reopen(t)
	if r := one(t, db, "SELECT x FROM d"); !reflect.DeepEqual(r.Rows, [][]any{{"kept"}}) {
		t.Errorf("after reopening: %v", r.Rows)
	}
	if b2, _ := db.Bookmark(ctx); b2 != b {
		t.Errorf("bookmark after reopening %q, want %q", b2, b)
	}
}

func testMigrations(t *testing.T, s Store) {
	db := s.Open(t)
	dir := t.TempDir()
	m := d1.Migrations{Dir: dir}
	if names, err := m.Pending(ctx, db); err != nil || len(names) != 0 {
		t.Fatalf("no migrations: %v %v", names, err)
	}
	p1, err := m.Create("create users", time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC))
	if err != nil || filepath.Base(p1) != "0001_create_users.sql" {
		t.Fatalf("create = %s %v", p1, err)
	}
	os.WriteFile(p1, []byte("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);\n"), 0o644)
	p2, _ := m.Create("bad", time.Now())
	os.WriteFile(p2, []byte("INSERT INTO users (name) VALUES ('a');\nINSERT INTO nowhere VALUES (1);\n"), 0o644)
	if pending, err := m.Pending(ctx, db); err != nil || !reflect.DeepEqual(pending, []string{"0001_create_users.sql", "0002_bad.sql"}) {
		t.Fatalf("pending = %v %v", pending, err)
	}
	if err := m.Apply(ctx, db, "0001_create_users.sql"); err != nil {
		t.Fatal(err)
	}
	if err := m.Apply(ctx, db, "0002_bad.sql"); err == nil || !strings.Contains(err.Error(), "no such table: nowhere") {
		t.Fatalf("bad migration: %v", err)
	}
	if r := one(t, db, "SELECT count(*) FROM users"); r.Rows[0][0] != int64(0) {
		t.Errorf("a failed migration left rows: %v", r.Rows)
	}
	st, err := m.Status(ctx, db)
	if err != nil || len(st) != 2 || st[0].AppliedAt == "" || st[1].AppliedAt != "" {
		t.Errorf("status = %+v %v", st, err)
	}
	r := one(t, db, "SELECT name FROM d1_migrations")
	if !reflect.DeepEqual(r.Rows, [][]any{{"0001_create_users.sql"}}) {
		t.Errorf("d1_migrations = %v", r.Rows)
	}
	// drizzle's layout, through migrations_pattern
	os.MkdirAll(filepath.Join(dir, "0003_snapshot"), 0o755)
	os.WriteFile(filepath.Join(dir, "0003_snapshot", "migration.sql"), []byte("SELECT 1;"), 0o644)
	names, _ := (d1.Migrations{Dir: dir, Pattern: "*/migration.sql"}).Names()
	if !reflect.DeepEqual(names, []string{"0003_snapshot/migration.sql"}) {
		t.Errorf("pattern names = %v", names)
	}
}

// testConcurrent sends batches at once, half of them failing: each one is
// atomic on its own, whatever it is committed with.
func testConcurrent(t *testing.T, s Store) {
	db := s.Open(t)
	one(t, db, "CREATE TABLE c (v INTEGER UNIQUE)")
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stmts := []d1.Statement{{SQL: "INSERT INTO c VALUES (?)", Params: []any{int64(i)}}}
			if i%2 == 1 {
				stmts = append(stmts, d1.Statement{SQL: "INSERT INTO c VALUES (?)", Params: []any{int64(i)}})
			}
			rs, err := db.Batch(ctx, stmts)
			if err == nil && rs[0].Meta.Changes != 1 {
				err = fmt.Errorf("changes = %d", rs[0].Meta.Changes)
			}
			errs[i] = err
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if (i%2 == 0) != (err == nil) {
			t.Errorf("batch %d: %v", i, err)
		}
	}
	r := one(t, db, "SELECT count(*), sum(v % 2) FROM c")
	if !reflect.DeepEqual(r.Rows[0], []any{int64(20), int64(0)}) {
		t.Errorf("rows = %v: only the 20 even batches may have landed", r.Rows[0])
	}
}
