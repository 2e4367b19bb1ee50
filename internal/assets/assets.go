// Package assets serves a Worker's static assets ([assets] directory) as
// Cloudflare does: matching files answer before the worker runs (unless
// run_worker_first says otherwise), html_handling decides canonical paths
// and redirects, not_found_handling answers what matches nothing, and
// env.ASSETS.fetch() reaches the same files from the worker.
package assets

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/go-git/go-git/v5/plumbing/format/gitignore"

	"github.com/outpost-dev/outpost/internal/config"
)

// hidden are the files Cloudflare reads as configuration, never serves.
var hidden = map[string]bool{"/.assetsignore": true, "/_headers": true, "/_redirects": true, "/_worker.js": true}

// Site is one worker's assets directory.
type Site struct {
	root        *os.Root
	html        string
	notFound    string
	workerFirst func(p string) bool
	hasWorker   bool
	ignored     gitignore.Matcher // .assetsignore; nil when there is none

	mu    sync.Mutex
	etags map[string]etagEntry // by file path, valid while size and mtime match

	// served holds the file versions (path and ETag) this node has served:
	// the first answer for a version is a cache MISS, later ones a HIT.
	served sync.Map
}

type etagEntry struct {
	size  int64
	mtime time.Time
	etag  string
}

// New opens the [assets] directory. hasWorker is false for an assets-only
// project, where not_found_handling answers every miss.
func New(a *config.Assets, hasWorker bool) (*Site, error) {
	if a == nil || a.Directory == "" {
		return nil, errors.New("assets: no [assets] directory configured")
	}
	root, err := os.OpenRoot(a.Directory)
	if err != nil {
		return nil, fmt.Errorf("assets.directory: %w", err)
	}
	ignored, err := readAssetsIgnore(root)
	if err != nil {
		root.Close()
		return nil, err
	}
	return &Site{
		root:        root,
		ignored:     ignored,
		html:        a.HTMLHandling,
		notFound:    a.NotFoundHandling,
		workerFirst: workerFirstMatcher(a.RunWorkerFirst),
		hasWorker:   hasWorker,
		etags:       map[string]etagEntry{},
	}, nil
}

// Close releases the directory.
func (s *Site) Close() error { return s.root.Close() }

// ServeBeforeWorker answers r from the assets when Cloudflare would do so
// without invoking the worker, and returns the status it answered with; 0
// means the worker is to answer.
func (s *Site) ServeBeforeWorker(w http.ResponseWriter, r *http.Request) int {
	sw := &statusWriter{ResponseWriter: w}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		if s.hasWorker {
			return 0
		}
		s.ServeHTTP(sw, r) // 405: assets answer only GET and HEAD
		return sw.code()
	}
	p := cleanPath(r.URL.Path)
	if s.hasWorker && s.workerFirst(p) {
		return 0
	}
	if res, ok := resolve(p, s.html, s.exists); ok {
		s.answer(sw, r, res, http.StatusOK)
		return sw.code()
	}
	if s.hasWorker {
		return 0
	}
	s.serveNotFound(sw, r, p)
	return sw.code()
}

// statusWriter remembers the status written through it.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	if s.status == 0 {
		s.status = code
	}
	s.ResponseWriter.WriteHeader(code)
}

func (s *statusWriter) Write(p []byte) (int, error) {
	if s.status == 0 {
		s.status = http.StatusOK
	}
	return s.ResponseWriter.Write(p)
}

func (s *statusWriter) code() int {
	if s.status == 0 {
		return http.StatusOK
	}
	return s.status
}

// ServeHTTP answers as env.ASSETS.fetch() does: an asset, a redirect to
// its canonical path, or the not_found_handling answer.
func (s *Site) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "Method Not Allowed", http.StatusMethodNotAllowed)
		return
	}
	p := cleanPath(r.URL.Path)
	if res, ok := resolve(p, s.html, s.exists); ok {
		s.answer(w, r, res, http.StatusOK)
		return
	}
	s.serveNotFound(w, r, p)
}

func (s *Site) serveNotFound(w http.ResponseWriter, r *http.Request, p string) {
	switch s.notFound {
	case "single-page-application":
		if s.exists("/index.html") {
			s.answer(w, r, resolution{file: "/index.html"}, http.StatusOK)
			return
		}
	case "404-page":
		// The nearest 404.html, from the request's directory up.
		for dir := path.Dir(p); ; dir = path.Dir(dir) {
			f := path.Join(dir, "404.html")
			if s.exists(f) {
				s.answer(w, r, resolution{file: f}, http.StatusNotFound)
				return
			}
			if dir == "/" {
				break
			}
		}
	}
	http.Error(w, "Not Found", http.StatusNotFound)
}

func (s *Site) answer(w http.ResponseWriter, r *http.Request, res resolution, status int) {
	if res.redirect != "" {
		loc := res.redirect
		if r.URL.RawQuery != "" {
			loc += "?" + r.URL.RawQuery
		}
		w.Header().Set("Location", loc)
		w.WriteHeader(http.StatusTemporaryRedirect)
		return
	}
	f, err := s.root.Open(strings.TrimPrefix(res.file, "/"))
	if err != nil {
		http.Error(w, "Not Found", http.StatusNotFound)
		return
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h := w.Header()
	if ct := mime.TypeByExtension(path.Ext(res.file)); ct != "" {
		h.Set("Content-Type", ct)
	} else {
		h.Set("Content-Type", "application/octet-stream")
	}
	// Cloudflare revalidates assets on every use; the ETag makes that cheap.
	// Not for requests with Authorization or Range, as on Cloudflare.
	if r.Header.Get("Authorization") == "" && r.Header.Get("Range") == "" {
		h.Set("Cache-Control", "public, max-age=0, must-revalidate")
	}
	etag, err := s.etag(res.file, f, st)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	h.Set("ETag", etag)
	if _, seen := s.served.LoadOrStore(res.file+"\x00"+etag, true); seen {
		h.Set("CF-Cache-Status", "HIT")
	} else {
		h.Set("CF-Cache-Status", "MISS")
	}
	if status == http.StatusOK && etagMatches(r.Header.Get("If-None-Match"), etag) {
		// A 304 keeps the headers a 200 would have had but the body's
		// length, Content-Type included, as on Cloudflare. net/http's
		// server deletes "Content-Type" from 304s; a key it does not
		// canonicalize is written as it is (header names are
		// case-insensitive).
		if ct := h.Get("Content-Type"); ct != "" {
			h.Del("Content-Type")
			h["content-type"] = []string{ct}
		}
		w.WriteHeader(http.StatusNotModified)
		return
	}
	if status != http.StatusOK {
		// Not-found pages are not conditional or ranged.
		w.WriteHeader(status)
		if r.Method != http.MethodHead {
			io.Copy(w, f)
		}
		return
	}
	http.ServeContent(w, r, "", time.Time{}, f)
}

// etag is a strong ETag from the file's content, kept while its size and
// modification time stay the same.
func (s *Site) etag(name string, f io.ReadSeeker, st fs.FileInfo) (string, error) {
	s.mu.Lock()
	e, ok := s.etags[name]
	s.mu.Unlock()
	if ok && e.size == st.Size() && e.mtime.Equal(st.ModTime()) {
		return e.etag, nil
	}
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	tag := `"` + hex.EncodeToString(h.Sum(nil)[:16]) + `"`
	s.mu.Lock()
	s.etags[name] = etagEntry{size: st.Size(), mtime: st.ModTime(), etag: tag}
	s.mu.Unlock()
	return tag, nil
}

func (s *Site) exists(p string) bool {
	if hidden[p] || s.isIgnored(p) {
		return false
	}
	st, err := s.root.Stat(strings.TrimPrefix(p, "/"))
	return err == nil && st.Mode().IsRegular()
}

// cleanPath is the request path without dot segments, keeping a
// trailing slash (html_handling depends on it).
func cleanPath(p string) string {
	if p == "" {
		return "/"
	}
	c := path.Clean("/" + p)
	if strings.HasSuffix(p, "/") && c != "/" {
		c += "/"
	}
	return c
}

// workerFirstMatcher reads run_worker_first: true, or route patterns
// ("/api/*", "!/api/docs/*") where a negation wins over a match.
func workerFirstMatcher(v any) func(string) bool {
	switch t := v.(type) {
	case bool:
		return func(string) bool { return t }
	case []string:
		var include, exclude []string
		for _, p := range t {
			if neg, ok := strings.CutPrefix(p, "!"); ok {
				exclude = append(exclude, neg)
			} else {
				include = append(include, p)
			}
		}
		return func(p string) bool {
			for _, x := range exclude {
				if globMatch(x, p) {
					return false
				}
			}
			for _, in := range include {
				if globMatch(in, p) {
					return true
				}
			}
			return false
		}
	}
	return func(string) bool { return false }
}

// globMatch matches a route pattern where * stands for any characters,
// "/" included, as in Cloudflare's run_worker_first rules.
func globMatch(pattern, s string) bool {
	parts := strings.Split(pattern, "*")
	if len(parts) == 1 {
		return pattern == s
	}
	if !strings.HasPrefix(s, parts[0]) {
		return false
	}
	s = s[len(parts[0]):]
	for _, mid := range parts[1 : len(parts)-1] {
		i := strings.Index(s, mid)
		if i < 0 {
			return false
		}
		s = s[i+len(mid):]
	}
	return strings.HasSuffix(s, parts[len(parts)-1])
}

// etagMatches reports whether an If-None-Match header matches etag, by weak
// comparison: "*", or any listed tag with the same opaque value.
func etagMatches(header, etag string) bool {
	if header == "" {
		return false
	}
	want := strings.TrimPrefix(etag, "W/")
	for _, t := range strings.Split(header, ",") {
		t = strings.TrimSpace(t)
		if t == "*" || strings.TrimPrefix(t, "W/") == want {
			return true
		}
	}
	return false
}

// readAssetsIgnore reads the directory's .assetsignore, whose lines are
// gitignore patterns naming files that are not assets (Cloudflare neither
// uploads nor serves them).
func readAssetsIgnore(root *os.Root) (gitignore.Matcher, error) {
	data, err := root.ReadFile(".assetsignore")
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("assets: .assetsignore: %w", err)
	}
	var patterns []gitignore.Pattern
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" || strings.HasPrefix(line, "#") {
			continue
		}
		patterns = append(patterns, gitignore.ParsePattern(line, nil))
	}
	return gitignore.NewMatcher(patterns), nil
}

// isIgnored reports whether .assetsignore excludes the file at p, or a
// directory on its way.
func (s *Site) isIgnored(p string) bool {
	if s.ignored == nil {
		return false
	}
	parts := strings.Split(strings.Trim(p, "/"), "/")
	for i := 1; i < len(parts); i++ {
		if s.ignored.Match(parts[:i], true) {
			return true
		}
	}
	return s.ignored.Match(parts, false)
}
