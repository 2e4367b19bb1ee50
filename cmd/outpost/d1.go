package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/project"
)

const d1Usage = `Usage: outpost d1 COMMAND [NAME] [flags]

Works on the D1 databases of the project in the current directory, in the
state 'outpost dev' keeps (.outpost/state/d1/NAME.sqlite, or --persist-to),
as wrangler d1 does with --local:

  outpost d1 list                                  the project's databases
  outpost d1 info NAME                             a database's file, size and tables
  outpost d1 execute NAME --command SQL | --file F run SQL (--json for JSON output)
  outpost d1 export NAME --output FILE             write the database as SQL
                                                   (--no-schema, --no-data, --table T)
  outpost d1 migrations create NAME MESSAGE        add a migration file
  outpost d1 migrations list NAME                  the migrations not yet applied
  outpost d1 migrations apply NAME                 apply them, each atomically

NAME is a [[d1_databases]] database_name or binding. The database file
opens with the sqlite3 tool too.

With --remote (or --url), the commands work on the databases of a running
'outpost serve' through its admin API (--url/$OUTPOST_URL, --token/$OUTPOST_ADMIN_TOKEN),
on a fleet wherever the database is owned; list shows the databases the
server's workers bind, and only those can be reached.

Flags:
`

func runD1(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(stderr, d1Usage)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	cmd := args[0]
	args = args[1:]
	if cmd == "migrations" {
		if len(args) == 0 {
			fmt.Fprint(stderr, d1Usage)
			return errUsage
		}
		cmd += " " + args[0]
		args = args[1:]
	}
	fs := newFlagSet("outpost d1 "+cmd, d1Usage, stderr)
	configPath := fs.String("config", "", "config file (default: wrangler.json, wrangler.jsonc or wrangler.toml)")
	env := fs.String("env", "", "environment from the config's [env.NAME]")
	persistTo := fs.String("persist-to", "", "state directory (default .outpost/state)")
	command := fs.String("command", "", "execute: the SQL to run")
	file := fs.String("file", "", "execute: a file of SQL to run")
	asJSON := fs.Bool("json", false, "execute, list, info: print JSON")
	output := fs.String("output", "", "export: the file to write")
	noSchema := fs.Bool("no-schema", false, "export: only the data")
	noData := fs.Bool("no-data", false, "export: only the schema")
	var tables multiFlag
	fs.Var(&tables, "table", "export: only this table (repeatable)")
	fs.Bool("local", true, "the project's database under .outpost/state (the default)")
	remote := fs.Bool("remote", false, "the database of a running outpost serve, through its admin API")
	var admin adminFlags
	admin.register(fs)
	fs.Bool("yes", false, "accepted for wrangler's sake: nothing asks for confirmation")
	fs.Bool("y", false, "same as --yes")
	fs.Bool("preview", false, "accepted for wrangler's sake")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if *remote || admin.url != "" {
		return runD1Remote(cmd, pos, &admin, d1RemoteFlags{configPath: *configPath, env: *env, command: *command, file: *file,
			asJSON: *asJSON, output: *output, dump: d1.DumpOptions{NoSchema: *noSchema, NoData: *noData, Tables: tables}}, stdout, stderr)
	}
	cfg, err := config.Load(config.Options{Dir: ".", ConfigPath: *configPath, Env: *env})
	if err != nil {
		return err
	}
	stateDir, err := project.StateDir(cfg.Dir, *persistTo)
	if err != nil {
		return err
	}
	store := d1.NewStore(filepath.Join(stateDir, "d1"))
	defer store.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()

	if cmd == "list" {
		return d1List(stdout, cfg, store, *asJSON)
	}
	if len(pos) == 0 {
		return fmt.Errorf("outpost d1 %s: name the database (a database_name or binding of [[d1_databases]])", cmd)
	}
	conf, err := findD1(cfg, pos[0])
	if err != nil {
		return err
	}
	name := conf.Name()
	migrations := d1.Migrations{Dir: conf.MigrationsDir, Pattern: conf.MigrationsPattern, Table: conf.MigrationsTable}
	if cmd == "migrations create" {
		if len(pos) < 2 {
			return errors.New("outpost d1 migrations create NAME MESSAGE: say what the migration does")
		}
		p, err := migrations.Create(strings.Join(pos[1:], " "), time.Now())
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "✅ Successfully created Migration '%s'!\n\nThe migration is available for editing here\n%s\n", filepath.Base(p), p)
		return nil
	}
	db, err := store.Open(name)
	if err != nil {
		return err
	}
	path, _ := store.Path(name)
	return d1Command(ctx, cmd, d1Target{conf: conf, db: db, where: "local database " + name, file: path, migrations: migrations},
		d1RemoteFlags{command: *command, file: *file, asJSON: *asJSON, output: *output,
			dump: d1.DumpOptions{NoSchema: *noSchema, NoData: *noData, Tables: tables}}, stdout, stderr)
}

// d1Target is the database a command works on: local or on a server.
type d1Target struct {
	conf       config.D1Database
	db         d1.Database
	where      string // "local database NAME", "remote database NAME"
	file       string // the database's file, or the server's URL
	migrations d1.Migrations
}

// d1RemoteFlags are the flags of the commands on one database.
type d1RemoteFlags struct {
	configPath, env, command, file, output string
	asJSON                                 bool
	dump                                   d1.DumpOptions
}

// d1Command runs info, execute, export and migrations list|apply.
func d1Command(ctx context.Context, cmd string, t d1Target, f d1RemoteFlags, stdout, stderr io.Writer) error {
	db, migrations := t.db, t.migrations
	switch cmd {
	case "info":
		return d1Info(ctx, stdout, t.conf, db, t.file, f.asJSON)
	case "execute":
		return d1Execute(ctx, stdout, stderr, t, f.command, f.file, f.asJSON)
	case "export":
		if f.output == "" {
			return errors.New("outpost d1 export: --output FILE is required")
		}
		var buf bytes.Buffer
		if err := db.Dump(ctx, &buf, f.dump); err != nil {
			return err
		}
		if err := os.WriteFile(f.output, buf.Bytes(), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "🌀 Exporting %s from %s\n🌀 Exported to %s\n", t.where, t.file, f.output)
		return nil
	case "migrations list", "migrations apply":
		pending, err := d1Unapplied(ctx, migrations, db)
		if err != nil {
			return err
		}
		if len(pending) == 0 {
			fmt.Fprintln(stdout, "✅ No migrations to apply!")
			return nil
		}
		fmt.Fprintln(stdout, "Migrations to be applied:")
		printMigrations(stdout, pending, nil)
		if cmd == "migrations list" {
			return nil
		}
		status := map[string]string{}
		for _, m := range pending {
			fmt.Fprintf(stdout, "🌀 Executing on %s from %s:\n", t.where, t.file)
			if err := migrations.Apply(ctx, db, m); err != nil {
				status[m] = "❌"
				printMigrations(stdout, pending, status)
				return fmt.Errorf("Migration %s failed with the following errors: %w", m, err)
			}
			status[m] = "✅"
		}
		printMigrations(stdout, pending, status)
		return nil
	}
	fmt.Fprint(stderr, d1Usage)
	return errUsage
}

func findD1(cfg *config.Config, name string) (config.D1Database, error) {
	for _, d := range cfg.D1Databases {
		if d.Name() == name || d.Binding == name {
			return d, nil
		}
	}
	return config.D1Database{}, fmt.Errorf("Couldn't find a D1 DB with the name or binding '%s' in your %s file.", name, filepath.Base(cfg.Path))
}

func d1Unapplied(ctx context.Context, m d1.Migrations, db d1.Database) ([]string, error) {
	st, err := m.Status(ctx, db)
	if err != nil {
		return nil, err
	}
	var pending []string
	for _, s := range st {
		if s.AppliedAt == "" {
			pending = append(pending, s.Name)
		}
	}
	if len(st) == 0 {
		if _, err := os.Stat(m.Dir); err != nil {
			return nil, fmt.Errorf("No migrations present at %s.", m.Dir)
		}
	}
	return pending, nil
}

func printMigrations(w io.Writer, names []string, status map[string]string) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	if status == nil {
		fmt.Fprintln(tw, "name")
	} else {
		fmt.Fprintln(tw, "name\tstatus")
	}
	for _, n := range names {
		if status == nil {
			fmt.Fprintln(tw, n)
		} else {
			fmt.Fprintf(tw, "%s\t%s\n", n, status[n])
		}
	}
	tw.Flush()
}

func d1List(w io.Writer, cfg *config.Config, store *d1.Store, asJSON bool) error {
	type entry struct {
		Name    string `json:"name"`
		Binding string `json:"binding"`
		UUID    string `json:"uuid"`
		File    string `json:"file"`
		Size    int64  `json:"file_size"`
	}
	var out []entry
	for _, d := range cfg.D1Databases {
		p, _ := store.Path(d.Name())
		e := entry{Name: d.Name(), Binding: d.Binding, UUID: d.DatabaseID, File: p}
		if st, err := os.Stat(p); err == nil {
			e.Size = st.Size()
		}
		out = append(out, e)
	}
	if asJSON {
		return writeJSON(w, out)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "name\tbinding\tuuid\tfile\tsize")
	for _, e := range out {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%d\n", e.Name, e.Binding, e.UUID, e.File, e.Size)
	}
	return tw.Flush()
}

func d1Info(ctx context.Context, w io.Writer, conf config.D1Database, db d1.Database, path string, asJSON bool) error {
	rs, err := db.Batch(ctx, []d1.Statement{{SQL: "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name NOT LIKE '\\_cf\\_%' ESCAPE '\\' AND name NOT LIKE '\\_outpost\\_%' ESCAPE '\\' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'"}})
	if err != nil {
		return err
	}
	bookmark, err := db.Bookmark(ctx)
	if err != nil {
		return err
	}
	info := map[string]any{
		"name": conf.Name(), "binding": conf.Binding, "uuid": conf.DatabaseID, "file": path,
		"database_size": rs[0].Meta.SizeAfter, "num_tables": rs[0].Rows[0][0], "bookmark": bookmark,
	}
	if asJSON {
		return writeJSON(w, info)
	}
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	for _, k := range []string{"name", "binding", "uuid", "file", "database_size", "num_tables", "bookmark"} {
		fmt.Fprintf(tw, "%s\t%v\n", k, info[k])
	}
	return tw.Flush()
}

func d1Execute(ctx context.Context, stdout, stderr io.Writer, t d1Target, command, file string, asJSON bool) error {
	conf, db := t.conf, t.db
	if (command == "") == (file == "") {
		return errors.New("outpost d1 execute: give either --command SQL or --file FILE")
	}
	script := command
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return err
		}
		script = d1.StripDumpTransaction(string(b))
	}
	if !asJSON {
		fmt.Fprintf(stdout, "🌀 Executing on %s (%s) from %s:\n", t.where, conf.DatabaseID, t.file)
	}
	results, err := db.Exec(ctx, script)
	if err != nil {
		if asJSON {
			writeJSON(stdout, map[string]any{"error": map[string]any{"text": err.Error()}})
		}
		return err
	}
	if asJSON {
		return writeResultsJSON(stdout, results)
	}
	var changes, read, written int64
	for _, r := range results {
		changes += r.Meta.Changes
		read += r.Meta.RowsRead
		written += r.Meta.RowsWritten
	}
	fmt.Fprintf(stdout, "🚣 %d commands executed successfully.\n", len(results))
	for _, r := range results {
		if len(r.Columns) == 0 || (file != "" && len(r.Rows) == 0) {
			continue
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, strings.Join(r.Columns, "\t"))
		for _, row := range r.Rows {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = cliValue(v)
			}
			fmt.Fprintln(tw, strings.Join(cells, "\t"))
		}
		tw.Flush()
	}
	return nil
}

func cliValue(v any) string {
	switch t := v.(type) {
	case nil:
		return "null"
	case []byte:
		parts := make([]string, len(t))
		for i, b := range t {
			parts[i] = strconv.Itoa(int(b))
		}
		return "[" + strings.Join(parts, ",") + "]"
	}
	return fmt.Sprint(v)
}

// writeResultsJSON prints results as wrangler d1 execute --json does:
// [{results: [{column: value}], success, meta}], columns in order.
func writeResultsJSON(w io.Writer, results []d1.Result) error {
	var b bytes.Buffer
	b.WriteString("[\n")
	for i, r := range results {
		if i > 0 {
			b.WriteString(",\n")
		}
		b.WriteString(`  {"results": [`)
		for j, row := range r.Rows {
			if j > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('{')
			for k, v := range row {
				if k > 0 {
					b.WriteByte(',')
				}
				name, _ := json.Marshal(r.Columns[k])
				b.Write(name)
				b.WriteByte(':')
				b.WriteString(jsonValue(v))
			}
			b.WriteByte('}')
		}
		meta, _ := json.Marshal(r.Meta)
		b.WriteString(`], "success": true, "meta": `)
		b.Write(meta)
		b.WriteByte('}')
	}
	b.WriteString("\n]\n")
	_, err := w.Write(b.Bytes())
	return err
}

func jsonValue(v any) string {
	switch t := v.(type) {
	case []byte:
		return cliValue(t)
	case float64:
		return strconv.FormatFloat(t, 'g', -1, 64)
	}
	out, _ := json.Marshal(v)
	return string(out)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(v)
}

// warnUnappliedD1 tells the user of `outpost dev` which D1 migrations are
// not applied yet, and how to apply them.
func warnUnappliedD1(ctx context.Context, logger *slog.Logger, store *d1.Store, cfg *config.Config) {
	for _, conf := range cfg.D1Databases {
		m := d1.Migrations{Dir: conf.MigrationsDir, Pattern: conf.MigrationsPattern, Table: conf.MigrationsTable}
		db, err := store.Open(conf.Name())
		if err != nil {
			logger.Warn(fmt.Sprintf("D1 database %s: %v", conf.Name(), err))
			continue
		}
		pending, err := m.Pending(ctx, db)
		if err != nil {
			logger.Warn(fmt.Sprintf("D1 database %s: reading its migrations: %v", conf.Name(), err))
			continue
		}
		if len(pending) > 0 {
			logger.Warn(fmt.Sprintf("D1 database %s (binding %s) has %d unapplied migration(s): %s. Apply them with: outpost d1 migrations apply %s",
				conf.Name(), conf.Binding, len(pending), strings.Join(pending, ", "), conf.Name()))
		}
	}
}
