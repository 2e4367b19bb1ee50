package lazyregexp

import (
	"strings"
	"testing"
)

func TestLazyRegexp(t *testing.T) {
	re := New(`^([a-z]+)-(\d+)$`)
	if !re.MatchString("abc-12") || re.MatchString("abc-") {
		t.Error("MatchString")
	}
	if m := re.FindStringSubmatch("abc-12"); len(m) != 3 || m[1] != "abc" || m[2] != "12" {
		t.Errorf("FindStringSubmatch = %q", m)
	}
	words := New(`[a-z]+`)
	if got := words.FindString("12 ab cd"); got != "ab" {
		t.Errorf("FindString = %q", got)
	}
	if got := words.ReplaceAllStringFunc("ab 1 cd", strings.ToUpper); got != "AB 1 CD" {
		t.Errorf("ReplaceAllStringFunc = %q", got)
	}
	if got := words.ReplaceAllString("ab 1 cd", "x"); got != "x 1 x" {
		t.Errorf("ReplaceAllString = %q", got)
	}
	if got := New(`(\w)=(\d)`).FindAllStringSubmatch("a=1 b=2", -1); len(got) != 2 || got[1][1] != "b" {
		t.Errorf("FindAllStringSubmatch = %q", got)
	}
}

// A bad pattern panics at its first use, as regexp.MustCompile would.
func TestLazyRegexpBadPattern(t *testing.T) {
	re := New(`(`)
	defer func() {
		if recover() == nil {
			t.Error("no panic for a bad pattern")
		}
	}()
	re.MatchString("x")
}
