package serve

import (
	"fmt"
	"net"
	"sort"
	"strings"

	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// Route is one Cloudflare route pattern bound to a worker:
// [scheme://][*]host[:port][/path[*]]. A leading "*" on the host matches
// any prefix (so "*.example.com" matches subdomains only, "*example.com"
// also the apex); a trailing "*" on the path matches any suffix, query
// string included; otherwise the path (and query) must match exactly. A
// host of "*" matches every host. The port is ignored, as on Cloudflare.
type Route struct {
	Pattern string
	Worker  string

	scheme      string // "" for any
	host        string // lower case, without the leading "*"; "" for any
	hostPrefix  bool
	path        string
	pathSuffix  bool
	specificity int
}

var schemeRE = lazyregexp.New(`^[a-zA-Z][a-zA-Z0-9+.\-]*://`)

// ParseRoute parses a route pattern for worker.
func ParseRoute(pattern, worker string) (Route, error) {
	r := Route{Pattern: pattern, Worker: worker}
	rest := strings.TrimSpace(pattern)
	if rest == "" {
		return r, fmt.Errorf("route for %q is empty", worker)
	}
	if m := schemeRE.FindString(rest); m != "" {
		r.scheme = strings.ToLower(strings.TrimSuffix(m, "://"))
		if r.scheme != "http" && r.scheme != "https" {
			return r, fmt.Errorf("route %q for %q: the scheme must be http or https", pattern, worker)
		}
		rest = rest[len(m):]
	}
	hostport, path := rest, "/"
	if i := strings.IndexByte(rest, '/'); i >= 0 {
		hostport, path = rest[:i], rest[i:]
	}
	if strings.ContainsAny(path, "?#") {
		return r, fmt.Errorf("route %q for %q contains a query string or fragment, which routes may not have", pattern, worker)
	}
	host := hostport
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	if host == "" {
		return r, fmt.Errorf("route %q for %q has no host (write e.g. example.com/* or */*)", pattern, worker)
	}
	if host == "*" {
		r.hostPrefix = true
	} else if strings.HasPrefix(host, "*") {
		r.hostPrefix = true
		r.host = host[1:]
	} else {
		r.host = host
	}
	if strings.HasSuffix(path, "*") {
		r.pathSuffix = true
		path = path[:len(path)-1]
	}
	r.path = path
	if strings.Contains(r.host, "*") || strings.Contains(r.path, "*") {
		return r, fmt.Errorf("route %q for %q contains a wildcard in the middle; only a leading * on the host and a trailing * on the path are allowed", pattern, worker)
	}
	r.specificity = specificity(hostport, path+map[bool]string{true: "*"}[r.pathSuffix])
	return r, nil
}

// specificity ranks routes as Cloudflare's routing table does: more host
// labels and more path segments win; a wildcard costs two of either.
func specificity(hostport, path string) int {
	hostParts := strings.Split(strings.ToLower(hostport), ".")
	hostScore := len(hostParts)
	if hostParts[0] == "*" {
		hostScore -= 2
	}
	pathParts := strings.Split(path, "/")
	pathScore := len(pathParts)
	if pathParts[len(pathParts)-1] == "*" {
		pathScore -= 2
	}
	return hostScore*26 + pathScore
}

// Match reports whether the route covers a request for scheme://host/path
// (path includes the query string, host may carry a port).
func (r *Route) Match(scheme, host, pathAndQuery string) bool {
	if r.scheme != "" && r.scheme != strings.ToLower(scheme) {
		return false
	}
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(strings.TrimSuffix(host, "."))
	if r.hostPrefix {
		if !strings.HasSuffix(host, r.host) {
			return false
		}
	} else if host != r.host {
		return false
	}
	if r.pathSuffix {
		return strings.HasPrefix(pathAndQuery, r.path)
	}
	return pathAndQuery == r.path
}

// Routes is a table of routes, most specific first.
type Routes []Route

// SortRoutes orders routes most specific first; equally specific routes
// keep the longer pattern first, then the order given.
func SortRoutes(rs []Route) Routes {
	out := append(Routes(nil), rs...)
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].specificity != out[j].specificity {
			return out[i].specificity > out[j].specificity
		}
		return len(out[i].Pattern) > len(out[j].Pattern)
	})
	return out
}

// Find returns the first route that matches, or nil.
func (rs Routes) Find(scheme, host, pathAndQuery string) *Route {
	for i := range rs {
		if rs[i].Match(scheme, host, pathAndQuery) {
			return &rs[i]
		}
	}
	return nil
}
