package assets

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/outpost-dev/outpost/internal/config"
)

// site makes an assets directory with these files (path → content).
func site(t *testing.T, a config.Assets, hasWorker bool, files map[string]string) *Site {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	a.Directory = dir
	if a.HTMLHandling == "" {
		a.HTMLHandling = "auto-trailing-slash"
	}
	if a.NotFoundHandling == "" {
		a.NotFoundHandling = "none"
	}
	s, err := New(&a, hasWorker)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

var pages = map[string]string{
	"index.html":        "home",
	"file.html":         "file",
	"folder/index.html": "folder",
	"app.js":            "js",
	"_headers":          "/* x-a: b",
	"404.html":          "not found page",
	"folder/404.html":   "folder not found",
}

// Cloudflare's HTML handling table for each mode: request → status and
// either the body served or the Location redirected to.
func TestHTMLHandling(t *testing.T) {
	type want struct {
		status int
		out    string
	}
	for mode, cases := range map[string]map[string]want{
		"auto-trailing-slash": {
			"/": {200, "home"}, "/index.html": {307, "/"}, "/index": {307, "/"},
			"/file": {200, "file"}, "/file.html": {307, "/file"}, "/file/": {307, "/file"},
			"/folder": {307, "/folder/"}, "/folder/": {200, "folder"}, "/folder/index.html": {307, "/folder/"},
			"/folder/index": {307, "/folder/"}, "/app.js": {200, "js"}, "/missing": {404, ""},
		},
		"force-trailing-slash": {
			"/file": {307, "/file/"}, "/file/": {200, "file"}, "/file.html": {307, "/file/"},
			"/folder": {307, "/folder/"}, "/folder/": {200, "folder"},
		},
		"drop-trailing-slash": {
			"/file": {200, "file"}, "/file/": {307, "/file"},
			"/folder": {200, "folder"}, "/folder/": {307, "/folder"}, "/": {200, "home"},
		},
		"none": {
			"/file.html": {200, "file"}, "/file": {404, ""}, "/folder/index.html": {200, "folder"},
			"/folder/": {404, ""}, "/": {404, ""},
		},
	} {
		s := site(t, config.Assets{HTMLHandling: mode}, false, pages)
		for path, w := range cases {
			rec := httptest.NewRecorder()
			s.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
			got := rec.Body.String()
			if w.status == 307 {
				got = rec.Header().Get("Location")
			}
			if rec.Code != w.status || (w.out != "" && got != w.out) {
				t.Errorf("%s: GET %s = %d %q, want %d %q", mode, path, rec.Code, got, w.status, w.out)
			}
		}
	}
}

func TestRedirectKeepsQuery(t *testing.T) {
	s := site(t, config.Assets{}, false, pages)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/file.html?a=1", nil))
	if rec.Code != 307 || rec.Header().Get("Location") != "/file?a=1" {
		t.Errorf("= %d %q", rec.Code, rec.Header().Get("Location"))
	}
}

func TestNotFoundHandling(t *testing.T) {
	spa := site(t, config.Assets{NotFoundHandling: "single-page-application"}, false, pages)
	rec := httptest.NewRecorder()
	spa.ServeHTTP(rec, httptest.NewRequest("GET", "/some/route", nil))
	if rec.Code != 200 || rec.Body.String() != "home" {
		t.Errorf("SPA fallback = %d %q", rec.Code, rec.Body.String())
	}
	page := site(t, config.Assets{NotFoundHandling: "404-page"}, false, pages)
	for path, want := range map[string]string{"/folder/nope": "folder not found", "/nope": "not found page", "/a/b/c": "not found page"} {
		rec := httptest.NewRecorder()
		page.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 404 || rec.Body.String() != want {
			t.Errorf("404-page %s = %d %q, want 404 %q", path, rec.Code, rec.Body.String(), want)
		}
	}
}

func TestHeadersAndRevalidation(t *testing.T) {
	s := site(t, config.Assets{}, false, pages)
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("GET", "/app.js", nil))
	etag := rec.Header().Get("ETag")
	if rec.Header().Get("Content-Type") != "text/javascript; charset=utf-8" || len(etag) != 34 ||
		rec.Header().Get("Cache-Control") != "public, max-age=0, must-revalidate" ||
		rec.Header().Get("CF-Cache-Status") != "MISS" {
		t.Errorf("headers = %v", rec.Header())
	}
	// Requests with Authorization or Range get no Cache-Control, as on Cloudflare.
	req0 := httptest.NewRequest("GET", "/app.js", nil)
	req0.Header.Set("Authorization", "Bearer x")
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req0)
	if rec.Header().Get("Cache-Control") != "" || rec.Header().Get("CF-Cache-Status") != "HIT" {
		t.Errorf("with Authorization: headers = %v", rec.Header())
	}
	req := httptest.NewRequest("GET", "/app.js", nil)
	req.Header.Set("If-None-Match", etag)
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	if rec.Code != 304 || rec.Body.Len() != 0 {
		t.Errorf("If-None-Match = %d %q", rec.Code, rec.Body.String())
	}
	// A 304 keeps Content-Type and the caching headers, also through
	// net/http's server (which drops Content-Type from 304s); the version
	// was served before, so it is a cache HIT.
	srv := httptest.NewServer(s)
	defer srv.Close()
	req304, _ := http.NewRequest("GET", srv.URL+"/app.js", nil)
	req304.Header.Set("If-None-Match", etag)
	resp304, err := http.DefaultClient.Do(req304)
	if err != nil {
		t.Fatal(err)
	}
	resp304.Body.Close()
	if resp304.StatusCode != 304 || resp304.Header.Get("Content-Type") != "text/javascript; charset=utf-8" ||
		resp304.Header.Get("ETag") != etag || resp304.Header.Get("CF-Cache-Status") != "HIT" || resp304.Header.Get("Cache-Control") == "" {
		t.Errorf("304 = %d %v", resp304.StatusCode, resp304.Header)
	}
	for _, inm := range []string{"*", `"x", W/` + etag, "W/" + etag} {
		req := httptest.NewRequest("GET", "/app.js", nil)
		req.Header.Set("If-None-Match", inm)
		rec = httptest.NewRecorder()
		s.ServeHTTP(rec, req)
		if rec.Code != 304 {
			t.Errorf("If-None-Match %s = %d, want 304 (weak comparison, lists, *)", inm, rec.Code)
		}
	}
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("HEAD", "/app.js", nil))
	if rec.Code != 200 || rec.Body.Len() != 0 || rec.Header().Get("Content-Length") != "2" {
		t.Errorf("HEAD = %d %q %v", rec.Code, rec.Body.String(), rec.Header())
	}
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("POST", "/app.js", nil))
	if rec.Code != 405 {
		t.Errorf("POST = %d", rec.Code)
	}
}

func TestHiddenAndOutsideFiles(t *testing.T) {
	s := site(t, config.Assets{}, false, pages)
	for _, path := range []string{"/_headers", "/../../etc/passwd", "/%2e%2e/etc/passwd"} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != 404 {
			t.Errorf("GET %s = %d %q", path, rec.Code, rec.Body.String())
		}
	}
}

func TestServeBeforeWorker(t *testing.T) {
	withWorker := site(t, config.Assets{NotFoundHandling: "404-page"}, true, pages)
	served := func(s *Site, method, path string) (bool, int) {
		rec := httptest.NewRecorder()
		status := s.ServeBeforeWorker(rec, httptest.NewRequest(method, path, nil))
		if status != 0 && status != rec.Code {
			t.Errorf("%s %s: reported %d, wrote %d", method, path, status, rec.Code)
		}
		return status != 0, rec.Code
	}
	if ok, code := served(withWorker, "GET", "/app.js"); !ok || code != 200 {
		t.Errorf("asset = %v %d", ok, code)
	}
	// Misses and other methods go to the worker when there is one.
	if ok, _ := served(withWorker, "GET", "/api/x"); ok {
		t.Error("a miss did not reach the worker")
	}
	if ok, _ := served(withWorker, "POST", "/app.js"); ok {
		t.Error("POST did not reach the worker")
	}
	// Without a worker, not_found_handling answers.
	alone := site(t, config.Assets{NotFoundHandling: "404-page"}, false, pages)
	if ok, code := served(alone, "GET", "/api/x"); !ok || code != 404 {
		t.Errorf("assets-only miss = %v %d", ok, code)
	}
	if ok, code := served(alone, "POST", "/app.js"); !ok || code != 405 {
		t.Errorf("assets-only POST = %v %d", ok, code)
	}
	if ok, code := served(withWorker, "GET", "/folder"); !ok || code != 307 {
		t.Errorf("redirect before the worker = %v %d", ok, code)
	}
	// run_worker_first: everything, or matching routes minus negations.
	first := site(t, config.Assets{RunWorkerFirst: true}, true, pages)
	if ok, _ := served(first, "GET", "/app.js"); ok {
		t.Error("run_worker_first = true served an asset first")
	}
	routes := site(t, config.Assets{RunWorkerFirst: []string{"/folder/*", "!/folder/404.html"}}, true, pages)
	if ok, _ := served(routes, "GET", "/folder/"); ok {
		t.Error("/folder/ matched run_worker_first but was served from assets")
	}
	if ok, _ := served(routes, "GET", "/folder/404.html"); !ok {
		t.Error("a negated route did not go to the assets")
	}
	if ok, _ := served(routes, "GET", "/app.js"); !ok {
		t.Error("an unmatched path did not go to the assets")
	}
}

func TestGlobMatch(t *testing.T) {
	for _, c := range []struct {
		pattern, path string
		want          bool
	}{
		{"/api/*", "/api/a/b", true}, {"/api/*", "/apix", false}, {"/*.js", "/a/b.js", true},
		{"/exact", "/exact", true}, {"/exact", "/exact/", false}, {"/a*b*c", "/aXbYc", true}, {"/a*b*c", "/aXc", false},
	} {
		if got := globMatch(c.pattern, c.path); got != c.want {
			t.Errorf("globMatch(%q, %q) = %v", c.pattern, c.path, got)
		}
	}
}

var _ http.Handler = (*Site)(nil)

// .assetsignore takes gitignore patterns: ignored files and the files of
// ignored directories are not assets, a negation brings one back, and the
// metafiles stay hidden only at the root.
func TestAssetsIgnore(t *testing.T) {
	s := site(t, config.Assets{}, false, map[string]string{
		".assetsignore":      "# build output\n*.map\nprivate/\n/drafts\n!keep.map\n",
		"index.html":         "home",
		"app.js":             "js",
		"app.js.map":         "map",
		"keep.map":           "kept",
		"deep/x.js.map":      "map",
		"private/key.txt":    "secret",
		"drafts/post.html":   "draft",
		"blog/drafts/a.html": "nested drafts are not anchored",
		"child/_headers":     "served: only the root's metafiles are read",
	})
	for path, want := range map[string]int{
		"/":                 200,
		"/app.js":           200,
		"/app.js.map":       404,
		"/deep/x.js.map":    404,
		"/keep.map":         200,
		"/private/key.txt":  404,
		"/drafts/post.html": 404,
		"/drafts/post":      404,
		"/blog/drafts/a":    200,
		"/.assetsignore":    404,
		"/child/_headers":   200,
	} {
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
		if rec.Code != want {
			t.Errorf("GET %s = %d, want %d (%q)", path, rec.Code, want, rec.Body.String())
		}
	}
}
