package runtime

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Bundling the prelude takes esbuild a good part of a cold start; its
// output depends only on this binary's prelude sources and the
// extensions' modules, so it is kept in the user's cache directory, under
// a name made from a hash of those inputs, and read back by later starts.

// preludeCacheFormat changes when the way the prelude is bundled changes.
const preludeCacheFormat = "outpost-prelude-3\x00"

// preludeCacheDir is where bundled preludes are kept ("" disables it).
func preludeCacheDir() string {
	if d, ok := os.LookupEnv("OUTPOST_CACHE_DIR"); ok {
		if d == "" {
			return ""
		}
		return filepath.Join(d, "prelude")
	}
	d, err := os.UserCacheDir()
	if err != nil {
		return ""
	}
	return filepath.Join(d, "outpost", "prelude")
}

// preludeKey hashes everything the bundled prelude is made from.
func preludeKey(fsys fs.FS, exts []Extension) (string, error) {
	h := sha256.New()
	io.WriteString(h, preludeCacheFormat)
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, m := range bi.Deps {
			if m.Path == "github.com/evanw/esbuild" {
				io.WriteString(h, m.Version+"\x00")
			}
		}
	}
	err := fs.WalkDir(fsys, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		src, err := fs.ReadFile(fsys, p)
		if err != nil {
			return err
		}
		io.WriteString(h, p+"\x00")
		h.Write(src)
		return nil
	})
	if err != nil {
		return "", err
	}
	for _, e := range exts {
		io.WriteString(h, "\x00ext\x00"+e.Name+"\x00"+e.Module)
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// cachedPrelude bundles the prelude, or reads the bundle an earlier start
// left in the cache directory.
func cachedPrelude(fsys fs.FS, exts []Extension) (*Prelude, error) {
	dir := preludeCacheDir()
	if dir == "" {
		return bundlePrelude(fsys, exts)
	}
	key, err := preludeKey(fsys, exts)
	if err != nil {
		return bundlePrelude(fsys, exts)
	}
	file := filepath.Join(dir, key+".bundle")
	if b, err := os.ReadFile(file); err == nil {
		if p, ok := decodePrelude(b); ok {
			return p, nil
		}
	}
	p, err := bundlePrelude(fsys, exts)
	if err != nil {
		return nil, err
	}
	// Written whole under a temporary name, then renamed: a concurrent
	// start reads the complete file or none. Failing to cache is no error.
	if os.MkdirAll(dir, 0o755) == nil {
		if f, err := os.CreateTemp(dir, key+".*.tmp"); err == nil {
			_, werr := f.Write(encodePrelude(p))
			if cerr := f.Close(); werr == nil && cerr == nil {
				os.Rename(f.Name(), file)
			}
			os.Remove(f.Name())
		}
		prunePreludeCache(dir, file)
	}
	return p, nil
}

// A cached prelude is its parts, each a line "name length" and that many
// bytes of code: the core first, then the units. (Reading it takes no
// parsing of the code, which is most of the file.)
const preludeCorePart = "core"

func encodePrelude(p *Prelude) []byte {
	var b bytes.Buffer
	part := func(name, code string) {
		fmt.Fprintf(&b, "%s %d\n", name, len(code))
		b.WriteString(code)
	}
	part(preludeCorePart, p.Core)
	for _, name := range slices.Sorted(maps.Keys(p.Units)) {
		part(name, p.Units[name])
	}
	return b.Bytes()
}

func decodePrelude(b []byte) (*Prelude, bool) {
	p := &Prelude{Units: map[string]string{}}
	for len(b) > 0 {
		line, rest, ok := bytes.Cut(b, []byte("\n"))
		if !ok {
			return nil, false
		}
		name, size, ok := strings.Cut(string(line), " ")
		n, err := strconv.Atoi(size)
		if !ok || err != nil || n < 0 || n > len(rest) {
			return nil, false
		}
		code := string(rest[:n])
		if name == preludeCorePart {
			p.Core = code
		} else {
			p.Units[name] = code
		}
		b = rest[n:]
	}
	return p, p.Core != ""
}

// preludeCacheAge is how old a cached prelude of another build may get
// before a new entry's write removes it (a build still in use writes it
// again at its next start).
const preludeCacheAge = 7 * 24 * time.Hour

func prunePreludeCache(dir, keep string) {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		p := filepath.Join(dir, e.Name())
		if p == keep {
			continue
		}
		if info, err := e.Info(); err == nil && time.Since(info.ModTime()) > preludeCacheAge {
			os.Remove(p)
		}
	}
}
