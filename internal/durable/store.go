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
	"sort"
	"strings"
	"sync"
	"time"

	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/outpost-dev/outpost/internal/lazyregexp"
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
	dir    string
	attach AttachFunc

	mu      sync.Mutex
	objects map[string]*Object
	opening map[string]*opening
}

// NewStore keeps objects under dir (<state>/do).
func NewStore(dir string) *Store { return &Store{dir: dir, objects: map[string]*Object{}} }

// A Replica keeps one object's database durable off the node (package
// durable/fleet ships it to PostgreSQL). The object calls Sync after every
// operation, with the object locked, before the result goes back to the
// script: Sync makes the writes committed since its last call durable
// elsewhere or, when there are none, confirms that this node may still
// serve the object. wrote is false after operations that cannot write
// (get, list, getAlarm, databaseSize). An error fails the operation and the object: its later
// calls fail too, since the local database may hold a write that is not
// durable elsewhere, until the object is opened again (Store.Drop, then
// Store.Object). alarm reads the object's alarm as the database now holds it.
type Replica interface {
	Sync(wrote bool, alarm func() (at time.Time, ok bool)) error
	Close() error
}

// AttachFunc is called before an object's database file is opened, with
// the path it will be opened at: it may write the file (a restore) and
// returns the object's Replica.
type AttachFunc func(worker, class, id, path string) (Replica, error)

// NewReplicatedStore keeps objects under dir, each with the Replica attach
// gives it. Their databases never checkpoint by themselves (the replica
// reads every committed frame of the write-ahead log; the object
// checkpoints once they are synced) and skip fsync: the local file is a
// cache of what the replica holds.
func NewReplicatedStore(dir string, attach AttachFunc) *Store {
	return &Store{dir: dir, attach: attach, objects: map[string]*Object{}}
}

// Dir is where the objects live.
func (s *Store) Dir() string { return s.dir }

var safeName = lazyregexp.New(`^[A-Za-z0-9_$-]{1,128}$`)
var hexID = lazyregexp.New(`^[0-9a-f]{64}$`)

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
	if o := s.objects[path]; o != nil {
		s.mu.Unlock()
		return o, nil
	}
	// Opening may take a while on a fleet (a lease, a restore): other
	// objects do not wait for it, callers of this one do.
	if op := s.opening[path]; op != nil {
		s.mu.Unlock()
		<-op.done
		return op.o, op.err
	}
	op := &opening{done: make(chan struct{})}
	if s.opening == nil {
		s.opening = map[string]*opening{}
	}
	s.opening[path] = op
	s.mu.Unlock()

	op.o, op.err = s.open(worker, class, id, path)
	s.mu.Lock()
	delete(s.opening, path)
	if op.err == nil {
		s.objects[path] = op.o
	}
	s.mu.Unlock()
	close(op.done)
	return op.o, op.err
}

type opening struct {
	done chan struct{}
	o    *Object
	err  error
}

func (s *Store) open(worker, class, id, path string) (*Object, error) {
	var rep Replica
	if s.attach != nil {
		var err error
		if rep, err = s.attach(worker, class, id, path); err != nil {
			return nil, err
		}
	}
	o, err := openObject(path, rep)
	if err != nil {
		if rep != nil {
			rep.Close()
		}
		return nil, err
	}
	return o, nil
}

// Drop closes an object if it is open (and its replica: a fleet node gives
// up the object). The next Store.Object opens it again.
func (s *Store) Drop(worker, class, id string) error {
	path, err := s.Path(worker, class, id)
	if err != nil {
		return err
	}
	s.mu.Lock()
	o := s.objects[path]
	delete(s.objects, path)
	s.mu.Unlock()
	if o == nil {
		return nil
	}
	return o.close()
}

// Close closes every open object.
func (s *Store) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for p, o := range s.objects {
		o.close()
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
// On a replicated store (NewReplicatedStore) only the open objects are
// listed: the others may belong to other nodes (the fleet lists alarms
// from its own records).
func (s *Store) Alarms() ([]Alarm, error) {
	if s.attach != nil {
		return s.openAlarms()
	}
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

func (s *Store) openAlarms() ([]Alarm, error) {
	s.mu.Lock()
	open := make(map[string]*Object, len(s.objects))
	for p, o := range s.objects {
		open[p] = o
	}
	s.mu.Unlock()
	var out []Alarm
	for p, o := range open {
		id := strings.TrimSuffix(filepath.Base(p), ".sqlite")
		class := filepath.Base(filepath.Dir(p))
		worker := filepath.Base(filepath.Dir(filepath.Dir(p)))
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

	rep    Replica // nil on one node
	broken error   // set when rep.Sync failed: every later call fails

	// The output gate (Gate): writes return once done in the database;
	// Flush makes them durable, many at once.
	gated   bool
	written uint64 // write operations done (under mu)
	kicked  bool   // a background flush is due (under mu)

	fmu      sync.Mutex
	fcond    *sync.Cond
	durable  uint64 // of the writes, those made durable (under fmu)
	flushing bool   // a sync runs (under fmu)
	flushErr error  // the sync that failed (under fmu)

	// The key-value API's values in memory, as Cloudflare's storage keeps
	// them: a get of a key read or written before does not reach SQLite
	// (under mu). Keys known to be absent are kept too.
	cache      map[string]cachedValue
	cacheBytes int
}

type cachedValue struct {
	value  []byte
	absent bool
}

// cacheLimit bounds the bytes the cache holds; past it the cache starts
// again empty.
const cacheLimit = 8 << 20

func (o *Object) remember(key string, value []byte, absent bool) {
	if o.cache == nil || o.cacheBytes > cacheLimit {
		o.cache, o.cacheBytes = map[string]cachedValue{}, 0
	}
	if old, ok := o.cache[key]; ok {
		o.cacheBytes -= len(key) + len(old.value)
	}
	o.cache[key] = cachedValue{value, absent}
	o.cacheBytes += len(key) + len(value)
}

// forget empties the cache: after a rollback, or anything else that
// changes values in ways it does not follow.
func (o *Object) forget() { o.cache, o.cacheBytes = nil, 0 }

// checkpointAt is the write-ahead log's size past which a replicated
// object checkpoints it (after it is synced).
const checkpointAt = 4 << 20

func openObject(path string, rep Replica) (*Object, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("durable: creating %s: %w", filepath.Dir(path), err)
	}
	q := url.Values{}
	pragmas := []string{"journal_mode(WAL)", "synchronous(FULL)", "busy_timeout(10000)"}
	if rep != nil {
		pragmas = []string{"journal_mode(WAL)", "synchronous(OFF)", "wal_autocheckpoint(0)", "busy_timeout(10000)"}
	}
	for _, p := range pragmas {
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
	o := &Object{db: db, path: path, rep: rep}
	o.fcond = sync.NewCond(&o.fmu)
	if err := o.settle(nil); err != nil {
		db.Close()
		return nil, err
	}
	return o, nil
}

// settle ends every operation (with o.mu held): on a replicated object it
// syncs the replica, so nothing is returned to the script before the
// writes it saw are durable off the node, and checkpoints a long log.
func (o *Object) settle(err error) error { return o.settleAfter(true, err) }

// settleRead ends an operation that cannot write.
func (o *Object) settleRead(err error) error { return o.settleAfter(false, err) }

func (o *Object) settleAfter(wrote bool, err error) error {
	if o.gated && wrote {
		// Durable later, with the writes around it (Flush).
		o.written++
		if !o.kicked {
			o.kicked = true
			go o.Flush()
		}
		wrote = false
	}
	if o.rep == nil {
		return err
	}
	if o.broken != nil {
		return o.broken
	}
	if serr := o.rep.Sync(wrote, o.alarmLocked); serr != nil {
		o.broken = &Error{Name: "Error", Message: "Durable Object storage is unavailable on this node: " + serr.Error()}
		return o.broken
	}
	if !o.gated {
		o.checkpointLocked()
	}
	return err
}

// checkpointLocked checkpoints a replicated object's long log once it is
// synced.
func (o *Object) checkpointLocked() {
	if o.tx == nil {
		if st, serr := os.Stat(o.path + "-wal"); serr == nil && st.Size() > checkpointAt {
			o.db.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		}
	}
}

// Gate puts the object's writes behind an output gate, as Cloudflare's
// objects have: a write operation returns once it is done in the
// database (later reads see it), and is made durable — fsynced here, or
// shipped by the replica — by the next Flush, together with every write
// made before it. The caller holds whatever depends on the writes (a
// response) until Flush returns. Unflushed writes are flushed shortly
// anyway, and when the object closes. A crash loses only writes no Flush
// covered.
func (o *Object) Gate() {
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.gated {
		return
	}
	o.gated = true
	if o.rep == nil {
		// Commits no longer fsync one by one: Flush fsyncs the log.
		// Checkpoints still sync the database before the log restarts.
		o.db.Exec(`PRAGMA synchronous = NORMAL`)
	}
}

// Flush makes every write done so far durable (nothing to do unless the
// object is gated). Concurrent calls share one sync: those that arrive
// while a sync runs wait for it, and the next sync covers all of them.
func (o *Object) Flush() error {
	o.mu.Lock()
	target, gated := o.written, o.gated
	o.mu.Unlock()
	if !gated {
		return nil
	}
	o.fmu.Lock()
	defer o.fmu.Unlock()
	for o.durable < target {
		if o.flushErr != nil {
			return o.flushErr
		}
		if o.flushing {
			o.fcond.Wait()
			continue
		}
		o.flushing = true
		o.fmu.Unlock()
		upto, err := o.syncWrites()
		o.fmu.Lock()
		o.flushing = false
		o.fcond.Broadcast()
		if err != nil {
			o.flushErr = err
			return err
		}
		o.durable = max(o.durable, upto)
	}
	return nil
}

// Durable says whether every write made so far is durable (always, for an
// object without an output gate).
func (o *Object) Durable() bool {
	o.mu.Lock()
	written, gated := o.written, o.gated
	o.mu.Unlock()
	if !gated {
		return true
	}
	o.fmu.Lock()
	defer o.fmu.Unlock()
	return o.durable >= written
}

// syncWrites makes the writes done so far durable and says how many it
// covered: a replicated object ships them (holding the object: the
// replica reads the log and the alarm), one on one node fsyncs its log
// while the object keeps running.
func (o *Object) syncWrites() (uint64, error) {
	o.mu.Lock()
	o.kicked = false
	upto := o.written
	if o.rep != nil {
		defer o.mu.Unlock()
		return upto, o.shipLocked()
	}
	o.mu.Unlock()
	f, err := os.OpenFile(o.path+"-wal", os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		// The log was checkpointed away (the database was closed):
		// checkpoints sync the database.
		return upto, nil
	}
	if err != nil {
		return upto, fmt.Errorf("durable: syncing %s: %w", o.path, err)
	}
	defer f.Close()
	if err := syncFile(f); err != nil {
		return upto, fmt.Errorf("durable: syncing %s: %w", o.path, err)
	}
	return upto, nil
}

// syncFile syncs the log (tests count the syncs).
var syncFile = datasync

// shipLocked ships a replicated object's unshipped writes; a failure
// breaks the object, as in settle.
func (o *Object) shipLocked() error {
	if o.broken != nil {
		return o.broken
	}
	if err := o.rep.Sync(true, o.alarmLocked); err != nil {
		o.broken = &Error{Name: "Error", Message: "Durable Object storage is unavailable on this node: " + err.Error()}
		return o.broken
	}
	o.checkpointLocked()
	return nil
}

// Err says why the object can no longer be used here — it was closed
// (dropped), or its replica failed, so the local database may hold a write
// that is not durable — or nil. Such an object must be opened again.
func (o *Object) Err() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.broken
}

// usable refuses calls on an object whose replica failed.
func (o *Object) usable() error {
	if o.broken != nil {
		return o.broken
	}
	return nil
}

func (o *Object) close() error {
	o.Flush()
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.tx != nil {
		o.tx.Rollback()
		o.tx = nil
	}
	if o.gated && o.rep != nil && o.broken == nil {
		// Writes made since the flush above go before the lease.
		o.shipLocked()
	}
	err := o.db.Close()
	if o.rep != nil {
		if rerr := o.rep.Close(); err == nil {
			err = rerr
		}
	}
	if o.broken == nil {
		o.broken = &Error{Name: "Error", Message: "Durable Object storage is closed"}
	}
	return err
}

func (o *Object) alarmLocked() (time.Time, bool) {
	var ms int64
	if err := o.q().QueryRow(`SELECT at_ms FROM _outpost_alarm WHERE id = 1`).Scan(&ms); err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
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
	if err := o.usable(); err != nil {
		return nil, err
	}
	var out []Entry
	for _, k := range keys {
		if c, ok := o.cache[k]; ok {
			if !c.absent {
				out = append(out, Entry{k, c.value})
			}
			continue
		}
		var v []byte
		err := o.q().QueryRow(`SELECT value FROM _cf_KV WHERE key = ?`, k).Scan(&v)
		if errors.Is(err, sql.ErrNoRows) {
			o.remember(k, nil, true)
			continue
		}
		if err != nil {
			return nil, o.settleRead(err)
		}
		o.remember(k, v, false)
		out = append(out, Entry{k, v})
	}
	if err := o.settleRead(nil); err != nil {
		return nil, err
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
	if err := o.usable(); err != nil {
		return err
	}
	write := o.atomically
	if len(entries) == 1 {
		write = o.once
	}
	err := write(func(q execer) error {
		for _, e := range entries {
			if _, err := q.Exec(`INSERT INTO _cf_KV (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`, e.Key, e.Value); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		o.forget()
	} else {
		for _, e := range entries {
			o.remember(e.Key, e.Value, false)
		}
	}
	return o.settle(err)
}

// Delete removes keys and says how many existed.
func (o *Object) Delete(keys []string) (int, error) {
	if err := checkKeys(keys); err != nil {
		return 0, err
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.usable(); err != nil {
		return 0, err
	}
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
	if err != nil {
		o.forget()
	} else {
		for _, k := range keys {
			o.remember(k, nil, true)
		}
	}
	if err = o.settle(err); err != nil {
		return 0, err
	}
	return n, nil
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
	if err := o.usable(); err != nil {
		return nil, err
	}
	out, err := o.list(q, args)
	if err = o.settleRead(err); err != nil {
		return nil, err
	}
	return out, nil
}

func (o *Object) list(q string, args []any) ([]Entry, error) {
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
	if err := o.usable(); err != nil {
		return err
	}
	if o.tx != nil {
		return &Error{Name: "Error", Message: "Cannot call deleteAll() within a transaction"}
	}
	o.forget()
	return o.settle(o.atomically(func(q execer) error {
		if _, err := q.Exec(`DELETE FROM _cf_KV`); err != nil {
			return err
		}
		_, err := q.Exec(`DELETE FROM _outpost_alarm`)
		return err
	}))
}

// atomically runs f inside the open transaction, or in one of its own.
func (o *Object) atomically(f func(q execer) error) error {
	if o.tx != nil {
		return f(o.tx)
	}
	return o.inTx(f)
}

// once runs one statement: inside the open transaction, or on its own
// (SQLite makes a single statement atomic without a transaction around it).
func (o *Object) once(f func(q execer) error) error {
	if o.tx != nil {
		return f(o.tx)
	}
	return f(o.db)
}

func (o *Object) inTx(f func(q execer) error) error {
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
	if err := o.usable(); err != nil {
		return err
	}
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
		return o.usable()
	}
	if err := o.usable(); err != nil {
		tx.Rollback()
		o.forget()
		return err
	}
	if commit {
		err := tx.Commit()
		if err != nil {
			o.forget()
		}
		return o.settle(err)
	}
	o.forget()
	return o.settle(tx.Rollback())
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
	if what := refusedStatement(query); what != "" {
		return nil, &Error{Name: "Error", Message: what + " is not allowed: SQLITE_AUTH"}
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.usable(); err != nil {
		return nil, err
	}
	res, err := o.exec(query, args)
	if err = o.settle(err); err != nil {
		return nil, err
	}
	return res, nil
}

func (o *Object) exec(query string, args []any) (*Result, error) {
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
	if o.usable() != nil {
		return 0
	}
	var pages, size int64
	o.q().QueryRow(`PRAGMA page_count`).Scan(&pages)
	o.q().QueryRow(`PRAGMA page_size`).Scan(&size)
	if o.settleRead(nil) != nil {
		return 0
	}
	return pages * size
}

// Alarm is the object's alarm, if set.
func (o *Object) Alarm() (time.Time, int, bool, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.usable(); err != nil {
		return time.Time{}, 0, false, err
	}
	var ms int64
	var retries int
	err := o.q().QueryRow(`SELECT at_ms, retries FROM _outpost_alarm WHERE id = 1`).Scan(&ms, &retries)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, 0, false, o.settleRead(nil)
	}
	if err = o.settleRead(err); err != nil {
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
	if err := o.usable(); err != nil {
		return err
	}
	_, err := o.q().Exec(`INSERT INTO _outpost_alarm (id, at_ms, retries) VALUES (1, ?, ?) ON CONFLICT (id) DO UPDATE SET at_ms = excluded.at_ms, retries = excluded.retries`, at.UnixMilli(), retries)
	return o.settle(err)
}

// DeleteAlarm clears the alarm.
func (o *Object) DeleteAlarm() error {
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.usable(); err != nil {
		return err
	}
	_, err := o.q().Exec(`DELETE FROM _outpost_alarm`)
	return o.settle(err)
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
