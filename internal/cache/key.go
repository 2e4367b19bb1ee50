package cache

import (
	"net"
	"net/url"
	"strings"
)

const invalidURL = "Invalid URL. Cache API keys must be fully-qualified, valid URLs."

// cacheKey returns the key an entry is stored under: cf.cacheKey when given,
// else the URL normalised the way it reaches Cloudflare's cache. The query
// string is part of the key; the fragment is not, since it never leaves the
// client in an HTTP request line.
func cacheKey(req Request) (string, error) {
	if req.CacheKey != "" {
		return req.CacheKey, nil
	}
	return normalizeURL(req.URL)
}

func normalizeURL(raw string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.Opaque != "" {
		return "", typeError(invalidURL + " Got: " + quoteForError(raw))
	}
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", typeError(invalidURL + " Got: " + quoteForError(raw))
	}
	host := strings.ToLower(u.Host)
	if h, port, err := net.SplitHostPort(host); err == nil {
		if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
			host = h
			if strings.Contains(h, ":") {
				host = "[" + h + "]"
			}
		}
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	key := scheme + "://" + host + path
	if u.RawQuery != "" || u.ForceQuery {
		key += "?" + u.RawQuery
	}
	return key, nil
}

// stripScheme turns "https://example.com/a" into "example.com/a", the form
// Cloudflare's purge-by-prefix takes.
func stripScheme(s string) string {
	if i := strings.Index(s, "://"); i >= 0 {
		return s[i+3:]
	}
	return s
}

func quoteForError(s string) string {
	if len(s) > 200 {
		s = s[:200] + "…"
	}
	return `"` + s + `"`
}
