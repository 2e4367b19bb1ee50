package runtime

import (
	"bytes"
	"strings"
	"testing"
)

func TestSelectorMatching(t *testing.T) {
	el := func(tag string, index, typeIndex int, attrs ...string) *htmlElement {
		e := &htmlElement{tag: tag, index: index, typeIndex: typeIndex}
		for i := 0; i+1 < len(attrs); i += 2 {
			e.attrs = append(e.attrs, [2]string{attrs[i], attrs[i+1]})
		}
		return e
	}
	html := el("html", 1, 1)
	body := el("body", 2, 1, "class", "page dark")
	div := el("div", 3, 2, "id", "main", "lang", "en-US")
	a := el("a", 2, 1, "href", "https://x.test/doc.PDF", "rel", "nofollow noopener")
	ancestors := []*htmlElement{html, body, div}
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
		l, err := parseSelector(c.sel)
		if err != nil {
			t.Errorf("%q: %v", c.sel, err)
			continue
		}
		if got := l.matches(a, ancestors); got != c.want {
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
		_, err := parseSelector(sel)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: error %v, want it to mention %q", sel, err, want)
		}
	}
}

func TestHTMLRewriterEvents(t *testing.T) {
	rw, err := newHTMLRewriter(htmlConfig{Selectors: []string{"p", "b"}, Flags: []int{wantElement | wantText, wantElement}, Doc: wantComments})
	if err != nil {
		t.Fatal(err)
	}
	defer rw.Close()
	var got strings.Builder
	for _, chunk := range []string{"<!--c--><di", "v><p class=x>hi <b>there", "</b></p><br></div>"} {
		if err := rw.push([]byte(chunk)); err != nil {
			t.Fatal(err)
		}
		js, _ := rw.take()
		got.Write(bytes.TrimSpace(js))
	}
	if err := rw.finish(); err != nil {
		t.Fatal(err)
	}
	js, _ := rw.take()
	got.Write(bytes.TrimSpace(js))
	// A token comes out in the batch of the chunk that completes it.
	want := `[{"k":"comment","s":"<!--c-->","doc":true,"name":"c"}]` +
		`[{"k":"raw","s":"<div>"},{"k":"el","s":"<p class=x>","id":1,"sel":[0],"tag":"p","attrs":[["class","x"]]},` +
		`{"k":"text","s":"hi ","sel":[0]},{"k":"el","s":"<b>","id":2,"sel":[1],"tag":"b"}]` +
		`[{"k":"text","s":"there","sel":[0]},` +
		`{"k":"end","s":"</b>","id":2},{"k":"end","s":"</p>","id":1},{"k":"raw","s":"<br></div>"}]` +
		`[]`
	if got.String() != want {
		t.Errorf("events:\n got %s\nwant %s", got.String(), want)
	}
}
