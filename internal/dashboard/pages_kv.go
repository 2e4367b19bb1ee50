package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/outpost-dev/outpost/internal/kv"
)

// kvPage browses, searches, edits and deletes KV keys.
type kvPage struct {
	d    *Dashboard
	view *View
}

func newKVPage(d *Dashboard) (Page, error) {
	p := &kvPage{d: d}
	v, err := d.NewView(p, files, "templates/kv.html")
	p.view = v
	return p, err
}

func (p *kvPage) Slug() string  { return "kv" }
func (p *kvPage) Title() string { return "KV" }

// kvNamespace is one namespace and the bindings that reach it.
type kvNamespace struct {
	ID       string
	Bindings []string // "worker.BINDING"
}

func (p *kvPage) namespaces() []kvNamespace {
	byID := map[string]*kvNamespace{}
	var out []*kvNamespace
	for _, w := range p.d.Workers() {
		for _, b := range w.Bundle.KVNamespaces {
			ns := byID[b.ID]
			if ns == nil {
				ns = &kvNamespace{ID: b.ID}
				byID[b.ID] = ns
				out = append(out, ns)
			}
			ns.Bindings = append(ns.Bindings, w.Name+"."+b.Binding)
		}
	}
	res := make([]kvNamespace, len(out))
	for i, ns := range out {
		res[i] = *ns
	}
	sort.Slice(res, func(i, j int) bool { return res[i].ID < res[j].ID })
	return res
}

// kvKeyRow is one key in the list.
type kvKeyRow struct {
	Name       string
	Expiration time.Time
	Metadata   string
}

// kvView is what the template shows.
type kvView struct {
	Namespaces []kvNamespace
	NS         *kvNamespace
	Search     string
	Mode       string // "prefix" or "contains"
	Keys       []kvKeyRow
	Cursor     string // next page (prefix mode)
	Truncated  bool   // contains mode stopped scanning
	Key        *kvKey
	New        bool
}

// kvKey is one key being edited.
type kvKey struct {
	Name       string
	Value      string
	Binary     bool // the value is not UTF-8: shown, not editable
	Size       int
	Metadata   string
	Expiration int64
	Expires    time.Time
}

// maxScan bounds a "contains" search.
const maxScan = 10000

func (p *kvPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	nss := p.namespaces()
	q := r.URL.Query()
	var ns *kvNamespace
	for i := range nss {
		if nss[i].ID == q.Get("ns") {
			ns = &nss[i]
		}
	}
	if q.Get("ns") != "" && ns == nil {
		http.Error(w, fmt.Sprintf("no worker binds a KV namespace with id %q", q.Get("ns")), http.StatusNotFound)
		return
	}
	if r.Method == http.MethodPost {
		if ns == nil {
			http.Error(w, "ns: which namespace?", http.StatusBadRequest)
			return
		}
		p.post(w, r, ns)
		return
	}
	if r.URL.Path != "/" {
		http.NotFound(w, r)
		return
	}
	v := kvView{Namespaces: nss, NS: ns, Search: q.Get("q"), Mode: q.Get("mode")}
	if v.Mode != "contains" {
		v.Mode = "prefix"
	}
	if ns == nil && len(nss) == 1 {
		ns, v.NS = &nss[0], &nss[0]
	}
	if ns != nil {
		n := p.d.Node().KV().Namespace(ns.ID)
		switch {
		case q.Has("key"):
			res, err := n.Get(r.Context(), q.Get("key"), kv.GetOptions{})
			if err != nil {
				v.NS = ns
				p.view.Render(w, withError(r, err), v)
				return
			}
			if !res.Found {
				p.view.Back(w, r, "/?ns="+url.QueryEscape(ns.ID), "", fmt.Errorf("no key %q in namespace %s (expired or deleted)", q.Get("key"), ns.ID))
				return
			}
			k := &kvKey{Name: q.Get("key"), Size: len(res.Value), Metadata: string(res.Metadata), Expiration: res.Expiration}
			if res.Expiration != 0 {
				k.Expires = time.Unix(res.Expiration, 0)
			}
			if utf8.Valid(res.Value) {
				k.Value = string(res.Value)
			} else {
				k.Binary = true
				k.Value = fmt.Sprintf("%d bytes of binary data", len(res.Value))
			}
			v.Key = k
		case q.Has("new"):
			v.New = true
		default:
			if err := p.list(r, n, &v); err != nil {
				p.view.Render(w, withError(r, err), v)
				return
			}
		}
	}
	p.view.Render(w, r, v)
}

func (p *kvPage) list(r *http.Request, n *kv.Namespace, v *kvView) error {
	add := func(keys []kv.Key) {
		for _, k := range keys {
			row := kvKeyRow{Name: k.Name, Metadata: string(k.Metadata)}
			if k.Expiration != 0 {
				row.Expiration = time.Unix(k.Expiration, 0)
			}
			v.Keys = append(v.Keys, row)
		}
	}
	if v.Mode == "prefix" {
		res, err := n.List(r.Context(), kv.ListOptions{Prefix: v.Search, Limit: 100, Cursor: r.URL.Query().Get("cursor")})
		if err != nil {
			return err
		}
		add(res.Keys)
		v.Cursor = res.Cursor
		return nil
	}
	// contains: scan the namespace for keys holding the text.
	cursor, scanned := "", 0
	for {
		res, err := n.List(r.Context(), kv.ListOptions{Limit: 1000, Cursor: cursor})
		if err != nil {
			return err
		}
		var match []kv.Key
		for _, k := range res.Keys {
			if strings.Contains(strings.ToLower(k.Name), strings.ToLower(v.Search)) {
				match = append(match, k)
			}
		}
		add(match)
		scanned += len(res.Keys)
		if res.ListComplete {
			return nil
		}
		if scanned >= maxScan || len(v.Keys) >= 100 {
			v.Truncated = true
			return nil
		}
		cursor = res.Cursor
	}
}

// post handles put and delete; errors (KV's own limits and messages) go
// back to the form.
func (p *kvPage) post(w http.ResponseWriter, r *http.Request, ns *kvNamespace) {
	n := p.d.Node().KV().Namespace(ns.ID)
	back := "/?ns=" + url.QueryEscape(ns.ID)
	key := r.FormValue("key")
	switch r.URL.Path {
	case "/put":
		// A failed put goes back to the form it came from.
		form := back + "&key=" + url.QueryEscape(key)
		if r.FormValue("new") != "" {
			form = back + "&new"
		}
		opts := kv.PutOptions{}
		if md := strings.TrimSpace(r.FormValue("metadata")); md != "" {
			if !json.Valid([]byte(md)) {
				p.view.Back(w, r, form, "", errors.New("metadata must be JSON"))
				return
			}
			opts.Metadata = json.RawMessage(md)
		}
		if ttl := strings.TrimSpace(r.FormValue("ttl")); ttl != "" {
			secs, err := strconv.ParseInt(ttl, 10, 64)
			if err != nil {
				p.view.Back(w, r, form, "", fmt.Errorf("TTL %q: give whole seconds (at least 60)", ttl))
				return
			}
			opts.ExpirationTTL = &secs
		} else if exp := strings.TrimSpace(r.FormValue("expiration")); exp != "" && exp != "0" {
			at, err := strconv.ParseInt(exp, 10, 64)
			if err == nil {
				opts.Expiration = &at
			}
		}
		if err := n.Put(r.Context(), key, []byte(r.FormValue("value")), opts); err != nil {
			p.view.Back(w, r, form, "", err)
			return
		}
		p.view.Back(w, r, back+"&key="+url.QueryEscape(key), fmt.Sprintf("saved %q", key), nil)
	case "/delete":
		if err := n.Delete(r.Context(), key); err != nil {
			p.view.Back(w, r, back, "", err)
			return
		}
		p.view.Back(w, r, back, fmt.Sprintf("deleted %q", key), nil)
	default:
		http.NotFound(w, r)
	}
}

// withError shows err on the page being rendered.
func withError(r *http.Request, err error) *http.Request {
	r2 := r.Clone(r.Context())
	q := r2.URL.Query()
	q.Set("error", err.Error())
	r2.URL.RawQuery = q.Encode()
	return r2
}
