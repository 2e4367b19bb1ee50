package dashboard

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/outpost-dev/outpost/internal/durable"
)

// objectsPage shows Durable Object instances with their storage.
type objectsPage struct {
	d    *Dashboard
	view *View
}

func newObjectsPage(d *Dashboard) (Page, error) {
	p := &objectsPage{d: d}
	v, err := d.NewView(p, files, "templates/objects.html")
	p.view = v
	return p, err
}

func (p *objectsPage) Slug() string  { return "objects" }
func (p *objectsPage) Title() string { return "Durable Objects" }

// objClass is one Durable Object class of a worker.
type objClass struct {
	Worker, Class string
	SQLite        bool
	Bindings      []string
}

type objRow struct {
	ID       string
	Size     int64
	Modified time.Time
}

type objEntry struct {
	Key, Value string
}

type objDetail struct {
	ID      string
	Size    int64
	Entries []objEntry
	Alarm   time.Time
	Tables  []string
	Query   string
	Result  *durable.Result
}

type objView struct {
	// Fleet is set when the objects live on a fleet (outpost serve with
	// [durable_objects] url): opening one here would move its ownership
	// to this node, so the explorer does not.
	Fleet   bool
	Classes []objClass
	Class   *objClass
	Objects []objRow
	Object  *objDetail
}

// classes are the classes of the workers and the classes bound by them.
func (p *objectsPage) classes() []objClass {
	byKey := map[string]*objClass{}
	var order []string
	add := func(worker, class string) *objClass {
		k := worker + "/" + class
		if c := byKey[k]; c != nil {
			return c
		}
		c := &objClass{Worker: worker, Class: class}
		byKey[k] = c
		order = append(order, k)
		return c
	}
	for _, w := range p.d.Workers() {
		for class, sqlite := range w.Bundle.ObjectClasses {
			add(w.Name, class).SQLite = sqlite
		}
		for _, b := range w.Bundle.DurableObjects {
			script := b.Script
			if script == "" {
				script = w.Name
			}
			c := add(script, b.Class)
			c.Bindings = append(c.Bindings, w.Name+"."+b.Binding)
		}
	}
	sort.Strings(order)
	out := make([]objClass, len(order))
	for i, k := range order {
		out[i] = *byKey[k]
	}
	return out
}

func (p *objectsPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	v := objView{Classes: p.classes()}
	for i, c := range v.Classes {
		if c.Worker == q.Get("worker") && c.Class == q.Get("class") {
			v.Class = &v.Classes[i]
		}
	}
	if v.Class == nil && len(v.Classes) == 1 {
		v.Class = &v.Classes[0]
	}
	if q.Get("class") != "" && v.Class == nil {
		http.Error(w, fmt.Sprintf("no Durable Object class %q of worker %q", q.Get("class"), q.Get("worker")), http.StatusNotFound)
		return
	}
	store := p.d.Node().Objects()
	v.Fleet = p.d.Node().ObjectsHandler() != nil
	if v.Class == nil || v.Fleet {
		p.view.Render(w, r, v)
		return
	}
	c := v.Class
	back := "/?worker=" + url.QueryEscape(c.Worker) + "&class=" + url.QueryEscape(c.Class)
	if id := q.Get("id"); id != "" {
		path, err := store.Path(c.Worker, c.Class, id)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		if _, err := os.Stat(path); err != nil {
			p.view.Back(w, r, back, "", fmt.Errorf("the object %s has no storage", id))
			return
		}
		o, err := store.Object(c.Worker, c.Class, id)
		if err != nil {
			p.view.Render(w, withError(r, err), v)
			return
		}
		here := back + "&id=" + id
		if r.Method == http.MethodPost && r.URL.Path == "/delete" {
			key := r.FormValue("key")
			_, err := o.Delete([]string{key})
			p.view.Back(w, r, here, fmt.Sprintf("deleted %q", key), err)
			return
		}
		det := &objDetail{ID: id, Size: o.Size()}
		es, err := o.List(durable.ListOptions{Limit: 1000})
		if err != nil {
			r = withError(r, err)
		}
		for _, e := range es {
			text, err := durable.DescribeValue(e.Value)
			if err != nil {
				text = fmt.Sprintf("(%d bytes: %v)", len(e.Value), err)
			}
			det.Entries = append(det.Entries, objEntry{Key: e.Key, Value: text})
		}
		if at, _, ok, err := o.Alarm(); err == nil && ok {
			det.Alarm = at
		}
		if c.SQLite {
			if res, err := o.Exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name", nil); err == nil {
				for _, row := range res.Rows {
					if name, ok := row[0].(string); ok && !strings.HasPrefix(name, "_cf_") && !strings.HasPrefix(name, "_outpost_") && !strings.HasPrefix(name, "sqlite_") {
						det.Tables = append(det.Tables, name)
					}
				}
			}
			if sql := strings.TrimSpace(r.FormValue("sql")); sql != "" && r.Method == http.MethodPost {
				det.Query = sql
				res, err := o.Exec(sql, nil)
				if err != nil {
					r = withError(r, err)
				} else {
					det.Result = res
				}
			}
		}
		v.Object = det
		p.view.Render(w, r, v)
		return
	}
	files, _ := filepath.Glob(filepath.Join(store.Dir(), c.Worker, c.Class, "*.sqlite"))
	for _, f := range files {
		row := objRow{ID: strings.TrimSuffix(filepath.Base(f), ".sqlite")}
		if st, err := os.Stat(f); err == nil {
			row.Size, row.Modified = st.Size(), st.ModTime()
			if wal, err := os.Stat(f + "-wal"); err == nil && wal.ModTime().After(row.Modified) {
				row.Modified = wal.ModTime()
			}
		}
		v.Objects = append(v.Objects, row)
	}
	sort.Slice(v.Objects, func(i, j int) bool { return v.Objects[i].Modified.After(v.Objects[j].Modified) })
	p.view.Render(w, r, v)
}
