package cache

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Status codes a shared cache understands (RFC 9111 §3), and those cacheable
// without explicit freshness (RFC 9110 §15.1), as Miniflare's
// http-cache-semantics has them.
var (
	understoodStatus = map[int]bool{200: true, 203: true, 204: true, 300: true, 301: true,
		302: true, 303: true, 307: true, 308: true, 404: true, 405: true, 410: true, 414: true, 501: true}
	cacheableByDefault = map[int]bool{200: true, 203: true, 204: true, 206: true, 300: true,
		301: true, 404: true, 405: true, 410: true, 414: true, 501: true}
)

// hopByHop headers describe one connection, not the response, so they are
// never stored.
var hopByHop = []string{"Connection", "Keep-Alive", "Proxy-Authenticate",
	"Proxy-Authorization", "Te", "Trailer", "Transfer-Encoding", "Upgrade"}

const (
	// heuristicFraction of the time since Last-Modified is the freshness of
	// a response without explicit expiry (RFC 9111 §4.2.2).
	heuristicFraction = 0.1
	// immutableMinTTL is the freshness http-cache-semantics gives to
	// "immutable" responses without max-age.
	immutableMinTTL = 24 * time.Hour
)

// freshness is the verdict on one response offered to the cache.
type freshness struct {
	storable bool
	reason   string        // why it is not stored, for logs
	ttl      time.Duration // remaining freshness at put time; <= 0 is stale
	explicit bool          // s-maxage, max-age or Expires was present
	header   http.Header   // what to store
	age      int64         // the response's Age header, seconds
}

// cachePolicy decides, as a shared cache, whether a response may be stored
// and for how long. Request Cache-Control is ignored, as on Cloudflare.
func cachePolicy(now time.Time, reqHeader http.Header, status int, h http.Header) freshness {
	f := freshness{header: storedHeader(h, now)}
	cc := parseCacheControl(f.header.Values("Cache-Control"))

	// private="Set-Cookie" (or unquoted) stores the response without the
	// named fields; a bare private forbids storing in a shared cache.
	if cc.has("private") {
		names := cc.fieldNames("private")
		if len(names) == 0 {
			return f.refuse("Cache-Control: private")
		}
		for _, n := range names {
			f.header.Del(n)
		}
		f.header.Set("Cache-Control", dropDirective(f.header.Values("Cache-Control"), "private"))
		if f.header.Get("Cache-Control") == "" {
			f.header.Del("Cache-Control")
		}
		delete(cc, "private")
	}
	switch {
	case cc.has("no-store"):
		return f.refuse("Cache-Control: no-store")
	case !understoodStatus[status]:
		return f.refuse("status " + strconv.Itoa(status) + " is not cacheable")
	case reqHeader.Get("Authorization") != "" && !cc.has("public") && !cc.has("s-maxage") && !cc.has("must-revalidate"):
		return f.refuse("the request has Authorization and the response is not public")
	case f.header.Get("Set-Cookie") != "":
		return f.refuse("the response has Set-Cookie (send Cache-Control: private=Set-Cookie to store it without)")
	case varyStar(f.header):
		return f.refuse("Vary: *")
	}

	_, hasSMax := cc.seconds("s-maxage")
	_, hasMax := cc.seconds("max-age")
	hasExpires := f.header.Get("Expires") != ""
	f.explicit = hasSMax || hasMax || hasExpires
	if !f.explicit && !cc.has("public") && !cacheableByDefault[status] {
		return f.refuse("no freshness information for status " + strconv.Itoa(status))
	}
	f.storable = true
	if cc.has("no-cache") {
		f.reason = "Cache-Control: no-cache (the cache cannot revalidate)"
		return f
	}
	f.age, _ = strconv.ParseInt(strings.TrimSpace(h.Get("Age")), 10, 64)
	if f.age < 0 {
		f.age = 0
	}
	f.ttl = maxAge(now, cc, f.header) - time.Duration(f.age)*time.Second
	if f.ttl <= 0 {
		f.reason = "the response is already stale (no max-age, s-maxage, Expires or Last-Modified giving freshness)"
	}
	return f
}

func (f freshness) refuse(reason string) freshness {
	f.storable = false
	f.reason = reason
	return f
}

// maxAge is the freshness lifetime: s-maxage over max-age over Expires, and
// a heuristic from Last-Modified when none is given.
func maxAge(now time.Time, cc directives, h http.Header) time.Duration {
	if s, ok := cc.seconds("s-maxage"); ok {
		return secondsDuration(s)
	}
	if s, ok := cc.seconds("max-age"); ok {
		return secondsDuration(s)
	}
	var min time.Duration
	if cc.has("immutable") {
		min = immutableMinTTL
	}
	date := now
	if d, err := http.ParseTime(h.Get("Date")); err == nil {
		date = d
	}
	if e := h.Get("Expires"); e != "" {
		exp, err := http.ParseTime(e)
		// An invalid Expires, notably "0", means already expired.
		if err != nil || exp.Before(date) {
			return 0
		}
		return max(min, exp.Sub(date))
	}
	if lm, err := http.ParseTime(h.Get("Last-Modified")); err == nil && date.After(lm) {
		return max(min, time.Duration(float64(date.Sub(lm))*heuristicFraction))
	}
	return min
}

func secondsDuration(s int64) time.Duration {
	const maxSeconds = int64(1<<63-1) / int64(time.Second)
	return time.Duration(min(s, maxSeconds)) * time.Second
}

// storedHeader copies the headers worth storing and gives the response a
// Date if it has none, as a cache must (RFC 9110 §6.6.1).
func storedHeader(h http.Header, now time.Time) http.Header {
	out := h.Clone()
	if out == nil {
		out = http.Header{}
	}
	for _, c := range out.Values("Connection") {
		for _, n := range strings.Split(c, ",") {
			out.Del(strings.TrimSpace(n))
		}
	}
	for _, n := range hopByHop {
		out.Del(n)
	}
	if out.Get("Date") == "" {
		out.Set("Date", now.UTC().Format(http.TimeFormat))
	}
	return out
}

func varyStar(h http.Header) bool {
	for _, v := range h.Values("Vary") {
		if strings.Contains(v, "*") {
			return true
		}
	}
	return false
}

// dropDirective rewrites Cache-Control lines without the named directive,
// leaving the others as they were written.
func dropDirective(lines []string, name string) string {
	var kept []string
	for _, line := range lines {
		for _, part := range splitOutsideQuotes(line) {
			p := strings.TrimSpace(part)
			n, _, _ := strings.Cut(p, "=")
			if p == "" || strings.EqualFold(strings.TrimSpace(n), name) {
				continue
			}
			kept = append(kept, p)
		}
	}
	return strings.Join(kept, ", ")
}

// cacheTags splits Cache-Tag headers into lower-cased tags.
func cacheTags(h http.Header) []string {
	var tags []string
	for _, line := range h.Values("Cache-Tag") {
		for _, t := range strings.Split(line, ",") {
			if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
				tags = append(tags, t)
			}
		}
	}
	return tags
}
