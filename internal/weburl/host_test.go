package weburl

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestIPv6Serialization(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"0:0:0:0:0:0:0:0", "::"},
		{"0:0:0:0:0:0:0:1", "::1"},
		{"1:0:0:0:0:0:0:0", "1::"},
		{"1:0:1:0:1:0:1:0", "1:0:1:0:1:0:1:0"},               // single zeros stay
		{"1:0:0:2:0:0:0:3", "1:0:0:2::3"},                    // the longest run wins
		{"1:0:0:2:0:0:3:4", "1::2:0:0:3:4"},                  // the first of equal runs
		{"2001:DB8::FF00:42:8329", "2001:db8::ff00:42:8329"}, // lower-case hex
		{"::ffff:192.0.2.128", "::ffff:c000:280"},
	} {
		a, ok := parseIPv6(c.in)
		if !ok {
			t.Errorf("parseIPv6(%q) failed", c.in)
			continue
		}
		if got := serializeIPv6(a); got != c.want {
			t.Errorf("serializeIPv6(%q) = %q, want %q", c.in, got, c.want)
		}
	}
	for _, bad := range []string{"", ":", ":1", "1:", "1::2::3", "12345::", "1:2:3:4:5:6:7:8:9", "::1.2.3", "::1.2.3.256", "::01.2.3.4", "g::"} {
		if _, ok := parseIPv6(bad); ok {
			t.Errorf("parseIPv6(%q) succeeded", bad)
		}
	}
}

func TestIPv4Parsing(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"127.0.0.1", "127.0.0.1"},
		{"0x7f.1", "127.0.0.1"},
		{"0177.0.0.01", "127.0.0.1"},
		{"2130706433", "127.0.0.1"},
		{"1.2.65535", "1.2.255.255"},
		{"0x", "0.0.0.0"},
		{"1.2.3.4.", "1.2.3.4"},
	} {
		got, err := parseHost(c.in, false)
		if err != nil || got != c.want {
			t.Errorf("parseHost(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	for _, bad := range []string{"1.2.3.256", "1.2.65536", "4294967296", "1..2", "0x100000000", "1.2.3.4.5", "08"} {
		if h, err := parseHost(bad, false); err == nil {
			t.Errorf("parseHost(%q) = %q, want an error", bad, h)
		} else if !errors.Is(err, ErrInvalidHost) {
			t.Errorf("parseHost(%q) error %v does not wrap ErrInvalidHost", bad, err)
		}
	}
}

func TestPercentDecode(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"a%20b", "a b"},
		{"%", "%"},
		{"%2", "%2"},
		{"%zz%41", "%zzA"},
		{"%e2%98%83", "\u2603"},
	} {
		if got := string(PercentDecode(c.in)); got != c.want {
			t.Errorf("PercentDecode(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestEncodeSets(t *testing.T) {
	// Spot checks of the sets' differences (URL Standard §1.3).
	for _, c := range []struct {
		set  *encodeSet
		name string
		in   rune
		want bool
	}{
		{c0ControlSet, "c0", ' ', false}, {c0ControlSet, "c0", 0x7f, true}, {c0ControlSet, "c0", 'é', true},
		{fragmentSet, "fragment", '`', true}, {fragmentSet, "fragment", '#', false},
		{querySet, "query", '#', true}, {querySet, "query", '\'', false},
		{specialQuerySet, "special-query", '\'', true},
		{pathSet, "path", '?', true}, {pathSet, "path", '^', true}, {pathSet, "path", '|', false},
		{userinfoSet, "userinfo", '|', true}, {userinfoSet, "userinfo", '$', false},
		{componentSet, "component", '$', true}, {componentSet, "component", '!', false},
		{formSet, "form", '!', true}, {formSet, "form", '*', false},
	} {
		if got := c.set.has(c.in); got != c.want {
			t.Errorf("%s set has %q = %v, want %v", c.name, c.in, got, c.want)
		}
	}
}

func TestParseErrorsNameTheInput(t *testing.T) {
	_, err := Parse("http://exa mple.com/", nil)
	if !errors.Is(err, ErrInvalidURL) || !errors.Is(err, ErrInvalidHost) {
		t.Fatalf("error %v should wrap ErrInvalidURL and ErrInvalidHost", err)
	}
	if _, err := Parse("relative/path", nil); err == nil || !errors.Is(err, ErrInvalidURL) {
		t.Fatalf("relative input without base: %v", err)
	}
	if _, err := ParseRef("x", "::bad base"); err == nil {
		t.Fatal("ParseRef with an invalid base succeeded")
	}
}

func TestCloneIsIndependent(t *testing.T) {
	u, _ := Parse("https://h/a/b?q#f", nil)
	c := u.Clone()
	c.SetPathname("/x")
	c.SetSearch("z")
	c.SetHash("y")
	if u.Href() != "https://h/a/b?q#f" {
		t.Fatalf("changing the clone changed the original: %q", u.Href())
	}
	if c.Href() != "https://h/x?z#y" {
		t.Fatalf("clone = %q", c.Href())
	}
}

func BenchmarkParse(b *testing.B) {
	base, _ := Parse("https://example.com/base/path?x=1", nil)
	for b.Loop() {
		if _, err := Parse("../api/v1/items?id=42&sort=name#top", base); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseComponents(b *testing.B) {
	for b.Loop() {
		ParseComponents("https://user@example.com:8443/a/b/c?q=1&r=2#frag", "", false)
	}
}

// Inputs built to make a naive parser quadratic must still parse quickly.
func TestLinearTime(t *testing.T) {
	for _, in := range []string{
		"http://" + strings.Repeat("a@", 200000) + "h/",
		"http://h/" + strings.Repeat("../", 200000),
		"sc:" + strings.Repeat("x ", 200000) + "#f",
		"http://h/?" + strings.Repeat("%zz", 200000) + "#" + strings.Repeat("#", 200000),
	} {
		start := time.Now()
		if _, err := Parse(in, nil); err != nil {
			t.Fatalf("Parse(%.20q...): %v", in, err)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Errorf("Parse(%.20q...) took %v", in, d)
		}
	}
}
