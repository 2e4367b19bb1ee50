package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/outpost-dev/outpost/internal/kv"
	"github.com/outpost-dev/outpost/internal/kv/kvtest"
)

func TestConformance(t *testing.T) {
	kvtest.Run(t, func(t *testing.T) kv.Store {
		s, err := OpenStateDir(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

func TestOneReadableFileUnderStateDir(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if want := filepath.Join(dir, "kv", "kv.sqlite"); s.Path() != want {
		t.Fatalf("path = %s, want %s", s.Path(), want)
	}
	var mode, sync string
	if err := s.db.QueryRow(`PRAGMA journal_mode`).Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v", mode, err)
	}
	if err := s.db.QueryRow(`PRAGMA synchronous`).Scan(&sync); err != nil || sync != "2" {
		t.Errorf("synchronous = %q (2 is FULL), %v", sync, err)
	}
}

func TestReopenKeepsData(t *testing.T) {
	dir := t.TempDir()
	s, err := OpenStateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	ns := kv.New(s, kv.Options{}).Namespace("ns")
	if err := ns.Put(t.Context(), "k", []byte("v"), kv.PutOptions{Metadata: []byte(`{"a":1}`)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = OpenStateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	r, err := kv.New(s, kv.Options{}).Namespace("ns").Get(t.Context(), "k", kv.GetOptions{})
	if err != nil || string(r.Value) != "v" || string(r.Metadata) != `{"a":1}` {
		t.Fatalf("after reopen: %+v, %v", r, err)
	}
}

func TestOpenErrorNamesPath(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := writeFile(file); err != nil {
		t.Fatal(err)
	}
	_, err := OpenStateDir(file)
	if err == nil || !contains(err.Error(), file) {
		t.Fatalf("error = %v, want it to name %s", err, file)
	}
}
