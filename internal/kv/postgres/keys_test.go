package postgres

import (
	"math/rand/v2"
	"strings"
	"testing"
)

func TestKeyCodePreservesOrderAndPrefixes(t *testing.T) {
	alphabet := []string{"\x00", "\x01", "\x02", "a", "é", "\U0010ffff"}
	rnd := rand.New(rand.NewPCG(3, 4))
	str := func() string {
		var b strings.Builder
		for range rnd.IntN(5) {
			b.WriteString(alphabet[rnd.IntN(len(alphabet))])
		}
		return b.String()
	}
	for range 20000 {
		a, b := str(), str()
		ea, eb := encodeKey(a), encodeKey(b)
		if strings.Contains(ea, "\x00") {
			t.Fatalf("encoded %q holds NUL", a)
		}
		if decodeKey(ea) != a {
			t.Fatalf("round trip %q → %q → %q", a, ea, decodeKey(ea))
		}
		if (a < b) != (ea < eb) {
			t.Fatalf("order of %q, %q not kept", a, b)
		}
		if strings.HasPrefix(b, a) != strings.HasPrefix(eb, ea) {
			t.Fatalf("prefix relation of %q, %q not kept", a, b)
		}
	}
}
