package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/outpost-dev/outpost/internal/cache"
	"github.com/outpost-dev/outpost/internal/kv"
	"github.com/outpost-dev/outpost/internal/kv/postgres"
	"github.com/outpost-dev/outpost/internal/kv/sqlite"
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

	store, where, err := openKVStore(s.stateDir)
	if err != nil {
		return err
	}
	s.kvWhere = where
	s.closers = append(s.closers, func() { store.Close() })
	s.kv = kv.New(store, kv.Options{Now: s.clock.Now})
	host.Extensions = append(host.Extensions, runtime.KVExtension(s.kv))
	return nil
}

// cacheSweepInterval is how often expired cache entries are removed from
// memory and disk; until then an expired entry only misses.
const cacheSweepInterval = time.Minute

// useCache gives workers the Cache API (caches.default, caches.open) and the
// zone cache in front of fetch(), and sweeps expired entries. Disabled, the
// caches are no-ops that always miss, as on workers.dev, and fetch() goes
// straight to the network: the switch wrangler dev lacks.
func (s *services) useCache(host *runtime.Host, enabled bool) {
	if !enabled {
		s.logger.Info("Cache API off (--cache=false): cache.match always misses, fetch() is not cached")
		return
	}
	host.Extensions = append(host.Extensions, runtime.CacheExtension(s.cache))
	host.Fetch.Cache = runtime.ZoneCache(s.cache)
	stop := make(chan struct{})
	go func() {
		t := time.NewTicker(cacheSweepInterval)
		defer t.Stop()
		for {
			select {
			case <-stop:
				return
			case <-t.C:
				if n := s.cache.Sweep(); n > 0 {
					s.logger.Debug(fmt.Sprintf("cache: swept %d expired entries", n))
				}
			}
		}
	}()
	s.closers = append(s.closers, func() { close(stop) })
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

// openKVStore opens KV storage: PostgreSQL when OUTPOST_KV_URL is set
// (shared by every process that points at it), else SQLite in the state
// directory. It also says where the data lives, for the log.
func openKVStore(stateDir string) (kv.Store, string, error) {
	if dsn := os.Getenv("OUTPOST_KV_URL"); dsn != "" {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		store, err := postgres.Open(ctx, dsn)
		if err != nil {
			return nil, "", fmt.Errorf("OUTPOST_KV_URL: opening PostgreSQL: %w", err)
		}
		return store, "PostgreSQL (OUTPOST_KV_URL)", nil
	}
	store, err := sqlite.OpenStateDir(stateDir)
	if err != nil {
		return nil, "", fmt.Errorf("opening KV state in %s: %w", stateDir, err)
	}
	return store, store.Path(), nil
}
