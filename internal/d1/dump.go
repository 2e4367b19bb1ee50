package d1

import (
	"bufio"
	"context"
	"encoding/hex"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"
)

// DumpOptions select what Dump writes (wrangler d1 export's --no-schema,
// --no-data and --table).
type DumpOptions struct {
	NoSchema bool
	NoData   bool
	Tables   []string
}

// Dump writes the database as SQL in the shape wrangler d1 export gives
// (SQLite's .dump, without the transaction around it, D1's own tables
// left out), which `outpost d1 execute --file` and sqlite3 read back.
func (d *DB) Dump(ctx context.Context, w io.Writer, opts DumpOptions) error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return errClosed
	}
	d.pol.trusted = true
	defer func() { d.pol.trusted = false }()
	bw := bufio.NewWriter(w)
	fmt.Fprintln(bw, "PRAGMA defer_foreign_keys=TRUE;")
	only := map[string]bool{}
	for _, t := range opts.Tables {
		only[t] = true
	}
	tables, err := d.rows(`SELECT name, sql FROM sqlite_schema WHERE type = 'table' AND sql NOT NULL ORDER BY tbl_name = 'sqlite_sequence', rowid`)
	if err != nil {
		return err
	}
	for _, t := range tables {
		name, sql := t[0].(string), t[1].(string)
		if len(only) > 0 && !only[name] {
			continue
		}
		switch {
		case name == "sqlite_sequence":
			if !opts.NoSchema {
				fmt.Fprintln(bw, "DELETE FROM sqlite_sequence;")
			}
		case strings.HasPrefix(name, "sqlite_stat"):
			if !opts.NoSchema {
				fmt.Fprintln(bw, "ANALYZE sqlite_schema;")
			}
		case strings.HasPrefix(strings.ToUpper(sql), "CREATE VIRTUAL TABLE"):
			return &Error{Message: "D1 Export error: cannot export databases with Virtual Tables (fts5)"}
		case !allowedName(name) || strings.HasPrefix(name, "sqlite_"):
			continue
		default:
			if !opts.NoSchema {
				if strings.HasPrefix(sql, `CREATE TABLE "`) || strings.HasPrefix(sql, `CREATE TABLE '`) {
					sql = "CREATE TABLE IF NOT EXISTS " + sql[len("CREATE TABLE "):]
				}
				fmt.Fprintln(bw, sql+";")
			}
		}
		if opts.NoData {
			continue
		}
		cols, err := d.rows("SELECT name FROM pragma_table_info(?)", name)
		if err != nil {
			return err
		}
		quoted := make([]string, len(cols))
		for i, c := range cols {
			quoted[i] = quoteID(c[0].(string))
		}
		list := strings.Join(quoted, ",")
		data, err := d.rows("SELECT " + strings.Join(quoted, ", ") + " FROM " + quoteID(name))
		if err != nil {
			return err
		}
		for _, row := range data {
			cells := make([]string, len(row))
			for i, v := range row {
				cells[i] = sqlLiteral(v)
			}
			fmt.Fprintf(bw, "INSERT INTO %s (%s) VALUES(%s);\n", quoteID(name), list, strings.Join(cells, ","))
		}
	}
	if !opts.NoSchema {
		rest, err := d.rows(`SELECT name, sql FROM sqlite_schema WHERE sql NOT NULL AND type IN ('index', 'trigger', 'view') ORDER BY type COLLATE NOCASE`)
		if err != nil {
			return err
		}
		for _, r := range rest {
			if len(only) > 0 && !only[r[0].(string)] {
				continue
			}
			fmt.Fprintln(bw, r[1].(string)+";")
		}
	}
	if d.settle != nil {
		if err := d.settle(); err != nil {
			return err
		}
	}
	return bw.Flush()
}

// rows runs a trusted query and returns all its rows.
func (d *DB) rows(q string, args ...any) ([][]any, error) {
	st, _, err := d.conn.PrepareTransient(q)
	if err != nil {
		return nil, d.sqlError(err)
	}
	defer st.Finalize()
	for i, a := range args {
		bind(st, i+1, a)
	}
	var out [][]any
	for {
		row, err := st.Step()
		if err != nil {
			return nil, d.sqlError(err)
		}
		if !row {
			return out, nil
		}
		out = append(out, readRow(st))
	}
}

func quoteID(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// sqlLiteral writes a value as SQLite's .dump does.
func sqlLiteral(v any) string {
	switch t := v.(type) {
	case nil:
		return "NULL"
	case int64:
		return strconv.FormatInt(t, 10)
	case float64:
		if math.IsInf(t, 1) {
			return "1e999"
		} else if math.IsInf(t, -1) {
			return "-1e999"
		}
		s := strconv.FormatFloat(t, 'g', 17, 64)
		if !strings.ContainsAny(s, ".eE") {
			s += ".0"
		}
		return s
	case string:
		s := "'" + strings.ReplaceAll(t, "'", "''") + "'"
		if strings.ContainsAny(t, "\r\n") {
			s = strings.ReplaceAll(strings.ReplaceAll(s, "\n", `\n`), "\r", `\r`)
			if strings.Contains(t, "\r") {
				s = `replace(` + s + `,'\r',char(13))`
			}
			if strings.Contains(t, "\n") {
				s = `replace(` + s + `,'\n',char(10))`
			}
		}
		return s
	case []byte:
		return "X'" + hex.EncodeToString(t) + "'"
	}
	return "NULL"
}
