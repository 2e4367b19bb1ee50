package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func loadFiles(t *testing.T, env string, files map[string]string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	files["src/index.js"] = "export default {}"
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return Load(Options{Dir: dir, Env: env})
}

func TestD1TOMLAndEnv(t *testing.T) {
	toml := `name = "app"
main = "src/index.js"
compatibility_date = "2025-01-01"
[[d1_databases]]
binding = "DB"
database_name = "prod-db"
database_id = "xxxx-1"
preview_database_id = "pv"
migrations_dir = "db/migrations"
migrations_table = "my_migrations"
migrations_pattern = "db/migrations/*/migration.sql"

[env.staging]
[[env.staging.d1_databases]]
binding = "DB"
database_name = "staging-db"
`
	c, err := loadFiles(t, "", map[string]string{"wrangler.toml": toml})
	if err != nil {
		t.Fatal(err)
	}
	want := D1Database{Binding: "DB", DatabaseName: "prod-db", DatabaseID: "xxxx-1", PreviewDatabaseID: "pv",
		MigrationsDir: filepath.Join(c.Dir, "db/migrations"), MigrationsTable: "my_migrations", MigrationsPattern: "*/migration.sql"}
	if !reflect.DeepEqual(c.D1Databases, []D1Database{want}) {
		t.Errorf("D1 = %+v", c.D1Databases)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %v", c.Warnings)
	}
	c, err = loadFiles(t, "staging", map[string]string{"wrangler.toml": toml})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.D1Databases) != 1 || c.D1Databases[0].Name() != "staging-db" || c.D1Databases[0].MigrationsTable != "d1_migrations" ||
		c.D1Databases[0].MigrationsDir != filepath.Join(c.Dir, "migrations") {
		t.Errorf("staging D1 = %+v", c.D1Databases)
	}
}

func TestD1JSONC(t *testing.T) {
	c, err := loadFiles(t, "", map[string]string{"wrangler.jsonc": `{
		// comment
		"name": "app", "main": "src/index.js", "compatibility_date": "2025-01-01",
		"d1_databases": [{ "binding": "DB", "database_id": "abc" }],
	}`})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.D1Databases) != 1 || c.D1Databases[0].Name() != "DB" || c.D1Databases[0].DatabaseID != "abc" {
		t.Errorf("D1 = %+v", c.D1Databases)
	}
}

func TestD1Errors(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{`[[d1_databases]]
database_name = "x"`, `wrangler.toml: d1_databases[0]: missing required field "binding"`},
		{`[[d1_databases]]
binding = 3`, `wrangler.toml: d1_databases[0].binding: expected a string`},
		{`[[d1_databases]]
binding = "DB"
database_name = "../etc"`, `d1_databases[0].database_name: expected letters`},
		{`[[d1_databases]]
binding = "DB"
migrations_table = "x; drop"`, `d1_databases[0].migrations_table: expected a table name`},
		{`[[d1_databases]]
binding = "DB"
migrations_pattern = "m/*.sql"`, `d1_databases[0].migrations_pattern: expected migrations_dir to be set too`},
		{`[[d1_databases]]
binding = "DB"
migrations_dir = "m"
migrations_pattern = "other/*.sql"`, `d1_databases[0].migrations_pattern: expected a pattern starting with "m/"`},
		{`[[d1_databases]]
binding = "DB"
database_id = 7`, `d1_databases[0].database_id: expected a string`},
		{`[[d1_databases]]
binding = "A"
database_name = "same"
[[d1_databases]]
binding = "B"
database_name = "same"`, `d1_databases[1].database_name: expected a unique database, found "same"`},
		{`vars = { DB = "x" }
[[d1_databases]]
binding = "DB"`, `d1_databases[0].binding: expected a unique binding name`},
	} {
		_, err := loadFiles(t, "", map[string]string{"wrangler.toml": "name = \"a\"\nmain = \"src/index.js\"\ncompatibility_date = \"2025-01-01\"\n" + tc.body})
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s:\n got %v\nwant %s", tc.body, err, tc.want)
		}
	}
}
