package runtime

import (
	"net/netip"
	"testing"
)

func TestPublicAddr(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "1.1.1.1": true, "2606:4700::1111": true,
		"127.0.0.1": false, "10.1.2.3": false, "172.16.0.1": false, "192.168.1.1": false,
		"169.254.169.254": false, "100.64.0.1": false, "0.0.0.0": false, "255.255.255.255": false,
		"::1": false, "fc00::1": false, "fe80::1": false, "::ffff:127.0.0.1": false, "::ffff:8.8.8.8": true,
		"224.0.0.1": false, "198.18.0.1": false,
		// IPv6 forms that embed an IPv4 address are as public as it.
		"64:ff9b::7f00:1": false, "64:ff9b::a00:5": false, "64:ff9b::808:808": true,
		"2002:7f00:1::1": false, "2002:a9fe:a9fe::1": false, "2002:808:808::1": true,
		"::127.0.0.1": false, "::10.0.0.1": false, "::ffff:0:127.0.0.1": false, "::ffff:0:a00:1": false,
		"2001:0:4136:e378:8000:63bf:80ff:fffe": false, // Teredo, client 127.0.0.1
		"2001:0:a00:1:8000:63bf:f7f7:f7f7":     false, // Teredo, server 10.0.0.1
		"2001:0:4136:e378:8000:63bf:f7f7:f7f7": true,  // Teredo, both public
		"2606:4700::5efe:7f00:1":               false, // ISATAP interface id
	} {
		if got := PublicAddr(netip.MustParseAddr(addr)); got != want {
			t.Errorf("PublicAddr(%s) = %v, want %v", addr, got, want)
		}
	}
}

func TestDenyPrivateControl(t *testing.T) {
	if err := DenyPrivateControl("tcp4", "93.184.215.14:443", nil); err != nil {
		t.Errorf("public address refused: %v", err)
	}
	for _, addr := range []string{"127.0.0.1:80", "[::1]:8080", "10.0.0.5:5432", "[fe80::1%eth0]:80", "not-an-address"} {
		err := DenyPrivateControl("tcp", addr, nil)
		if err == nil {
			t.Errorf("%s was allowed", addr)
			continue
		}
		if _, ok := err.(*ErrPrivateAddress); !ok {
			t.Errorf("%s: error %T %v", addr, err, err)
		}
	}
}
