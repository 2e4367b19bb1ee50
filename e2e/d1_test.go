package e2e

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// d1Post sends a JSON request to the d1-basic worker and decodes its answer.
func d1Post(t *testing.T, p *outposttest.Proc, path string, body any) (int, map[string]any, string) {
	t.Helper()
	var in string
	if s, ok := body.(string); ok {
		in = s
	} else {
		b, _ := json.Marshal(body)
		in = string(b)
	}
	resp, out := p.Do("POST", path, strings.NewReader(in), nil)
	var m map[string]any
	json.Unmarshal([]byte(out), &m)
	return resp.StatusCode, m, out
}

func TestD1ThroughWorker(t *testing.T) {
	dir := outposttest.CopyDir(t, project("d1-basic"))

	// outpost dev says which migrations are not applied yet.
	p := outposttest.Dev(t, dir)
	if !p.WaitOutput("D1 database notes-db (binding DB) has 2 unapplied migration(s): 0001_notes.sql, 0002_tags.sql", 10*time.Second) {
		t.Errorf("no warning about unapplied migrations:\n%s", p.Output())
	}
	// The CLI applies them while dev runs; the worker sees the tables.
	out, code := outposttest.Run(t, dir, "d1", "migrations", "apply", "notes-db")
	if code != 0 || !strings.Contains(out, "0001_notes.sql  ✅") || !strings.Contains(out, "0002_tags.sql   ✅") {
		t.Fatalf("migrations apply = %d\n%s", code, out)
	}
	if out, _ := outposttest.Run(t, dir, "d1", "migrations", "list", "DB"); !strings.Contains(out, "No migrations to apply") {
		t.Errorf("migrations list after apply:\n%s", out)
	}

	_, _, body := d1Post(t, p, "/sql", map[string]any{"sql": "SELECT id, body, created_at FROM notes"})
	if body != `{"success":true,"meta":{"served_by":"outpost.db","changes":0,"last_row_id":0,"changed_db":false,"size_after":32768,"rows_read":1,"rows_written":0},"results":[{"id":1,"body":"seeded by a migration","created_at":"2025-01-01 00:00:00"}]}` {
		t.Errorf("all() = %s", body)
	}
	// run(): meta of a write, with results as wrangler dev returns them.
	_, _, body = d1Post(t, p, "/sql", map[string]any{"sql": "INSERT INTO notes (body) VALUES (?), (?)", "params": []any{"two", "three"}, "method": "run"})
	if !strings.Contains(body, `"changes":2,"last_row_id":3,"changed_db":true`) || !strings.Contains(body, `"rows_written":2`) || !strings.HasSuffix(body, `"results":[]}`) {
		t.Errorf("run() = %s", body)
	}
	_, m, _ := d1Post(t, p, "/sql", map[string]any{"sql": "SELECT body FROM notes WHERE id = ?", "params": []any{2}, "method": "first", "col": "body"})
	if m["value"] != "two" {
		t.Errorf("first(col) = %v", m)
	}
	_, _, body = d1Post(t, p, "/sql", map[string]any{"sql": "SELECT id, body FROM notes WHERE id > 1", "method": "first"})
	if body != `{"value":{"id":2,"body":"two"}}` {
		t.Errorf("first() = %s", body)
	}
	_, _, body = d1Post(t, p, "/sql", map[string]any{"sql": "SELECT 1 WHERE 0", "method": "first"})
	if body != `{"value":null}` {
		t.Errorf("first() of no rows = %s", body)
	}
	code, m, _ = d1Post(t, p, "/sql", map[string]any{"sql": "SELECT 1 AS a", "method": "first", "col": "b"})
	if code != 500 || m["error"] != "D1_COLUMN_NOTFOUND: Column not found (b)" || m["cause"] != "Column not found" {
		t.Errorf("first(missing column) = %d %v", code, m)
	}
	_, _, body = d1Post(t, p, "/sql", map[string]any{"sql": "SELECT id, body FROM notes ORDER BY id", "method": "raw", "columnNames": true})
	if body != `[["id","body"],[1,"seeded by a migration"],[2,"two"],[3,"three"]]` {
		t.Errorf("raw({columnNames}) = %s", body)
	}
	_, _, body = d1Post(t, p, "/sql", map[string]any{"sql": "SELECT id FROM notes ORDER BY id", "method": "raw"})
	if body != `[[1],[2],[3]]` {
		t.Errorf("raw() = %s", body)
	}

	// batch(): results per statement; a failing statement rolls back all.
	_, _, body = d1Post(t, p, "/batch", map[string]any{"statements": []any{
		map[string]any{"sql": "INSERT INTO tags VALUES (?, ?)", "params": []any{1, "a"}},
		map[string]any{"sql": "SELECT count(*) AS n FROM tags"},
	}})
	if !strings.Contains(body, `"results":[{"n":1}]`) || !strings.HasPrefix(body, `[{"success":true,"meta":{"served_by":"outpost.db","changes":1`) {
		t.Errorf("batch = %s", body)
	}
	code, m, _ = d1Post(t, p, "/batch", map[string]any{"statements": []any{
		map[string]any{"sql": "INSERT INTO tags VALUES (?, ?)", "params": []any{1, "b"}},
		map[string]any{"sql": "INSERT INTO notes (body) VALUES (?)", "params": []any{"two"}},
	}})
	if code != 500 || m["error"] != "D1_ERROR: UNIQUE constraint failed: notes.body: SQLITE_CONSTRAINT" || m["cause"] != "UNIQUE constraint failed: notes.body: SQLITE_CONSTRAINT" {
		t.Errorf("failing batch = %d %v", code, m)
	}
	_, m, _ = d1Post(t, p, "/sql", map[string]any{"sql": "SELECT count(*) AS n FROM tags", "method": "first", "col": "n"})
	if m["value"] != 1.0 {
		t.Errorf("the failed batch was not rolled back: %v tags", m["value"])
	}
	code, m, _ = d1Post(t, p, "/sql", map[string]any{"sql": "INSERT INTO tags VALUES (99, 'x')", "method": "run"})
	if code != 500 || m["error"] != "D1_ERROR: FOREIGN KEY constraint failed: SQLITE_CONSTRAINT" {
		t.Errorf("foreign key = %d %v", code, m)
	}

	// exec(): lines, in one transaction; errors as wrangler dev words them.
	_, _, body = d1Post(t, p, "/exec", "CREATE TABLE ex (x);\nINSERT INTO ex VALUES (1);\n\nINSERT INTO ex VALUES (2);")
	if body != `{"count":3,"durationIsNumber":true}` {
		t.Errorf("exec = %s", body)
	}
	code, m, _ = d1Post(t, p, "/exec", "INSERT INTO ex VALUES (3);\nINSERT INTO nowhere VALUES (1);")
	if code != 500 || m["error"] != "D1_EXEC_ERROR: Error in line 1: INSERT INTO ex VALUES (3);: no such table: nowhere: SQLITE_ERROR" {
		t.Errorf("failing exec = %d %v", code, m)
	}
	_, m, _ = d1Post(t, p, "/sql", map[string]any{"sql": "SELECT count(*) AS n FROM ex", "method": "first", "col": "n"})
	if m["value"] != 2.0 {
		t.Errorf("exec is not atomic: %v rows", m["value"])
	}

	// SQL D1 refuses, and errors with their cause.
	for sql, want := range map[string]string{
		"BEGIN TRANSACTION":            "D1_ERROR: To execute a transaction, please use the state.storage.transaction() or state.storage.transactionSync() APIs",
		"SAVEPOINT a":                  "D1_ERROR: To execute a transaction",
		"PRAGMA journal_mode = DELETE": "D1_ERROR: not authorized: SQLITE_AUTH",
		"SELECT * FROM _cf_KV":         "D1_ERROR: access to _cf_KV.key is prohibited: SQLITE_AUTH",
		"SELEC 1":                      `D1_ERROR: near "SELEC": syntax error: SQLITE_ERROR`,
		"SELECT * FROM missing":        "D1_ERROR: no such table: missing: SQLITE_ERROR",
		"":                             "D1_ERROR: No SQL statements detected.",
	} {
		code, m, _ := d1Post(t, p, "/sql", map[string]any{"sql": sql})
		if e, _ := m["error"].(string); code != 500 || !strings.HasPrefix(e, want) || m["cause"] != strings.TrimPrefix(e, "D1_ERROR: ") {
			t.Errorf("%q = %d %v, want %q", sql, code, m, want)
		}
	}
	// Functions D1 ships: JSON, math, FTS5.
	_, _, body = d1Post(t, p, "/sql", map[string]any{"sql": `SELECT json_extract(?, '$.a') AS j, sqrt(81) AS s, '{"k":[5]}' ->> '$.k[0]' AS arrow`, "params": []any{`{"a":"x"}`}, "method": "raw"})
	if body != `[["x",9,5]]` {
		t.Errorf("functions = %s", body)
	}
	d1Post(t, p, "/exec", "CREATE VIRTUAL TABLE search USING fts5(body);\nINSERT INTO search VALUES ('outpost runs workers'), ('d1 is sqlite');")
	_, _, body = d1Post(t, p, "/sql", map[string]any{"sql": "SELECT body FROM search WHERE search MATCH ?", "params": []any{"sqlite"}, "method": "raw"})
	if body != `[["d1 is sqlite"]]` {
		t.Errorf("fts5 = %s", body)
	}

	// Types both ways.
	_, body = p.Get("/types")
	want := `{"rows":[{"v":null,"t":"null"},{"v":42,"t":"integer"},{"v":1.5,"t":"real"},{"v":-0.25,"t":"real"},{"v":9007199254740992,"t":"integer"},` +
		`{"v":"text ✓","t":"text"},{"v":"","t":"text"},{"v":1,"t":"integer"},{"v":0,"t":"integer"},` +
		`{"v":[1,2,255],"t":"blob"},{"v":[7,8],"t":"blob"},{"v":[2],"t":"blob"},{"v":[9,10],"t":"blob"}],` +
		`"big":9223372036854776000,"bigIsNumber":true,"inf":true,"refused":[` +
		`"D1_TYPE_ERROR: Type 'undefined' not supported for value 'undefined'","D1_TYPE_ERROR: Type 'bigint' not supported for value '10'",` +
		`"D1_TYPE_ERROR: Type 'object' not supported for value '[object Object]'","Cannot convert a symbol to a s",` +
		`"D1_TYPE_ERROR: Type 'object' not supported for value '1,300'"]}`
	if body != want {
		t.Errorf("types:\n got %s\nwant %s", body, want)
	}

	// Sessions: bookmarks advance with writes and resume a session.
	_, m, body = d1Post(t, p, "/session", "")
	if m["before"] != nil || m["afterIsString"] != true || m["count"] != 1.0 || m["resumed"] != true || m["seen"] != 1.0 || m["tag"] != "[object D1DatabaseSession]" {
		t.Errorf("session = %s", body)
	}
	if _, m, body = d1Post(t, p, "/session?constraint=first-primary", ""); m["before"] != nil || m["count"] != 2.0 {
		t.Errorf("first-primary session = %s", body)
	}
	code, m, _ = d1Post(t, p, "/dump", "")
	if code != 500 || m["error"] != "D1_DUMP_ERROR: Status + 404" {
		t.Errorf("dump() = %d %v", code, m)
	}
	if _, body := p.Get("/shape"); body != `{"tag":"[object D1Database]","methods":["function","function","function","function","function"],"stmt":"[object D1PreparedStatement]"}` {
		t.Errorf("shape = %s", body)
	}

	// The CLI sees the worker's writes; the file opens with sqlite3.
	out, code = outposttest.Run(t, dir, "d1", "execute", "DB", "--command", "SELECT body FROM notes ORDER BY id", "--json")
	if code != 0 || !strings.Contains(out, `{"results": [{"body":"seeded by a migration"},{"body":"two"},{"body":"three"}], "success": true`) {
		t.Errorf("execute --json = %d\n%s", code, out)
	}
	file := filepath.Join(dir, ".outpost", "state", "d1", "notes-db.sqlite")
	if sqlite3, err := exec.LookPath("sqlite3"); err == nil {
		got, err := exec.Command(sqlite3, file, "SELECT count(*) FROM notes; PRAGMA journal_mode;").CombinedOutput()
		if err != nil || string(got) != "3\nwal\n" {
			t.Errorf("sqlite3 = %q %v", got, err)
		}
	}

	// Restart: the data is still there.
	p.Stop()
	p = outposttest.Dev(t, dir)
	if strings.Contains(p.Output(), "unapplied migration") {
		t.Errorf("applied migrations reported as unapplied:\n%s", p.Output())
	}
	if _, m, _ := d1Post(t, p, "/sql", map[string]any{"sql": "SELECT count(*) AS n FROM notes", "method": "first", "col": "n"}); m["value"] != 3.0 {
		t.Errorf("after a restart: %v notes", m["value"])
	}
}

func TestD1CLIExportAndImport(t *testing.T) {
	dir := outposttest.CopyDir(t, project("d1-basic"))
	if out, code := outposttest.Run(t, dir, "d1", "migrations", "apply", "DB"); code != 0 {
		t.Fatalf("apply: %s", out)
	}
	outposttest.Run(t, dir, "d1", "execute", "DB", "--command", "INSERT INTO notes (body) VALUES ('it''s'||char(10)||'multi-line')")
	dump := filepath.Join(dir, "dump.sql")
	if out, code := outposttest.Run(t, dir, "d1", "export", "DB", "--output", dump); code != 0 {
		t.Fatalf("export: %s", out)
	}
	// A file in sqlite3 .dump's shape (one transaction around it) loads
	// into another database, as wrangler d1 execute --file accepts it.
	data, _ := os.ReadFile(dump)
	wrapped := "PRAGMA foreign_keys=OFF;\nBEGIN TRANSACTION;\n" + string(data) + "COMMIT;\n"
	os.WriteFile(dump, []byte(wrapped), 0o644)
	os.WriteFile(filepath.Join(dir, "wrangler.toml"), []byte(`name = "d1-basic"
main = "src/index.js"
compatibility_date = "2025-01-01"

[[d1_databases]]
binding = "DB"
database_name = "notes-db"

[[d1_databases]]
binding = "COPY"
database_name = "copy-db"
`), 0o644)
	if out, code := outposttest.Run(t, dir, "d1", "execute", "copy-db", "--file", dump); code != 0 || !strings.Contains(out, "commands executed successfully") {
		t.Fatalf("execute --file = %d\n%s", code, out)
	}
	out, _ := outposttest.Run(t, dir, "d1", "execute", "COPY", "--command", "SELECT body FROM notes ORDER BY id", "--json")
	if !strings.Contains(out, `[{"body":"seeded by a migration"},{"body":"it's\nmulti-line"}]`) {
		t.Errorf("copied database:\n%s", out)
	}
	if out, _ := outposttest.Run(t, dir, "d1", "migrations", "list", "COPY"); !strings.Contains(out, "No migrations to apply") {
		t.Errorf("the copy's d1_migrations:\n%s", out)
	}
	out, code := outposttest.Run(t, dir, "d1", "execute", "DB", "--command", "BEGIN TRANSACTION")
	if code != 1 || !strings.Contains(out, "To execute a transaction") {
		t.Errorf("execute BEGIN = %d %s", code, out)
	}
	if out, code := outposttest.Run(t, dir, "d1", "migrations", "create", "DB", "add users"); code != 0 || !strings.Contains(out, "0003_add_users.sql") {
		t.Errorf("migrations create = %d %s", code, out)
	}
	if out, _ := outposttest.Run(t, dir, "d1", "list"); !strings.Contains(out, "copy-db") || !strings.Contains(out, "notes-db") {
		t.Errorf("list:\n%s", out)
	}
}

// TestD1Template runs a project shaped like Cloudflare's D1 template, with
// its migration applied by the CLI.
func TestD1Template(t *testing.T) {
	dir := outposttest.CopyDir(t, project("d1-template"))
	if out, code := outposttest.Run(t, dir, "d1", "migrations", "apply", "d1-template-d1", "--local"); code != 0 {
		t.Fatalf("migrations apply: %s", out)
	}
	p := outposttest.Dev(t, dir)
	resp, body := p.Get("/")
	want := `[
  {
    "id": 1,
    "author": "Ada",
    "content": "First!"
  },`
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/html" || !strings.Contains(body, want) || !strings.Contains(body, `"author": "Linus"`) {
		t.Errorf("GET / = %d %s", resp.StatusCode, body)
	}
}

// TestD1Drizzle runs Drizzle ORM's D1 driver (drizzle-orm from npm)
// unchanged, on migrations in drizzle-kit's format applied by the CLI.
func TestD1Drizzle(t *testing.T) {
	dir := outposttest.CopyDir(t, project("d1-drizzle"))
	if out, code := outposttest.Run(t, dir, "d1", "migrations", "apply", "DB"); code != 0 || !strings.Contains(out, "0000_init.sql") {
		t.Fatalf("migrations apply = %d: %s", code, out)
	}
	p := outposttest.Dev(t, dir)
	post := func(path, body string) (int, string) {
		resp, out := p.Do("POST", path, strings.NewReader(body), nil)
		return resp.StatusCode, out
	}
	if code, body := post("/users", `{"name":"Ada","email":"ada@example.com"}`); code != 201 || !strings.HasPrefix(body, `{"id":1,"name":"Ada","email":"ada@example.com","createdAt":"20`) {
		t.Fatalf("insert returning = %d %s", code, body)
	}
	post("/users", `{"name":"Grace","email":"grace@example.com"}`)
	if code, body := post("/users", `{"name":"Again","email":"ada@example.com"}`); code != 500 || !strings.Contains(body, "UNIQUE constraint failed: users.email: SQLITE_CONSTRAINT") {
		t.Errorf("duplicate email = %d %s", code, body)
	}
	for _, b := range []string{`{"authorId":1,"title":"Notes","tags":["a","b"]}`, `{"authorId":1,"title":"More","tags":[]}`, `{"authorId":2,"title":"Compilers","tags":["c"]}`} {
		if code, body := post("/posts", b); code != 201 {
			t.Fatalf("post = %d %s", code, body)
		}
	}
	if code, body := post("/posts", `{"authorId":99,"title":"Orphan","tags":[]}`); code != 500 || !strings.Contains(body, "FOREIGN KEY constraint failed") {
		t.Errorf("orphan post = %d %s", code, body)
	}
	if _, body := p.Get("/users/1"); !strings.Contains(body, `"name":"Ada"`) || !strings.Contains(body, `"posts":[{"title":"Notes","meta":{"tags":["a","b"]}},{"title":"More","meta":{"tags":[]}}]`) {
		t.Errorf("relational query = %s", body)
	}
	if _, body := p.Get("/stats"); body != `{"rows":[{"author":"Ada","posts":2},{"author":"Grace","posts":1}],"total":3}` {
		t.Errorf("join + group by = %s", body)
	}
	if _, body := p.Get("/batch"); !strings.Contains(body, `"rolledBack":true`) || !strings.Contains(body, "UNIQUE constraint failed") {
		t.Errorf("batch = %s", body)
	}
	if _, body := p.Get("/first-created"); body != `{"isDate":true,"year":true}` {
		t.Errorf("timestamp mode = %s", body)
	}
	resp, body := p.Do("PATCH", "/users/2", strings.NewReader(`{"name":"Grace H."}`), nil)
	if resp.StatusCode != 200 || body != `[{"name":"Grace H."}]` {
		t.Errorf("update = %d %s", resp.StatusCode, body)
	}
	// changes counts the cascaded deletes of the user's two posts, as
	// wrangler dev's local D1 does (it counts total_changes()).
	resp, body = p.Do("DELETE", "/users/1", nil, nil)
	if body != `{"changes":3}` {
		t.Errorf("delete = %d %s", resp.StatusCode, body)
	}
	if _, body := p.Get("/stats"); body != `{"rows":[{"author":"Grace H.","posts":1}],"total":1}` {
		t.Errorf("after a cascading delete = %s", body)
	}
}

// TestD1Serve: under outpost serve a D1 binding reaches the node's
// database in its state_dir, where the CLI applied the migrations.
func TestD1Serve(t *testing.T) {
	proj := outposttest.CopyDir(t, project("d1-template"))
	dir := t.TempDir()
	state := filepath.Join(dir, "state")
	if out, code := outposttest.Run(t, proj, "d1", "migrations", "apply", "DB", "--persist-to", state); code != 0 {
		t.Fatalf("migrations apply: %s", out)
	}
	n := startServe(t, dir, `
state_dir = "state"
[[workers]]
name = "comments"
dir = "`+proj+`"
routes = ["comments.test/*"]
`)
	code, body := n.hostGet("comments.test", "/")
	if code != 200 || !strings.Contains(body, `"author": "Grace"`) {
		t.Errorf("GET / = %d %s", code, body)
	}
	if _, err := os.Stat(filepath.Join(state, "d1", "d1-template-d1.sqlite")); err != nil {
		t.Error(err)
	}
}

func TestD1ServiceWorkerGlobal(t *testing.T) {
	p := outposttest.Dev(t, outposttest.CopyDir(t, project("d1-sw")))
	for _, want := range []string{"hits: 1", "hits: 2"} {
		if _, body := p.Get("/"); body != want {
			t.Errorf("GET / = %q, want %q", body, want)
		}
	}
}
