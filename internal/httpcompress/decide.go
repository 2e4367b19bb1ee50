// Package httpcompress gives responses the Content-Encoding Cloudflare's
// edge gives them: a body a worker labelled gzip or br is encoded, a
// compressible response is compressed for a client that accepts gzip or
// brotli, and an encoded body a client cannot take is sent decoded
// (developers.cloudflare.com/speed/optimization/content/compression).
package httpcompress

import (
	"net/http"
	"strconv"
	"strings"
)

// The encodings Outpost reads and writes; "" is identity.
const (
	Identity = ""
	Gzip     = "gzip"
	Brotli   = "br"
)

// Response is what Decide needs to know about a response.
type Response struct {
	Status int
	Header http.Header
	// Length is the body's size in its current bytes, -1 when unknown.
	Length int64
	// Encoded says the body's bytes are already in the Content-Encoding
	// the header names (encodeBody: "manual", a fetch() body passed on
	// unread, an origin's answer). Otherwise a gzip or br label asks for
	// the body to be encoded, as workerd does.
	Encoded bool
}

// Plan is what happens to the body on its way to the client.
type Plan struct {
	From string // the encoding the body's bytes are in
	To   string // the encoding the client gets
}

// Changes reports whether the body must be transformed.
func (p Plan) Changes() bool { return p.From != p.To }

// Minimum sizes Cloudflare compresses (smaller responses go as they are).
const (
	minGzip   = 48
	minBrotli = 50
)

// Decide picks the encoding of a response to req and rewrites the
// response's headers to match: Content-Encoding, Content-Length (dropped
// when the bytes change), ETag (weakened when the encoding differs from
// the one the response declared) and Vary. auto turns on the compression
// of unlabelled compressible responses.
func Decide(req *http.Request, res Response, auto bool) Plan {
	h := res.Header
	label := strings.ToLower(strings.TrimSpace(h.Get("Content-Encoding")))
	if label != Identity && label != Gzip && label != Brotli {
		return Plan{} // an encoding Outpost does not speak: the bytes go as they are
	}
	from := Identity
	if res.Encoded {
		from = label
	}
	if !hasBody(req.Method, res.Status) || res.Length == 0 {
		return Plan{From: from, To: from}
	}
	noTransform := hasDirective(h.Values("Cache-Control"), "no-transform")
	accept, stated := parseAccept(req.Header.Values("Accept-Encoding"))
	to := label
	if label != Identity {
		// The worker chose an encoding: the client gets it unless it
		// said it cannot take it.
		if !noTransform && stated && !accept.allows(label) {
			to = accept.best(res.Length)
		}
	} else {
		if !auto || noTransform || !compressibleStatus(res.Status) || !Compressible(h.Get("Content-Type")) ||
			(res.Length > 0 && res.Length < minGzip) {
			return Plan{}
		}
		addVary(h)
		to = accept.best(res.Length)
	}
	if to != label {
		addVary(h)
		if to == Identity {
			h.Del("Content-Encoding")
		} else {
			h.Set("Content-Encoding", to)
		}
		weakenETag(h)
	}
	if from != to {
		h.Del("Content-Length")
	}
	return Plan{From: from, To: to}
}

// hasBody reports whether a response can carry a body at all.
func hasBody(method string, status int) bool {
	if method == http.MethodHead {
		return false
	}
	return status >= 200 && status != 204 && status != 205 && status != 304
}

// compressibleStatus: Cloudflare compresses 200s, and of the errors only
// 403 and 404.
func compressibleStatus(status int) bool {
	return status == 200 || status == 403 || status == 404
}

// compressibleTypes are the media types Cloudflare compresses.
var compressibleTypes = map[string]bool{}

func init() {
	for _, t := range strings.Fields(`text/html text/richtext text/plain text/css text/x-script
		text/x-component text/x-java-source text/x-markdown application/javascript
		application/x-javascript text/javascript text/js image/x-icon image/vnd.microsoft.icon
		application/x-perl application/x-httpd-cgi text/xml application/xml application/rss+xml
		application/vnd.api+json application/x-protobuf application/json multipart/bag
		multipart/mixed application/xhtml+xml font/ttf font/otf font/x-woff image/svg+xml
		application/vnd.ms-fontobject application/ttf application/x-ttf application/otf
		application/x-otf application/truetype application/opentype application/x-opentype
		application/font-woff application/eot application/font application/font-sfnt
		application/wasm application/javascript-binast application/manifest+json
		application/ld+json application/graphql+json application/geo+json`) {
		compressibleTypes[t] = true
	}
}

// Compressible reports whether Cloudflare compresses a Content-Type. A
// response without one counts as text/plain.
func Compressible(contentType string) bool {
	mt, _, _ := strings.Cut(contentType, ";")
	mt = strings.ToLower(strings.TrimSpace(mt))
	return mt == "" || compressibleTypes[mt]
}

// accepted is a parsed Accept-Encoding: coding → quality.
type accepted map[string]float64

// parseAccept reads Accept-Encoding; stated is false when the client sent
// none (then any coding is acceptable, RFC 9110 §12.5.3).
func parseAccept(values []string) (accepted, bool) {
	a := accepted{}
	if len(values) == 0 {
		return a, false
	}
	for _, v := range values {
		for _, part := range strings.Split(v, ",") {
			coding, params, _ := strings.Cut(part, ";")
			coding = strings.ToLower(strings.TrimSpace(coding))
			if coding == "" {
				continue
			}
			q := 1.0
			for _, p := range strings.Split(params, ";") {
				k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
				if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
					if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil && f >= 0 && f <= 1 {
						q = f
					}
				}
			}
			a[coding] = q
		}
	}
	return a, true
}

func (a accepted) quality(coding string) float64 {
	if q, ok := a[coding]; ok {
		return q
	}
	if q, ok := a["*"]; ok {
		return q
	}
	return 0
}

func (a accepted) allows(coding string) bool { return a.quality(coding) > 0 }

// best is the encoding to compress with: the one the client prefers,
// brotli on a tie (as Cloudflare's Pro plans), none if it takes neither
// or the body is too small for it.
func (a accepted) best(length int64) string {
	br, gz := a.quality(Brotli), a.quality(Gzip)
	if length >= 0 && length < minBrotli {
		br = 0
	}
	if length >= 0 && length < minGzip {
		gz = 0
	}
	switch {
	case br > 0 && br >= gz:
		return Brotli
	case gz > 0:
		return Gzip
	}
	return Identity
}

func hasDirective(values []string, directive string) bool {
	for _, v := range values {
		for _, d := range strings.Split(v, ",") {
			name, _, _ := strings.Cut(d, "=")
			if strings.EqualFold(strings.TrimSpace(name), directive) {
				return true
			}
		}
	}
	return false
}

// addVary tells caches the answer depends on Accept-Encoding.
func addVary(h http.Header) {
	for _, v := range h.Values("Vary") {
		for _, f := range strings.Split(v, ",") {
			f = strings.TrimSpace(f)
			if f == "*" || strings.EqualFold(f, "Accept-Encoding") {
				return
			}
		}
	}
	h.Add("Vary", "Accept-Encoding")
}

// weakenETag turns a strong ETag weak: the bytes are no longer the ones it
// names, though the content is, as Cloudflare does when it compresses.
func weakenETag(h http.Header) {
	if e := h.Get("ETag"); strings.HasPrefix(e, `"`) {
		h.Set("ETag", "W/"+e)
	}
}
