package filestore

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/r2"
	"github.com/outpost-dev/outpost/internal/r2/r2test"
)

func TestConformance(t *testing.T) {
	r2test.Run(t, func(t *testing.T) r2.Store {
		s, err := Open(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}, r2test.Quirks{})
}

// TestCrashLeftovers: what an interrupted write leaves (a temporary file,
// a version file no row names) is removed at the next start; committed
// objects stay.
func TestCrashLeftovers(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := r2.NewBucket("crash", s.Backend("crash"))
	ctx := context.Background()
	o, err := b.Put(ctx, "kept", strings.NewReader("data"), 4, r2.PutOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	old := time.Now().Add(-time.Hour)
	orphan := filepath.Join(dir, "crash", "0123456789abcdef0123456789abcdef")
	tmp := filepath.Join(dir, "crash", ".tmp", "put-123")
	fresh := filepath.Join(dir, "crash", "fedcba9876543210fedcba9876543210")
	for _, f := range []string{orphan, tmp, fresh} {
		os.WriteFile(f, []byte("half"), 0o644)
	}
	os.Chtimes(orphan, old, old)
	os.Chtimes(tmp, old, old)

	s, err = Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for _, f := range []string{orphan, tmp} {
		if _, err := os.Stat(f); !os.IsNotExist(err) {
			t.Errorf("%s survived the sweep", f)
		}
	}
	// A file another process may be about to commit is left alone.
	if _, err := os.Stat(fresh); err != nil {
		t.Errorf("a fresh file was swept: %v", err)
	}
	b = r2.NewBucket("crash", s.Backend("crash"))
	got, body, err := b.Get(ctx, "kept", r2.GetOptions{})
	if err != nil || got.Version != o.Version {
		t.Fatalf("after reopen: %+v %v", got, err)
	}
	data, _ := io.ReadAll(body)
	body.Close()
	if string(data) != "data" {
		t.Errorf("body %q", data)
	}
}

// TestConcurrentWrites: writes that commit together still check their
// conditions one after another: of many "create if absent" puts of one
// key exactly one wins, and every other key is written.
func TestConcurrentWrites(t *testing.T) {
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	b := r2.NewBucket("busy", s.Backend("busy"))
	ctx := context.Background()
	var wg sync.WaitGroup
	var won atomic.Int32
	absent := &r2.Conditional{EtagDoesNotMatch: []r2.Etag{{Wildcard: true}}}
	for i := range 40 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			o, err := b.Put(ctx, "once", strings.NewReader("x"), 1, r2.PutOptions{OnlyIf: absent})
			if err != nil {
				t.Error(err)
			}
			if o != nil {
				won.Add(1)
			}
		}()
		go func() {
			defer wg.Done()
			body := fmt.Sprint(i)
			if _, err := b.Put(ctx, "k"+body, strings.NewReader(body), int64(len(body)), r2.PutOptions{}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if won.Load() != 1 {
		t.Errorf("%d conditional creates won", won.Load())
	}
	res, err := b.List(ctx, r2.ListOptions{})
	if err != nil || len(res.Objects) != 41 {
		t.Fatalf("listed %d objects: %v", len(res.Objects), err)
	}
	files, _ := os.ReadDir(filepath.Join(s.Where(), "busy"))
	n := 0
	for _, f := range files {
		if !f.IsDir() {
			n++
		}
	}
	if n != 41 {
		t.Errorf("%d object files for 41 objects (losers' files must go)", n)
	}
}
