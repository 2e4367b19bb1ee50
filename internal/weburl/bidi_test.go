package weburl

import "testing"

func TestHostBidiRule(t *testing.T) {
	for _, c := range []struct {
		in, want string // want "" for a failure
	}{
		{"1.\u064A", "1.xn--mhb"},            // an LTR digit label beside an RTL one
		{"\u064A.", "xn--mhb."},              // one RTL label
		{"\u064Aa", ""},                      // L inside an RTL label (rule 2)
		{"xn--a-yoc", ""},                    // the same, already in Punycode
		{"a\u064A", ""},                      // an RTL label must start with R or AL (rule 1)
		{"\u05D0\u05D1.com", "xn--4dbc.com"}, // Hebrew then an LTR label
		{"\u05D0.a-", ""},                    // an LTR label must end in L or EN (rule 6)
		{"\u0661\u05D0", ""},                 // an Arabic digit cannot start an RTL label (rule 1)
		{"\u05D0\u0661\u0031", ""},           // EN and AN together (rule 4)
		{"example.com", "example.com"},       // no Bidi domain name: nothing to check
	} {
		got, err := parseHost(c.in, false)
		if c.want == "" {
			if err == nil {
				t.Errorf("%q: parsed as %q, want a failure", c.in, got)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%q = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}
