package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"path/filepath"

	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// openStores opens the node's Cache API store under the state directory
// and wires it into the runtime.
func (s *services) openStores(host *runtime.Host) error {
	cs, err := cache.Open(cache.Options{Dir: s.stateDir, Now: s.clock.Now, Logf: func(format string, args ...any) {
		s.logger.Debug(fmt.Sprintf(format, args...))
	}})
	if err != nil {
		return fmt.Errorf("opening the cache in %s: %w", filepath.Join(s.stateDir, "cache"), err)
	}
	s.cache = cs
	return nil
}

func (s *services) servePurge(w http.ResponseWriter, r *http.Request) {
	var p purgeRequest
	if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
		http.Error(w, "bad purge request: "+err.Error(), http.StatusBadRequest)
		return
	}
	n, err := s.cache.Purge(cache.Purge{URLs: p.URLs, Prefixes: p.Prefixes, Tags: p.Tags, All: p.All})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	s.logger.Info(fmt.Sprintf("cache purge: %d entries removed", n))
	fmt.Fprintf(w, "purged %d cache entries\n", n)
}
