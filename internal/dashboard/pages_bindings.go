package dashboard

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
)

// bindingsPage lists what each worker's env holds.
type bindingsPage struct {
	d    *Dashboard
	view *View
}

func newBindingsPage(d *Dashboard) (Page, error) {
	p := &bindingsPage{d: d}
	v, err := d.NewView(p, files, "templates/bindings.html")
	p.view = v
	return p, err
}

func (p *bindingsPage) Slug() string  { return "bindings" }
func (p *bindingsPage) Title() string { return "Bindings" }

// Binding is one name on a worker's env.
type Binding struct {
	Name string
	Type string // the TypeScript type, as worker-configuration.d.ts names it
	What string // what it points at
	Link string // the dashboard page that shows its state, if any (relative to the dashboard)
}

type workerBindings struct {
	Name     string
	Bindings []Binding
}

// Bindings lists a worker's bindings, sorted by name.
func Bindings(w Worker) []Binding {
	b := w.Bundle
	var out []Binding
	for _, kv := range b.KVNamespaces {
		out = append(out, Binding{kv.Binding, "KVNamespace", "namespace " + kv.ID, "/kv/?ns=" + url.QueryEscape(kv.ID)})
	}
	for _, db := range b.D1Databases {
		out = append(out, Binding{db.Binding, "D1Database", "database " + db.Database, "/d1/?db=" + url.QueryEscape(db.Database)})
	}
	for _, r := range b.R2Buckets {
		out = append(out, Binding{r.Binding, "R2Bucket", "bucket " + r.Bucket, "/r2/?bucket=" + url.QueryEscape(r.Bucket)})
	}
	for _, do := range b.DurableObjects {
		script := do.Script
		if script == "" {
			script = w.Name
		}
		out = append(out, Binding{do.Binding, "DurableObjectNamespace", "class " + do.Class + " of " + script, "/objects/?worker=" + url.QueryEscape(script) + "&class=" + url.QueryEscape(do.Class)})
	}
	for _, s := range b.Services {
		what := "worker " + s.Service
		if s.Entrypoint != "" {
			what += ", entrypoint " + s.Entrypoint
		}
		out = append(out, Binding{s.Binding, "Fetcher", what, ""})
	}
	for _, q := range b.QueueProducers {
		out = append(out, Binding{q.Binding, "Queue", "queue " + q.Queue, "/queues/#q-" + q.Queue})
	}
	for name, h := range b.Hyperdrive {
		what := "PostgreSQL"
		if host, ok := h["host"].(string); ok {
			what += " at " + host
			if port, ok := h["port"]; ok {
				what += fmt.Sprint(":", port)
			}
		}
		if db, ok := h["database"].(string); ok {
			what += ", database " + db
		}
		out = append(out, Binding{name, "Hyperdrive", what, ""})
	}
	if b.AssetsBinding != "" {
		out = append(out, Binding{b.AssetsBinding, "Fetcher", "static assets", ""})
	}
	for k, v := range b.Vars {
		j, _ := json.Marshal(v)
		out = append(out, Binding{k, "var", string(j), ""})
	}
	for _, s := range w.Secrets {
		out = append(out, Binding{s, "secret", "(hidden; from .dev.vars)", ""})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func (p *bindingsPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	var ws []workerBindings
	for _, wk := range p.d.Workers() {
		ws = append(ws, workerBindings{Name: wk.Name, Bindings: Bindings(wk)})
	}
	p.view.Render(w, r, ws)
}
