package durable

import (
	"errors"
	"path/filepath"
	"strings"
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

func keysOf(es []Entry) string {
	var ks []string
	for _, e := range es {
		ks = append(ks, e.Key)
	}
	return strings.Join(ks, ",")
}

func TestListOrderAndRanges(t *testing.T) {
	_, o := newObject(t)
	var es []Entry
	for _, k := range []string{"b", "a", "a\x00", "ab", "é", "Z", "a/1", "a/2", "a/10"} {
		es = append(es, Entry{k, []byte(k)})
	}
	if err := o.Put(es); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		opt  ListOptions
		want string
	}{
		// Keys sort by their UTF-8 bytes.
		{ListOptions{}, "Z,a,a\x00,a/1,a/10,a/2,ab,b,é"},
		{ListOptions{Prefix: "a/"}, "a/1,a/10,a/2"},
		{ListOptions{Prefix: "a/", Reverse: true, Limit: 2}, "a/2,a/10"},
		{ListOptions{Start: "a/1", HasStart: true, End: "ab", HasEnd: true}, "a/1,a/10,a/2"},
		{ListOptions{StartAfter: "a/1", HasStartAfter: true, Limit: 1}, "a/10"},
	}
	for _, c := range cases {
		got, err := o.List(c.opt)
		if err != nil || keysOf(got) != c.want {
			t.Errorf("List(%+v) = %q, %v; want %q", c.opt, keysOf(got), err, c.want)
		}
	}
}

func TestLimits(t *testing.T) {
	_, o := newObject(t)
	var de *Error
	if err := o.Put([]Entry{{strings.Repeat("k", MaxKeySize+1), nil}}); !errors.As(err, &de) || de.Name != "RangeError" ||
		de.Message != "Keys cannot be larger than 2048 bytes. A key of size 2049 was provided." {
		t.Errorf("long key: %v", err)
	}
	if err := o.Put([]Entry{{"k", make([]byte, MaxValueSize+35)}}); !errors.As(err, &de) || !strings.HasPrefix(de.Message, "Values cannot be larger than 131072 bytes.") {
		t.Errorf("big value: %v", err)
	}
	// A value at the limit plus the serialization's allowance is fine.
	if err := o.Put([]Entry{{"k", make([]byte, MaxValueSize+34)}}); err != nil {
		t.Errorf("value at the limit: %v", err)
	}
	many := make([]string, MaxKeys+1)
	for i := range many {
		many[i] = string(rune('a' + i%26))
	}
	if _, err := o.Get(many); !errors.As(err, &de) || de.Message != "Maximum number of key value pairs is 128. 129 pairs were provided." {
		t.Errorf("too many keys: %v", err)
	}
	if _, err := o.List(ListOptions{Limit: -1}); !errors.As(err, &de) || de.Name != "TypeError" {
		t.Errorf("negative limit: %v", err)
	}
}

func TestPutIsAtomicAndTransactions(t *testing.T) {
	_, o := newObject(t)
	if err := o.Put([]Entry{{"a", []byte("1")}, {strings.Repeat("x", 3000), []byte("2")}}); err == nil {
		t.Fatal("a batch with a bad key was accepted")
	}
	if got, _ := o.Get([]string{"a"}); len(got) != 0 {
		t.Error("a failed batch wrote some of its entries")
	}
	if err := o.Begin(); err != nil {
		t.Fatal(err)
	}
	o.Put([]Entry{{"t", []byte("1")}})
	if got, _ := o.Get([]string{"t"}); len(got) != 1 {
		t.Error("a transaction does not see its own write")
	}
	if err := o.DeleteAll(); err == nil {
		t.Error("deleteAll inside a transaction was accepted")
	}
	o.End(false)
	if got, _ := o.Get([]string{"t"}); len(got) != 0 {
		t.Error("a rolled back write is visible")
	}
	if n, err := o.Delete([]string{"a", "t", "nope"}); err != nil || n != 0 {
		t.Errorf("delete = %d, %v", n, err)
	}
}

func TestSQLBesideKV(t *testing.T) {
	_, o := newObject(t)
	if _, err := o.Exec("CREATE TABLE t (n INTEGER, s TEXT, b BLOB)", nil); err != nil {
		t.Fatal(err)
	}
	res, err := o.Exec("INSERT INTO t VALUES (?, ?, ?), (?, ?, ?)", []any{int64(1), "one", []byte{1}, int64(2), "two", nil})
	if err != nil || res.RowsWritten != 2 {
		t.Fatalf("insert = %+v, %v", res, err)
	}
	res, err = o.Exec("SELECT n, s, b FROM t ORDER BY n", nil)
	if err != nil || len(res.Rows) != 2 || res.Columns[1] != "s" || res.Rows[1][1] != "two" || res.Rows[1][2] != nil || res.RowsRead != 2 {
		t.Errorf("select = %+v, %v", res, err)
	}
	if _, err := o.Exec("SELECT * FROM _cf_KV", nil); err == nil {
		t.Error("the script could read the key-value table")
	}
	if o.Size() <= 0 {
		t.Error("databaseSize is 0")
	}
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
