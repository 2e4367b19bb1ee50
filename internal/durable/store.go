// Package durable is the storage of Durable Objects on one node: one
// SQLite database per object, under <state>/do/<worker>/<class>/<id>.sqlite
// (readable with the sqlite3 tool), holding the key-value API's entries in
// a _cf_KV table beside the object's own SQL tables, as Cloudflare's
// SQLite-backed objects do, and the object's alarm. Semantics that do not
// depend on the engine (limits, list ranges, key order) live here, so they
// are tested without JavaScript.
package durable

import (
	"bytes"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Cloudflare's limits for the key-value storage API.
const (
	MaxKeySize   = 2048
	MaxValueSize = 128 * 1024
	// enforcedMaxValueSize leaves room for the serialization's own bytes,
	// as workerd does.
	enforcedMaxValueSize = MaxValueSize + 34
	MaxKeys              = 128
)

const schema = `
CREATE TABLE IF NOT EXISTS _cf_KV (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS _outpost_alarm (id INTEGER PRIMARY KEY CHECK (id = 1), at_ms INTEGER NOT NULL, retries INTEGER NOT NULL DEFAULT 0);
`

// Error is a rejection a script sees with its JavaScript error name.
type Error struct {
	Name    string // TypeError, RangeError, Error
	Message string
}

func (e *Error) Error() string { return e.Message }

func rangeError(format string, args ...any) error {
	return &Error{Name: "RangeError", Message: fmt.Sprintf(format, args...)}
}

// Store opens the objects of one node.
type Store struct {
	dir string

	mu      sync.Mutex
	objects map[string]*Object
}

// NewStore keeps objects under dir (<state>/do).
func NewStore(dir string) *Store { return &Store{dir: dir, objects: map[string]*Object{}} }

// Dir is where the objects live.
func (s *Store) Dir() string { return s.dir }

var safeName = regexp.MustCompile(`^[A-Za-z0-9_$-]{1,128}$`)
var hexID = regexp.MustCompile(`^[0-9a-f]{64}$`)

// Path is the database file of an object.
func (s *Store) Path(worker, class, id string) (string, error) {
	if !safeName.MatchString(worker) || !safeName.MatchString(class) || !hexID.MatchString(id) {
		return "", fmt.Errorf("durable: invalid object address %s/%s/%s", worker, class, id)
	}
	return filepath.Join(s.dir, worker, class, id+".sqlite"), nil
}

// Object opens (once) the storage of an object.
func (s *Store) Object(worker, class, id string) (*Object, error) {
	path, err := s.Path(worker, class, id)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if o := s.objects[path]; o != nil {
		return o, nil
	}
	o, err := openObject(path)
	if err != nil {
		return nil, err
	}
	s.objects[path] = o
	return o, nil
}

// Close closes every open object.
func (s *Store) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, o := range s.objects {
		o.db.Close()
		delete(s.objects, p)
	}
}

// Alarm is a pending alarm of an object found on disk.
type Alarm struct {
	Worker, Class, ID string
	At                time.Time
	Retries           int
}

// Alarms lists the alarms stored by every object of the node (to schedule
// them again after a restart).
func (s *Store) Alarms() ([]Alarm, error) {
	files, err := filepath.Glob(filepath.Join(s.dir, "*", "*", "*.sqlite"))
	if err != nil {
		return nil, err
	}
	var out []Alarm
	for _, f := range files {
		id := strings.TrimSuffix(filepath.Base(f), ".sqlite")
		class := filepath.Base(filepath.Dir(f))
		worker := filepath.Base(filepath.Dir(filepath.Dir(f)))
		o, err := s.Object(worker, class, id)
		if err != nil {
			continue
		}
		if at, retries, ok, err := o.Alarm(); err == nil && ok {
			out = append(out, Alarm{Worker: worker, Class: class, ID: id, At: at, Retries: retries})
		}
	}
	return out, nil
}

// Object is one object's database. Calls are made from the object's VM
// thread one at a time; the mutex only guards against the CLI and the
// alarm scheduler.
type Object struct {
	mu   sync.Mutex
	db   *sql.DB
	path string
	tx   *sql.Tx // an open transaction (transaction(), transactionSync())
}

func openObject(path string) (*Object, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("durable: creating %s: %w", filepath.Dir(path), err)
	}
	q := url.Values{}
	for _, p := range []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)"} {
		q.Add("_pragma", p)
	}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("durable: opening %s: %w", path, err)
	}
	// One connection: a transaction and the statements inside it must
	// see each other, and SQLite serialises writers anyway.
	db.SetMaxOpenConns(1)
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("durable: preparing %s: %w", path, err)
	}
	return &Object{db: db, path: path}, nil
}

// Path is the object's database file.
func (o *Object) Path() string { return o.path }

type execer interface {
	Exec(query string, args ...any) (sql.Result, error)
	Query(query string, args ...any) (*sql.Rows, error)
	QueryRow(query string, args ...any) *sql.Row
}

func (o *Object) q() execer {
	if o.tx != nil {
		return o.tx
	}
	return o.db
}

// CheckKey applies the key size limit (in UTF-8 bytes).
func CheckKey(key string) error {
	if len(key) > MaxKeySize {
		return rangeError("Keys cannot be larger than %d bytes. A key of size %d was provided.", MaxKeySize, len(key))
	}
	return nil
}

func checkKeys(keys []string) error {
	if len(keys) > MaxKeys {
		return rangeError("Maximum number of key value pairs is %d. %d pairs were provided.", MaxKeys, len(keys))
	}
	for _, k := range keys {
		if err := CheckKey(k); err != nil {
			return err
		}
	}
	return nil
}

// Entry is one key with its serialized value.
type Entry struct {
	Key   string
	Value []byte
}

// Get reads keys; absent keys are missing from the result.
func (o *Object) Get(keys []string) ([]Entry, error) {
	if err := checkKeys(keys); err != nil {
		return nil, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []Entry
	for _, k := range keys {
		var v []byte
		err := o.q().QueryRow(`SELECT value FROM _cf_KV WHERE key = ?`, k).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err != nil {
			return nil, err
		}
		out = append(out, Entry{k, v})
	}
	return out, nil
}

// Put writes entries in one transaction: all or none.
func (o *Object) Put(entries []Entry) error {
	keys := make([]string, len(entries))
	for i, e := range entries {
		keys[i] = e.Key
		if len(e.Value) > enforcedMaxValueSize {
			return rangeError("Values cannot be larger than %d bytes. A value of size %d was provided.", MaxValueSize, len(e.Value))
		}
	}
	if err := checkKeys(keys); err != nil {
		return err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.atomically(func(q execer) error {
		for _, e := range entries {
			if _, err := q.Exec(`INSERT INTO _cf_KV (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, e.Key, e.Value); err != nil {
				return err
			}
		}
		return nil
	})
}

// Delete removes keys and says how many existed.
func (o *Object) Delete(keys []string) (int, error) {
	if err := checkKeys(keys); err != nil {
		return 0, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	n := 0
	err := o.atomically(func(q execer) error {
		for _, k := range keys {
			res, err := q.Exec(`DELETE FROM _cf_KV WHERE key = ?`, k)
			if err != nil {
				return err
			}
			c, _ := res.RowsAffected()
			n += int(c)
		}
		return nil
	})
	return n, err
}

// ListOptions select a range of keys, as storage.list() takes them.
type ListOptions struct {
	Start, StartAfter, End, Prefix string
	HasStart, HasStartAfter        bool
	HasEnd                         bool
	Reverse                        bool
	Limit                          int // 0: no limit
}

// List returns the entries in the range, in key order (UTF-8 bytes), or
// reversed.
func (o *Object) List(opt ListOptions) ([]Entry, error) {
	if opt.Limit < 0 {
		return nil, &Error{Name: "TypeError", Message: "List limit must be positive."}
	}
	var where []string
	var args []any
	if opt.HasStart {
		where = append(where, "key >= ?")
		args = append(args, opt.Start)
	}
	if opt.HasStartAfter {
		where = append(where, "key > ?")
		args = append(args, opt.StartAfter)
	}
	if opt.HasEnd {
		where = append(where, "key < ?")
		args = append(args, opt.End)
	}
	if opt.Prefix != "" {
		where = append(where, "substr(key, 1, ?) = ?")
		args = append(args, len([]rune(opt.Prefix)), opt.Prefix)
	}
	q := `SELECT key, value FROM _cf_KV`
	if len(where) > 0 {
		q += " WHERE " + strings.Join(where, " AND ")
	}
	q += " ORDER BY CAST(key AS BLOB)"
	if opt.Reverse {
		q += " DESC"
	}
	if opt.Limit > 0 {
		q += fmt.Sprintf(" LIMIT %d", opt.Limit)
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	rows, err := o.q().Query(q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.Key, &e.Value); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// DeleteAll removes every key-value entry and the alarm.
func (o *Object) DeleteAll() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.tx != nil {
		return &Error{Name: "Error", Message: "Cannot call deleteAll() within a transaction"}
	}
	return o.atomically(func(q execer) error {
		if _, err := q.Exec(`DELETE FROM _cf_KV`); err != nil {
			return err
		}
		_, err := q.Exec(`DELETE FROM _outpost_alarm`)
		return err
	})
}

// atomically runs f inside the open transaction, or in one of its own.
func (o *Object) atomically(f func(q execer) error) error {
	if o.tx != nil {
		return f(o.tx)
	}
	tx, err := o.db.Begin()
	if err != nil {
		return err
	}
	if err := f(tx); err != nil {
		tx.Rollback()
		return err
	}
	return tx.Commit()
}

// Begin opens a transaction (transaction(), transactionSync()); nested
// calls are savepoints.
func (o *Object) Begin() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.tx != nil {
		return &Error{Name: "Error", Message: "Nested transactions are not supported by Outpost yet."}
	}
	tx, err := o.db.Begin()
	if err != nil {
		return err
	}
	o.tx = tx
	return nil
}

// End commits (or rolls back) the open transaction.
func (o *Object) End(commit bool) error {
	o.mu.Lock()
	defer o.mu.Unlock()
	tx := o.tx
	o.tx = nil
	if tx == nil {
		return nil
	}
	if commit {
		return tx.Commit()
	}
	return tx.Rollback()
}

// Result is what a SQL statement gave.
type Result struct {
	Columns     []string
	Rows        [][]any // int64, float64, string, []byte or nil
	RowsRead    int64
	RowsWritten int64
}

// Exec runs one or more SQL statements with bindings (ctx.storage.sql);
// the result is the last statement's rows. Tables of Outpost's own
// (_cf_KV, _outpost_*) are not for the script to touch.
func (o *Object) Exec(query string, args []any) (*Result, error) {
	lower := strings.ToLower(query)
	if strings.Contains(lower, "_outpost_") || strings.Contains(lower, "_cf_") {
		return nil, &Error{Name: "Error", Message: "access to _cf_ and _outpost_ tables is not allowed: SQLITE_AUTH"}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	res := &Result{}
	trimmed := strings.TrimSpace(query)
	rows, err := o.q().Query(trimmed, args...)
	if err != nil {
		return nil, &Error{Name: "Error", Message: err.Error()}
	}
	defer rows.Close()
	cols, err := rows.Columns()
	if err != nil {
		return nil, err
	}
	res.Columns = cols
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			return nil, err
		}
		for i, v := range vals {
			if b, ok := v.([]byte); ok {
				vals[i] = bytes.Clone(b)
			}
		}
		res.Rows = append(res.Rows, vals)
	}
	if err := rows.Err(); err != nil {
		return nil, &Error{Name: "Error", Message: err.Error()}
	}
	res.RowsRead = int64(len(res.Rows))
	var changes int64
	if err := o.q().QueryRow(`SELECT changes()`).Scan(&changes); err == nil && !isSelect(trimmed) {
		res.RowsWritten = changes
	}
	return res, nil
}

func isSelect(q string) bool {
	l := strings.ToLower(q)
	return strings.HasPrefix(l, "select") || strings.HasPrefix(l, "with") || strings.HasPrefix(l, "pragma")
}

// Size is the database's size in bytes (ctx.storage.sql.databaseSize).
func (o *Object) Size() int64 {
	o.mu.Lock()
	defer o.mu.Unlock()
	var pages, size int64
	o.q().QueryRow(`PRAGMA page_count`).Scan(&pages)
	o.q().QueryRow(`PRAGMA page_size`).Scan(&size)
	return pages * size
}

// Alarm is the object's alarm, if set.
func (o *Object) Alarm() (time.Time, int, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	var ms int64
	var retries int
	err := o.q().QueryRow(`SELECT at_ms, retries FROM _outpost_alarm WHERE id = 1`).Scan(&ms, &retries)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, 0, false, nil
	}
	if err != nil {
		return time.Time{}, 0, false, err
	}
	return time.UnixMilli(ms), retries, true, nil
}

// SetAlarm sets the alarm (replacing one that is set), with the retry
// count of the run that will fire.
func (o *Object) SetAlarm(at time.Time, retries int) error {
	if at.UnixMilli() <= 0 {
		return &Error{Name: "TypeError", Message: "setAlarm() cannot be called with an alarm time <= 0"}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	_, err := o.q().Exec(`INSERT INTO _outpost_alarm (id, at_ms, retries) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET at_ms = excluded.at_ms, retries = excluded.retries`, at.UnixMilli(), retries)
	return err
}

// DeleteAlarm clears the alarm.
func (o *Object) DeleteAlarm() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, err := o.q().Exec(`DELETE FROM _outpost_alarm`)
	return err
}

// Keys lists the object's keys in order (for the CLI and tests).
func (o *Object) Keys() ([]string, error) {
	es, err := o.List(ListOptions{})
	if err != nil {
		return nil, err
	}
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Key
	}
	sort.Strings(out)
	return out, nil
}
