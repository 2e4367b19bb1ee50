package cache

import (
	"fmt"
	"io"
	"strings"
	"sync"
	"testing"
)

// TestConcurrentUse hammers a few keys from many goroutines. Under -race it
// checks the locking; afterwards every surviving entry must read back whole
// and the files on disk must match the index.
func TestConcurrentUse(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, Options{Dir: dir, MaxMemoryBytes: 16 * 64, Now: newClock().Now})
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 200; i++ {
				url := fmt.Sprintf("https://example.com/%d", i%5)
				body := strings.Repeat(fmt.Sprint(g), 32+i%64)
				switch i % 4 {
				case 0, 1:
					if err := s.Put("", getReq(url), resp(200, body, "Cache-Control", "max-age=60")); err != nil {
						t.Error(err)
					}
				case 2:
					r, ok, err := s.Match("", getReq(url, "Range", "bytes=0-9,20-"), MatchOptions{})
					if err != nil {
						t.Error(err)
					} else if ok {
						io.Copy(io.Discard, r.Body)
						r.Body.Close()
					}
				case 3:
					if i%12 == 3 {
						s.Delete("", getReq(url), MatchOptions{})
					} else {
						s.Purge(Purge{URLs: []string{url}})
					}
				}
			}
		}(g)
	}
	wg.Wait()
	for i := 0; i < 5; i++ {
		r, body := match(t, s, "", getReq(fmt.Sprintf("https://example.com/%d", i)))
		if r != nil && (len(body) < 32 || strings.Trim(body, body[:1]) != "") {
			t.Fatalf("entry %d read back mixed: %q", i, body)
		}
	}
	s.mu.Lock()
	n := len(s.entries)
	s.mu.Unlock()
	if files := countFiles(t, dir, ".body"); files != n {
		t.Fatalf("%d body files for %d entries", files, n)
	}
	if tmp := countFiles(t, dir, ".tmp"); tmp != 0 {
		t.Fatalf("%d temporary files left", tmp)
	}
}

type closeRecorder struct {
	io.Reader
	closed bool
}

func (c *closeRecorder) Close() error { c.closed = true; return nil }

func TestPutAlwaysClosesTheBody(t *testing.T) {
	s := openStore(t, Options{Now: newClock().Now})
	for _, r := range []Response{
		{Status: 200, Header: hdr("Cache-Control", "max-age=60")},
		{Status: 200, Header: hdr("Cache-Control", "no-store")},
		{Status: 206, Header: hdr("Cache-Control", "max-age=60")},
		{Status: 304, Header: hdr("Cache-Control", "max-age=60")},
	} {
		body := &closeRecorder{Reader: strings.NewReader("x")}
		r.Body = body
		s.Put("", getReq("https://example.com/"), r)
		if !body.closed {
			t.Errorf("status %d, %v: body not closed", r.Status, r.Header)
		}
	}
}
