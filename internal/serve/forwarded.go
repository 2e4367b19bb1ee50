package serve

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// fromTrustedProxy reports whether the request's peer is a configured
// load balancer.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return false
	}
	a = a.Unmap()
	for _, p := range s.cfg.Security.TrustedProxies {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// applyForwarded makes the request look as it did at the load balancer:
// its scheme (for routes and the URL workers see) and the client's address
// (CF-Connecting-IP). Only a trusted proxy is believed; from anyone else a
// client-sent CF-Connecting-IP is dropped so the peer address is used.
// It returns the scheme.
func (s *Server) applyForwarded(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	if !s.fromTrustedProxy(r) {
		r.Header.Del("CF-Connecting-IP")
		return scheme
	}
	if p := strings.ToLower(strings.TrimSpace(firstField(r.Header.Get("X-Forwarded-Proto")))); p == "https" || p == "http" {
		scheme = p
		r.URL.Scheme = p
	}
	if r.Header.Get("CF-Connecting-IP") == "" {
		// The client is the first address in X-Forwarded-For.
		if ip := strings.TrimSpace(firstField(r.Header.Get("X-Forwarded-For"))); ip != "" {
			if _, err := netip.ParseAddr(ip); err == nil {
				r.Header.Set("CF-Connecting-IP", ip)
			}
		}
	}
	return scheme
}

func firstField(s string) string {
	if i := strings.IndexByte(s, ','); i >= 0 {
		return s[:i]
	}
	return s
}
