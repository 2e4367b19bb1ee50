package serve

import (
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// peerAddr is the request's peer address.
func peerAddr(r *http.Request) (netip.Addr, bool) {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	a, err := netip.ParseAddr(host)
	if err != nil {
		return netip.Addr{}, false
	}
	return a.Unmap(), true
}

func inPrefixes(a netip.Addr, list []netip.Prefix) bool {
	for _, p := range list {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// fromTrustedProxy reports whether the request's peer is a configured
// load balancer.
func (s *Server) fromTrustedProxy(r *http.Request) bool {
	a, ok := peerAddr(r)
	return ok && (inPrefixes(a, s.cfg.Security.TrustedProxies) || inPrefixes(a, s.cfg.Security.CloudflareProxies))
}

// applyForwarded makes the request look as it did at the load balancer:
// its scheme (for routes and the URL workers see) and the client's address
// (CF-Connecting-IP). Only a trusted proxy is believed. The client is the
// rightmost X-Forwarded-For address that is not a trusted proxy (each hop
// appends the address it saw, so the entries left of it are whatever the
// client sent). A CF-Connecting-IP header is kept only from a peer listed
// in cloudflare_proxies, which sets it itself; from anyone else it is
// replaced (by the X-Forwarded-For client, else the peer's address).
// It returns the scheme.
func (s *Server) applyForwarded(r *http.Request) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	peer, ok := peerAddr(r)
	cloudflare := ok && inPrefixes(peer, s.cfg.Security.CloudflareProxies)
	if !cloudflare {
		r.Header.Del("CF-Connecting-IP")
	}
	if !ok || !(cloudflare || inPrefixes(peer, s.cfg.Security.TrustedProxies)) {
		return scheme
	}
	if p := strings.ToLower(strings.TrimSpace(lastField(r.Header.Values("X-Forwarded-Proto")))); p == "https" || p == "http" {
		scheme = p
		r.URL.Scheme = p
	}
	if r.Header.Get("CF-Connecting-IP") == "" {
		if ip, found := s.forwardedClient(r.Header.Values("X-Forwarded-For")); found {
			r.Header.Set("CF-Connecting-IP", ip.String())
		}
	}
	return scheme
}

// forwardedClient walks X-Forwarded-For from the right, skipping trusted
// proxies, to the first address a trusted hop saw as its peer.
func (s *Server) forwardedClient(values []string) (netip.Addr, bool) {
	var hops []string
	for _, v := range values {
		hops = append(hops, strings.Split(v, ",")...)
	}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			// A hop wrote something that is not an address: nothing to
			// its left can be trusted either.
			return netip.Addr{}, false
		}
		a = a.Unmap()
		if !inPrefixes(a, s.cfg.Security.TrustedProxies) && !inPrefixes(a, s.cfg.Security.CloudflareProxies) {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// lastField is the last comma-separated field of the last value: the one
// the nearest proxy wrote.
func lastField(values []string) string {
	if len(values) == 0 {
		return ""
	}
	v := values[len(values)-1]
	if i := strings.LastIndexByte(v, ','); i >= 0 {
		return v[i+1:]
	}
	return v
}
