package serve

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"github.com/outpost-dev/outpost/internal/kv"
	kvpostgres "github.com/outpost-dev/outpost/internal/kv/postgres"
	kvsqlite "github.com/outpost-dev/outpost/internal/kv/sqlite"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// kvSweepEvery is how often expired keys are deleted from the store (they
// are invisible from the moment they expire; sweeping reclaims space).
const kvSweepEvery = 10 * time.Minute

// openKV opens the KV store the configuration names — PostgreSQL shared by
// the fleet, else SQLite under the state directory — and returns the
// extension that gives workers their KV bindings.
func (s *Server) openKV(ctx context.Context) (runtime.Extension, error) {
	var store kv.Store
	if s.cfg.KV.URL != "" {
		if !isPostgresURL(s.cfg.KV.URL) {
			return nil, fmt.Errorf("%s: kv.url: expected a postgres:// URL, got %q", s.cfg.Path, redactURL(s.cfg.KV.URL))
		}
		pg, err := kvpostgres.Open(ctx, s.cfg.KV.URL)
		if err != nil {
			return nil, fmt.Errorf("%s: kv.url %s: %w", s.cfg.Path, redactURL(s.cfg.KV.URL), err)
		}
		store = pg
	} else {
		lite, err := kvsqlite.OpenStateDir(s.cfg.StateDir)
		if err != nil {
			return nil, fmt.Errorf("opening KV in %s: %w", filepath.Join(s.cfg.StateDir, "kv"), err)
		}
		store = lite
	}
	s.closers = append(s.closers, func() { store.Close() })
	k := kv.New(store, kv.Options{})
	sweepCtx, stop := context.WithCancel(context.Background())
	s.closers = append(s.closers, stop)
	k.StartSweeper(sweepCtx, kvSweepEvery, s.log)
	return runtime.KVExtension(k), nil
}
