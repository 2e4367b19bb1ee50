package bundle

import "testing"

func TestGeneratedFindsTheBundleLineOfASourceLine(t *testing.T) {
	// Bundle line 1 is src/a.ts line 1; bundle lines 2 and 3 are its line 3.
	m, err := ParseSourceMap([]byte(`{"version":3,"sources":["src/a.ts"],"names":[],"mappings":"AAAA;AAEA;EAAA"}`))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ line, genLine, genCol, srcLine int }{
		{1, 1, 1, 1},
		{2, 2, 1, 3}, // no code on line 2: the next line with code
		{3, 2, 1, 3},
	} {
		gl, gc, sl, ok := m.Generated("src/a.ts", c.line)
		if !ok || gl != c.genLine || gc != c.genCol || sl != c.srcLine {
			t.Errorf("line %d: got %d:%d (source line %d, %v), want %d:%d (source line %d)", c.line, gl, gc, sl, ok, c.genLine, c.genCol, c.srcLine)
		}
	}
	if _, _, _, ok := m.Generated("src/a.ts", 40); ok {
		t.Error("a line past the source's code was found")
	}
	if _, _, _, ok := m.Generated("src/other.ts", 1); ok {
		t.Error("a source outside the map was found")
	}
}
