package bundle

import (
	"slices"
	"strings"
	"testing"
)

func TestDecodeVLQ(t *testing.T) {
	tests := []struct {
		in   string
		want []int
	}{
		{"AAAA", []int{0, 0, 0, 0}},
		{"C", []int{1}},
		{"D", []int{-1}},
		{"gB", []int{16}},
		{"hB", []int{-16}},
		{"2H", []int{123}},
		{"AAgBC", []int{0, 0, 16, 1}},
		{"+/////D", []int{1<<31 - 1}},
	}
	for _, tt := range tests {
		got, err := decodeVLQ(tt.in)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("decodeVLQ(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
	for _, bad := range []string{"g", "A!", "gggggggggB"} {
		if _, err := decodeVLQ(bad); err == nil {
			t.Errorf("decodeVLQ(%q) succeeded", bad)
		}
	}
}

// A map written by hand: generated line 1 has two segments, line 2 none,
// line 3 one with a name, in a second source.
const handMap = `{"version":3,"sources":["a.ts","b.ts"],"names":["greet"],
"mappings":"AAAA,IAAI;;ACEAA"}`

func TestLookup(t *testing.T) {
	m, err := ParseSourceMap([]byte(handMap))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		line, col   int
		src         string
		sline, scol int
		name        string
		ok          bool
	}{
		{1, 1, "a.ts", 1, 1, "", true},
		{1, 4, "a.ts", 1, 1, "", true}, // before the second segment
		{1, 5, "a.ts", 1, 5, "", true},
		{1, 99, "a.ts", 1, 5, "", true},
		{2, 1, "", 0, 0, "", false},         // a line without mappings
		{3, 1, "b.ts", 3, 5, "greet", true}, // source columns accumulate across lines
		{4, 1, "", 0, 0, "", false},         // past the end
	}
	for _, tt := range tests {
		src, sl, sc, name, ok := m.Lookup(tt.line, tt.col)
		if src != tt.src || sl != tt.sline || sc != tt.scol || name != tt.name || ok != tt.ok {
			t.Errorf("Lookup(%d,%d) = %s:%d:%d %q %v; want %s:%d:%d %q %v",
				tt.line, tt.col, src, sl, sc, name, ok, tt.src, tt.sline, tt.scol, tt.name, tt.ok)
		}
	}
}

func TestParseSourceMapErrors(t *testing.T) {
	for _, bad := range []string{
		`{"version":2,"sources":[],"mappings":""}`,
		`{"version":3,"sources":["a"],"mappings":"AAAA,ACAA"}`, // source index 1 of 1
		`{"version":3,"sources":["a"],"mappings":"AA"}`,        // two fields
		`not json`,
	} {
		if _, err := ParseSourceMap([]byte(bad)); err == nil {
			t.Errorf("ParseSourceMap(%s) succeeded", bad)
		}
	}
}

func TestRewriteStackLeavesOthers(t *testing.T) {
	m, _ := ParseSourceMap([]byte(handMap))
	in := "Error: boom\nfn@worker.js:2:1\n@worker.js:3:1\nglobal code@worker.js:1:5\n[native code]"
	want := "Error: boom\nfn@worker.js:2:1\n@b.ts:3:5\nglobal code@a.ts:1:5\n[native code]"
	if got := m.RewriteStack(in, "worker.js"); got != want {
		t.Errorf("RewriteStack:\n%s\nwant\n%s", got, want)
	}
	if got := m.RewriteStack("x@bundle.js:1:1", "worker.js"); !strings.HasPrefix(got, "x@bundle.js") {
		t.Errorf("a different url was rewritten: %s", got)
	}
}

// console.error(err) prints frames as "at fn (file:line:col)".
func TestRewriteStackConsoleFrames(t *testing.T) {
	m, _ := ParseSourceMap([]byte(handMap))
	in := "Error: boom\n    at fn (worker.js:3:1)\n    at worker.js:1:5\n    at x (other.js:1:5)"
	want := "Error: boom\n    at fn (b.ts:3:5)\n    at a.ts:1:5\n    at x (other.js:1:5)"
	if got := m.RewriteStack(in, "worker.js"); got != want {
		t.Errorf("RewriteStack:\n%s\nwant\n%s", got, want)
	}
}
