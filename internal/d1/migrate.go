package d1

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Migrations are a database's migration files as wrangler keeps them: the
// files under Dir matching Pattern (a glob relative to Dir, "**" for any
// depth), applied in name order and recorded in Table.
type Migrations struct {
	Dir     string
	Pattern string // default *.sql
	Table   string // default d1_migrations
}

func (m Migrations) table() string {
	if m.Table == "" {
		return "d1_migrations"
	}
	return m.Table
}

// Names lists the migration files, relative to Dir with forward slashes,
// sorted. A missing directory has none.
func (m Migrations) Names() ([]string, error) {
	pattern := m.Pattern
	if pattern == "" {
		pattern = "*.sql"
	}
	var names []string
	err := filepath.WalkDir(m.Dir, func(p string, e fs.DirEntry, err error) error {
		if err != nil {
			if p == m.Dir && errors.Is(err, fs.ErrNotExist) {
				return fs.SkipAll
			}
			return err
		}
		if e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			return nil
		}
		rel, _ := filepath.Rel(m.Dir, p)
		rel = filepath.ToSlash(rel)
		if globMatch(strings.Split(pattern, "/"), strings.Split(rel, "/")) {
			names = append(names, rel)
		}
		return nil
	})
	sort.Strings(names)
	return names, err
}

// globMatch matches path segments against pattern segments; "**" matches
// any number of segments.
func globMatch(pat, segs []string) bool {
	if len(pat) == 0 {
		return len(segs) == 0
	}
	if pat[0] == "**" {
		for i := 0; i <= len(segs); i++ {
			if globMatch(pat[1:], segs[i:]) {
				return true
			}
		}
		return false
	}
	if len(segs) == 0 {
		return false
	}
	if ok, _ := path.Match(pat[0], segs[0]); !ok || strings.HasPrefix(segs[0], ".") {
		return false
	}
	return globMatch(pat[1:], segs[1:])
}

// Migration is one migration and whether it was applied.
type Migration struct {
	Name      string
	AppliedAt string // "" while unapplied
}

// createTable makes the migrations table as wrangler does.
func (m Migrations) createTable() string {
	return "CREATE TABLE IF NOT EXISTS " + quoteTable(m.table()) + `(
		id         INTEGER PRIMARY KEY AUTOINCREMENT,
		name       TEXT UNIQUE,
		applied_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP NOT NULL
);`
}

func quoteTable(t string) string { return `"` + strings.ReplaceAll(t, `"`, `""`) + `"` }

// Status lists the migrations with when each was applied; it creates the
// migrations table, as wrangler does.
func (m Migrations) Status(ctx context.Context, db Database) ([]Migration, error) {
	names, err := m.Names()
	if err != nil {
		return nil, err
	}
	applied, err := m.applied(ctx, db, true)
	if err != nil {
		return nil, err
	}
	out := make([]Migration, len(names))
	for i, n := range names {
		out[i] = Migration{Name: n, AppliedAt: applied[n]}
	}
	return out, nil
}

// Pending names the unapplied migrations without changing the database.
func (m Migrations) Pending(ctx context.Context, db Database) ([]string, error) {
	names, err := m.Names()
	if err != nil || len(names) == 0 {
		return nil, err
	}
	applied, err := m.applied(ctx, db, false)
	if err != nil {
		return nil, err
	}
	var pending []string
	for _, n := range names {
		if _, ok := applied[n]; !ok {
			pending = append(pending, n)
		}
	}
	return pending, nil
}

func (m Migrations) applied(ctx context.Context, db Database, create bool) (map[string]string, error) {
	t := quoteTable(m.table())
	if create {
		if _, err := db.Batch(ctx, []Statement{{SQL: m.createTable()}}); err != nil {
			return nil, err
		}
	}
	rs, err := db.Batch(ctx, []Statement{{SQL: "SELECT name, applied_at FROM " + t + " ORDER BY id"}})
	if err != nil {
		var de *Error
		if !create && errors.As(err, &de) && strings.HasPrefix(de.Message, "no such table") {
			return map[string]string{}, nil
		}
		return nil, err
	}
	out := map[string]string{}
	for _, row := range rs[0].Rows {
		name, _ := row[0].(string)
		at, _ := row[1].(string)
		out[name] = at
	}
	return out, nil
}

// Apply runs one migration and records it, atomically: a migration that
// fails leaves the database as it was.
func (m Migrations) Apply(ctx context.Context, db Database, name string) error {
	body, err := os.ReadFile(filepath.Join(m.Dir, filepath.FromSlash(name)))
	if err != nil {
		return err
	}
	script := m.createTable() + "\n" + string(body) + "\nINSERT INTO " + quoteTable(m.table()) + " (name)\nvalues ('" + strings.ReplaceAll(name, "'", "''") + "');"
	_, err = db.Exec(ctx, script)
	return err
}

// Create writes the next migration file, NNNN_message.sql, and returns its
// path.
func (m Migrations) Create(message string, now time.Time) (string, error) {
	names, err := m.Names()
	if err != nil {
		return "", err
	}
	next := 1
	for _, n := range names {
		first := strings.SplitN(n, "/", 2)[0]
		if v, err := strconv.Atoi(strings.SplitN(first, "_", 2)[0]); err == nil && v >= next {
			next = v + 1
		}
	}
	slug := strings.Map(func(r rune) rune {
		if r == ' ' || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, message)
	name := fmt.Sprintf("%04d_%s.sql", next, slug)
	if err := os.MkdirAll(m.Dir, 0o755); err != nil {
		return "", err
	}
	p := filepath.Join(m.Dir, name)
	body := fmt.Sprintf("-- Migration number: %04d \t %s\n", next, now.UTC().Format("2006-01-02T15:04:05.000Z"))
	if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
		return "", err
	}
	return p, nil
}

// StripDumpTransaction removes the one BEGIN TRANSACTION; … COMMIT; pair
// a `sqlite3 .dump` file has, as wrangler d1 execute --file does: D1 runs
// a file in a transaction of its own and refuses SQL transactions.
func StripDumpTransaction(script string) string {
	lines := strings.Split(script, "\n")
	begin, commit := -1, -1
	for i, l := range lines {
		switch strings.ToUpper(strings.TrimSpace(l)) {
		case "BEGIN TRANSACTION;":
			if begin >= 0 {
				return script
			}
			begin = i
		case "COMMIT;":
			if commit >= 0 {
				return script
			}
			commit = i
		}
	}
	if begin < 0 || commit < begin {
		return script
	}
	lines[begin], lines[commit] = "", ""
	return strings.Join(lines, "\n")
}
