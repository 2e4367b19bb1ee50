package cache

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestMatchReturnsStoredResponse(t *testing.T) {
	clock := newClock()
	s := openStore(t, Options{Now: clock.Now})
	req := getReq("https://example.com/hit")
	mustPut(t, s, "", req, resp(200, "body", "Cache-Control", "max-age=3600", "X-Key", "value",
		"Connection", "X-Hop", "X-Hop", "1", "Transfer-Encoding", "chunked"))
	clock.Advance(90 * time.Second)
	r, body := match(t, s, "", req)
	if r == nil {
		t.Fatal("miss")
	}
	checks := map[string]string{
		"Cache-Control": "max-age=3600", "CF-Cache-Status": "HIT", "X-Key": "value",
		"Age": "90", "Content-Length": "4", "X-Hop": "", "Transfer-Encoding": "",
		"Date": newClock().Now().Format(http.TimeFormat),
	}
	for name, want := range checks {
		if got := r.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if r.Status != 200 || body != "body" {
		t.Fatalf("got %d %q", r.Status, body)
	}
}

func TestMatchMiss(t *testing.T) {
	s := openStore(t, Options{Now: newClock().Now})
	if r, _ := match(t, s, "", getReq("https://example.com/nothing")); r != nil {
		t.Fatal("hit on an empty cache")
	}
}

func TestEmptyBody(t *testing.T) {
	s := openStore(t, Options{Now: newClock().Now})
	req := getReq("https://example.com/empty")
	mustPut(t, s, "", req, Response{Status: 204, Header: hdr("Cache-Control", "max-age=60")})
	r, body := match(t, s, "", req)
	if r == nil || r.Status != 204 || body != "" || r.Header.Get("Content-Length") != "0" {
		t.Fatalf("got %+v %q", r, body)
	}
}

func TestIgnoreMethod(t *testing.T) {
	s := openStore(t, Options{Now: newClock().Now})
	mustPut(t, s, "", getReq("https://example.com/m"), resp(200, "b", "Cache-Control", "max-age=60"))
	post := Request{Method: "POST", URL: "https://example.com/m"}
	if _, ok, err := s.Match("", post, MatchOptions{}); ok || err != nil {
		t.Fatalf("POST matched without ignoreMethod (ok=%v err=%v)", ok, err)
	}
	if ok, err := s.Delete("", post, MatchOptions{}); ok || err != nil {
		t.Fatalf("POST deleted without ignoreMethod (ok=%v err=%v)", ok, err)
	}
	r, ok, err := s.Match("", post, MatchOptions{IgnoreMethod: true})
	if !ok || err != nil {
		t.Fatalf("POST with ignoreMethod missed (err=%v)", err)
	}
	r.Body.Close()
	if ok, err := s.Delete("", post, MatchOptions{IgnoreMethod: true}); !ok || err != nil {
		t.Fatalf("POST with ignoreMethod not deleted (err=%v)", err)
	}
}

func TestCacheKeys(t *testing.T) {
	cases := []struct {
		put, get string
		same     bool
	}{
		{"https://example.com/a#top", "https://example.com/a", true},
		{"https://EXAMPLE.com:443/a", "https://example.com/a", true},
		{"http://example.com:80/a", "http://example.com/a", true},
		{"https://example.com", "https://example.com/", true},
		{"https://example.com/a?x=1", "https://example.com/a", false},
		{"https://example.com/a?x=1", "https://example.com/a?x=2", false},
		{"https://example.com/a?x=1&y=2", "https://example.com/a?y=2&x=1", false},
		{"http://example.com/a", "https://example.com/a", false},
		{"https://example.com:8443/a", "https://example.com/a", false},
		{"https://example.com/A", "https://example.com/a", false},
	}
	for _, tc := range cases {
		s := openStore(t, Options{Now: newClock().Now})
		mustPut(t, s, "", getReq(tc.put), resp(200, "b", "Cache-Control", "max-age=60"))
		r, _ := match(t, s, "", getReq(tc.get))
		if (r != nil) != tc.same {
			t.Errorf("put %s, match %s: hit=%v, want %v", tc.put, tc.get, r != nil, tc.same)
		}
	}
}

func TestCFCacheKey(t *testing.T) {
	s := openStore(t, Options{Now: newClock().Now})
	url := "https://example.com/unused"
	one := Request{Method: "GET", URL: url, CacheKey: "1"}
	two := Request{Method: "GET", URL: url, CacheKey: "2"}
	mustPut(t, s, "", one, resp(200, "body1", "Cache-Control", "max-age=60"))
	mustPut(t, s, "", two, resp(200, "body2", "Cache-Control", "max-age=60"))
	if _, b := match(t, s, "", one); b != "body1" {
		t.Errorf("key 1 = %q", b)
	}
	if _, b := match(t, s, "", two); b != "body2" {
		t.Errorf("key 2 = %q", b)
	}
	if r, _ := match(t, s, "", getReq(url)); r != nil {
		t.Errorf("the URL matched an entry stored under cf.cacheKey")
	}
	for _, r := range []Request{one, two} {
		if ok, _ := s.Delete("", r, MatchOptions{}); !ok {
			t.Errorf("Delete(cacheKey %s) = false", r.CacheKey)
		}
	}
}

func TestNamedCachesAreDisjoint(t *testing.T) {
	s := openStore(t, Options{Now: newClock().Now})
	req := getReq("https://example.com/disjoint")
	for _, name := range []string{"", "1", "2"} {
		mustPut(t, s, name, req, resp(200, "body"+name, "Cache-Control", "max-age=60"))
	}
	for _, name := range []string{"", "default", "1", "2"} {
		want := "body" + name
		if name == "default" {
			want = "body"
		}
		if _, b := match(t, s, name, req); b != want {
			t.Errorf("cache %q = %q, want %q", name, b, want)
		}
	}
	for _, name := range []string{"1", "", "2"} {
		if ok, _ := s.Delete(name, req, MatchOptions{}); !ok {
			t.Errorf("Delete in cache %q = false", name)
		}
	}
	if ok, _ := s.Delete("default", req, MatchOptions{}); ok {
		t.Errorf("second delete in caches.default = true")
	}
}

func TestDeleteReportsWhetherDeleted(t *testing.T) {
	clock := newClock()
	s := openStore(t, Options{Now: clock.Now})
	req := getReq("https://example.com/del")
	mustPut(t, s, "", req, resp(200, "b", "Cache-Control", "max-age=60"))
	if ok, err := s.Delete("", req, MatchOptions{}); !ok || err != nil {
		t.Fatalf("first delete = %v, %v", ok, err)
	}
	if ok, _ := s.Delete("", req, MatchOptions{}); ok {
		t.Fatal("second delete = true")
	}
	mustPut(t, s, "", req, resp(200, "b", "Cache-Control", "max-age=60"))
	clock.Advance(time.Minute)
	if ok, _ := s.Delete("", req, MatchOptions{}); ok {
		t.Fatal("deleting an expired entry = true")
	}
}

func TestConditionalRequests(t *testing.T) {
	s := openStore(t, Options{Now: newClock().Now})
	url := "https://example.com/cond"
	mustPut(t, s, "", getReq(url), resp(200, "body", "ETag", `"thing"`,
		"Last-Modified", "Tue, 13 Sep 2022 12:00:00 GMT", "Cache-Control", "max-age=3600"))
	weakURL := "https://example.com/weak"
	mustPut(t, s, "", getReq(weakURL), resp(200, "body", "ETag", `W/"weak"`, "Cache-Control", "max-age=3600"))
	noTagURL := "https://example.com/notag"
	mustPut(t, s, "", getReq(noTagURL), resp(200, "body", "Cache-Control", "max-age=3600"))
	cases := []struct {
		url, header, value string
		status             int
	}{
		{url, "If-None-Match", `"thing"`, 304},
		{url, "If-None-Match", `   W/"thing"      `, 304},
		{url, "If-None-Match", `"not the thing"`, 200},
		{url, "If-None-Match", `"not the thing",    "thing"    , W/"still not the thing"`, 304},
		{url, "If-None-Match", `*`, 304},
		{url, "If-None-Match", `    *   `, 304},
		{weakURL, "If-None-Match", `"weak"`, 304},
		{weakURL, "If-None-Match", `W/"weak"`, 304},
		{noTagURL, "If-None-Match", `*`, 200},
		{url, "If-Modified-Since", "Tue, 13 Sep 2022 11:00:00 GMT", 200},
		{url, "If-Modified-Since", "Tue, 13 Sep 2022 12:00:00 GMT", 304},
		{url, "If-Modified-Since", "Tue, 13 Sep 2022 13:00:00 GMT", 304},
		{url, "If-Modified-Since", "13 Sep 2022 13:00:00 GMT", 200},
		{url, "If-Modified-Since", "Tuesday, 13-Sep-22 13:00:00 GMT", 200},
		{noTagURL, "If-Modified-Since", "Tue, 13 Sep 2022 13:00:00 GMT", 200},
	}
	for _, tc := range cases {
		r, body := match(t, s, "", getReq(tc.url, tc.header, tc.value))
		if r == nil {
			t.Fatalf("%s: %s: miss", tc.header, tc.value)
		}
		if r.Status != tc.status {
			t.Errorf("%s %s: %q → %d, want %d", tc.url, tc.header, tc.value, r.Status, tc.status)
		}
		if tc.status == 304 && (body != "" || r.Header.Get("CF-Cache-Status") != "HIT" || r.Header.Get("ETag") == "" && tc.url != noTagURL) {
			t.Errorf("%s %q: 304 body %q, headers %v", tc.header, tc.value, body, r.Header)
		}
	}
	// If-None-Match decides alone: a non-matching tag is not rescued by a
	// satisfied If-Modified-Since.
	r, _ := match(t, s, "", getReq(url, "If-None-Match", `"other"`, "If-Modified-Since", "Tue, 13 Sep 2022 13:00:00 GMT"))
	if r.Status != 200 {
		t.Errorf("If-None-Match miss with If-Modified-Since hit → %d, want 200", r.Status)
	}
}

func TestRangeRequests(t *testing.T) {
	s := openStore(t, Options{Now: newClock().Now})
	url := "https://example.com/range"
	mustPut(t, s, "", getReq(url), resp(200, "0123456789", "Content-Type", "text/plain", "Cache-Control", "max-age=3600"))

	r, body := match(t, s, "", getReq(url, "Range", "bytes=2-4"))
	if r.Status != 206 || body != "234" || r.Header.Get("Content-Range") != "bytes 2-4/10" ||
		r.Header.Get("Content-Length") != "3" || r.Header.Get("CF-Cache-Status") != "HIT" ||
		r.Header.Get("Cache-Control") != "max-age=3600" {
		t.Fatalf("single range: %d %q %v", r.Status, body, r.Header)
	}

	r, body = match(t, s, "", getReq(url, "Range", "bytes=1-3,5-6"))
	ct := r.Header.Get("Content-Type")
	brand, boundary, _ := strings.Cut(ct, "=")
	if r.Status != 206 || brand != "multipart/byteranges; boundary" || boundary == "" {
		t.Fatalf("multiple ranges: %d, Content-Type %q", r.Status, ct)
	}
	want := strings.Join([]string{
		"--" + boundary, "Content-Type: text/plain", "Content-Range: bytes 1-3/10", "", "123",
		"--" + boundary, "Content-Type: text/plain", "Content-Range: bytes 5-6/10", "", "56",
		"--" + boundary + "--",
	}, "\r\n")
	if body != want {
		t.Fatalf("multipart body:\n%q\nwant\n%q", body, want)
	}
	if r.Header.Get("Content-Length") != itoa(len(want)) {
		t.Fatalf("multipart Content-Length = %s, want %d", r.Header.Get("Content-Length"), len(want))
	}

	r, body = match(t, s, "", getReq(url, "Range", "bytes=15-"))
	if r.Status != 416 || body != "" || r.Header.Get("Content-Range") != "bytes */10" {
		t.Fatalf("unsatisfiable: %d %q %v", r.Status, body, r.Header)
	}

	r, body = match(t, s, "", getReq(url, "Range", "bytes=-3"))
	if r.Status != 206 || body != "789" {
		t.Fatalf("suffix range: %d %q", r.Status, body)
	}
	r, body = match(t, s, "", getReq(url, "Range", "bytes="))
	if r.Status != 200 || body != "0123456789" {
		t.Fatalf("empty range: %d %q", r.Status, body)
	}
}

func TestRangeOnlyAppliesTo200(t *testing.T) {
	s := openStore(t, Options{Now: newClock().Now})
	url := "https://example.com/missing"
	mustPut(t, s, "", getReq(url), resp(404, "not found", "Cache-Control", "max-age=60"))
	r, body := match(t, s, "", getReq(url, "Range", "bytes=0-2"))
	if r.Status != 404 || body != "not found" {
		t.Fatalf("Range on a cached 404: %d %q", r.Status, body)
	}
}

func itoa(n int) string { return strconv.Itoa(n) }
