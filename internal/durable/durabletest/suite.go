// Package durabletest is the conformance suite for the storage of Durable
// Objects: every store (one node's SQLite files, the fleet's replicated
// objects) must give a script the same semantics: limits and their
// messages, list ranges and key order, atomic batches, transactions, SQL
// beside the key-value API, alarms, and everything still there after the
// object is opened again (after a restart, or on another node).
package durabletest

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/durable"
)

// Subject is one fresh, empty object of the store under test.
type Subject struct {
	Object *durable.Object
	// Reopen closes the object and opens it again as a restarted node (or
	// the next owner in a fleet) would, and returns it.
	Reopen func(t *testing.T) *durable.Object
}

// Run runs the whole suite; newObject gives each test its own object.
func Run(t *testing.T, newObject func(t *testing.T) *Subject) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Subject)
	}{
		{"RoundTrip", testRoundTrip},
		{"Limits", testLimits},
		{"ListOrder", testListOrder},
		{"ListRanges", testListRanges},
		{"AtomicBatches", testAtomicBatches},
		{"Transactions", testTransactions},
		{"SQLBesideKV", testSQLBesideKV},
		{"SQLAndKVInOneTransaction", testSQLAndKVInOneTransaction},
		{"SQLErrors", testSQLErrors},
		{"Alarms", testAlarms},
		{"DeleteAll", testDeleteAll},
		{"SurvivesReopen", testSurvivesReopen},
		{"ManyWritesAndReopen", testManyWritesAndReopen},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { tc.fn(t, newObject(t)) })
	}
}

func keysOf(es []durable.Entry) string {
	ks := make([]string, len(es))
	for i, e := range es {
		ks[i] = e.Key
	}
	return strings.Join(ks, ",")
}

func put(t *testing.T, o *durable.Object, kv ...string) {
	t.Helper()
	var es []durable.Entry
	for i := 0; i+1 < len(kv); i += 2 {
		es = append(es, durable.Entry{Key: kv[i], Value: []byte(kv[i+1])})
	}
	if err := o.Put(es); err != nil {
		t.Fatalf("put %v: %v", kv, err)
	}
}

func value(t *testing.T, o *durable.Object, key string) (string, bool) {
	t.Helper()
	es, err := o.Get([]string{key})
	if err != nil {
		t.Fatalf("get %q: %v", key, err)
	}
	if len(es) == 0 {
		return "", false
	}
	return string(es[0].Value), true
}

func wantError(t *testing.T, what string, err error, name, message string) {
	t.Helper()
	var de *durable.Error
	if !errors.As(err, &de) {
		t.Errorf("%s: %v, want a %s", what, err, name)
		return
	}
	if de.Name != name || !strings.HasPrefix(de.Message, message) {
		t.Errorf("%s: %s: %q, want %s: %q", what, de.Name, de.Message, name, message)
	}
}

func testRoundTrip(t *testing.T, s *Subject) {
	o := s.Object
	put(t, o, "a", "1", "b", "", "c", "3")
	es, err := o.Get([]string{"c", "nope", "a", "b"})
	if err != nil {
		t.Fatal(err)
	}
	// Present keys in the order asked; absent ones left out; "" kept.
	if keysOf(es) != "c,a,b" || string(es[1].Value) != "1" || es[2].Value == nil && len(es[2].Value) != 0 {
		t.Errorf("get = %q", keysOf(es))
	}
	put(t, o, "a", "one")
	if v, _ := value(t, o, "a"); v != "one" {
		t.Errorf("overwritten a = %q", v)
	}
	n, err := o.Delete([]string{"a", "nope", "c"})
	if err != nil || n != 2 {
		t.Errorf("delete = %d, %v", n, err)
	}
	if _, ok := value(t, o, "a"); ok {
		t.Error("a deleted key is still there")
	}
	if ks, err := o.Keys(); err != nil || strings.Join(ks, ",") != "b" {
		t.Errorf("keys = %v, %v", ks, err)
	}
}

func testLimits(t *testing.T, s *Subject) {
	o := s.Object
	err := o.Put([]durable.Entry{{Key: strings.Repeat("k", durable.MaxKeySize+1)}})
	wantError(t, "long key", err, "RangeError", "Keys cannot be larger than 2048 bytes. A key of size 2049 was provided.")
	// Key sizes count UTF-8 bytes: 683 × "é" is 1366 bytes, 1025 × is 2050.
	if err := o.Put([]durable.Entry{{Key: strings.Repeat("é", 1024), Value: []byte("x")}}); err != nil {
		t.Errorf("a 2048-byte key: %v", err)
	}
	wantError(t, "long multi-byte key", o.Put([]durable.Entry{{Key: strings.Repeat("é", 1025)}}), "RangeError", "Keys cannot be larger than 2048 bytes. A key of size 2050 was provided.")
	wantError(t, "big value", o.Put([]durable.Entry{{Key: "k", Value: make([]byte, durable.MaxValueSize+35)}}), "RangeError", "Values cannot be larger than 131072 bytes.")
	if err := o.Put([]durable.Entry{{Key: "k", Value: make([]byte, durable.MaxValueSize+34)}}); err != nil {
		t.Errorf("a value at the limit: %v", err)
	}
	if v, _ := value(t, o, "k"); len(v) != durable.MaxValueSize+34 {
		t.Errorf("the value at the limit came back with %d bytes", len(v))
	}
	many := make([]string, durable.MaxKeys+1)
	for i := range many {
		many[i] = fmt.Sprint(i)
	}
	_, err = o.Get(many)
	wantError(t, "get 129 keys", err, "RangeError", "Maximum number of key value pairs is 128. 129 pairs were provided.")
	_, err = o.Delete(many)
	wantError(t, "delete 129 keys", err, "RangeError", "Maximum number of key value pairs is 128.")
	es := make([]durable.Entry, durable.MaxKeys+1)
	for i := range es {
		es[i] = durable.Entry{Key: many[i], Value: []byte("v")}
	}
	wantError(t, "put 129 entries", o.Put(es), "RangeError", "Maximum number of key value pairs is 128.")
	if err := o.Put(es[:durable.MaxKeys]); err != nil {
		t.Errorf("put 128 entries: %v", err)
	}
	_, err = o.List(durable.ListOptions{Limit: -1})
	wantError(t, "negative limit", err, "TypeError", "List limit must be positive.")
	wantError(t, "alarm at 0", o.SetAlarm(time.UnixMilli(0), 0), "TypeError", "setAlarm() cannot be called with an alarm time <= 0")
}

func testListOrder(t *testing.T, s *Subject) {
	o := s.Object
	var es []durable.Entry
	for _, k := range []string{"b", "a", "a\x00", "ab", "é", "Z", "a/1", "a/2", "a/10", "", "\U0001F600", "\uFFFD"} {
		es = append(es, durable.Entry{Key: k, Value: []byte(k)})
	}
	if err := o.Put(es); err != nil {
		t.Fatal(err)
	}
	got, err := o.List(durable.ListOptions{})
	// By UTF-8 bytes: U+FFFD (EF BF BD) before U+1F600 (F0 9F 98 80).
	want := ",Z,a,a\x00,a/1,a/10,a/2,ab,b,é,\uFFFD,\U0001F600"
	if err != nil || keysOf(got) != want {
		t.Errorf("list = %q, %v; want %q", keysOf(got), err, want)
	}
	for _, e := range got {
		if string(e.Value) != e.Key {
			t.Errorf("%q has value %q", e.Key, e.Value)
		}
	}
	got, _ = o.List(durable.ListOptions{Reverse: true})
	if keysOf(got) != "\U0001F600,\uFFFD,é,b,ab,a/2,a/10,a/1,a\x00,a,Z," {
		t.Errorf("reverse = %q", keysOf(got))
	}
}

func testListRanges(t *testing.T, s *Subject) {
	o := s.Object
	put(t, o, "a", "", "a/1", "", "a/2", "", "a/10", "", "a%", "", "a_", "", "ab", "", "b", "", "é/1", "")
	cases := []struct {
		opt  durable.ListOptions
		want string
	}{
		{durable.ListOptions{Prefix: "a/"}, "a/1,a/10,a/2"},
		{durable.ListOptions{Prefix: "a%"}, "a%"},
		{durable.ListOptions{Prefix: "a_"}, "a_"},
		{durable.ListOptions{Prefix: "é"}, "é/1"},
		{durable.ListOptions{Prefix: "zz"}, ""},
		{durable.ListOptions{Prefix: "a/", Reverse: true, Limit: 2}, "a/2,a/10"},
		{durable.ListOptions{Start: "a/1", HasStart: true, End: "ab", HasEnd: true}, "a/1,a/10,a/2,a_"},
		{durable.ListOptions{Start: "a/10", HasStart: true, End: "a/2", HasEnd: true}, "a/10"},
		{durable.ListOptions{StartAfter: "a/1", HasStartAfter: true, Limit: 1}, "a/10"},
		{durable.ListOptions{StartAfter: "a/2", HasStartAfter: true, Prefix: "a/"}, ""},
		{durable.ListOptions{Start: "b", HasStart: true, End: "a", HasEnd: true}, ""},
		{durable.ListOptions{End: "a/", HasEnd: true}, "a,a%"},
		{durable.ListOptions{Start: "a_", HasStart: true, Reverse: true}, "é/1,b,ab,a_"},
		{durable.ListOptions{Limit: 3}, "a,a%,a/1"},
		{durable.ListOptions{Limit: 100}, "a,a%,a/1,a/10,a/2,a_,ab,b,é/1"},
	}
	for _, c := range cases {
		got, err := o.List(c.opt)
		if err != nil || keysOf(got) != c.want {
			t.Errorf("List(%+v) = %q, %v; want %q", c.opt, keysOf(got), err, c.want)
		}
	}
}

func testAtomicBatches(t *testing.T, s *Subject) {
	o := s.Object
	put(t, o, "keep", "1")
	// One bad entry: nothing of the batch is written.
	err := o.Put([]durable.Entry{{Key: "a", Value: []byte("1")}, {Key: "keep", Value: []byte("2")}, {Key: strings.Repeat("x", 3000)}})
	if err == nil {
		t.Fatal("a batch with a bad key was accepted")
	}
	if _, ok := value(t, o, "a"); ok {
		t.Error("a failed batch wrote some of its entries")
	}
	if v, _ := value(t, o, "keep"); v != "1" {
		t.Errorf("a failed batch overwrote keep: %q", v)
	}
	es := make([]durable.Entry, durable.MaxKeys)
	keys := make([]string, durable.MaxKeys)
	for i := range es {
		keys[i] = fmt.Sprintf("n%03d", i)
		es[i] = durable.Entry{Key: keys[i], Value: make([]byte, 1000)}
	}
	if err := o.Put(es); err != nil {
		t.Fatal(err)
	}
	got, err := o.Get(keys)
	if err != nil || len(got) != durable.MaxKeys {
		t.Errorf("got %d of %d, %v", len(got), durable.MaxKeys, err)
	}
	if n, err := o.Delete(append(keys[:100:100], "nope")); err != nil || n != 100 {
		t.Errorf("delete = %d, %v", n, err)
	}
	if got, _ := o.List(durable.ListOptions{Prefix: "n"}); len(got) != durable.MaxKeys-100 {
		t.Errorf("%d keys left, want %d", len(got), durable.MaxKeys-100)
	}
}

func testTransactions(t *testing.T, s *Subject) {
	o := s.Object
	put(t, o, "x", "0")
	if err := o.Begin(); err != nil {
		t.Fatal(err)
	}
	wantError(t, "nested", o.Begin(), "Error", "Nested transactions are not supported")
	put(t, o, "t", "1", "x", "1")
	if v, _ := value(t, o, "t"); v != "1" {
		t.Error("a transaction does not see its own write")
	}
	if got, _ := o.List(durable.ListOptions{}); keysOf(got) != "t,x" {
		t.Errorf("list inside = %q", keysOf(got))
	}
	wantError(t, "deleteAll inside", o.DeleteAll(), "Error", "Cannot call deleteAll() within a transaction")
	if err := o.End(false); err != nil {
		t.Fatal(err)
	}
	if _, ok := value(t, o, "t"); ok {
		t.Error("a rolled back write is visible")
	}
	if v, _ := value(t, o, "x"); v != "0" {
		t.Errorf("x after rollback = %q", v)
	}
	if err := o.Begin(); err != nil {
		t.Fatal(err)
	}
	put(t, o, "t", "2")
	if _, err := o.Delete([]string{"x"}); err != nil {
		t.Fatal(err)
	}
	if err := o.End(true); err != nil {
		t.Fatal(err)
	}
	o = s.Reopen(t)
	if v, _ := value(t, o, "t"); v != "2" {
		t.Errorf("committed t = %q", v)
	}
	if _, ok := value(t, o, "x"); ok {
		t.Error("a delete committed in a transaction did not last")
	}
	if err := o.End(true); err != nil {
		t.Errorf("ending without a transaction: %v", err)
	}
}

func testSQLBesideKV(t *testing.T, s *Subject) {
	o := s.Object
	if _, err := o.Exec("CREATE TABLE t (n INTEGER, s TEXT, f REAL, b BLOB)", nil); err != nil {
		t.Fatal(err)
	}
	res, err := o.Exec("INSERT INTO t VALUES (?, ?, ?, ?), (?, ?, ?, ?)", []any{int64(1), "one", 1.5, []byte{1, 2}, int64(2), "two", nil, nil})
	if err != nil || res.RowsWritten != 2 {
		t.Fatalf("insert = %+v, %v", res, err)
	}
	put(t, o, "kv", "beside")
	res, err = o.Exec("SELECT n, s, f, b FROM t ORDER BY n", nil)
	if err != nil || len(res.Rows) != 2 || strings.Join(res.Columns, ",") != "n,s,f,b" || res.RowsRead != 2 {
		t.Fatalf("select = %+v, %v", res, err)
	}
	r0, r1 := res.Rows[0], res.Rows[1]
	if r0[0] != int64(1) || r0[1] != "one" || r0[2] != 1.5 || string(r0[3].([]byte)) != "\x01\x02" || r1[2] != nil || r1[3] != nil {
		t.Errorf("rows = %#v", res.Rows)
	}
	res, err = o.Exec("UPDATE t SET s = ? WHERE n > ?", []any{"many", int64(0)})
	if err != nil || res.RowsWritten != 2 {
		t.Errorf("update = %+v, %v", res, err)
	}
	if _, err := o.Exec("SELECT * FROM _cf_KV", nil); err == nil {
		t.Error("the script could read the key-value table")
	}
	if _, err := o.Exec("DELETE FROM _outpost_alarm", nil); err == nil {
		t.Error("the script could write Outpost's alarm table")
	}
	if o.Size() <= 0 {
		t.Error("databaseSize is 0")
	}
	o = s.Reopen(t)
	res, err = o.Exec("SELECT s FROM t ORDER BY n", nil)
	if err != nil || len(res.Rows) != 2 || res.Rows[1][0] != "many" {
		t.Errorf("after reopen: %+v, %v", res, err)
	}
	if v, _ := value(t, o, "kv"); v != "beside" {
		t.Errorf("kv after reopen = %q", v)
	}
}

func testSQLAndKVInOneTransaction(t *testing.T, s *Subject) {
	o := s.Object
	if _, err := o.Exec("CREATE TABLE c (n INTEGER)", nil); err != nil {
		t.Fatal(err)
	}
	o.Begin()
	if _, err := o.Exec("INSERT INTO c VALUES (1)", nil); err != nil {
		t.Fatal(err)
	}
	put(t, o, "k", "v")
	o.End(false)
	res, _ := o.Exec("SELECT count(*) FROM c", nil)
	if res.Rows[0][0] != int64(0) {
		t.Error("a rolled back SQL insert is visible")
	}
	if _, ok := value(t, o, "k"); ok {
		t.Error("a rolled back put is visible")
	}
	o.Begin()
	o.Exec("INSERT INTO c VALUES (2)", nil)
	put(t, o, "k", "w")
	if err := o.End(true); err != nil {
		t.Fatal(err)
	}
	o = s.Reopen(t)
	res, _ = o.Exec("SELECT sum(n) FROM c", nil)
	if res.Rows[0][0] != int64(2) {
		t.Errorf("sum = %v", res.Rows[0][0])
	}
	if v, _ := value(t, o, "k"); v != "w" {
		t.Errorf("k = %q", v)
	}
}

func testSQLErrors(t *testing.T, s *Subject) {
	o := s.Object
	if _, err := o.Exec("SELEC nonsense", nil); err == nil {
		t.Error("a syntax error was accepted")
	}
	if _, err := o.Exec("CREATE TABLE u (n INTEGER PRIMARY KEY)", nil); err != nil {
		t.Fatal(err)
	}
	o.Exec("INSERT INTO u VALUES (1)", nil)
	if _, err := o.Exec("INSERT INTO u VALUES (1)", nil); err == nil {
		t.Error("a constraint violation was accepted")
	}
	// Nothing may write outside the database and its log, or change how
	// it is journaled.
	for _, q := range []string{
		"ATTACH DATABASE 'other.sqlite' AS other",
		"SELECT 1; /* comment */ attach 'x' as y",
		"PRAGMA journal_mode = DELETE",
		"pragma main.synchronous=OFF",
		"PRAGMA wal_checkpoint(TRUNCATE)",
		"-- a comment\nPRAGMA locking_mode = EXCLUSIVE",
		"VACUUM INTO 'copy.sqlite'",
	} {
		_, err := o.Exec(q, nil)
		wantError(t, q, err, "Error", "")
		if err != nil && !strings.HasSuffix(err.Error(), "is not allowed: SQLITE_AUTH") {
			t.Errorf("%s: %v", q, err)
		}
	}
	for _, q := range []string{
		"SELECT 'attach' AS word, 'pragma journal_mode' AS other",
		"PRAGMA table_info(u)",
		"PRAGMA quick_check",
		"CREATE TABLE \"attach\" (n INTEGER)",
	} {
		if _, err := o.Exec(q, nil); err != nil {
			t.Errorf("%s: %v", q, err)
		}
	}
	if res, err := o.Exec("PRAGMA journal_mode", nil); err != nil || len(res.Rows) != 1 || res.Rows[0][0] != "wal" {
		t.Errorf("journal_mode = %+v, %v", res, err)
	}
	// The object is still usable after errors.
	put(t, o, "after", "errors")
	o = s.Reopen(t)
	res, err := o.Exec("SELECT count(*) FROM u", nil)
	if err != nil || res.Rows[0][0] != int64(1) {
		t.Errorf("count = %+v, %v", res, err)
	}
	if v, _ := value(t, o, "after"); v != "errors" {
		t.Errorf("after = %q", v)
	}
}

func testAlarms(t *testing.T, s *Subject) {
	o := s.Object
	if _, _, ok, err := o.Alarm(); ok || err != nil {
		t.Errorf("a new object has an alarm (%v)", err)
	}
	at := time.UnixMilli(1_800_000_000_000)
	if err := o.SetAlarm(at, 0); err != nil {
		t.Fatal(err)
	}
	later := at.Add(time.Hour)
	if err := o.SetAlarm(later, 2); err != nil {
		t.Fatal(err)
	}
	if got, retries, ok, err := o.Alarm(); !ok || err != nil || !got.Equal(later) || retries != 2 {
		t.Errorf("alarm = %v %d %v %v", got, retries, ok, err)
	}
	// An alarm set in a rolled back transaction is not set.
	o.Begin()
	o.SetAlarm(at, 0)
	o.End(false)
	if got, _, _, _ := o.Alarm(); !got.Equal(later) {
		t.Errorf("a rolled back setAlarm left %v", got)
	}
	o = s.Reopen(t)
	if got, retries, ok, err := o.Alarm(); !ok || err != nil || !got.Equal(later) || retries != 2 {
		t.Errorf("alarm after reopen = %v %d %v %v", got, retries, ok, err)
	}
	if err := o.DeleteAlarm(); err != nil {
		t.Fatal(err)
	}
	o = s.Reopen(t)
	if _, _, ok, _ := o.Alarm(); ok {
		t.Error("the alarm survived deleteAlarm")
	}
}

func testDeleteAll(t *testing.T, s *Subject) {
	o := s.Object
	put(t, o, "a", "1", "b", "2")
	o.SetAlarm(time.UnixMilli(1_800_000_000_000), 0)
	if _, err := o.Exec("CREATE TABLE keep (n INTEGER)", nil); err != nil {
		t.Fatal(err)
	}
	if err := o.DeleteAll(); err != nil {
		t.Fatal(err)
	}
	o = s.Reopen(t)
	if got, _ := o.List(durable.ListOptions{}); len(got) != 0 {
		t.Errorf("deleteAll left %q", keysOf(got))
	}
	if _, _, ok, _ := o.Alarm(); ok {
		t.Error("deleteAll left the alarm")
	}
	put(t, o, "c", "3")
	if got, _ := o.List(durable.ListOptions{}); keysOf(got) != "c" {
		t.Errorf("after deleteAll and a put: %q", keysOf(got))
	}
}

func testSurvivesReopen(t *testing.T, s *Subject) {
	o := s.Object
	put(t, o, "a", "1", "b", "2")
	o = s.Reopen(t)
	put(t, o, "c", "3")
	o.Delete([]string{"a"})
	o = s.Reopen(t)
	o = s.Reopen(t)
	if got, _ := o.List(durable.ListOptions{}); keysOf(got) != "b,c" {
		t.Errorf("after reopens: %q", keysOf(got))
	}
}

// testManyWritesAndReopen writes more than fits in a few pages, in many
// commits, big values and small, then deletes most of it (the database
// shrinks only by its free list), and checks every byte after reopening.
func testManyWritesAndReopen(t *testing.T, s *Subject) {
	o := s.Object
	want := map[string]string{}
	for i := range 300 {
		k := fmt.Sprintf("key-%04d", i)
		v := strings.Repeat(string(rune('a'+i%26)), 1+(i*997)%20000)
		put(t, o, k, v)
		want[k] = v
	}
	for i := 0; i < 300; i += 3 {
		k := fmt.Sprintf("key-%04d", i)
		if _, err := o.Delete([]string{k}); err != nil {
			t.Fatal(err)
		}
		delete(want, k)
	}
	if _, err := o.Exec("CREATE TABLE big (b BLOB)", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Exec("INSERT INTO big VALUES (zeroblob(1000000))", nil); err != nil {
		t.Fatal(err)
	}
	if _, err := o.Exec("DROP TABLE big", nil); err != nil {
		t.Fatal(err)
	}
	o = s.Reopen(t)
	got, err := o.List(durable.ListOptions{})
	if err != nil || len(got) != len(want) {
		t.Fatalf("%d keys after reopen, want %d (%v)", len(got), len(want), err)
	}
	for _, e := range got {
		if want[e.Key] != string(e.Value) {
			t.Fatalf("%s has %d bytes, want %d", e.Key, len(e.Value), len(want[e.Key]))
		}
	}
	if res, err := o.Exec("PRAGMA quick_check", nil); err != nil || res.Rows[0][0] != "ok" {
		t.Errorf("quick_check = %+v, %v", res, err)
	}
}
