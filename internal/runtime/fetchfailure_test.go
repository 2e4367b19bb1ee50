package runtime

import (
	"errors"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
	"testing"
)

// A failed fetch() tells the worker why without this machine's resolver
// address or local ports, which frameworks pass on to clients.
func TestFetchFailureHidesNetworkDetails(t *testing.T) {
	dns := &url.Error{Op: "Get", URL: "http://no-such-host.invalid/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Err: &net.DNSError{Err: "no such host", Name: "no-such-host.invalid", Server: "10.255.255.53:53", IsNotFound: true}}}
	refused := &url.Error{Op: "Get", URL: "http://127.0.0.1:1/", Err: &net.OpError{Op: "dial", Net: "tcp",
		Source: &net.TCPAddr{IP: net.IPv4(10, 1, 2, 3), Port: 40000}, Addr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1},
		Err: &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}}}
	for _, c := range []struct {
		err  error
		want string
	}{
		{dns, "DNS lookup failed: no such host no-such-host.invalid"},
		{refused, "connection refused"},
		{&url.Error{Op: "Get", URL: "http://x/", Err: errors.New("fetch failed: too many redirects (20)")}, "fetch failed: too many redirects (20)"},
	} {
		got := fetchFailure(c.err)
		if got != c.want {
			t.Errorf("fetchFailure(%v) = %q, want %q", c.err, got, c.want)
		}
		if strings.Contains(got, "10.255.255.53") || strings.Contains(got, "40000") {
			t.Errorf("%q shows the machine's network", got)
		}
	}
}
