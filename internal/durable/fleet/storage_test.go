package fleet

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/durable/durabletest"
	"github.com/outpost-dev/outpost/internal/pgtest"
)

// openWhenFree opens an object on a node, waiting while another node's
// lease on it runs out.
func openWhenFree(t *testing.T, s *durable.Store, id string, within time.Duration) *durable.Object {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		o, err := s.Object("w", "C", id)
		if err == nil {
			return o
		}
		var held *HeldError
		if !errors.As(err, &held) || time.Now().After(deadline) {
			t.Fatalf("opening %s: %v", id, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func get(t *testing.T, o *durable.Object, key string) (string, bool) {
	t.Helper()
	es, err := o.Get([]string{key})
	if err != nil {
		t.Fatalf("get %s: %v", key, err)
	}
	if len(es) == 0 {
		return "", false
	}
	return string(es[0].Value), true
}

func TestRestoreOnAnotherNode(t *testing.T) {
	dsn := pgtest.DSN(t)
	a := startNode(t, dsn, 5*time.Second, nil)
	b := startNode(t, dsn, 5*time.Second, nil)
	sa, sb := a.Store(t.TempDir()), b.Store(t.TempDir())
	defer sa.Close()
	defer sb.Close()
	id := durable.IDFromName("w/C", "restore")
	o := openWhenFree(t, sa, id, 0)
	big := make([]byte, 100_000) // spans many pages
	for i := range big {
		big[i] = byte(i)
	}
	if err := o.Put([]durable.Entry{{Key: "a", Value: []byte("1")}, {Key: "big", Value: big}}); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Exec("CREATE TABLE t (n INTEGER PRIMARY KEY, s TEXT)", nil); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		if _, err := o.Exec("INSERT INTO t (s) VALUES (?)", []any{"row"}); err != nil {
			t.Fatal(i, err)
		}
	}
	// A transaction rolled back after writing: nothing of it moves.
	o.Begin()
	o.Put([]durable.Entry{{Key: "rolled", Value: make([]byte, 50_000)}})
	o.End(false)
	if _, err := o.Delete([]string{"a"}); err != nil {
		t.Fatal(err)
	}
	if err := o.SetAlarm(time.UnixMilli(1_900_000_000_000), 0); err != nil {
		t.Fatal(err)
	}
	if st := a.Stats(); st.Commits < 50 || st.Pages < st.Commits || st.Bytes != st.Pages*4096 {
		t.Errorf("stats = %+v", st)
	}
	if err := sa.Drop("w", "C", id); err != nil {
		t.Fatal(err)
	}

	o2 := openWhenFree(t, sb, id, 0)
	if _, ok := get(t, o2, "a"); ok {
		t.Error("a deleted key came back")
	}
	if _, ok := get(t, o2, "rolled"); ok {
		t.Error("a rolled back write came back")
	}
	if v, ok := get(t, o2, "big"); !ok || v != string(big) {
		t.Error("the big value did not survive")
	}
	res, err := o2.Exec("SELECT count(*) FROM t", nil)
	if err != nil || res.Rows[0][0] != int64(50) {
		t.Errorf("rows = %+v, %v", res, err)
	}
	if res, err := o2.Exec("PRAGMA quick_check", nil); err != nil || res.Rows[0][0] != "ok" {
		t.Errorf("quick_check = %+v, %v", res, err)
	}
	alarms, err := b.Alarms(context.Background())
	if err != nil || len(alarms) != 1 || alarms[0].At.UnixMilli() != 1_900_000_000_000 || alarms[0].Object != ObjectKey("w", "C", id) {
		t.Errorf("alarms = %+v, %v", alarms, err)
	}
	if w, c, i, ok := ParseObjectKey(alarms[0].Object); !ok || w != "w" || c != "C" || i != id {
		t.Errorf("ParseObjectKey(%q) = %q %q %q", alarms[0].Object, w, c, i)
	}
	// The node's store lists the alarms of the objects it has open, and
	// does not open (take over) the others found in its directory.
	local, err := sb.Alarms()
	if err != nil || len(local) != 1 || local[0].ID != id || local[0].At.UnixMilli() != 1_900_000_000_000 {
		t.Errorf("open alarms = %+v, %v", local, err)
	}
	if local, err := sa.Alarms(); err != nil || len(local) != 0 {
		t.Errorf("a node lists an object it gave up: %+v, %v", local, err)
	}
}

// A lease holder that is paused past its lease's expiry, while another
// node takes the object over, wakes up believing it still owns the object:
// its next write is refused by PostgreSQL and nothing of it is visible.
func TestPausedOwnerIsFenced(t *testing.T) {
	ctx := context.Background()
	dsn := pgtest.DSN(t)
	ttl := time.Second
	ca := &clock{}
	a := startNode(t, dsn, ttl, ca)
	b := startNode(t, dsn, 5*time.Second, nil)
	sa, sb := a.Store(t.TempDir()), b.Store(t.TempDir())
	defer sa.Close()
	defer sb.Close()
	id := durable.IDFromName("w/C", "paused")
	oa := openWhenFree(t, sa, id, 0)
	if err := oa.Put([]durable.Entry{{Key: "before", Value: []byte("a")}}); err != nil {
		t.Fatal(err)
	}
	la := a.leases[ObjectKey("w", "C", id)]

	// a freezes: no renewals, and its clock stands still.
	ca.stop()
	resume := pauseRenewals(a)
	defer resume()

	start := time.Now()
	ob := openWhenFree(t, sb, id, 3*ttl)
	t.Logf("b took the object over after %v", time.Since(start))
	if v, ok := get(t, ob, "before"); !ok || v != "a" {
		t.Fatal("b does not see a's acknowledged write")
	}
	if err := ob.Put([]durable.Entry{{Key: "by-b", Value: []byte("b")}}); err != nil {
		t.Fatal(err)
	}

	// a wakes up: to itself its lease is still valid.
	if err := la.Check(); err != nil {
		t.Fatalf("the paused node already knows: %v", err)
	}
	err := oa.Put([]durable.Entry{{Key: "after", Value: []byte("a")}, {Key: "by-b", Value: []byte("overwritten")}})
	if err == nil {
		t.Fatal("the fenced node's write was acknowledged")
	}
	t.Logf("refused: %v", err)
	if _, err := oa.Get([]string{"before"}); err == nil {
		t.Error("the fenced node still serves reads")
	}
	// The same refusal straight from PostgreSQL, for any stale token.
	if err := a.commit(ctx, &Lease{n: a, Object: la.Object, Token: la.Token}, &commit{pageSize: 4096, pages: map[uint32][]byte{1: make([]byte, 4096)}, dbPages: 1}, nil); !errors.Is(err, ErrLost) {
		t.Errorf("a stale token's commit: %v", err)
	}

	if _, ok := get(t, ob, "after"); ok {
		t.Error("the fenced write is visible on the owner")
	}
	if v, _ := get(t, ob, "by-b"); v != "b" {
		t.Errorf("by-b = %q", v)
	}
	// And in PostgreSQL: a third node restores what b wrote, not a's write.
	if err := sb.Drop("w", "C", id); err != nil {
		t.Fatal(err)
	}
	c := startNode(t, dsn, 5*time.Second, nil)
	sc := c.Store(t.TempDir())
	defer sc.Close()
	oc := openWhenFree(t, sc, id, 0)
	if _, ok := get(t, oc, "after"); ok {
		t.Error("the fenced write reached PostgreSQL")
	}
	if v, _ := get(t, oc, "by-b"); v != "b" {
		t.Errorf("restored by-b = %q", v)
	}
}

// The fleet store: reopening moves the object to the other node, which
// restores it from PostgreSQL (no file is shared between the nodes).
func TestConformance(t *testing.T) {
	dsn := pgtest.DSN(t)
	nodes := []*Node{startNode(t, dsn, 5*time.Second, nil), startNode(t, dsn, 5*time.Second, nil)}
	stores := []*durable.Store{nodes[0].Store(t.TempDir()), nodes[1].Store(t.TempDir())}
	defer stores[0].Close()
	defer stores[1].Close()
	durabletest.Run(t, func(t *testing.T) *durabletest.Subject {
		id := durable.NewUniqueID("w/C")
		on := 0
		o := openWhenFree(t, stores[on], id, 0)
		t.Cleanup(func() { stores[on].Drop("w", "C", id) })
		return &durabletest.Subject{Object: o, Reopen: func(t *testing.T) *durable.Object {
			if err := stores[on].Drop("w", "C", id); err != nil {
				t.Fatal(err)
			}
			on = 1 - on
			return openWhenFree(t, stores[on], id, 0)
		}}
	})
}

// The fleet's objects behind an output gate (as the binding runs them):
// writes are shipped by Flush, and before the object is given up.
func TestConformanceGated(t *testing.T) {
	dsn := pgtest.DSN(t)
	nodes := []*Node{startNode(t, dsn, 5*time.Second, nil), startNode(t, dsn, 5*time.Second, nil)}
	stores := []*durable.Store{nodes[0].Store(t.TempDir()), nodes[1].Store(t.TempDir())}
	defer stores[0].Close()
	defer stores[1].Close()
	durabletest.Run(t, func(t *testing.T) *durabletest.Subject {
		id := durable.NewUniqueID("w/C")
		on := 0
		open := func(t *testing.T) *durable.Object {
			o := openWhenFree(t, stores[on], id, 0)
			o.Gate()
			return o
		}
		o := open(t)
		t.Cleanup(func() { stores[on].Drop("w", "C", id) })
		return &durabletest.Subject{Object: o, Reopen: func(t *testing.T) *durable.Object {
			if err := stores[on].Drop("w", "C", id); err != nil {
				t.Fatal(err)
			}
			on = 1 - on
			return open(t)
		}}
	})
}

// The write-ahead log's own cases: a transaction big enough to spill pages
// into the log and then rolled back leaves frames that were never
// committed; a checkpoint starts the log over. Neither may reach the next
// owner wrongly.
func TestLogSpillsAndCheckpoints(t *testing.T) {
	dsn := pgtest.DSN(t)
	a := startNode(t, dsn, 5*time.Second, nil)
	b := startNode(t, dsn, 5*time.Second, nil)
	sa, sb := a.Store(t.TempDir()), b.Store(t.TempDir())
	defer sa.Close()
	defer sb.Close()
	id := durable.IDFromName("w/C", "log")
	o := openWhenFree(t, sa, id, 0)
	value := func(i int) []byte { return bytes.Repeat([]byte{byte(i)}, 100_000) }

	// 3.5 MB in one transaction (more than the 2 MB page cache), rolled back.
	if err := o.Begin(); err != nil {
		t.Fatal(err)
	}
	for i := range 35 {
		if err := o.Put([]durable.Entry{{Key: fmt.Sprintf("spill%02d", i), Value: value(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if err := o.End(false); err != nil {
		t.Fatal(err)
	}
	if st, err := os.Stat(o.Path() + "-wal"); err != nil || st.Size() < 1<<20 {
		t.Fatalf("the rolled back transaction did not spill into the log (%d bytes, %v)", st.Size(), err)
	}
	if err := o.Put([]durable.Entry{{Key: "small", Value: []byte("1")}}); err != nil {
		t.Fatal(err)
	}
	// 8 MB in separate commits: the log passes 4 MB and is checkpointed.
	for i := range 80 {
		if err := o.Put([]durable.Entry{{Key: fmt.Sprintf("c%02d", i), Value: value(i)}}); err != nil {
			t.Fatal(err)
		}
	}
	if st, err := os.Stat(o.Path() + "-wal"); err != nil || st.Size() >= 5<<20 {
		t.Fatalf("the log was not checkpointed (%v)", err)
	}
	if err := sa.Drop("w", "C", id); err != nil {
		t.Fatal(err)
	}
	o = openWhenFree(t, sb, id, 0)
	got, err := o.List(durable.ListOptions{})
	if err != nil || len(got) != 81 {
		t.Fatalf("%d keys on the next owner (%v)", len(got), err)
	}
	for _, e := range got {
		if e.Key == "small" {
			continue
		}
		i, _ := strconv.Atoi(strings.TrimPrefix(e.Key, "c"))
		if !bytes.Equal(e.Value, value(i)) {
			t.Fatalf("%s is wrong", e.Key)
		}
	}
	if res, err := o.Exec("PRAGMA quick_check", nil); err != nil || res.Rows[0][0] != "ok" {
		t.Errorf("quick_check = %+v, %v", res, err)
	}
}
