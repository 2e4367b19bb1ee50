package durable

import (
	"errors"
	"os"
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

// Behind the output gate, writes return before they are synced; Flush
// fsyncs the log, and concurrent writers share fsyncs (the object keeps
// running while one runs): a write is durable once a Flush after it
// returns.
func TestGateGroupsSyncs(t *testing.T) {
	var mu sync.Mutex
	syncs := 0
	defer func(f func(*os.File) error) { syncFile = f }(syncFile)
	syncFile = func(f *os.File) error {
		mu.Lock()
		syncs++
		mu.Unlock()
		time.Sleep(20 * time.Millisecond) // a slow disk
		return f.Sync()
	}
	dir := t.TempDir()
	s := NewStore(dir)
	id := IDFromName("w/C", "gate")
	o, err := s.Object("w", "C", id)
	if err != nil {
		t.Fatal(err)
	}
	o.Gate()
	var wg sync.WaitGroup
	const writers = 20
	errs := make(chan error, writers)
	for i := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := o.Put([]Entry{{string(rune('a' + i)), []byte{byte(i)}}}); err != nil {
				errs <- err
				return
			}
			errs <- o.Flush()
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	n := syncs
	mu.Unlock()
	if n < 1 || n >= writers {
		t.Errorf("%d writes made durable with %d fsyncs, want them shared", writers, n)
	}
	// Nothing new: Flush syncs nothing.
	if err := o.Flush(); err != nil || syncs != n {
		t.Errorf("an idle Flush synced (err %v)", err)
	}
	// Every write is there after a restart.
	s.Close()
	s = NewStore(dir)
	defer s.Close()
	o, err = s.Object("w", "C", id)
	if err != nil {
		t.Fatal(err)
	}
	if es, err := o.List(ListOptions{}); err != nil || len(es) != writers {
		t.Errorf("after a restart: %d entries, %v", len(es), err)
	}
}

// On a fleet, a gated write is shipped by the Flush after it, not by the
// write; a failed shipment fails that Flush and the object.
func TestGateShipsOnFlush(t *testing.T) {
	var rep *fakeReplica
	s := NewReplicatedStore(t.TempDir(), func(worker, class, id, path string) (Replica, error) {
		rep = &fakeReplica{}
		return rep, nil
	})
	defer s.Close()
	o, err := s.Object("w", "C", IDFromName("w/C", "gate"))
	if err != nil {
		t.Fatal(err)
	}
	o.Gate()
	// No background flush in the way: hold the replica.
	rep.mu.Lock()
	rep.syncs = nil
	rep.mu.Unlock()
	if err := o.Put([]Entry{{"a", []byte("1")}}); err != nil {
		t.Fatal(err)
	}
	if err := o.Flush(); err != nil {
		t.Fatal(err)
	}
	rep.mu.Lock()
	shipped := 0
	for _, w := range rep.syncs {
		if w {
			shipped++
		}
	}
	rep.mu.Unlock()
	if shipped != 1 {
		t.Errorf("one write and a Flush shipped %d times", shipped)
	}
	o.Put([]Entry{{"z", []byte("1")}})
	rep.mu.Lock()
	rep.fail = errors.New("postgres is gone")
	rep.mu.Unlock()
	if err := o.Flush(); err == nil {
		t.Error("Flush after a failed shipment succeeded")
	}
	if o.Err() == nil {
		t.Error("the object is still usable after a write could not be shipped")
	}
}
