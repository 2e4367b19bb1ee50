package cache

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestPutRejectsWithTypeError(t *testing.T) {
	cases := []struct {
		name    string
		req     Request
		resp    Response
		message string
	}{
		{"POST request", Request{Method: "POST", URL: "https://example.com/"}, resp(200, "x", "Cache-Control", "max-age=60"),
			"Cannot cache response to non-GET request."},
		{"HEAD request", Request{Method: "HEAD", URL: "https://example.com/"}, resp(200, "x", "Cache-Control", "max-age=60"),
			"Cannot cache response to non-GET request."},
		{"206 response", getReq("https://example.com/"), resp(206, "x", "Cache-Control", "max-age=60"),
			"Cannot cache response to a range request (206 Partial Content)."},
		{"Vary star", getReq("https://example.com/"), resp(200, "x", "Cache-Control", "max-age=60", "Vary", "*"),
			"Cannot cache response with 'Vary: *' header."},
		{"Vary list with star", getReq("https://example.com/"), resp(200, "x", "Cache-Control", "max-age=60", "Vary", "Accept-Encoding, *"),
			"Cannot cache response with 'Vary: *' header."},
		{"relative URL", getReq("/relative"), resp(200, "x", "Cache-Control", "max-age=60"),
			"Invalid URL. Cache API keys must be fully-qualified, valid URLs."},
		{"non-HTTP scheme", getReq("ftp://example.com/file"), resp(200, "x", "Cache-Control", "max-age=60"),
			"Invalid URL. Cache API keys must be fully-qualified, valid URLs."},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := openStore(t, Options{Now: newClock().Now})
			err := s.Put("", tc.req, tc.resp)
			if !IsTypeError(err) {
				t.Fatalf("Put error = %v, want a TypeError", err)
			}
			if !strings.HasPrefix(err.Error(), tc.message) {
				t.Fatalf("Put error = %q, want it to start with %q", err, tc.message)
			}
			if strings.HasPrefix(tc.message, "Invalid URL") {
				if _, _, err := s.Match("", tc.req, MatchOptions{}); !IsTypeError(err) {
					t.Fatalf("Match with the same URL = %v, want a TypeError", err)
				}
				return
			}
			tc.req.Method = http.MethodGet
			if r, _ := match(t, s, "", tc.req); r != nil {
				t.Fatalf("rejected response was stored")
			}
		})
	}
}

func TestPutIgnores304(t *testing.T) {
	s := openStore(t, Options{Now: newClock().Now})
	req := getReq("https://example.com/a")
	if err := s.Put("", req, resp(304, "", "Cache-Control", "max-age=60", "ETag", `"x"`)); err != nil {
		t.Fatalf("Put(304) = %v, want nil", err)
	}
	if r, _ := match(t, s, "", req); r != nil {
		t.Fatalf("a 304 was stored")
	}
}

// TestFreshness drives put/match with the clock: an entry must be served
// until just before its TTL runs out and not at it.
func TestFreshness(t *testing.T) {
	base := newClock().Now()
	date := base.Format(http.TimeFormat)
	cases := []struct {
		name    string
		status  int
		reqHdr  []string
		headers []string
		ttl     time.Duration // 0: never matched
	}{
		{"max-age", 200, nil, []string{"Cache-Control", "max-age=1"}, time.Second},
		{"s-maxage over max-age", 200, nil, []string{"Cache-Control", "s-maxage=1, max-age=10"}, time.Second},
		{"max-age over Expires", 200, nil, []string{"Cache-Control", "max-age=5", "Expires", base.Add(time.Hour).Format(http.TimeFormat)}, 5 * time.Second},
		{"Expires", 200, nil, []string{"Expires", base.Add(2 * time.Second).Format(http.TimeFormat)}, 2 * time.Second},
		{"Expires relative to Date", 200, nil, []string{"Date", base.Add(-time.Hour).Format(http.TimeFormat), "Expires", base.Add(-time.Hour + 10*time.Second).Format(http.TimeFormat)}, 10 * time.Second},
		{"Expires 0 is expired", 200, nil, []string{"Expires", "0"}, 0},
		{"Expires in the past", 200, nil, []string{"Expires", base.Add(-time.Second).Format(http.TimeFormat)}, 0},
		{"Age counts against max-age", 200, nil, []string{"Cache-Control", "max-age=60", "Age", "45"}, 15 * time.Second},
		{"Age beyond max-age", 200, nil, []string{"Cache-Control", "max-age=60", "Age", "60"}, 0},
		{"max-age=0", 200, nil, []string{"Cache-Control", "max-age=0"}, 0},
		{"malformed max-age is stale", 200, nil, []string{"Cache-Control", "max-age=soon"}, 0},
		{"private", 200, nil, []string{"Cache-Control", "private, max-age=60"}, 0},
		{"no-store", 200, nil, []string{"Cache-Control", "no-store, max-age=60"}, 0},
		{"no-cache", 200, nil, []string{"Cache-Control", "no-cache, max-age=60"}, 0},
		{"Set-Cookie", 200, nil, []string{"Cache-Control", "max-age=60", "Set-Cookie", "a=b"}, 0},
		{"Set-Cookie even when public", 200, nil, []string{"Cache-Control", "public, max-age=60", "Set-Cookie", "a=b"}, 0},
		{"private=Set-Cookie", 200, nil, []string{"Cache-Control", "private=Set-Cookie, max-age=60", "Set-Cookie", "a=b"}, time.Minute},
		{`private="Set-Cookie"`, 200, nil, []string{"Cache-Control", `max-age=60, private="Set-Cookie"`, "Set-Cookie", "a=b"}, time.Minute},
		{"no freshness at all", 200, nil, nil, 0},
		{"public alone gives no lifetime", 200, nil, []string{"Cache-Control", "public"}, 0},
		{"Last-Modified heuristic", 200, nil, []string{"Date", date, "Last-Modified", base.Add(-10 * 24 * time.Hour).Format(http.TimeFormat)}, 24 * time.Hour},
		{"immutable", 200, nil, []string{"Cache-Control", "immutable"}, 24 * time.Hour},
		{"404 with max-age", 404, nil, []string{"Cache-Control", "max-age=30"}, 30 * time.Second},
		{"301 with max-age", 301, nil, []string{"Cache-Control", "max-age=30"}, 30 * time.Second},
		{"500 is never stored", 500, nil, []string{"Cache-Control", "max-age=30"}, 0},
		{"201 is never stored", 201, nil, []string{"Cache-Control", "max-age=30"}, 0},
		{"302 needs explicit freshness", 302, nil, []string{"Location", "/x"}, 0},
		{"302 with max-age", 302, nil, []string{"Location", "/x", "Cache-Control", "max-age=30"}, 30 * time.Second},
		{"Authorization without public", 200, []string{"Authorization", "Bearer x"}, []string{"Cache-Control", "max-age=60"}, 0},
		{"Authorization with public", 200, []string{"Authorization", "Bearer x"}, []string{"Cache-Control", "public, max-age=60"}, time.Minute},
		{"Authorization with s-maxage", 200, []string{"Authorization", "Bearer x"}, []string{"Cache-Control", "s-maxage=60"}, time.Minute},
		{"request Cache-Control is ignored", 200, []string{"Cache-Control", "no-store"}, []string{"Cache-Control", "max-age=60"}, time.Minute},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock := newClock()
			s := openStore(t, Options{Now: clock.Now})
			req := getReq("https://example.com/fresh", tc.reqHdr...)
			mustPut(t, s, "", req, resp(tc.status, "body", tc.headers...))
			plain := getReq(req.URL)
			r, _ := match(t, s, "", plain)
			if tc.ttl == 0 {
				if r != nil {
					t.Fatalf("stored and matched with status %d, want not stored", r.Status)
				}
				return
			}
			if r == nil || r.Status != tc.status {
				t.Fatalf("not matched right after put")
			}
			clock.Advance(tc.ttl - time.Millisecond)
			if r, _ := match(t, s, "", plain); r == nil {
				t.Fatalf("not matched just before its TTL %v", tc.ttl)
			}
			clock.Advance(time.Millisecond)
			if r, _ := match(t, s, "", plain); r != nil {
				t.Fatalf("still matched at its TTL %v", tc.ttl)
			}
		})
	}
}

func TestPrivateSetCookieStripsTheCookie(t *testing.T) {
	s := openStore(t, Options{Now: newClock().Now})
	req := getReq("https://example.com/c")
	mustPut(t, s, "", req, resp(200, "b", "Cache-Control", "Private=Set-Cookie, max-age=60", "Set-Cookie", "a=b", "Set-Cookie", "c=d"))
	r, _ := match(t, s, "", req)
	if r == nil {
		t.Fatal("not stored")
	}
	if got := r.Header.Values("Set-Cookie"); len(got) != 0 {
		t.Fatalf("Set-Cookie kept: %q", got)
	}
	if got := r.Header.Get("Cache-Control"); got != "max-age=60" {
		t.Fatalf("Cache-Control = %q, want the private directive removed", got)
	}
}

func TestPutTooLargeIsNotStored(t *testing.T) {
	for _, dir := range []string{"", t.TempDir()} {
		var logged []string
		s := openStore(t, Options{Dir: dir, MaxEntryBytes: 10, Now: newClock().Now,
			Logf: func(f string, a ...any) { logged = append(logged, f) }})
		req := getReq("https://example.com/big")
		if err := s.Put("", req, resp(200, strings.Repeat("x", 11), "Cache-Control", "max-age=60")); err != nil {
			t.Fatalf("Put of an oversized body = %v, want nil (dropped silently, as on Cloudflare)", err)
		}
		if r, _ := match(t, s, "", req); r != nil {
			t.Fatalf("dir %q: an 11-byte body was stored with MaxEntryBytes 10", dir)
		}
		if len(logged) == 0 || !strings.Contains(logged[0], "MaxEntryBytes") {
			t.Fatalf("dir %q: log = %q, want the limit named", dir, logged)
		}
		mustPut(t, s, "", req, resp(200, strings.Repeat("x", 10), "Cache-Control", "max-age=60"))
		if _, body := match(t, s, "", req); body != strings.Repeat("x", 10) {
			t.Fatalf("dir %q: a body at the limit was not stored", dir)
		}
	}
}

func TestOpenRejectsNegativeLimits(t *testing.T) {
	if _, err := Open(Options{MaxEntryBytes: -1}); err == nil || !strings.Contains(err.Error(), "MaxEntryBytes") {
		t.Fatalf("Open with negative MaxEntryBytes = %v, want an error naming it", err)
	}
}
