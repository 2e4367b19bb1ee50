package dashboard

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/outpost-dev/outpost/internal/d1"
)

// d1Page shows D1 databases: their tables, a table's rows, and a SQL
// console.
type d1Page struct {
	d    *Dashboard
	view *View
}

func newD1Page(d *Dashboard) (Page, error) {
	p := &d1Page{d: d}
	v, err := d.NewView(p, files, "templates/d1.html")
	p.view = v
	return p, err
}

func (p *d1Page) Slug() string  { return "d1" }
func (p *d1Page) Title() string { return "D1" }

type d1Database struct {
	Name     string
	Bindings []string // worker.BINDING
}

type d1Table struct {
	Name, Type string
	Rows       int64
}

type d1View struct {
	Databases []d1Database
	DB        *d1Database
	Tables    []d1Table
	Table     string
	SQL       string
	Results   []d1.Result
	Ran       bool
}

func (p *d1Page) databases() []d1Database {
	byName := map[string]*d1Database{}
	for _, w := range p.d.Workers() {
		for _, b := range w.Bundle.D1Databases {
			db := byName[b.Database]
			if db == nil {
				db = &d1Database{Name: b.Database}
				byName[b.Database] = db
			}
			db.Bindings = append(db.Bindings, w.Name+"."+b.Binding)
		}
	}
	var out []d1Database
	for _, db := range byName {
		out = append(out, *db)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// quoteIdent quotes a table name for SQL.
func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

func (p *d1Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	v := d1View{Databases: p.databases()}
	name := r.URL.Query().Get("db")
	for i := range v.Databases {
		if v.Databases[i].Name == name {
			v.DB = &v.Databases[i]
		}
	}
	if v.DB == nil && name == "" && len(v.Databases) == 1 {
		v.DB = &v.Databases[0]
	}
	if name != "" && v.DB == nil {
		http.Error(w, fmt.Sprintf("no worker binds a D1 database named %q", name), http.StatusNotFound)
		return
	}
	if v.DB == nil {
		p.view.Render(w, r, v)
		return
	}
	// On a fleet, the database's queries run on its owner node.
	db, err := p.d.Node().D1Databases().Database(v.DB.Name)
	if err != nil {
		p.view.Render(w, withError(r, err), v)
		return
	}
	ctx := r.Context()
	switch {
	case r.Method == http.MethodPost:
		v.SQL = strings.TrimSpace(r.FormValue("sql"))
		if v.SQL == "" {
			break
		}
		v.Ran = true
		results, err := db.Exec(ctx, v.SQL)
		if err != nil {
			r = withError(r, err)
			break
		}
		v.Results = results
	case r.URL.Query().Get("table") != "":
		v.Table = r.URL.Query().Get("table")
		v.SQL = "SELECT * FROM " + quoteIdent(v.Table) + " LIMIT 100"
		results, err := db.Exec(ctx, v.SQL)
		if err != nil {
			r = withError(r, err)
			break
		}
		v.Results = results
	}
	// Tables after the console's statements, which may create some.
	res, err := db.Batch(ctx, []d1.Statement{{SQL: "SELECT name, type FROM sqlite_master WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '_cf_%' AND name NOT LIKE '_outpost_%' ORDER BY name"}})
	if err != nil {
		r = withError(r, err)
	} else {
		for _, row := range res[0].Rows {
			t := d1Table{Name: fmt.Sprint(row[0]), Type: fmt.Sprint(row[1])}
			if c, err := db.Batch(ctx, []d1.Statement{{SQL: "SELECT count(*) FROM " + quoteIdent(t.Name)}}); err == nil && len(c[0].Rows) == 1 {
				t.Rows, _ = c[0].Rows[0][0].(int64)
			}
			v.Tables = append(v.Tables, t)
		}
	}
	p.view.Render(w, r, v)
}

// d1Cell shows one value of a result.
func d1Cell(v any) string {
	switch t := v.(type) {
	case nil:
		return "NULL"
	case []byte:
		return fmt.Sprintf("BLOB (%d bytes)", len(t))
	}
	return fmt.Sprint(v)
}
