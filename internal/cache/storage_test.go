package cache

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestEntriesSurviveReopen(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	s := openStore(t, Options{Dir: dir, Now: clock.Now})
	req := getReq("https://example.com/persist")
	mustPut(t, s, "", req, resp(200, "body", "Cache-Control", "max-age=3600", "ETag", `"v1"`, "Cache-Tag", "a"))
	mustPut(t, s, "my cache/../x", req, resp(200, "named", "Cache-Control", "max-age=60"))
	short := getReq("https://example.com/short")
	mustPut(t, s, "", short, resp(200, "short", "Cache-Control", "max-age=10"))

	clock.Advance(30 * time.Second)
	s = openStore(t, Options{Dir: dir, Now: clock.Now})
	r, body := match(t, s, "", req)
	if r == nil || body != "body" || r.Header.Get("ETag") != `"v1"` || r.Header.Get("Age") != "30" {
		t.Fatalf("after reopen: %v %q", r, body)
	}
	if _, body := match(t, s, "my cache/../x", req); body != "named" {
		t.Fatalf("named cache after reopen: %q", body)
	}
	if r, _ := match(t, s, "", short); r != nil {
		t.Fatal("an entry that expired while closed was served")
	}
	if n, _ := s.Purge(Purge{Tags: []string{"A"}}); n != 1 {
		t.Fatalf("tags were not kept across reopen: purged %d", n)
	}
	if n := countFiles(t, dir, ".body"); n != 1 {
		t.Fatalf("%d body files on disk, want 1 (the named entry)", n)
	}
	if ok, _ := s.Delete("my cache/../x", req, MatchOptions{}); !ok {
		t.Fatal("delete after reopen = false")
	}
	s = openStore(t, Options{Dir: dir, Now: clock.Now})
	if r, _ := match(t, s, "my cache/../x", req); r != nil {
		t.Fatal("a deleted entry came back after reopen")
	}
	if n := countFiles(t, dir, ""); n != 0 {
		t.Fatalf("%d files left after everything was deleted", n)
	}
}

func TestNamedCacheDirectoryIsEscaped(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, Options{Dir: dir, Now: newClock().Now})
	mustPut(t, s, "../../evil", getReq("https://example.com/"), resp(200, "x", "Cache-Control", "max-age=60"))
	want := filepath.Join(dir, "cache", "named", "%2E%2E%2F%2E%2E%2Fevil")
	if _, err := os.Stat(want); err != nil {
		t.Fatalf("named cache directory: %v", err)
	}
}

func TestOpenCleansInterruptedWrites(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	s := openStore(t, Options{Dir: dir, Now: clock.Now})
	good := getReq("https://example.com/good")
	mustPut(t, s, "", good, resp(200, "good", "Cache-Control", "max-age=60"))
	bad := getReq("https://example.com/bad")
	mustPut(t, s, "", bad, resp(200, "bad", "Cache-Control", "max-age=60"))

	root := filepath.Join(dir, "cache", "default")
	// A crash mid-put leaves temporary files and bodies without metadata.
	for _, name := range []string{"put-1.tmp", "meta-1.tmp", "0123.feed.body"} {
		if err := os.WriteFile(filepath.Join(root, name), []byte("junk"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// A body cut short must not be served.
	badKey, _ := normalizeURL(bad.URL)
	metaPath := filepath.Join(root, keyHash(badKey)+".json")
	e, ok := readMeta(metaPath, clock.Now())
	if !ok {
		t.Fatal("metadata of a fresh entry did not load")
	}
	if err := os.WriteFile(e.body, []byte("b"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Unreadable metadata is dropped too.
	if err := os.WriteFile(filepath.Join(root, "ffff.json"), []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}

	s = openStore(t, Options{Dir: dir, Now: clock.Now})
	if _, body := match(t, s, "", good); body != "good" {
		t.Fatalf("good entry lost: %q", body)
	}
	if r, _ := match(t, s, "", bad); r != nil {
		t.Fatal("an entry with a truncated body was served")
	}
	if n := countFiles(t, dir, ""); n != 2 {
		t.Fatalf("%d files after cleanup, want 2 (one entry's metadata and body)", n)
	}
}

func TestOverwriteReplacesBody(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, Options{Dir: dir, Now: newClock().Now})
	req := getReq("https://example.com/v")
	mustPut(t, s, "", req, resp(200, "one", "Cache-Control", "max-age=60"))
	mustPut(t, s, "", req, resp(200, "two", "Cache-Control", "max-age=60"))
	if _, body := match(t, s, "", req); body != "two" {
		t.Fatalf("body = %q", body)
	}
	if n := countFiles(t, dir, ".body"); n != 1 {
		t.Fatalf("%d body files, want the old one removed", n)
	}
	// A response that may not be stored leaves the old entry alone, as on
	// Cloudflare where the put simply fails to store.
	mustPut(t, s, "", req, resp(200, "three", "Cache-Control", "no-store"))
	if _, body := match(t, s, "", req); body != "two" {
		t.Fatalf("after an unstorable put: %q", body)
	}
}

func TestMemoryOnlyLRUEvictsWholeEntries(t *testing.T) {
	s := openStore(t, Options{MaxMemoryBytes: 100, Now: newClock().Now})
	body := strings.Repeat("x", 40)
	urls := []string{"https://example.com/1", "https://example.com/2", "https://example.com/3"}
	mustPut(t, s, "", getReq(urls[0]), resp(200, body, "Cache-Control", "max-age=60"))
	mustPut(t, s, "", getReq(urls[1]), resp(200, body, "Cache-Control", "max-age=60"))
	match(t, s, "", getReq(urls[0])) // 1 is now more recent than 2
	mustPut(t, s, "", getReq(urls[2]), resp(200, body, "Cache-Control", "max-age=60"))
	hits := map[string]bool{}
	for _, u := range urls {
		r, _ := match(t, s, "", getReq(u))
		hits[u] = r != nil
	}
	if !hits[urls[0]] || hits[urls[1]] || !hits[urls[2]] {
		t.Fatalf("hits = %v, want the least recently used (2) evicted", hits)
	}
	if s.memBytes > 100 {
		t.Fatalf("memBytes = %d over the 100-byte bound", s.memBytes)
	}
	// An entry larger than memory cannot be kept at all without a directory.
	if err := s.Put("", getReq("https://example.com/big"), resp(200, strings.Repeat("y", 101), "Cache-Control", "max-age=60")); err != nil {
		t.Fatal(err)
	}
	if r, _ := match(t, s, "", getReq("https://example.com/big")); r != nil {
		t.Fatal("a body larger than MaxMemoryBytes was kept in a memory-only store")
	}
}

func TestDiskLRUKeepsEvictedEntriesOnDisk(t *testing.T) {
	dir := t.TempDir()
	// 1600 bytes of memory: bodies up to 100 bytes are held in memory.
	s := openStore(t, Options{Dir: dir, MaxMemoryBytes: 1600, Now: newClock().Now})
	var urls []string
	for i := 0; i < 40; i++ {
		u := "https://example.com/" + itoa(i)
		urls = append(urls, u)
		mustPut(t, s, "", getReq(u), resp(200, strings.Repeat(string(rune('a'+i%26)), 100), "Cache-Control", "max-age=60"))
		if s.memBytes > 1600 {
			t.Fatalf("after %d puts memBytes = %d over the bound", i+1, s.memBytes)
		}
	}
	if s.lru.Len() != 16 {
		t.Fatalf("%d bodies resident, want 16", s.lru.Len())
	}
	for i, u := range urls {
		_, body := match(t, s, "", getReq(u))
		if body != strings.Repeat(string(rune('a'+i%26)), 100) {
			t.Fatalf("entry %d read back as %q", i, body)
		}
		if s.memBytes > 1600 {
			t.Fatalf("memBytes = %d over the bound after reading entry %d", s.memBytes, i)
		}
	}
	// A body over 1/16 of memory is served from disk and never held.
	big := getReq("https://example.com/big")
	mustPut(t, s, "", big, resp(200, strings.Repeat("z", 500), "Content-Type", "text/plain", "Cache-Control", "max-age=60"))
	before := s.memBytes
	if _, body := match(t, s, "", big); body != strings.Repeat("z", 500) {
		t.Fatalf("big body = %d bytes", len(body))
	}
	r, body := match(t, s, "", getReq(big.URL, "Range", "bytes=10-12,490-"))
	if r.Status != 206 || !strings.Contains(body, "Content-Range: bytes 490-499/500\r\n\r\nzzzzzzzzzz\r\n--") {
		t.Fatalf("range from disk: %d %q", r.Status, body)
	}
	if s.memBytes != before {
		t.Fatalf("a large body was loaded into memory (%d → %d)", before, s.memBytes)
	}
}

func TestPurge(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		s := openStore(t, Options{Dir: dir, Now: newClock().Now})
		put := func(name, url string, tags string) {
			mustPut(t, s, name, getReq(url), resp(200, "b", "Cache-Control", "max-age=60", "Cache-Tag", tags))
		}
		put("", "https://example.com/a.js", "static,JS")
		put("", "https://example.com/assets/b.css", "static")
		put("", "https://example.com/assets/c.png", "")
		put("", "https://other.com/assets/d.png", "")
		put("named", "https://example.com/a.js", "")
		put("", "https://example.com/page?id=1", "Page")

		steps := []struct {
			p    Purge
			want int
		}{
			{Purge{URLs: []string{"https://EXAMPLE.com/a.js"}}, 2},
			{Purge{URLs: []string{"https://example.com/page"}}, 0},
			{Purge{Tags: []string{" page "}}, 1},
			{Purge{Prefixes: []string{"example.com/assets/"}}, 2},
			{Purge{Prefixes: []string{"https://other.com/"}}, 1},
			{Purge{All: true}, 0},
		}
		for _, st := range steps {
			n, err := s.Purge(st.p)
			if err != nil || n != st.want {
				t.Fatalf("dir %q: Purge(%+v) = %d, %v; want %d", dir, st.p, n, err, st.want)
			}
		}
		put("", "https://example.com/x", "")
		put("n", "https://example.com/y", "")
		if n, _ := s.Purge(Purge{All: true}); n != 2 {
			t.Fatalf("purge all = %d, want 2", n)
		}
		if dir != "" {
			if n := countFiles(t, dir, ""); n != 0 {
				t.Fatalf("%d files left after purging everything", n)
			}
		}
	}
}

func TestSweep(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	s := openStore(t, Options{Dir: dir, Now: clock.Now})
	mustPut(t, s, "", getReq("https://example.com/1"), resp(200, "b", "Cache-Control", "max-age=10"))
	mustPut(t, s, "", getReq("https://example.com/2"), resp(200, "b", "Cache-Control", "max-age=100"))
	clock.Advance(10 * time.Second)
	if n := s.Sweep(); n != 1 {
		t.Fatalf("Sweep = %d, want 1", n)
	}
	if n := countFiles(t, dir, ".json"); n != 1 {
		t.Fatalf("%d metadata files after sweep, want 1", n)
	}
}

func countFiles(t *testing.T, dir, suffix string) int {
	t.Helper()
	n := 0
	filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && strings.HasSuffix(p, suffix) {
			n++
		}
		return nil
	})
	return n
}

func TestDiskBoundEvictsLeastRecentlyUsed(t *testing.T) {
	dir := t.TempDir()
	clock := newClock()
	opts := Options{Dir: dir, MaxDiskBytes: 250, MaxMemoryBytes: 16, Now: clock.Now}
	s := openStore(t, opts)
	body := strings.Repeat("d", 100)
	put := func(u string) {
		clock.Advance(time.Second)
		mustPut(t, s, "", getReq(u), resp(200, body, "Cache-Control", "max-age=3600"))
	}
	put("https://example.com/1")
	put("https://example.com/2")
	match(t, s, "", getReq("https://example.com/1")) // 2 is now least recently used
	put("https://example.com/3")
	for u, want := range map[string]bool{"https://example.com/1": true, "https://example.com/2": false, "https://example.com/3": true} {
		if r, _ := match(t, s, "", getReq(u)); (r != nil) != want {
			t.Errorf("%s: hit=%v, want %v", u, r != nil, want)
		}
	}
	if n := countFiles(t, dir, ".body"); n != 2 {
		t.Fatalf("%d bodies on disk, want 2", n)
	}
	// A smaller bound on reopen evicts the oldest stored first.
	opts.MaxDiskBytes = 150
	s = openStore(t, opts)
	if r, _ := match(t, s, "", getReq("https://example.com/1")); r != nil {
		t.Error("the oldest entry survived a reopen with a smaller MaxDiskBytes")
	}
	if r, _ := match(t, s, "", getReq("https://example.com/3")); r == nil {
		t.Error("the newest entry was evicted on reopen")
	}
	if n := countFiles(t, dir, ""); n != 2 {
		t.Fatalf("%d files on disk, want one entry's two", n)
	}
	// A body larger than the whole disk bound is never stored.
	mustPut(t, s, "", getReq("https://example.com/huge"), resp(200, strings.Repeat("h", 151), "Cache-Control", "max-age=60"))
	if r, _ := match(t, s, "", getReq("https://example.com/huge")); r != nil {
		t.Error("a body over MaxDiskBytes was stored")
	}
}
