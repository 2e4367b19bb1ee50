package dashboard

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/outpost-dev/outpost/internal/cache"
)

// cachePage purges the node's Cache API store (caches.default, named
// caches, and fetch()'s zone cache), as `outpost cache purge` does.
type cachePage struct {
	d    *Dashboard
	view *View
}

func newCachePage(d *Dashboard) (Page, error) {
	p := &cachePage{d: d}
	v, err := d.NewView(p, files, "templates/cache.html")
	p.view = v
	return p, err
}

func (p *cachePage) Slug() string  { return "cache" }
func (p *cachePage) Title() string { return "Cache" }

func (p *cachePage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		p.view.Render(w, r, nil)
		return
	}
	var pg cache.Purge
	list := func(field string) []string {
		var out []string
		for _, l := range strings.Split(r.FormValue(field), "\n") {
			if l = strings.TrimSpace(l); l != "" {
				out = append(out, l)
			}
		}
		return out
	}
	pg.URLs, pg.Prefixes, pg.Tags = list("urls"), list("prefixes"), list("tags")
	pg.All = r.FormValue("everything") != ""
	if !pg.All && len(pg.URLs)+len(pg.Prefixes)+len(pg.Tags) == 0 {
		p.view.Back(w, r, "/", "", fmt.Errorf("give URLs, prefixes or tags to purge, or purge everything"))
		return
	}
	n, err := p.d.Node().Cache().Purge(pg)
	p.view.Back(w, r, "/", fmt.Sprintf("purged %d cache entries", n), err)
}
