package config

import (
	"fmt"
	"path"
	"path/filepath"
	"strings"

	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// D1Database is one [[d1_databases]] entry.
type D1Database struct {
	Binding           string
	DatabaseName      string
	DatabaseID        string
	PreviewDatabaseID string
	// MigrationsDir is absolute (default <project>/migrations);
	// MigrationsTable defaults to d1_migrations; MigrationsPattern is a
	// glob relative to MigrationsDir (default *.sql), as in wrangler.
	MigrationsDir     string
	MigrationsTable   string
	MigrationsPattern string
}

// Name is what the database is stored and addressed under: its
// database_name, else its binding (wrangler accepts either on the command
// line).
func (d D1Database) Name() string {
	if d.DatabaseName != "" {
		return d.DatabaseName
	}
	return d.Binding
}

// d1Name keeps a database name usable as a file name
// (.outpost/state/d1/NAME.sqlite).
var d1Name = lazyregexp.New(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// sqlName is a plain SQL identifier, for migrations_table.
var sqlName = lazyregexp.New(`^[A-Za-z_][A-Za-z0-9_]{0,63}$`)

func readD1(r *reader, c *Config, v any, f string) {
	a, ok := r.array(v, f)
	if !ok {
		return
	}
	c.D1Databases = nil
	for i, e := range a {
		ef := fmt.Sprintf("%s[%d]", f, i)
		m, ok := r.table(e, ef)
		if !ok {
			continue
		}
		r.known(m, ef, "binding", "database_name", "database_id", "preview_database_id", "migrations_dir",
			"migrations_table", "migrations_pattern", "database_internal_env", "remote", "experimental_remote")
		b, ok := r.required(m, "binding", ef)
		if !ok || !r.bindingName(b, ef+".binding") {
			continue
		}
		d := D1Database{
			Binding:           b,
			DatabaseName:      r.optional(m, "database_name", ef),
			DatabaseID:        r.optional(m, "database_id", ef),
			PreviewDatabaseID: r.optional(m, "preview_database_id", ef),
			MigrationsDir:     r.optional(m, "migrations_dir", ef),
			MigrationsTable:   r.optional(m, "migrations_table", ef),
			MigrationsPattern: r.optional(m, "migrations_pattern", ef),
		}
		if d.DatabaseName != "" && !d1Name.MatchString(d.DatabaseName) {
			r.errorf(ef+".database_name", "expected letters, digits, '.', '-' and '_' (at most 64, not starting with a punctuation mark), found %q", d.DatabaseName)
			continue
		}
		if d.MigrationsTable == "" {
			d.MigrationsTable = "d1_migrations"
		} else if !sqlName.MatchString(d.MigrationsTable) {
			r.errorf(ef+".migrations_table", "expected a table name of letters, digits and _, found %q", d.MigrationsTable)
			continue
		}
		if d.MigrationsPattern != "" {
			if d.MigrationsDir == "" {
				r.errorf(ef+".migrations_pattern", "expected migrations_dir to be set too (migrations_pattern must start with ${migrations_dir}/), found only migrations_pattern %q", d.MigrationsPattern)
				continue
			}
			dir := path.Clean(strings.ReplaceAll(d.MigrationsDir, `\`, "/"))
			pat := path.Clean(strings.ReplaceAll(d.MigrationsPattern, `\`, "/"))
			rel, ok := strings.CutPrefix(pat, dir+"/")
			if dir == "." {
				rel, ok = pat, true
			}
			if !ok {
				r.errorf(ef+".migrations_pattern", "expected a pattern starting with %q (the migrations_dir), found %q", dir+"/", d.MigrationsPattern)
				continue
			}
			d.MigrationsPattern = rel
		} else {
			d.MigrationsPattern = "*.sql"
		}
		if d.MigrationsDir == "" {
			d.MigrationsDir = "migrations"
		}
		c.D1Databases = append(c.D1Databases, d)
	}
}

// finishD1 resolves migrations directories and refuses two bindings of
// one database name, which would share one file under two configurations.
func finishD1(r *reader, c *Config, raw map[string]any, env string) {
	seen := map[string]int{}
	for i := range c.D1Databases {
		d := &c.D1Databases[i]
		if !filepath.IsAbs(d.MigrationsDir) {
			d.MigrationsDir = filepath.Join(c.Dir, d.MigrationsDir)
		}
		if j, dup := seen[d.Name()]; dup {
			r.errorf(fmt.Sprintf("%s[%d].database_name", fieldPath(raw, env, "d1_databases"), i),
				"expected a unique database, found %q which is also bound by d1_databases[%d]", d.Name(), j)
		}
		seen[d.Name()] = i
	}
}
