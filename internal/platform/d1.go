package platform

import (
	"crypto/subtle"
	"net/http"
	"path/filepath"
	"strings"

	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/d1/d1fleet"
	"github.com/outpost-dev/outpost/internal/d1/d1remote"
)

// openD1 opens D1's storage: one SQLite file per database under <state>/d1
// or, when Durable Objects are on a fleet, each database an object of the
// same fleet (internal/d1/d1fleet) — on Cloudflare, D1 runs on Durable
// Objects too. The fleet node, its leases and its node-to-node listener
// are shared: a query for a database another node owns is forwarded there
// under ForwardPrefix, with the fleet's token.
func (n *Node) openD1() {
	if n.fleet == nil {
		n.d1 = d1.NewStore(filepath.Join(n.opts.StateDir, "d1"))
		n.closers = append(n.closers, n.d1.Close)
		n.d1open = n.d1
		return
	}
	f := n.opts.ObjectsFleet
	objects := n.fleet.Store(filepath.Join(n.opts.StateDir, "d1fleet"))
	n.d1fleet = d1fleet.New(objects)
	router := d1fleet.NewRouter(n.d1fleet, f.Token, 0, n.log)
	n.d1open = router
	// Closed before the node leaves the fleet (closers run in reverse):
	// the databases give their leases up.
	n.closers = append(n.closers, objects.Close, n.d1fleet.Close)
	d1h := d1remote.Handler(d1fleet.ForwardPrefix, router.Local())
	objectsH := n.objectsHandler
	n.objectsHandler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, d1fleet.ForwardPrefix+"/") {
			objectsH.ServeHTTP(w, r)
			return
		}
		if !fleetAuthorized(r, f.Token) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusUnauthorized)
			w.Write([]byte(`{"error":{"message":"d1: a valid fleet token is required"}}`))
			return
		}
		d1h.ServeHTTP(w, r)
	})
}

// D1Databases opens the node's D1 databases by name: on this node, or on
// the fleet (where a call runs on the database's owner).
func (n *Node) D1Databases() d1.Opener { return n.d1open }

// D1Where says where D1 databases live, for the log.
func (n *Node) D1Where() string {
	if n.d1fleet != nil {
		return "the Durable Objects fleet (" + n.objectsWhere + ")"
	}
	return filepath.Join(n.opts.StateDir, "d1")
}

func fleetAuthorized(r *http.Request, token string) bool {
	got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	return ok && token != "" && subtle.ConstantTimeCompare([]byte(got), []byte(token)) == 1
}
