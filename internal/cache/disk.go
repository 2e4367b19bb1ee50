package cache

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// metaFile is the JSON kept beside each body; writing it is what commits an
// entry.
type metaFile struct {
	Cache   string      `json:"cache"`
	Key     string      `json:"key"`
	Status  int         `json:"status"`
	Header  http.Header `json:"headers"`
	Size    int64       `json:"size"`
	Stored  time.Time   `json:"stored"`
	Expires time.Time   `json:"expires"`
	Age     int64       `json:"initialAge,omitempty"`
	Tags    []string    `json:"tags,omitempty"`
	Body    string      `json:"body"` // file name, in the same directory
}

// cacheDir is the directory of one cache under root: "default", or
// "named/<name>" with the name escaped so any string is a safe file name.
func cacheDir(root, name string) string {
	if name == "" {
		return filepath.Join(root, "default")
	}
	return filepath.Join(root, "named", escapeName(name))
}

// escapeName keeps letters, digits, '-' and '_' and writes every other
// byte as %XX, so names cannot collide, climb out of the directory or hide.
func escapeName(name string) string {
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

func keyHash(key string) string {
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:16])
}

func newGeneration() string {
	var b [8]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// writeFileSynced writes data to a temporary file in dir and syncs it,
// returning its path; the caller renames it into place.
func writeFileSynced(dir, pattern string, data []byte) (string, error) {
	f, err := os.CreateTemp(dir, pattern)
	if err != nil {
		return "", fmt.Errorf("cache: creating temporary file in %s: %w", dir, err)
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(f.Name())
		return "", fmt.Errorf("cache: writing %s: %w", f.Name(), err)
	}
	return f.Name(), nil
}

// syncDir makes renames in dir durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// loadDir reads every committed entry under root. Entries that expired,
// metadata that is unreadable or whose body is missing or of the wrong
// size, temporary files from interrupted writes, and bodies no metadata
// refers to are removed. Problems that cannot be cleaned up are returned
// together after the walk, so one bad file never hides the others' entries.
func loadDir(root string, now time.Time) ([]*entry, error) {
	var entries []*entry
	referenced := map[string]bool{}
	var orphans []string
	var problems []error
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil
			}
			return err
		}
		if d.IsDir() {
			return nil
		}
		switch {
		case strings.HasSuffix(path, ".tmp"):
			orphans = append(orphans, path)
		case strings.HasSuffix(path, ".body"):
			// Decided after the walk, once every metadata file was read.
		case strings.HasSuffix(path, ".json"):
			e, ok := readMeta(path, now)
			if !ok {
				if e != nil && e.body != "" {
					orphans = append(orphans, e.body)
				}
				orphans = append(orphans, path)
				return nil
			}
			referenced[e.body] = true
			entries = append(entries, e)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("cache: reading %s: %w", root, err)
	}
	_ = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(path, ".body") && !referenced[path] {
			orphans = append(orphans, path)
		}
		return nil
	})
	for _, p := range orphans {
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
			problems = append(problems, err)
		}
	}
	return entries, errors.Join(problems...)
}

// readMeta parses one metadata file; ok is false when the entry must go.
func readMeta(path string, now time.Time) (*entry, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, false
	}
	var m metaFile
	if json.Unmarshal(data, &m) != nil || m.Body == "" || strings.ContainsAny(m.Body, `/\`) {
		return nil, false
	}
	e := &entry{
		cache: m.Cache, key: m.Key, status: m.Status, header: m.Header, size: m.Size,
		stored: m.Stored, expires: m.Expires, age: m.Age, tags: m.Tags,
		meta: path, body: filepath.Join(filepath.Dir(path), m.Body),
	}
	if e.header == nil {
		e.header = http.Header{}
	}
	if !now.Before(e.expires) {
		return e, false
	}
	st, err := os.Stat(e.body)
	if err != nil || st.Size() != e.size {
		return e, false
	}
	return e, true
}

func (e *entry) metaJSON() ([]byte, error) {
	return json.MarshalIndent(metaFile{
		Cache: e.cache, Key: e.key, Status: e.status, Header: e.header, Size: e.size,
		Stored: e.stored, Expires: e.expires, Age: e.age, Tags: e.tags,
		Body: filepath.Base(e.body),
	}, "", "  ")
}
