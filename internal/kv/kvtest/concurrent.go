package kvtest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/outpost-dev/outpost/internal/kv"
)

func testConcurrent(t *testing.T, h *harness) {
	const writers, perWriter = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*perWriter)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ns := h.fresh()
			for i := range perWriter {
				key := fmt.Sprintf("w%d-%03d", w, i)
				if err := ns.Put(ctx, key, []byte(key), kv.PutOptions{}); err != nil {
					errs <- err
					return
				}
				if r, err := ns.Get(ctx, key, kv.GetOptions{}); err != nil || string(r.Value) != key {
					errs <- fmt.Errorf("read-your-write %q: %q, %v", key, r.Value, err)
					return
				}
				if _, err := ns.List(ctx, kv.ListOptions{Limit: 5}); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := len(mustList(t, h.fresh(), kv.ListOptions{}).Keys); n != writers*perWriter {
		t.Fatalf("%d keys after concurrent writes, want %d", n, writers*perWriter)
	}
}
