// Package dashboard is the local explorer of `outpost dev`: server-rendered
// pages at /cdn-cgi/local/explorer (the path wrangler dev uses) that show
// the requests the workers serve, live, and let a person look at and change
// the state behind their bindings (KV, D1, R2, Durable Objects, queues,
// crons).
//
// Each kind of state is a Page; a new one plugs in by
// implementing the interface and rendering through a View, so it gets the
// layout, the menu and the request checks for free.
package dashboard

import (
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// Path is where the dashboard lives on the dev server.
const Path = "/cdn-cgi/local/explorer"

//go:embed templates static
var files embed.FS

// Worker is one worker of the dev server, as the pages see it.
type Worker struct {
	Name string
	// Bundle is the running version's bundle: its bindings and crons.
	Bundle *platform.Bundle
	// Secrets are the names of its secrets (.dev.vars); values stay hidden.
	Secrets []string
	// Current is its running version (for "run now").
	Current func() *runtime.Worker
}

// Page is one kind of state the dashboard shows.
type Page interface {
	// Slug is the page's path segment under the dashboard ("kv"); Title
	// its name in the menu.
	Slug() string
	Title() string
	// ServeHTTP answers the page's requests; r.URL.Path is relative to
	// the page ("/", "/ns/key").
	ServeHTTP(w http.ResponseWriter, r *http.Request)
}

// Options are what the dashboard shows.
type Options struct {
	Node     *platform.Node
	Workers  func() []Worker
	Recorder *Recorder
	// StateDir is where the node keeps its state (shown on the overview).
	StateDir string
	// Pages are added after the built-in ones.
	Pages []Page
	// Prefix is where the dashboard is mounted (default Path).
	Prefix string
}

// Dashboard serves the pages.
type Dashboard struct {
	opts   Options
	pages  []Page
	static http.Handler
	layout *template.Template
}

// New builds the dashboard with the built-in pages.
func New(o Options) (*Dashboard, error) {
	if o.Prefix == "" {
		o.Prefix = Path
	}
	d := &Dashboard{opts: o}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(files, "templates/layout.html")
	if err != nil {
		return nil, err
	}
	d.layout = layout
	sub, _ := fs.Sub(files, "static")
	d.static = http.FileServer(http.FS(sub))
	builtin := []func(*Dashboard) (Page, error){newRequestsPage, newBindingsPage, newKVPage, newD1Page, newR2Page, newObjectsPage, newQueuesPage, newCronsPage, newCachePage}
	for _, mk := range builtin {
		p, err := mk(d)
		if err != nil {
			return nil, err
		}
		d.pages = append(d.pages, p)
	}
	d.pages = append(d.pages, o.Pages...)
	return d, nil
}

// Workers are the dev server's workers now, sorted by name.
func (d *Dashboard) Workers() []Worker {
	ws := d.opts.Workers()
	sort.Slice(ws, func(i, j int) bool { return ws[i].Name < ws[j].Name })
	return ws
}

// Node is the node the workers run on.
func (d *Dashboard) Node() *platform.Node { return d.opts.Node }

// ServeHTTP serves everything under Path.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !localHost(r.Host) {
		// A page on another site could otherwise reach the dashboard
		// through a DNS name that resolves to this machine.
		http.Error(w, "the dashboard answers only to an IP address or localhost in the Host header", http.StatusForbidden)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
		http.Error(w, "cross-site request refused", http.StatusForbidden)
		return
	}
	prefix := d.opts.Prefix
	rest := strings.TrimPrefix(r.URL.Path, prefix)
	if rest == "" {
		http.Redirect(w, r, prefix+"/", http.StatusFound)
		return
	}
	if strings.HasPrefix(rest, "/static/") {
		w.Header().Set("Cache-Control", "no-cache")
		http.StripPrefix(prefix+"/static", d.static).ServeHTTP(w, r)
		return
	}
	slug, sub, _ := strings.Cut(strings.TrimPrefix(rest, "/"), "/")
	page := d.pages[0]
	if slug != "" {
		page = nil
		for _, p := range d.pages {
			if p.Slug() == slug {
				page = p
			}
		}
		if page == nil {
			http.NotFound(w, r)
			return
		}
		sub = "/" + sub
	} else {
		sub = "/"
	}
	r2 := r.Clone(r.Context())
	r2.URL.Path = sub
	r2.URL.RawPath = ""
	page.ServeHTTP(w, r2)
}

// localHost accepts IP literals and localhost names, the names a dev
// server is reached by; a DNS name could be rebound to 127.0.0.1.
func localHost(hostport string) bool {
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.Trim(host, "[]")
	return net.ParseIP(host) != nil || host == "localhost" || strings.HasSuffix(host, ".localhost")
}

// sameOrigin refuses form posts from other sites: browsers send Origin
// with every cross-origin POST.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return r.Header.Get("Sec-Fetch-Site") != "cross-site"
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

// View renders one page's template inside the layout.
type View struct {
	d    *Dashboard
	page Page
	t    *template.Template
}

// NewView parses a page's template, which defines "content", from fsys.
func (d *Dashboard) NewView(page Page, fsys fs.FS, pattern string) (*View, error) {
	t, err := d.layout.Clone()
	if err != nil {
		return nil, err
	}
	if t, err = t.ParseFS(fsys, pattern); err != nil {
		return nil, err
	}
	return &View{d: d, page: page, t: t}, nil
}

// frame is what the layout renders.
type frame struct {
	Title  string
	Base   string // the dashboard's path
	Page   string // the page's path
	Nav    []navItem
	Flash  string
	Error  string
	Data   any
	Loaded string
}

type navItem struct {
	Title, Href string
	Active      bool
}

// Render writes the page with data; a flash message or error comes from
// the query (?flash=, ?error=) a form redirected with.
func (v *View) Render(w http.ResponseWriter, r *http.Request, data any) {
	base := v.d.opts.Prefix
	f := frame{Title: v.page.Title(), Base: base, Page: base + "/" + v.page.Slug(), Data: data,
		Flash: r.URL.Query().Get("flash"), Error: r.URL.Query().Get("error"),
		Loaded: time.Now().Format("15:04:05")}
	for i, p := range v.d.pages {
		href := base + "/" + p.Slug()
		if i == 0 {
			href = base + "/"
		}
		f.Nav = append(f.Nav, navItem{Title: p.Title(), Href: href, Active: p == v.page})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := v.t.ExecuteTemplate(w, "layout.html", f); err != nil {
		fmt.Fprintf(w, "<pre>template: %s</pre>", template.HTMLEscapeString(err.Error()))
	}
}

// Back redirects to the page at rel with a message for the person.
func (v *View) Back(w http.ResponseWriter, r *http.Request, rel string, flash string, err error) {
	u := v.d.opts.Prefix + "/" + v.page.Slug() + rel
	q := url.Values{}
	if err != nil {
		q.Set("error", err.Error())
	} else if flash != "" {
		q.Set("flash", flash)
	}
	if len(q) > 0 {
		if strings.Contains(u, "?") {
			u += "&" + q.Encode()
		} else {
			u += "?" + q.Encode()
		}
	}
	http.Redirect(w, r, u, http.StatusSeeOther)
}

var funcs = template.FuncMap{
	"ms": func(f float64) string {
		if f < 1 {
			return fmt.Sprintf("%.2f ms", f)
		}
		return fmt.Sprintf("%.0f ms", f)
	},
	"bytes": sizeText,
	"when": func(t time.Time) string {
		if t.IsZero() {
			return "—"
		}
		return t.Local().Format("2006-01-02 15:04:05")
	},
	"d1cell": d1Cell,
	"size":   func(n int) string { return sizeText(int64(n)) },
	"clock":  func(t time.Time) string { return t.Local().Format("15:04:05.000") },
	// query escapes a value for a URL's query; typed as a URL so that
	// html/template, which escapes query values itself, does not escape
	// the "%" again ("a/b" would arrive as "a%2Fb").
	"query": func(s string) template.URL { return template.URL(url.QueryEscape(s)) },
}

func sizeText(n int64) string {
	switch {
	case n < 1024:
		return fmt.Sprintf("%d B", n)
	case n < 1<<20:
		return fmt.Sprintf("%.1f KiB", float64(n)/1024)
	default:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	}
}
