package serve

import (
	"crypto/subtle"
	"net/http"
	"time"

	"github.com/outpost-dev/outpost/internal/dashboard"
)

// explorerPath is where the admin listener serves the explorer.
const explorerPath = "/admin/explorer"

// explorerCookie carries the admin token for the explorer's pages: a
// browser cannot send an Authorization header when it follows a link.
const explorerCookie = "outpost_admin"

// openExplorer builds the explorer of this node's workers; it exists only
// when the admin listener has a token.
func (s *Server) openExplorer() error {
	if s.cfg.Admin.Token == "" {
		return nil
	}
	d, err := dashboard.New(dashboard.Options{
		Node:     s.node,
		Recorder: s.rec,
		StateDir: s.cfg.StateDir,
		Prefix:   explorerPath,
		Workers: func() []dashboard.Worker {
			var out []dashboard.Worker
			for _, ws := range s.snapshot() {
				ws.mu.Lock()
				b := ws.bundle
				ws.mu.Unlock()
				if b == nil {
					continue
				}
				out = append(out, dashboard.Worker{Name: ws.name, Bundle: b, Current: ws.current})
			}
			return out
		},
	})
	s.explorer = d
	return err
}

// serveExplorer answers /admin/explorer/…: ?token=TOKEN once (from
// `outpost` or a bookmark) sets a cookie scoped to the explorer, sent
// only by same-site requests, and the token leaves the address bar.
func (s *Server) serveExplorer(w http.ResponseWriter, r *http.Request) bool {
	if s.explorer == nil {
		return false
	}
	if t := r.URL.Query().Get("token"); t != "" {
		if subtle.ConstantTimeCompare([]byte(t), []byte(s.cfg.Admin.Token)) != 1 {
			http.Error(w, "wrong admin token", http.StatusUnauthorized)
			return true
		}
		http.SetCookie(w, &http.Cookie{Name: explorerCookie, Value: t, Path: explorerPath, HttpOnly: true,
			SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil, MaxAge: int((12 * time.Hour).Seconds())})
		http.Redirect(w, r, explorerPath+"/", http.StatusSeeOther)
		return true
	}
	c, err := r.Cookie(explorerCookie)
	if !s.authorized(r) && (err != nil || subtle.ConstantTimeCompare([]byte(c.Value), []byte(s.cfg.Admin.Token)) != 1) {
		http.Error(w, "open the explorer with ?token=ADMIN_TOKEN once (the [admin] token of the server)", http.StatusUnauthorized)
		return true
	}
	s.explorer.ServeHTTP(w, r)
	return true
}
