// Package d1fleet keeps D1 databases on the Durable Objects fleet storage
// (internal/durable/fleet), as Cloudflare runs D1 on Durable Objects: each
// database is one object of the fleet — one owner node at a time under a
// lease with a fencing token, its SQLite pages in PostgreSQL, restored on
// the node that takes it over. A write returns only once its pages are in
// PostgreSQL under the owner's token; a node whose lease is gone can
// neither read nor write the database again.
//
// The database file is shared by two connections: the object's (which
// ships the write-ahead log and checkpoints it) and D1's (internal/d1,
// with D1's SQL policy), which never checkpoints. D1's connection settles
// every (group) commit by syncing the object while it still holds itself,
// so no commit can slip in between the shipping and the checkpoint.
package d1fleet

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/durable"
)

// Worker and Class address D1 databases among the fleet's objects. "$" is
// not allowed in worker names, so no worker's own objects can collide.
const (
	Worker = "$d1"
	Class  = "D1Database"
)

// ObjectID is the object id of the database called name.
func ObjectID(name string) string {
	sum := sha256.Sum256([]byte("d1:" + name))
	return hex.EncodeToString(sum[:])
}

// Store opens D1 databases on a fleet node's object storage (made by
// fleet.Node.Store). Opening a database takes its lease: another node's
// database fails with the fleet's *fleet.HeldError.
type Store struct {
	objects *durable.Store
	mu      sync.Mutex
	dbs     map[string]*DB
	// byID is dbs by object id, for Lost, which runs on the fleet's
	// renewal goroutine and must not wait for mu (held while a database
	// is restored).
	byID sync.Map
}

// New keeps databases in objects.
func New(objects *durable.Store) *Store {
	return &Store{objects: objects, dbs: map[string]*DB{}}
}

// Open opens the database called name on this node.
func (s *Store) Open(name string) (*DB, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	id := ObjectID(name)
	if db := s.dbs[name]; db != nil {
		if !db.broken.Load() {
			return db, nil
		}
		// Its storage failed (the lease was lost, or PostgreSQL refused a
		// write): what the file holds may not be durable. Open it again,
		// from PostgreSQL, if this node can still take it.
		db.local.Close()
		delete(s.dbs, name)
		s.byID.Delete(id)
		s.objects.Drop(Worker, Class, id)
	}
	obj, err := s.objects.Object(Worker, Class, id)
	if err != nil {
		return nil, err
	}
	db := &DB{name: name, obj: obj}
	local, err := d1.Open(obj.Path(), d1.Options{Replicated: true, Settle: db.sync})
	if err != nil {
		s.objects.Drop(Worker, Class, id)
		return nil, err
	}
	db.local = local
	// The object's first sync ships the tables D1 made in the file.
	if err := db.sync(); err != nil {
		local.Close()
		s.objects.Drop(Worker, Class, id)
		return nil, err
	}
	s.dbs[name] = db
	s.byID.Store(id, db)
	return db, nil
}

// Database is Open as a d1.Opener.
func (s *Store) Database(name string) (d1.Database, error) { return s.Open(name) }

// Drop closes the database on this node and gives up its lease (when
// another node should take it over, or the lease was lost).
func (s *Store) Drop(name string) error {
	s.mu.Lock()
	db := s.dbs[name]
	delete(s.dbs, name)
	s.byID.Delete(ObjectID(name))
	s.mu.Unlock()
	if db != nil {
		db.local.Close()
	}
	return s.objects.Drop(Worker, Class, ObjectID(name))
}

// Close closes every database this node holds and releases their leases.
func (s *Store) Close() {
	s.mu.Lock()
	names := make([]string, 0, len(s.dbs))
	for n := range s.dbs {
		names = append(names, n)
	}
	s.mu.Unlock()
	for _, n := range names {
		s.Drop(n)
	}
}

// Lost marks the database whose lease the node lost (fleet.Config.OnLost
// reports the object key Worker/Class/id) as unusable: its next call
// opens it again — here, restored from PostgreSQL, or on the node that
// took it. Other objects are not D1's and are ignored (false).
func (s *Store) Lost(object string) bool {
	id, ok := strings.CutPrefix(object, Worker+"/"+Class+"/")
	if !ok {
		return false
	}
	if db, held := s.byID.Load(id); held {
		db.(*DB).broken.Store(true)
	}
	return true
}

// Holds reports whether this node has the database open (holds its lease).
func (s *Store) Holds(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	db := s.dbs[name]
	return db != nil && !db.broken.Load()
}

// DB is a D1 database held by this node.
type DB struct {
	name   string
	obj    *durable.Object
	local  *d1.DB
	broken atomic.Bool // a sync failed: open it again before the next call
}

// sync ships what the D1 connection committed and checks the lease (the
// object's operations sync its replica before they return): after it, a
// read was served by the owner and a write is in PostgreSQL.
func (db *DB) sync() error {
	if _, err := db.obj.Exec("SELECT 1", nil); err != nil {
		db.broken.Store(true)
		return &d1.Error{Message: fmt.Sprintf("D1 database %s is unavailable on this node: %v", db.name, err)}
	}
	return nil
}

// Batch runs statements in one transaction and returns once its writes
// are stored in PostgreSQL (calls at once share the commit and the trip).
func (db *DB) Batch(ctx context.Context, stmts []d1.Statement) ([]d1.Result, error) {
	return db.local.Batch(ctx, stmts)
}

// Exec runs a script in one transaction, stored before it returns.
func (db *DB) Exec(ctx context.Context, script string) ([]d1.Result, error) {
	return db.local.Exec(ctx, script)
}

// Bookmark is the database's bookmark.
func (db *DB) Bookmark(ctx context.Context) (string, error) { return db.local.Bookmark(ctx) }

// Dump writes the database as SQL.
func (db *DB) Dump(ctx context.Context, w io.Writer, opts d1.DumpOptions) error {
	return db.local.Dump(ctx, w, opts)
}
