package kvtest

import (
	"context"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/kv"
)

// epoch is where every test clock starts: a whole second, far from now.
var epoch = time.Unix(1_750_000_000, 0)

// Run runs the whole suite. newStore returns a fresh, empty store; the suite
// closes it.
func Run(t *testing.T, newStore func(t *testing.T) kv.Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, h *harness)
	}{
		{"RoundTrip", testRoundTrip},
		{"Delete", testDelete},
		{"NamespacesAreSeparate", testNamespaces},
		{"KeyNameErrors", testKeyNameErrors},
		{"PutOptionErrors", testPutOptionErrors},
		{"ValueSizeLimit", testValueSize},
		{"MetadataLimit", testMetadataLimit},
		{"ExpiryAtBoundary", testExpiryBoundary},
		{"ExpirationReported", testExpirationReported},
		{"ListOrder", testListOrder},
		{"ListPrefixLiteral", testListPrefixLiteral},
		{"ListPrefixMultiByte", testListPrefixMultiByte},
		{"ListPages", testListPages},
		{"ListCursorSurvivesWrites", testListCursorSurvivesWrites},
		{"ListShape", testListShape},
		{"ListErrors", testListErrors},
		{"BulkGet", testBulkGet},
		{"BulkGetErrors", testBulkGetErrors},
		{"CacheTTL", testCacheTTL},
		{"Sweeper", testSweeper},
		{"ConcurrentWriters", testConcurrent},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := newStore(t)
			t.Cleanup(func() { store.Close() })
			clock := NewClock(epoch)
			h := &harness{store: store, clock: clock, kv: kv.New(store, kv.Options{Now: clock.Now})}
			h.ns = h.kv.Namespace("ns-test")
			tc.fn(t, h)
		})
	}
}

type harness struct {
	store kv.Store
	clock *Clock
	kv    *kv.KV
	ns    *kv.Namespace
}

// fresh returns the namespace seen by another process: same store, own cache.
func (h *harness) fresh() *kv.Namespace {
	return kv.New(h.store, kv.Options{Now: h.clock.Now}).Namespace(h.ns.ID())
}

var ctx = context.Background()

func i64(v int64) *int64 { return &v }

func mustPut(t *testing.T, ns *kv.Namespace, key, value string, o kv.PutOptions) {
	t.Helper()
	if err := ns.Put(ctx, key, []byte(value), o); err != nil {
		t.Fatalf("put %q: %v", key, err)
	}
}

func mustGet(t *testing.T, ns *kv.Namespace, key string) kv.GetResult {
	t.Helper()
	r, err := ns.Get(ctx, key, kv.GetOptions{})
	if err != nil {
		t.Fatalf("get %q: %v", key, err)
	}
	return r
}

func mustList(t *testing.T, ns *kv.Namespace, o kv.ListOptions) kv.ListResult {
	t.Helper()
	r, err := ns.List(ctx, o)
	if err != nil {
		t.Fatalf("list %+v: %v", o, err)
	}
	return r
}

func names(keys []kv.Key) []string {
	out := make([]string, len(keys))
	for i, k := range keys {
		out[i] = k.Name
	}
	return out
}

// wantErr checks err is a *kv.Error of kind with exactly msg.
func wantErr(t *testing.T, err error, kind kv.Kind, msg string) {
	t.Helper()
	e, ok := err.(*kv.Error)
	if !ok {
		t.Fatalf("error = %v (%T), want *kv.Error %q", err, err, msg)
	}
	if e.Message != msg || e.Kind != kind {
		t.Fatalf("error = kind %d %q\n want kind %d %q", e.Kind, e.Message, kind, msg)
	}
}
