package d1

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// Store keeps the databases of one node under a directory, one file per
// database: <dir>/<name>.sqlite (.outpost/state/d1 under outpost dev).
type Store struct {
	dir string
	mu  sync.Mutex
	dbs map[string]*DB
}

// NewStore keeps databases under dir.
func NewStore(dir string) *Store { return &Store{dir: dir, dbs: map[string]*DB{}} }

var validName = lazyregexp.New(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$`)

// ValidName reports whether name can name a database (and its file).
func ValidName(name string) bool {
	return validName.MatchString(name) && !strings.Contains(name, "..")
}

// Path is the file of the database called name.
func (s *Store) Path(name string) (string, error) {
	if !ValidName(name) {
		return "", fmt.Errorf("d1: %q is not a valid database name", name)
	}
	return filepath.Join(s.dir, name+".sqlite"), nil
}

// Open opens (creating) the database called name; one *DB per name.
func (s *Store) Open(name string) (*DB, error) {
	p, err := s.Path(name)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if db := s.dbs[name]; db != nil {
		return db, nil
	}
	db, err := OpenFile(p)
	if err != nil {
		return nil, err
	}
	s.dbs[name] = db
	return db, nil
}

// Database is Open as an Opener.
func (s *Store) Database(name string) (Database, error) { return s.Open(name) }

// Exists reports whether the database's file exists.
func (s *Store) Exists(name string) bool {
	p, err := s.Path(name)
	if err != nil {
		return false
	}
	_, err = os.Stat(p)
	return err == nil
}

// List names the databases that have a file.
func (s *Store) List() ([]string, error) {
	files, err := filepath.Glob(filepath.Join(s.dir, "*.sqlite"))
	if err != nil {
		return nil, err
	}
	var names []string
	for _, f := range files {
		names = append(names, strings.TrimSuffix(filepath.Base(f), ".sqlite"))
	}
	sort.Strings(names)
	return names, nil
}

// Close closes every open database.
func (s *Store) Close() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for name, db := range s.dbs {
		db.Close()
		delete(s.dbs, name)
	}
}
