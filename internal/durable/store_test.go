package durable

import (
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"
)

func newObject(t *testing.T) (*Store, *Object) {
	t.Helper()
	s := NewStore(t.TempDir())
	t.Cleanup(s.Close)
	o, err := s.Object("w", "Counter", IDFromName("w/Counter", "x"))
	if err != nil {
		t.Fatal(err)
	}
	return s, o
}

func TestAlarmsAndIDs(t *testing.T) {
	s, o := newObject(t)
	if err := o.SetAlarm(time.UnixMilli(0), 0); err == nil {
		t.Error("an alarm at time 0 was accepted")
	}
	at := time.UnixMilli(1_800_000_000_000)
	if err := o.SetAlarm(at, 2); err != nil {
		t.Fatal(err)
	}
	list, err := s.Alarms()
	if err != nil || len(list) != 1 || !list[0].At.Equal(at) || list[0].Retries != 2 || list[0].Class != "Counter" {
		t.Errorf("alarms on disk = %+v, %v", list, err)
	}
	o.DeleteAlarm()
	if _, _, ok, _ := o.Alarm(); ok {
		t.Error("the alarm survived deleteAlarm")
	}

	id := IDFromName("w/Counter", "room")
	if len(id) != 64 || id != IDFromName("w/Counter", "room") || id == IDFromName("w/Other", "room") {
		t.Errorf("idFromName = %q", id)
	}
	if CheckID("w/Counter", id) != nil || CheckID("w/Other", id) == nil || CheckID("w/Counter", "abc") == nil {
		t.Error("CheckID accepts or refuses the wrong ids")
	}
	if u := NewUniqueID("w/Counter"); CheckID("w/Counter", u) != nil || u == NewUniqueID("w/Counter") {
		t.Error("newUniqueId")
	}
	if _, err := s.Object("w", "../etc", id); err == nil {
		t.Error("a class name with a path was accepted")
	}
	if p, _ := s.Path("w", "Counter", id); filepath.Base(p) != id+".sqlite" {
		t.Errorf("path = %s", p)
	}
}

// BenchmarkConcurrentWrites: 32 writers on one object, each write durable
// before the writer goes on — fsynced one by one, or behind the output
// gate (Gate, then Flush), where writers share fsyncs.
//
//	go test -run '^$' -bench ConcurrentWrites -benchtime 2000x ./internal/durable/
func BenchmarkConcurrentWrites(b *testing.B) {
	for _, gated := range []bool{false, true} {
		name := "one-fsync-per-write"
		if gated {
			name = "gated"
		}
		b.Run(name, func(b *testing.B) {
			s := NewStore(b.TempDir())
			defer s.Close()
			o, err := s.Object("w", "C", IDFromName("w/C", "bench"))
			if err != nil {
				b.Fatal(err)
			}
			if gated {
				o.Gate()
			}
			var n atomic.Int64
			b.SetParallelism(16) // × GOMAXPROCS writers
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					k := fmt.Sprint(n.Add(1) % 1000)
					if err := o.Put([]Entry{{k, []byte("value")}}); err != nil {
						b.Error(err)
						return
					}
					if err := o.Flush(); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
	}
}

// The key-value API reads what it wrote or read before from memory; a
// rollback empties that memory, so values read after it come from the
// database again.
func TestValuesAreCachedUntilARollback(t *testing.T) {
	_, o := newObject(t)
	if err := o.Put([]Entry{{"k", []byte("v1")}}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Get([]string{"absent"}); err != nil {
		t.Fatal(err)
	}
	// Behind the cache's back: a get must not see this.
	if _, err := o.db.Exec(`UPDATE _cf_KV SET value = 'v2' WHERE key = 'k'`); err != nil {
		t.Fatal(err)
	}
	if _, err := o.db.Exec(`INSERT INTO _cf_KV (key, value) VALUES ('absent', 'x')`); err != nil {
		t.Fatal(err)
	}
	got, err := o.Get([]string{"k", "absent"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || string(got[0].Value) != "v1" {
		t.Fatalf("get from the cache = %q", got)
	}
	if err := o.Begin(); err != nil {
		t.Fatal(err)
	}
	if err := o.End(false); err != nil {
		t.Fatal(err)
	}
	got, err = o.Get([]string{"k", "absent"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || string(got[0].Value) != "v2" || string(got[1].Value) != "x" {
		t.Fatalf("get after a rollback = %q", got)
	}
}

// The cache holds a bounded number of bytes.
func TestTheCacheIsBounded(t *testing.T) {
	_, o := newObject(t)
	big := make([]byte, 100<<10)
	for i := range 200 {
		if err := o.Put([]Entry{{fmt.Sprint("k", i), big}}); err != nil {
			t.Fatal(err)
		}
	}
	if o.cacheBytes > cacheLimit+len(big)+16 {
		t.Fatalf("cache holds %d bytes, limit %d", o.cacheBytes, cacheLimit)
	}
	got, err := o.Get([]string{"k0", "k199"})
	if err != nil || len(got) != 2 {
		t.Fatalf("get = %d entries, %v", len(got), err)
	}
}
