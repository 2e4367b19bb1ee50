package serve

import (
	"fmt"
	"net/http"
	"sort"

	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/d1/d1remote"
)

// D1Database is one entry of GET /admin/d1: a database the server's
// workers bind, and which workers bind it under which names.
type D1Database struct {
	Name     string         `json:"name"`
	Bindings []D1BindingRef `json:"bindings"`
	// Where says where the database lives: this node's state directory,
	// or the fleet.
	Where string `json:"where"`
}

// D1BindingRef is a worker's binding of a D1 database.
type D1BindingRef struct {
	Worker  string `json:"worker"`
	Binding string `json:"binding"`
}

// d1Bound lists the databases the running versions bind, by name.
func (s *Server) d1Bound() map[string]*D1Database {
	out := map[string]*D1Database{}
	for _, ws := range s.snapshot() {
		ws.mu.Lock()
		b := ws.bundle
		ws.mu.Unlock()
		if b == nil {
			continue
		}
		for _, b := range b.D1Databases {
			db := out[b.Database]
			if db == nil {
				db = &D1Database{Name: b.Database, Where: s.node.D1Where()}
				out[b.Database] = db
			}
			db.Bindings = append(db.Bindings, D1BindingRef{Worker: ws.name, Binding: b.Binding})
		}
	}
	return out
}

func (s *Server) adminD1List(w http.ResponseWriter, r *http.Request) {
	out := []*D1Database{}
	for _, db := range s.d1Bound() {
		out = append(out, db)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	writeJSON(w, http.StatusOK, out)
}

// adminD1 serves `outpost d1 … --remote`: queries, scripts, bookmarks and
// exports of the databases the server's workers bind, run where the
// workers' own queries run (on a fleet, on the database's owner).
func (s *Server) adminD1() http.Handler {
	return d1remote.Handler("/admin/d1", boundOpener{s})
}

// boundOpener opens only databases a running worker binds: a mistyped
// name is refused instead of creating an empty database.
type boundOpener struct{ s *Server }

func (b boundOpener) Database(name string) (d1.Database, error) {
	if b.s.d1Bound()[name] == nil {
		return nil, &d1.Error{Message: fmt.Sprintf("no worker on this server binds a D1 database named %q (GET /admin/d1 lists them)", name)}
	}
	return b.s.node.D1Databases().Database(name)
}
