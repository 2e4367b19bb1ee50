package kv

import (
	"context"
	"log/slog"
	"time"
)

// Sweep deletes every expired entry from the store once. Expired entries are
// already invisible; sweeping only reclaims their space.
func (k *KV) Sweep(ctx context.Context) (int64, error) {
	return k.store.DeleteExpired(ctx, k.nowSec())
}

// StartSweeper sweeps every interval until ctx is done. Errors are logged and
// the next round tries again.
func (k *KV) StartSweeper(ctx context.Context, interval time.Duration, log *slog.Logger) {
	if log == nil {
		log = slog.Default()
	}
	go func() {
		t := time.NewTicker(interval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if _, err := k.Sweep(ctx); err != nil && ctx.Err() == nil {
					log.Warn("kv: sweeping expired keys failed", "err", err)
				}
			}
		}
	}()
}
