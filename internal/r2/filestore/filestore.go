// Package filestore keeps R2 buckets on one machine: each object's bytes
// in a file under <dir>/<bucket>/, its metadata in one SQLite database
// (<dir>/r2.sqlite). Writes stream to a temporary file that is fsynced
// and renamed to the new version's name before the metadata commits, so a
// crash leaves either the old object or the new one, never a mix (a file
// no row names is removed at the next start). Files are named by
// the object's version, not its key: "a" and "a/b" are both valid keys,
// which no directory tree can hold.
package filestore

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/outpost-dev/outpost/internal/sqlitedb"

	"github.com/outpost-dev/outpost/internal/r2"
)

const schema = `
CREATE TABLE IF NOT EXISTS buckets (
	name       TEXT PRIMARY KEY,
	created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS objects (
	bucket        TEXT NOT NULL,
	key           TEXT NOT NULL,
	version       TEXT NOT NULL,
	size          INTEGER NOT NULL,
	etag          TEXT NOT NULL,
	uploaded_ms   INTEGER NOT NULL,
	http          TEXT NOT NULL,
	custom        TEXT NOT NULL,
	checksums     TEXT NOT NULL,
	storage_class TEXT NOT NULL,
	PRIMARY KEY (bucket, key)
);
CREATE TABLE IF NOT EXISTS uploads (
	bucket     TEXT NOT NULL,
	id         TEXT NOT NULL PRIMARY KEY,
	key        TEXT NOT NULL,
	options    TEXT NOT NULL,
	created_ms INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS parts (
	upload_id TEXT NOT NULL,
	number    INTEGER NOT NULL,
	size      INTEGER NOT NULL,
	etag      TEXT NOT NULL,
	PRIMARY KEY (upload_id, number)
);`

// Store is the file store: all buckets under one directory.
type Store struct {
	dir string
	db  *sql.DB
	// mu orders the steps that must see one state: a conditional check
	// and the commit that follows it, a read's metadata and the file it
	// opens.
	mu  sync.RWMutex
	now func() time.Time
	// jobs are metadata commits waiting for the committer, which runs
	// the ones that queue up together in one transaction: concurrent
	// writes share one fsync of the database.
	jobs chan commitJob
	quit chan struct{}
}

var _ r2.Store = (*Store)(nil)

// Open opens (creating if needed) the store in dir, usually
// <state>/r2, and removes what an interrupted write left behind.
func Open(dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("r2: creating %s: %w", dir, err)
	}
	path := filepath.Join(dir, "r2.sqlite")
	db, err := sqlitedb.Open(path)
	if err != nil {
		return nil, fmt.Errorf("r2: opening %s: %w", path, err)
	}
	if _, err := db.Exec(schema); err != nil {
		db.Close()
		return nil, fmt.Errorf("r2: preparing %s: %w", path, err)
	}
	s := &Store{dir: dir, db: db, now: time.Now, jobs: make(chan commitJob), quit: make(chan struct{})}
	if err := s.sweep(); err != nil {
		db.Close()
		return nil, err
	}
	go s.committer()
	return s, nil
}

// sweep removes temporary files and object files no metadata row names
// (a crash between the rename and the commit).
func (s *Store) sweep() error {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if !e.IsDir() {
			continue
		}
		bdir := filepath.Join(s.dir, e.Name())
		files, err := os.ReadDir(bdir)
		if err != nil {
			return err
		}
		live := map[string]bool{}
		rows, err := s.db.Query(`SELECT version FROM objects WHERE bucket = ?`, e.Name())
		if err != nil {
			return err
		}
		for rows.Next() {
			var v string
			rows.Scan(&v)
			live[v] = true
		}
		rows.Close()
		// Only old leftovers: another process (the CLI beside outpost dev)
		// may be between its rename and its commit right now.
		old := func(path string) bool {
			st, err := os.Stat(path)
			return err == nil && time.Since(st.ModTime()) > 10*time.Minute
		}
		for _, f := range files {
			if p := filepath.Join(bdir, f.Name()); !f.IsDir() && !live[f.Name()] && old(p) {
				os.Remove(p)
			}
		}
		tmps, _ := os.ReadDir(filepath.Join(bdir, ".tmp"))
		for _, f := range tmps {
			if p := filepath.Join(bdir, ".tmp", f.Name()); old(p) {
				os.Remove(p)
			}
		}
	}
	return nil
}

// Where is the store's directory.
func (s *Store) Where() string { return s.dir }

// Close stops the committer and closes the metadata database.
func (s *Store) Close() error {
	close(s.quit)
	return s.db.Close()
}

// commitJob is one write's metadata change. run executes inside the
// batch's transaction (under its own savepoint, so one failing write does
// not undo the others) and returns what to do once the batch is durable;
// undo runs when the write did not commit.
type commitJob struct {
	run  func(tx *sql.Tx) (after func(), err error)
	undo func()
	// syncDir is a directory whose new entry (the placed file) must be
	// durable before the commit: fsynced once for the whole batch.
	syncDir string
	done    chan error
}

// maxBatch bounds the writes one transaction commits.
const maxBatch = 256

func (s *Store) committer() {
	for {
		var batch []commitJob
		select {
		case j := <-s.jobs:
			batch = append(batch, j)
		case <-s.quit:
			return
		}
	more:
		for len(batch) < maxBatch {
			select {
			case j := <-s.jobs:
				batch = append(batch, j)
			default:
				break more
			}
		}
		s.mu.Lock()
		errs, afters := s.runBatch(batch)
		s.mu.Unlock()
		for i, j := range batch {
			if errs[i] != nil {
				if j.undo != nil {
					j.undo()
				}
			} else if afters[i] != nil {
				afters[i]()
			}
			j.done <- errs[i]
		}
	}
}

func (s *Store) runBatch(batch []commitJob) ([]error, []func()) {
	errs := make([]error, len(batch))
	afters := make([]func(), len(batch))
	fail := func(err error) ([]error, []func()) {
		for i := range errs {
			errs[i] = err
		}
		return errs, afters
	}
	dirs := map[string]bool{}
	for _, j := range batch {
		if j.syncDir != "" && !dirs[j.syncDir] {
			dirs[j.syncDir] = true
			if err := syncDir(j.syncDir); err != nil {
				return fail(err)
			}
		}
	}
	tx, err := s.db.Begin()
	if err != nil {
		return fail(err)
	}
	defer tx.Rollback()
	for i, j := range batch {
		if _, err := tx.Exec(`SAVEPOINT w`); err != nil {
			return fail(err)
		}
		afters[i], errs[i] = j.run(tx)
		if errs[i] != nil {
			if _, err := tx.Exec(`ROLLBACK TO w`); err != nil {
				return fail(err)
			}
		}
		if _, err := tx.Exec(`RELEASE w`); err != nil {
			return fail(err)
		}
	}
	if err := tx.Commit(); err != nil {
		return fail(err)
	}
	return errs, afters
}

// submit hands a metadata change to the committer and waits until it is
// durable (or failed).
func (s *Store) submit(dir string, run func(tx *sql.Tx) (func(), error), undo func()) error {
	j := commitJob{run: run, undo: undo, syncDir: dir, done: make(chan error, 1)}
	select {
	case s.jobs <- j:
	case <-s.quit:
		if undo != nil {
			undo()
		}
		return errors.New("r2: the store is closed")
	}
	return <-j.done
}

// CreateBucket makes an empty bucket.
func (s *Store) CreateBucket(ctx context.Context, name string) error {
	if !r2.ValidBucketName(name) {
		return r2.ErrInvalidBucketName
	}
	res, err := s.db.ExecContext(ctx, `INSERT INTO buckets (name, created_ms) VALUES (?, ?) ON CONFLICT DO NOTHING`, name, s.now().UnixMilli())
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return r2.ErrBucketExists
	}
	return os.MkdirAll(filepath.Join(s.dir, name), 0o755)
}

// DeleteBucket removes an empty bucket.
func (s *Store) DeleteBucket(ctx context.Context, name string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var n int
	if err := s.db.QueryRowContext(ctx, `SELECT count(*) FROM objects WHERE bucket = ?`, name).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return r2.ErrBucketNotEmpty
	}
	res, err := s.db.ExecContext(ctx, `DELETE FROM buckets WHERE name = ?`, name)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return r2.ErrNoSuchBucket
	}
	s.db.ExecContext(ctx, `DELETE FROM parts WHERE upload_id IN (SELECT id FROM uploads WHERE bucket = ?)`, name)
	s.db.ExecContext(ctx, `DELETE FROM uploads WHERE bucket = ?`, name)
	return os.RemoveAll(filepath.Join(s.dir, name))
}

// ListBuckets lists the buckets in name order.
func (s *Store) ListBuckets(ctx context.Context) ([]r2.BucketInfo, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT name, created_ms FROM buckets ORDER BY name`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []r2.BucketInfo
	for rows.Next() {
		var b r2.BucketInfo
		var ms int64
		if err := rows.Scan(&b.Name, &ms); err != nil {
			return nil, err
		}
		b.Created = time.UnixMilli(ms)
		out = append(out, b)
	}
	return out, rows.Err()
}

// Backend is one bucket of the store; writing to it creates it.
func (s *Store) Backend(name string) r2.Backend { return &bucket{s: s, name: name} }

type bucket struct {
	s    *Store
	name string
}

func (b *bucket) dir() string { return filepath.Join(b.s.dir, b.name) }

func (b *bucket) ensure(ctx context.Context) error {
	// The name becomes a directory: never one outside the store.
	if !r2.ValidBucketName(b.name) {
		return r2.ErrInvalidBucketName
	}
	if _, err := b.s.db.ExecContext(ctx, `INSERT INTO buckets (name, created_ms) VALUES (?, ?) ON CONFLICT DO NOTHING`, b.name, b.s.now().UnixMilli()); err != nil {
		return err
	}
	return os.MkdirAll(filepath.Join(b.dir(), ".tmp"), 0o755)
}

func newID() string {
	var b [16]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

const columns = `key, version, size, etag, uploaded_ms, http, custom, checksums, storage_class`

type scanner interface{ Scan(...any) error }

func scanObject(row scanner) (*r2.Object, error) {
	var o r2.Object
	var ms int64
	var httpJSON, customJSON, sumsJSON string
	if err := row.Scan(&o.Key, &o.Version, &o.Size, &o.ETag, &ms, &httpJSON, &customJSON, &sumsJSON, &o.StorageClass); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, r2.ErrNoSuchKey
		}
		return nil, err
	}
	o.Uploaded = time.UnixMilli(ms)
	if err := json.Unmarshal([]byte(httpJSON), &o.HTTP); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(customJSON), &o.Custom); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(sumsJSON), &o.Checksums); err != nil {
		return nil, err
	}
	return &o, nil
}

func (b *bucket) head(ctx context.Context, key string) (*r2.Object, error) {
	return scanObject(b.s.db.QueryRowContext(ctx, `SELECT `+columns+` FROM objects WHERE bucket = ? AND key = ?`, b.name, key))
}

func (b *bucket) Head(ctx context.Context, key string) (*r2.Object, error) {
	b.s.mu.RLock()
	defer b.s.mu.RUnlock()
	return b.head(ctx, key)
}

func (b *bucket) Get(ctx context.Context, key string, rng func(int64) (*r2.ByteRange, error), onlyIf *r2.Conditional) (*r2.Object, io.ReadCloser, error) {
	b.s.mu.RLock()
	o, err := b.head(ctx, key)
	var f *os.File
	if err == nil {
		// Opened under the lock: a concurrent put may replace the object,
		// but this file stays the version o describes.
		f, err = os.Open(filepath.Join(b.dir(), o.Version))
	}
	b.s.mu.RUnlock()
	if err != nil {
		return nil, nil, err
	}
	if !onlyIf.Holds(o) {
		f.Close()
		return o, nil, r2.ErrPreconditionFailed
	}
	if rng != nil {
		r, err := rng(o.Size)
		if err != nil {
			f.Close()
			return nil, nil, err
		}
		if r != nil {
			o.Range = r
			if _, err := f.Seek(r.Offset, io.SeekStart); err != nil {
				f.Close()
				return nil, nil, err
			}
			return o, readCloser{io.LimitReader(f, r.Length), f}, nil
		}
	}
	return o, f, nil
}

type readCloser struct {
	io.Reader
	io.Closer
}

// writeTemp streams body into a new temporary file of the bucket and
// fsyncs it; the caller renames or removes it.
func (b *bucket) writeTemp(ctx context.Context, body io.Reader, digest io.Writer) (string, int64, error) {
	if err := b.ensure(ctx); err != nil {
		return "", 0, err
	}
	f, err := os.CreateTemp(filepath.Join(b.dir(), ".tmp"), "put-*")
	if err != nil {
		return "", 0, err
	}
	name := f.Name()
	fail := func(err error) (string, int64, error) {
		f.Close()
		os.Remove(name)
		return "", 0, err
	}
	var w io.Writer = f
	if digest != nil {
		w = io.MultiWriter(f, digest)
	}
	n, err := io.Copy(w, ctxReader{ctx, body})
	if err != nil {
		return fail(err)
	}
	if err := f.Sync(); err != nil {
		return fail(err)
	}
	if err := f.Close(); err != nil {
		os.Remove(name)
		return "", 0, err
	}
	return name, n, nil
}

// ctxReader stops a copy when the invocation ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// place moves a written temporary file to its final name, the new
// version's id: no row names it yet, so readers cannot see it, and
// concurrent writers do this without the lock. The committer fsyncs the
// directory before the row commits.
func (b *bucket) place(tmp string) (version string, err error) {
	version = newID()
	if err := os.Rename(tmp, filepath.Join(b.dir(), version)); err != nil {
		os.Remove(tmp)
		return "", err
	}
	return version, nil
}

// upsert records o (whose file is in place) as the key's current version.
func (b *bucket) upsert(tx *sql.Tx, o *r2.Object) error {
	httpJSON, _ := json.Marshal(o.HTTP)
	custom := o.Custom
	if custom == nil {
		custom = map[string]string{}
	}
	customJSON, _ := json.Marshal(custom)
	sumsJSON, _ := json.Marshal(o.Checksums)
	if _, err := tx.Exec(`INSERT INTO buckets (name, created_ms) VALUES (?, ?) ON CONFLICT DO NOTHING`, b.name, o.Uploaded.UnixMilli()); err != nil {
		return err
	}
	_, err := tx.Exec(`INSERT INTO objects (bucket, `+columns+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (bucket, key) DO UPDATE SET version = excluded.version, size = excluded.size, etag = excluded.etag,
		uploaded_ms = excluded.uploaded_ms, http = excluded.http, custom = excluded.custom, checksums = excluded.checksums,
		storage_class = excluded.storage_class`,
		b.name, o.Key, o.Version, o.Size, o.ETag, o.Uploaded.UnixMilli(), string(httpJSON), string(customJSON), string(sumsJSON), o.StorageClass)
	return err
}

// replace commits o as the key's current version when onlyIf holds for
// the version it replaces; that version's file goes once the commit is
// durable, o's file if it fails.
func (b *bucket) replace(o *r2.Object, onlyIf *r2.Conditional, extra func(*sql.Tx) error) error {
	final := filepath.Join(b.dir(), o.Version)
	return b.s.submit(b.dir(), func(tx *sql.Tx) (func(), error) {
		prev, err := scanObject(tx.QueryRow(`SELECT `+columns+` FROM objects WHERE bucket = ? AND key = ?`, b.name, o.Key))
		if err != nil && !errors.Is(err, r2.ErrNoSuchKey) {
			return nil, err
		}
		if !onlyIf.Holds(prev) {
			return nil, r2.ErrPreconditionFailed
		}
		if extra != nil {
			if err := extra(tx); err != nil {
				return nil, err
			}
		}
		o.Uploaded = b.s.now()
		if err := b.upsert(tx, o); err != nil {
			return nil, err
		}
		if prev == nil {
			return nil, nil
		}
		return func() { os.Remove(filepath.Join(b.dir(), prev.Version)) }, nil
	}, func() { os.Remove(final) })
}

func (b *bucket) Put(ctx context.Context, key string, body io.Reader, size int64, opts r2.PutOptions) (*r2.Object, error) {
	digest := r2.NewDigest(opts.Checksums)
	tmp, n, err := b.writeTemp(ctx, body, digest)
	if err != nil {
		return nil, err
	}
	sums, err := digest.Sum()
	if err != nil {
		os.Remove(tmp)
		return nil, err
	}
	version, err := b.place(tmp)
	if err != nil {
		return nil, err
	}
	o := &r2.Object{
		Key: key, Version: version, Size: n, ETag: hex.EncodeToString(sums.MD5),
		HTTP: opts.HTTP, Custom: opts.Custom, Checksums: sums, StorageClass: opts.StorageClass,
	}
	if err := b.replace(o, opts.OnlyIf, nil); err != nil {
		return nil, err
	}
	return o, nil
}

func (b *bucket) Delete(ctx context.Context, keys []string) error {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	var gone []string
	for _, k := range keys {
		o, err := b.head(ctx, k)
		if errors.Is(err, r2.ErrNoSuchKey) {
			continue
		}
		if err != nil {
			return err
		}
		if _, err := b.s.db.ExecContext(ctx, `DELETE FROM objects WHERE bucket = ? AND key = ?`, b.name, k); err != nil {
			return err
		}
		gone = append(gone, o.Version)
	}
	for _, v := range gone {
		os.Remove(filepath.Join(b.dir(), v))
	}
	return nil
}

// A cursor is the key a page ended after, opaque to the worker.
func encodeCursor(after string) string { return base64.RawURLEncoding.EncodeToString([]byte(after)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", &r2.Error{Code: r2.ErrInvalidArgument.Code, Message: "The cursor is not valid."}
	}
	return string(b), nil
}

func (b *bucket) List(ctx context.Context, o r2.ListOptions) (*r2.ListResult, error) {
	after := o.StartAfter
	if o.Cursor != "" {
		c, err := decodeCursor(o.Cursor)
		if err != nil {
			return nil, err
		}
		after = max(after, c)
	}
	b.s.mu.RLock()
	defer b.s.mu.RUnlock()
	res := &r2.ListResult{}
	count := 0
	last := ""
	for {
		// One query per delimited prefix at most: after a prefix the scan
		// resumes past every key under it.
		rows, err := b.s.db.QueryContext(ctx, `SELECT `+columns+` FROM objects WHERE bucket = ? AND key >= ? AND key > ? ORDER BY key`, b.name, o.Prefix, after)
		if err != nil {
			return nil, err
		}
		restart := false
		for rows.Next() {
			obj, err := scanObject(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			if !strings.HasPrefix(obj.Key, o.Prefix) {
				break
			}
			if count == o.Limit {
				res.Truncated = true
				res.Cursor = encodeCursor(last)
				rows.Close()
				return res, nil
			}
			if o.Delimiter != "" {
				rest := obj.Key[len(o.Prefix):]
				if i := strings.Index(rest, o.Delimiter); i >= 0 {
					p := o.Prefix + rest[:i+len(o.Delimiter)]
					res.DelimitedPrefixes = append(res.DelimitedPrefixes, p)
					count++
					// \xff sorts after every byte of UTF-8 text.
					last = p + "\xff"
					after = last
					restart = true
					break
				}
			}
			res.Objects = append(res.Objects, obj)
			count++
			last = obj.Key
		}
		err = rows.Err()
		rows.Close()
		if err != nil {
			return nil, err
		}
		if !restart {
			return res, nil
		}
	}
}

func (b *bucket) CreateMultipart(ctx context.Context, key string, opts r2.PutOptions) (string, error) {
	if err := b.ensure(ctx); err != nil {
		return "", err
	}
	id := newID() + newID()
	optJSON, err := json.Marshal(uploadOptions{HTTP: opts.HTTP, Custom: opts.Custom, StorageClass: opts.StorageClass})
	if err != nil {
		return "", err
	}
	_, err = b.s.db.ExecContext(ctx, `INSERT INTO uploads (bucket, id, key, options, created_ms) VALUES (?, ?, ?, ?, ?)`, b.name, id, key, string(optJSON), b.s.now().UnixMilli())
	return id, err
}

type uploadOptions struct {
	HTTP         r2.HTTPMetadata   `json:"http"`
	Custom       map[string]string `json:"custom"`
	StorageClass string            `json:"storageClass"`
}

func (b *bucket) upload(ctx context.Context, key, id string) (*uploadOptions, error) {
	var optJSON string
	err := b.s.db.QueryRowContext(ctx, `SELECT options FROM uploads WHERE bucket = ? AND id = ? AND key = ?`, b.name, id, key).Scan(&optJSON)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, r2.ErrNoSuchUpload
	}
	if err != nil {
		return nil, err
	}
	var u uploadOptions
	return &u, json.Unmarshal([]byte(optJSON), &u)
}

func (b *bucket) partsDir(id string) string { return filepath.Join(b.dir(), ".uploads", id) }

func (b *bucket) UploadPart(ctx context.Context, key, id string, number int, body io.Reader, size int64) (r2.Part, error) {
	if _, err := b.upload(ctx, key, id); err != nil {
		return r2.Part{}, err
	}
	digest := r2.NewDigest(r2.Checksums{})
	tmp, n, err := b.writeTemp(ctx, body, digest)
	if err != nil {
		return r2.Part{}, err
	}
	sums, _ := digest.Sum()
	p := r2.Part{Number: number, ETag: hex.EncodeToString(sums.MD5), Size: n}
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	// The upload may have been completed or aborted meanwhile.
	if _, err := b.upload(ctx, key, id); err != nil {
		os.Remove(tmp)
		return r2.Part{}, err
	}
	if err := os.MkdirAll(b.partsDir(id), 0o755); err != nil {
		os.Remove(tmp)
		return r2.Part{}, err
	}
	if err := os.Rename(tmp, filepath.Join(b.partsDir(id), fmt.Sprint(number))); err != nil {
		os.Remove(tmp)
		return r2.Part{}, err
	}
	if err := syncDir(b.partsDir(id)); err != nil {
		return r2.Part{}, err
	}
	_, err = b.s.db.ExecContext(ctx, `INSERT INTO parts (upload_id, number, size, etag) VALUES (?, ?, ?, ?)
		ON CONFLICT (upload_id, number) DO UPDATE SET size = excluded.size, etag = excluded.etag`, id, number, p.Size, p.ETag)
	return p, err
}

func (b *bucket) ListParts(ctx context.Context, key, id string) ([]r2.Part, error) {
	if _, err := b.upload(ctx, key, id); err != nil {
		return nil, err
	}
	rows, err := b.s.db.QueryContext(ctx, `SELECT number, size, etag FROM parts WHERE upload_id = ? ORDER BY number`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []r2.Part
	for rows.Next() {
		var p r2.Part
		if err := rows.Scan(&p.Number, &p.Size, &p.ETag); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

func (b *bucket) CompleteMultipart(ctx context.Context, key, id string, parts []r2.Part) (*r2.Object, error) {
	u, err := b.upload(ctx, key, id)
	if err != nil {
		return nil, err
	}
	// The parts are joined into one file: reads stay a single open and
	// seek, and the parts directory goes away.
	readers := make([]io.Reader, 0, len(parts))
	var files []*os.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	etags := make([]string, len(parts))
	for i, p := range parts {
		f, err := os.Open(filepath.Join(b.partsDir(id), fmt.Sprint(p.Number)))
		if err != nil {
			return nil, r2.ErrInvalidPart
		}
		files = append(files, f)
		readers = append(readers, f)
		etags[i] = p.ETag
	}
	tmp, n, err := b.writeTemp(ctx, io.MultiReader(readers...), nil)
	if err != nil {
		return nil, err
	}
	version, err := b.place(tmp)
	if err != nil {
		return nil, err
	}
	o := &r2.Object{
		Key: key, Version: version, Size: n, ETag: r2.MultipartETag(etags),
		HTTP: u.HTTP, Custom: u.Custom, StorageClass: u.StorageClass,
	}
	err = b.replace(o, nil, func(tx *sql.Tx) error {
		// The upload may have been aborted or completed meanwhile.
		res, err := tx.Exec(`DELETE FROM uploads WHERE id = ? AND bucket = ? AND key = ?`, id, b.name, key)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return r2.ErrNoSuchUpload
		}
		_, err = tx.Exec(`DELETE FROM parts WHERE upload_id = ?`, id)
		return err
	})
	if err != nil {
		return nil, err
	}
	os.RemoveAll(b.partsDir(id))
	return o, nil
}

func (b *bucket) AbortMultipart(ctx context.Context, key, id string) error {
	b.s.mu.Lock()
	defer b.s.mu.Unlock()
	if _, err := b.upload(ctx, key, id); err != nil {
		return err
	}
	if _, err := b.s.db.ExecContext(ctx, `DELETE FROM parts WHERE upload_id = ?`, id); err != nil {
		return err
	}
	if _, err := b.s.db.ExecContext(ctx, `DELETE FROM uploads WHERE id = ?`, id); err != nil {
		return err
	}
	return os.RemoveAll(b.partsDir(id))
}
