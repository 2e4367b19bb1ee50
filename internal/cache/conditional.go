package cache

import (
	"net/http"
	"strings"
	"time"
)

// notModified reports whether a conditional request is answered with 304
// by the stored response's validators. If-None-Match compares entity tags
// weakly and accepts lists and "*"; when present it decides alone and
// If-Modified-Since is ignored (RFC 9110 §13.1.3).
func notModified(req http.Header, stored http.Header) bool {
	if inm := req.Get("If-None-Match"); inm != "" {
		etag, ok := opaqueTag(stored.Get("ETag"))
		if !ok {
			return false
		}
		if strings.TrimSpace(inm) == "*" {
			return true
		}
		for _, candidate := range splitOutsideQuotes(inm) {
			if t, ok := opaqueTag(candidate); ok && t == etag {
				return true
			}
		}
		return false
	}
	ims := req.Get("If-Modified-Since")
	lm := stored.Get("Last-Modified")
	if ims == "" || lm == "" {
		return false
	}
	since, err1 := parseIMFDate(ims)
	modified, err2 := parseIMFDate(lm)
	return err1 == nil && err2 == nil && !modified.After(since)
}

// opaqueTag returns the quoted part of an entity tag, dropping a weak "W/"
// prefix since If-None-Match always compares weakly.
func opaqueTag(v string) (string, bool) {
	v = strings.TrimSpace(v)
	v = strings.TrimPrefix(v, "W/")
	if len(v) < 3 || v[0] != '"' || v[len(v)-1] != '"' {
		return "", false
	}
	return v[1 : len(v)-1], true
}

// parseIMFDate accepts only the preferred HTTP date format, as Cloudflare
// and Miniflare do for If-Modified-Since: anything else is ignored.
func parseIMFDate(v string) (time.Time, error) {
	return time.Parse(http.TimeFormat, v)
}
