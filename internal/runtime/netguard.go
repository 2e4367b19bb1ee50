package runtime

import (
	"fmt"
	"net"
	"net/netip"
	"syscall"
)

// ErrPrivateAddress is the error a subrequest gets when it would connect
// to a loopback, private or link-local address while those are denied.
type ErrPrivateAddress struct{ Addr string }

func (e *ErrPrivateAddress) Error() string {
	return fmt.Sprintf("subrequests to private addresses are denied by configuration (%s)", e.Addr)
}

// DenyPrivateControl is a net.Dialer Control function that refuses
// connections to addresses that are not public. It runs after name
// resolution, on the address actually dialled, so a public name that
// resolves to 127.0.0.1 (DNS rebinding) is refused too.
func DenyPrivateControl(network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		host, _, splitErr := net.SplitHostPort(address)
		if splitErr != nil {
			return &ErrPrivateAddress{Addr: address}
		}
		a, perr := netip.ParseAddr(host)
		if perr != nil {
			return &ErrPrivateAddress{Addr: address}
		}
		ap = netip.AddrPortFrom(a, 0)
	}
	if !PublicAddr(ap.Addr()) {
		return &ErrPrivateAddress{Addr: address}
	}
	return nil
}

// PublicAddr reports whether a is a globally routable unicast address: not
// loopback, private (RFC 1918, fc00::/7), link-local, CGNAT (100.64/10),
// unspecified or multicast.
func PublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || a.IsLoopback() || a.IsPrivate() || a.IsLinkLocalUnicast() ||
		a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// nonPublic are the special-purpose ranges the netip predicates miss.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
}
