package fleet

import (
	"bytes"
	"database/sql"
	"os"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/durable"
)

type keepLog struct{}

func (keepLog) Sync(bool, func() (time.Time, bool)) error { return nil }
func (keepLog) Close() error                              { return nil }

// The log reader on a real SQLite log: it returns what each commit added,
// follows nothing past a frame whose checksum does not continue the chain,
// and starts over with a new log after a checkpoint.
func TestWALReader(t *testing.T) {
	s := durable.NewReplicatedStore(t.TempDir(), func(worker, class, id, path string) (durable.Replica, error) { return keepLog{}, nil })
	defer s.Close()
	o, err := s.Object("w", "C", durable.IDFromName("w/C", "wal"))
	if err != nil {
		t.Fatal(err)
	}
	r := &walReader{path: o.Path() + "-wal"}
	first, err := r.next() // the tables made at open
	if err != nil || first == nil || first.dbPages < 2 || first.pageSize != 4096 || first.pages[1] == nil {
		t.Fatalf("first commit = %+v, %v", first, err)
	}
	if c, err := r.next(); c != nil || err != nil {
		t.Fatalf("nothing new, yet %+v, %v", c, err)
	}
	afterFirst, sumFirst := r.off, r.sum

	o.Put([]durable.Entry{{Key: "a", Value: bytes.Repeat([]byte("x"), 10_000)}}) // overflow pages
	ca, err := r.next()
	if err != nil || ca == nil || len(ca.pages) < 3 {
		t.Fatalf("a commit with overflow pages = %+v, %v", ca, err)
	}
	afterA := r.off
	o.Put([]durable.Entry{{Key: "b", Value: []byte("y")}})
	o.Put([]durable.Entry{{Key: "b", Value: []byte("yy")}})
	cb, err := r.next() // two commits at once: later frames win
	if err != nil || cb == nil || r.off <= afterA {
		t.Fatalf("two commits = %+v, %v", cb, err)
	}
	for n := range cb.pages {
		if n == 0 || n > cb.dbPages {
			t.Errorf("page %d of a %d-page database", n, cb.dbPages)
		}
	}

	// A copy of the log with one byte of the last frame changed: the
	// commits before it are read, the last one is not.
	log, err := os.ReadFile(r.path)
	if err != nil {
		t.Fatal(err)
	}
	log[len(log)-100] ^= 0xff
	bad := t.TempDir() + "/bad-wal"
	if err := os.WriteFile(bad, log, 0o644); err != nil {
		t.Fatal(err)
	}
	corrupt := &walReader{path: bad, salt1: r.salt1, salt2: r.salt2, bigEndian: r.bigEndian, pageSize: r.pageSize, off: afterFirst, sum: sumFirst}
	cc, err := corrupt.next()
	if err != nil || cc == nil || corrupt.off <= afterA || corrupt.off >= r.off {
		t.Fatalf("with a corrupt last frame: %+v, %v; read to %d (commits end at %d and %d)", cc, err, corrupt.off, afterA, r.off)
	}
	if cc, err := corrupt.next(); cc != nil || err != nil {
		t.Fatalf("the corrupt commit was read later: %+v, %v", cc, err)
	}

	// A checkpoint truncates the log; the next commit starts a new one
	// with new salts, read from its first frame.
	// (Scripts may not checkpoint; the object does it past 4 MiB. Here a
	// second connection does.)
	db, err := sql.Open("sqlite", o.Path())
	if err != nil {
		t.Fatal(err)
	}
	var busy, logged, moved int
	if err := db.QueryRow("PRAGMA wal_checkpoint(TRUNCATE)").Scan(&busy, &logged, &moved); err != nil || busy != 0 {
		t.Fatalf("checkpoint: busy %d, %v", busy, err)
	}
	db.Close()
	if c, err := r.next(); c != nil || err != nil {
		t.Fatalf("after the checkpoint: %+v, %v", c, err)
	}
	oldSalt := r.salt1
	o.Put([]durable.Entry{{Key: "c", Value: []byte("z")}})
	c, err := r.next()
	if err != nil || c == nil || r.salt1 == oldSalt || r.off != walHeaderSize+int64(len(c.pages))*int64(walFrameHeaderSize+4096) {
		t.Fatalf("the new log: %+v, %v, offset %d", c, err, r.off)
	}
}
