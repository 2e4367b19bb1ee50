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
	// An IPv6 address that carries an IPv4 one reaches that address
	// through a translator or tunnel: it is only as public as what it
	// embeds.
	for _, v4 := range embeddedIPv4(a) {
		if !PublicAddr(v4) {
			return false
		}
	}
	return true
}

// embeddedIPv4 returns the IPv4 addresses an IPv6 address embeds:
// IPv4-compatible (::/96), IPv4-translated (::ffff:0:0/96), NAT64
// (64:ff9b::/96), 6to4 (2002::/16), Teredo (2001::/32: server and client)
// and ISATAP interface ids (…:5efe:a.b.c.d).
func embeddedIPv4(a netip.Addr) []netip.Addr {
	if !a.Is6() {
		return nil
	}
	b := a.As16()
	v4 := func(i int) netip.Addr { return netip.AddrFrom4([4]byte{b[i], b[i+1], b[i+2], b[i+3]}) }
	zero := func(from, to int) bool {
		for i := from; i < to; i++ {
			if b[i] != 0 {
				return false
			}
		}
		return true
	}
	var out []netip.Addr
	switch {
	case zero(0, 12):
		out = append(out, v4(12)) // IPv4-compatible
	case zero(0, 8) && b[8] == 0xff && b[9] == 0xff && b[10] == 0 && b[11] == 0:
		out = append(out, v4(12)) // IPv4-translated
	case b[0] == 0x00 && b[1] == 0x64 && b[2] == 0xff && b[3] == 0x9b && zero(4, 12):
		out = append(out, v4(12)) // NAT64
	case b[0] == 0x20 && b[1] == 0x02:
		out = append(out, v4(2)) // 6to4
	case b[0] == 0x20 && b[1] == 0x01 && b[2] == 0 && b[3] == 0:
		client := netip.AddrFrom4([4]byte{^b[12], ^b[13], ^b[14], ^b[15]})
		out = append(out, v4(4), client) // Teredo
	}
	if (b[8]|0x02) == 0x02 && b[9] == 0 && b[10] == 0x5e && b[11] == 0xfe {
		out = append(out, v4(12)) // ISATAP
	}
	return out
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
