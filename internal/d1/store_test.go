package d1_test

import (
	"path/filepath"
	"testing"

	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/d1/d1test"
)

// fileStore runs the suite on SQLite files.
type fileStore struct {
	dir  string
	last *d1.DB
}

func (f *fileStore) Open(t *testing.T) d1.Database {
	p := filepath.Join(t.TempDir(), "db.sqlite")
	db, err := d1.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.last = db
	return db
}

func (f *fileStore) Reopen(t *testing.T) d1.Database {
	p := f.last.Path()
	f.last.Close()
	db, err := d1.OpenFile(p)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	f.last = db
	return db
}

func TestConformance(t *testing.T) { d1test.Run(t, &fileStore{}) }
