package kv

import (
	"math/rand/v2"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPrefixEnd(t *testing.T) {
	cases := map[string]string{
		"a":                     "b",
		"az":                    "a{",
		"é":                     "ê",
		"\ud7ff":                "\ue000",
		"a\U0010ffff":           "b",
		"x\U0010ffff\U0010ffff": "y",
		"%":                     "&",
	}
	for in, want := range cases {
		if got, ok := PrefixEnd(in); !ok || got != want {
			t.Errorf("PrefixEnd(%q) = %q, %v; want %q", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "\U0010ffff"} {
		if got, ok := PrefixEnd(in); ok {
			t.Errorf("PrefixEnd(%q) = %q, want no bound", in, got)
		}
	}
}

// TestPrefixEndRange checks [p, PrefixEnd(p)) holds exactly the strings
// starting with p, on random strings biased towards tricky code points.
func TestPrefixEndRange(t *testing.T) {
	runes := []rune{'a', 'b', 0x7f, 0x80, 0xff, 0x7ff, 0x800, 0xd7ff, 0xe000, 0xffff, 0x10000, 0x10ffff}
	rnd := rand.New(rand.NewPCG(1, 2))
	str := func(n int) string {
		var b strings.Builder
		for range n {
			b.WriteRune(runes[rnd.IntN(len(runes))])
		}
		return b.String()
	}
	for range 20000 {
		p, s := str(1+rnd.IntN(3)), str(rnd.IntN(5))
		if rnd.IntN(2) == 0 {
			s = p + s
		}
		end, ok := PrefixEnd(p)
		if ok && !utf8.ValidString(end) {
			t.Fatalf("PrefixEnd(%q) = %q is not UTF-8", p, end)
		}
		inRange := s >= p && (!ok || s < end)
		if inRange != strings.HasPrefix(s, p) {
			t.Fatalf("prefix %q, end %q (%v): %q in range = %v", p, end, ok, s, inRange)
		}
	}
}
