package htmlrewrite

import (
	"strings"
	"testing"
)

func TestSelectorMatching(t *testing.T) {
	el := func(tag string, index, typeIndex int, attrs ...string) *Element {
		e := &Element{Tag: tag, Index: index, TypeIndex: typeIndex}
		for i := 0; i+1 < len(attrs); i += 2 {
			e.Attrs = append(e.Attrs, [2]string{attrs[i], attrs[i+1]})
		}
		return e
	}
	html := el("html", 1, 1)
	body := el("body", 2, 1, "class", "page dark")
	div := el("div", 3, 2, "id", "main", "lang", "en-US")
	a := el("a", 2, 1, "href", "https://x.test/doc.PDF", "rel", "nofollow noopener")
	ancestors := []*Element{html, body, div}
	cases := []struct {
		sel  string
		want bool
	}{
		{"a", true}, {"*", true}, {"A", true}, {"p", false},
		{"a[href]", true}, {"a[title]", false},
		{`a[href="https://x.test/doc.PDF"]`, true},
		{"a[href^=https]", true}, {"a[href^='http:']", false},
		{"a[href$='.pdf' i]", true}, {"a[href$='.pdf']", false},
		{"a[href*='x.test']", true},
		{"a[rel~=noopener]", true}, {"a[rel~=noop]", false},
		{"div[lang|=en] a", true}, {"[lang|=e] a", false},
		{"#main > a", true}, {"body > a", false}, {"body a", true}, {"html body div a", true},
		{".dark a", true}, {".light a", false}, {"body.page.dark #main a", true},
		{"a:nth-child(2)", true}, {"a:nth-child(odd)", false}, {"a:nth-child(2n)", true},
		{"a:first-child", false}, {"a:first-of-type", true}, {"a:nth-of-type(1)", true},
		{"a:not(.x)", true}, {"a:not([href])", false},
		{"p, a", true}, {"p, span", false},
		{"div > a:nth-child(-n+3)", true},
	}
	for _, c := range cases {
		l, err := ParseSelector(c.sel)
		if err != nil {
			t.Errorf("%q: %v", c.sel, err)
			continue
		}
		if got := l.Matches(a, ancestors); got != c.want {
			t.Errorf("%q matches = %v, want %v", c.sel, got, c.want)
		}
	}
}

func TestSelectorErrors(t *testing.T) {
	for sel, want := range map[string]string{
		"":               "empty",
		"a[":             "offset",
		"a:hover":        "unsupported pseudo-class :hover",
		"a + b":          "sibling combinators",
		"a ~ b":          "sibling combinators",
		"a[x%=y]":        "unknown attribute operator",
		"a:nth-child(x)": "nth-child",
		"a,":             "unexpected end",
	} {
		_, err := ParseSelector(sel)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", sel, err, want)
		}
	}
}
