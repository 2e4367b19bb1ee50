package durable

import (
	"errors"
	"sync"
	"testing"
	"time"
)

// fakeReplica records what the object asks of it.
type fakeReplica struct {
	mu     sync.Mutex
	syncs  []bool // the wrote flag of each Sync
	alarms []bool // whether an alarm was set at each writing Sync
	fail   error
	closed bool
}

func (r *fakeReplica) Sync(wrote bool, alarm func() (time.Time, bool)) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.syncs = append(r.syncs, wrote)
	if wrote {
		_, ok := alarm()
		r.alarms = append(r.alarms, ok)
	}
	return r.fail
}

func (r *fakeReplica) Close() error { r.closed = true; return nil }

func TestReplicaSeam(t *testing.T) {
	var reps []*fakeReplica
	s := NewReplicatedStore(t.TempDir(), func(worker, class, id, path string) (Replica, error) {
		r := &fakeReplica{}
		reps = append(reps, r)
		return r, nil
	})
	defer s.Close()
	id := IDFromName("w/C", "seam")
	o, err := s.Object("w", "C", id)
	if err != nil {
		t.Fatal(err)
	}
	r := reps[0]
	if len(r.syncs) != 1 || !r.syncs[0] {
		t.Fatalf("opening (which creates the tables) synced %v", r.syncs)
	}
	r.syncs = nil
	o.Put([]Entry{{"a", []byte("1")}})
	o.Get([]string{"a"})
	o.List(ListOptions{})
	o.SetAlarm(time.UnixMilli(1_800_000_000_000), 0)
	o.Alarm()
	o.Size()
	o.Begin()
	o.Put([]Entry{{"b", []byte("2")}})
	o.End(true)
	want := []bool{true, false, false, true, false, false, true, true}
	if len(r.syncs) != len(want) {
		t.Fatalf("syncs = %v, want %v", r.syncs, want)
	}
	for i := range want {
		if r.syncs[i] != want[i] {
			t.Fatalf("syncs = %v, want %v", r.syncs, want)
		}
	}
	if r.alarms[len(r.alarms)-1] != true || r.alarms[0] != false {
		t.Errorf("the alarm seen by Sync: %v", r.alarms)
	}

	// A failed Sync fails the operation and every later one.
	r.fail = errors.New("lease lost")
	if err := o.Put([]Entry{{"c", []byte("3")}}); err == nil {
		t.Fatal("a write whose sync failed was acknowledged")
	}
	r.fail = nil
	if _, err := o.Get([]string{"a"}); err == nil {
		t.Error("a broken object still serves reads")
	}
	// Dropped and opened again: a new replica, usable.
	if err := s.Drop("w", "C", id); err != nil {
		t.Fatal(err)
	}
	if !r.closed {
		t.Error("Drop did not close the replica")
	}
	o, err = s.Object("w", "C", id)
	if err != nil || len(reps) != 2 {
		t.Fatalf("reopen: %v (%d replicas)", err, len(reps))
	}
	if _, err := o.Get([]string{"a"}); err != nil {
		t.Error(err)
	}
}

// Opening one object (on a fleet: a lease and a restore) does not hold up
// the others; concurrent opens of one object share it.
func TestSlowOpenDoesNotBlockOthers(t *testing.T) {
	release := make(chan struct{})
	slow := IDFromName("w/C", "slow")
	var mu sync.Mutex
	attached := map[string]int{}
	s := NewReplicatedStore(t.TempDir(), func(worker, class, id, path string) (Replica, error) {
		mu.Lock()
		attached[id]++
		mu.Unlock()
		if id == slow {
			<-release
		}
		return &fakeReplica{}, nil
	})
	defer s.Close()
	var wg sync.WaitGroup
	got := make([]*Object, 5)
	for i := range got {
		wg.Add(1)
		go func() {
			defer wg.Done()
			o, err := s.Object("w", "C", slow)
			if err != nil {
				t.Error(err)
			}
			got[i] = o
		}()
	}
	done := make(chan error)
	go func() {
		_, err := s.Object("w", "C", IDFromName("w/C", "fast"))
		done <- err
	}()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("opening one object waited for another's")
	}
	close(release)
	wg.Wait()
	for _, o := range got {
		if o == nil || o != got[0] {
			t.Fatal("concurrent opens gave different objects")
		}
	}
	if attached[slow] != 1 {
		t.Errorf("the slow object was attached %d times", attached[slow])
	}
}
