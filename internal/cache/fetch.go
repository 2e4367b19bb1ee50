package cache

import (
	"cmp"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

// CFOptions are the cache fields of a subrequest's RequestInit.cf.
type CFOptions struct {
	// CacheTTL (cf.cacheTtl), when set, caches the response for that many
	// seconds whatever the origin's headers say, and makes any URL eligible
	// (Cache Everything). 0 caches nothing (the copy is stale at once);
	// negative means do not cache at all.
	CacheTTL *int
	// CacheEverything (cf.cacheEverything) makes every URL eligible, not
	// only the default static file extensions; origin headers still decide.
	CacheEverything bool
	// CacheKey (cf.cacheKey) replaces the URL as the cache key.
	CacheKey string
	// CacheTTLByStatus (cf.cacheTtlByStatus) maps a status ("404") or an
	// inclusive range ("200-299") to a TTL in seconds that overrides the
	// origin's headers; a negative TTL means do not cache.
	CacheTTLByStatus map[string]int
}

// Values of the CF-Cache-Status header on Fetch responses.
const (
	StatusHit     = "HIT"     // served from cache
	StatusMiss    = "MISS"    // eligible, not in cache; fetched (and stored if cacheable)
	StatusExpired = "EXPIRED" // was in cache but stale; fetched again
	StatusBypass  = "BYPASS"  // origin or cf options said not to cache
	StatusDynamic = "DYNAMIC" // not eligible for cache: method or file type
)

// Default edge TTLs when the origin gives no Cache-Control or Expires.
var defaultEdgeTTL = map[int]time.Duration{
	200: 120 * time.Minute, 206: 120 * time.Minute, 301: 120 * time.Minute,
	302: 20 * time.Minute, 303: 20 * time.Minute,
	404: 3 * time.Minute, 410: 3 * time.Minute,
}

// staticExtensions are the file extensions Cloudflare caches by default.
// Notably HTML and JSON are not among them.
var staticExtensions = map[string]bool{}

func init() {
	for _, ext := range strings.Fields(`7z avi avif apk bin bmp bz2 class css csv doc docx dmg
		ejs eot eps exe flac gif gz ico iso jar jpg jpeg js mid midi mkv mp3 mp4 ogg otf pdf
		pict pls png ppt pptx ps rar svg svgz swf tar tif tiff ttf webm webp woff woff2 xls
		xlsx zip zst`) {
		staticExtensions[ext] = true
	}
}

// Fetch is the zone cache in front of an origin for a worker's fetch(), as
// Cloudflare runs it. A GET (or HEAD) for a static file extension, or for any
// URL with cf.cacheEverything or cf.cacheTtl, is looked up in the node's
// cache under its URL (or cf.cacheKey); on a hit origin is not called. On a
// miss origin is asked for the full object (Range and validators removed),
// and the response is stored for:
//   - cf.cacheTtlByStatus's TTL for its status, when one matches;
//   - else cf.cacheTtl, for the statuses Cloudflare caches by default
//     (200, 206, 301, 302, 303, 404, 410);
//   - else the origin's s-maxage, max-age or Expires, unless it sent
//     no-store, no-cache, private or Set-Cookie (BYPASS);
//   - else the default edge TTL by status: 2 h for 200/206/301, 20 min for
//     302/303, 3 min for 404/410; other statuses are not cached.
//
// With a TTL override the stored copy and the response lose Set-Cookie. The
// response carries CF-Cache-Status (HIT, MISS, EXPIRED, BYPASS or DYNAMIC)
// and honours the request's Range and conditional headers once stored.
//
// The cache shared here is caches.default, as on Cloudflare, so a worker can
// cache.match() what fetch() stored and Purge removes both.
//
// This reproduces a classic surprise: a worker that uses KV as its cache
// (get from KV; on a miss fetch() the origin and put the result in KV with
// expirationTtl: 60) keeps serving old content after the KV entry expires,
// because its fetch() is answered by the edge cache (cf.cacheTtl, or the
// origin's max-age / the 2-hour default for a .js or .css URL) until that
// copy expires or is purged. Here too the KV entry and the cache entry have
// independent lifetimes, and the second fetch() comes back with
// CF-Cache-Status: HIT without reaching the origin.
func (s *Store) Fetch(req Request, cf CFOptions, origin func(Request) (*Response, error)) (*Response, error) {
	return s.FetchIn("", req, cf, origin)
}

// FetchIn is Fetch through the cache named cacheName (a partition's
// default cache).
func (s *Store) FetchIn(cacheName string, req Request, cf CFOptions, origin func(Request) (*Response, error)) (*Response, error) {
	rules, err := parseStatusTTLs(cf.CacheTTLByStatus)
	if err != nil {
		return nil, err
	}
	method := strings.ToUpper(req.Method)
	if method == "" {
		method = http.MethodGet
	}
	if method != http.MethodGet && method != http.MethodHead {
		return passThrough(origin, req, StatusDynamic)
	}
	if cf.CacheTTL != nil && *cf.CacheTTL < 0 {
		return passThrough(origin, req, StatusBypass)
	}
	if !cf.CacheEverything && cf.CacheTTL == nil && !staticPath(req.URL) {
		return passThrough(origin, req, StatusDynamic)
	}
	key := cf.CacheKey
	if key == "" {
		if key, err = normalizeURL(req.URL); err != nil {
			return nil, err
		}
	}
	head := method == http.MethodHead

	hit, wasExpired, err := s.serveKey(cacheName, key, req.Header, StatusHit, head)
	if err != nil || hit != nil {
		return hit, err
	}
	missStatus := StatusMiss
	if wasExpired {
		missStatus = StatusExpired
	}

	oreq := Request{Method: http.MethodGet, URL: req.URL, Header: req.Header.Clone(), CacheKey: req.CacheKey}
	if oreq.Header == nil {
		oreq.Header = http.Header{}
	}
	for _, h := range []string{"Range", "If-Range", "If-None-Match", "If-Modified-Since", "If-Match", "If-Unmodified-Since"} {
		oreq.Header.Del(h)
	}
	resp, err := origin(oreq)
	if err != nil {
		return nil, err
	}
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	now := s.opts.Now()
	ttl, header, age, status := edgePolicy(now, cf, rules, resp, missStatus)
	if ttl <= 0 {
		resp.Header.Set("CF-Cache-Status", status)
		if head {
			closeBody(resp)
			resp.Body = http.NoBody
		}
		return resp, nil
	}
	e := &entry{cache: cacheName, key: key, status: resp.Status, header: header, stored: now,
		expires: now.Add(ttl), age: age, tags: cacheTags(header)}
	var body io.Reader = http.NoBody
	if resp.Body != nil {
		body = resp.Body
	}
	src, rest, err := s.storeBody(e, body, true)
	if err != nil {
		closeBody(resp)
		return nil, err
	}
	if rest != nil {
		// Too large to cache: hand the whole body on untouched.
		resp.Header = header
		resp.Header.Set("CF-Cache-Status", missStatus)
		resp.Body = &chainedBody{Reader: rest, closers: []io.Closer{rest, resp.Body}}
		return resp, nil
	}
	closeBody(resp)
	return respond(e, src, req.Header, missStatus, now, head), nil
}

// edgePolicy decides how long an origin response is cached; ttl <= 0 means
// not at all, with status the CF-Cache-Status to report.
func edgePolicy(now time.Time, cf CFOptions, rules []statusTTL, resp *Response, missStatus string) (ttl time.Duration, header http.Header, age int64, status string) {
	if varyStar(resp.Header) {
		return 0, nil, 0, StatusBypass
	}
	override, overridden := -1, false
	for _, r := range rules {
		if resp.Status >= r.from && resp.Status <= r.to {
			override, overridden = r.ttl, true
			break
		}
	}
	if !overridden && cf.CacheTTL != nil && defaultEdgeTTL[resp.Status] > 0 {
		override, overridden = *cf.CacheTTL, true
	}
	if overridden {
		if override < 0 {
			return 0, nil, 0, StatusBypass
		}
		header = storedHeader(resp.Header, now)
		header.Del("Set-Cookie")
		return secondsDuration(int64(override)), header, 0, missStatus
	}
	if cf.CacheTTL != nil {
		return 0, nil, 0, missStatus // status not cached by an Edge TTL
	}

	f := cachePolicy(now, http.Header{}, resp.Status, resp.Header)
	if f.header.Get("Set-Cookie") != "" {
		if cf.CacheEverything {
			return 0, nil, 0, missStatus
		}
		return 0, nil, 0, StatusBypass
	}
	cc := parseCacheControl(f.header.Values("Cache-Control"))
	if cc.has("no-store") || cc.has("no-cache") || (cc.has("private") && len(cc.fieldNames("private")) == 0) {
		return 0, nil, 0, StatusBypass
	}
	if f.explicit {
		if !f.storable || f.ttl <= 0 {
			return 0, nil, 0, StatusBypass
		}
		return f.ttl, f.header, f.age, missStatus
	}
	if d := defaultEdgeTTL[resp.Status]; d > 0 {
		return d, f.header, 0, missStatus
	}
	return 0, nil, 0, missStatus
}

type statusTTL struct{ from, to, ttl int }

// parseStatusTTLs validates cf.cacheTtlByStatus keys: "404" or "200-299".
func parseStatusTTLs(m map[string]int) ([]statusTTL, error) {
	var out []statusTTL
	for k, ttl := range m {
		lo, hi, isRange := strings.Cut(strings.TrimSpace(k), "-")
		from, err1 := strconv.Atoi(strings.TrimSpace(lo))
		to, err2 := from, error(nil)
		if isRange {
			to, err2 = strconv.Atoi(strings.TrimSpace(hi))
		}
		if err1 != nil || err2 != nil || from < 100 || to > 599 || from > to {
			return nil, typeError(fmt.Sprintf("cf.cacheTtlByStatus: %q is not a status code or a range of status codes between 100 and 599 such as \"200-299\"", k))
		}
		out = append(out, statusTTL{from, to, ttl})
	}
	// Narrower rules win, so "404" beats "400-499"; ties are broken by
	// position so the choice does not depend on map order.
	slices.SortFunc(out, func(a, b statusTTL) int {
		if c := cmp.Compare(a.to-a.from, b.to-b.from); c != 0 {
			return c
		}
		return cmp.Compare(a.from, b.from)
	})
	return out, nil
}

func staticPath(raw string) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	ext := strings.TrimPrefix(strings.ToLower(path.Ext(u.Path)), ".")
	return staticExtensions[ext]
}

func passThrough(origin func(Request) (*Response, error), req Request, status string) (*Response, error) {
	resp, err := origin(req)
	if err != nil {
		return nil, err
	}
	if resp.Header == nil {
		resp.Header = http.Header{}
	}
	resp.Header.Set("CF-Cache-Status", status)
	return resp, nil
}

func closeBody(r *Response) {
	if r.Body != nil {
		r.Body.Close()
	}
}

// chainedBody reads from one reader and closes several.
type chainedBody struct {
	io.Reader
	closers []io.Closer
}

func (c *chainedBody) Close() error {
	var first error
	for _, cl := range c.closers {
		if cl == nil {
			continue
		}
		if err := cl.Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}
