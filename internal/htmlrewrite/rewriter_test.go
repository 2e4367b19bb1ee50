package htmlrewrite

import (
	"bytes"
	"io"
	"strings"
	"testing"
)

// chunkReader hands out one chunk per Read and, before each chunk after
// the first, records the events the previous chunks completed — as the
// runtime does between pushes.
type chunkReader struct {
	rw     *Rewriter
	chunks []string
	out    *strings.Builder
	n      int
}

func (r *chunkReader) Read(p []byte) (int, error) {
	if r.n > 0 {
		r.take()
	}
	if r.n == len(r.chunks) {
		return 0, io.EOF
	}
	c := r.chunks[r.n]
	r.n++
	return copy(p, c), nil
}

func (r *chunkReader) take() {
	js, err := r.rw.TakeJSON()
	if err != nil {
		panic(err)
	}
	r.out.Write(bytes.TrimSpace(js))
}

// run feeds chunks to a rewriter for cfg and returns the batches of events.
func run(t *testing.T, cfg Config, chunks ...string) string {
	t.Helper()
	rw, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	var out strings.Builder
	r := &chunkReader{rw: rw, chunks: chunks, out: &out}
	if err := rw.Run(r); err != nil {
		t.Fatal(err)
	}
	r.take()
	return out.String()
}

func TestRewriterEvents(t *testing.T) {
	got := run(t, Config{Selectors: []string{"p", "b"}, Flags: []int{WantElement | WantText, WantElement}, Doc: WantComments},
		"<!--c--><di", "v><p class=x>hi <b>there", "</b></p><br></div>")
	// A token comes out in the batch of the chunk that completes it; the
	// last batch is what the end of the input completes.
	want := `[{"k":"comment","s":"<!--c-->","doc":true,"name":"c"}]` +
		`[{"k":"raw","s":"<div>"},{"k":"el","s":"<p class=x>","id":1,"sel":[0],"tag":"p","attrs":[["class","x"]]},` +
		`{"k":"text","s":"hi ","sel":[0]},{"k":"el","s":"<b>","id":2,"sel":[1],"tag":"b"}]` +
		`[{"k":"text","s":"there","sel":[0]},` +
		`{"k":"end","s":"</b>","id":2},{"k":"end","s":"</p>","id":1},{"k":"raw","s":"<br></div>"}]` +
		`[]`
	if got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}

// Void and self-closing elements end at once; an end tag closes the
// elements left open inside it (with no end tag of their own); elements
// open at the end of input end there; a stray end tag passes through.
func TestRewriterElementEnds(t *testing.T) {
	got := run(t, Config{Selectors: []string{"li", "img", "x"}, Flags: []int{WantElement, WantElement, WantElement}},
		"<ul><li>a<li>b</ul><img src=i.png><x/></p><li>open")
	want := `[{"k":"raw","s":"<ul>"},{"k":"el","s":"<li>","id":1,"sel":[0],"tag":"li"},{"k":"raw","s":"a"},` +
		`{"k":"el","s":"<li>","id":2,"sel":[0],"tag":"li"},{"k":"raw","s":"b"},` +
		`{"k":"end","s":"","id":2},{"k":"end","s":"","id":1},{"k":"raw","s":"</ul>"},` +
		`{"k":"el","s":"<img src=i.png>","id":3,"sel":[1],"tag":"img","attrs":[["src","i.png"]],"void":true},{"k":"end","s":"","id":3},` +
		`{"k":"el","s":"<x/>","id":4,"sel":[2],"tag":"x","selfClosing":true},{"k":"end","s":"","id":4},` +
		`{"k":"raw","s":"</p>"},{"k":"el","s":"<li>","id":5,"sel":[0],"tag":"li"}]` +
		// Text at the end of input is complete only once the input ends.
		`[{"k":"raw","s":"open"},{"k":"end","s":"","id":5}]`
	if got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
}

// Text and comment handlers reach descendants; the doctype's parts are
// split out, absent ones null.
func TestRewriterTextAndDoctype(t *testing.T) {
	got := run(t, Config{Selectors: []string{"div"}, Flags: []int{WantText | WantComments}, Doc: WantDoctype},
		`<!DOCTYPE html PUBLIC "-//W3C//DTD HTML 4.01//EN" "http://www.w3.org/TR/html4/strict.dtd"><div><i>t</i><!--c--></div>u`)
	want := `[{"k":"doctype","s":"<!DOCTYPE html PUBLIC \"-//W3C//DTD HTML 4.01//EN\" \"http://www.w3.org/TR/html4/strict.dtd\">",` +
		`"name":"html","publicId":"-//W3C//DTD HTML 4.01//EN","systemId":"http://www.w3.org/TR/html4/strict.dtd"},` +
		`{"k":"raw","s":"<div><i>"},{"k":"text","s":"t","sel":[0]},{"k":"raw","s":"</i>"},` +
		`{"k":"comment","s":"<!--c-->","sel":[0],"name":"c"},{"k":"raw","s":"</div>"}][{"k":"raw","s":"u"}]`
	if got != want {
		t.Errorf("events:\n got %s\nwant %s", got, want)
	}
	for text, want := range map[string][3]string{
		"html":                  {"html", "<nil>", "<nil>"},
		`HTML SYSTEM "about:x"`: {"html", "<nil>", "about:x"},
		"":                      {"<nil>", "<nil>", "<nil>"},
	} {
		n, p, s := parseDoctype(text)
		str := func(v *string) string {
			if v == nil {
				return "<nil>"
			}
			return *v
		}
		if got := [3]string{str(n), str(p), str(s)}; got != want {
			t.Errorf("parseDoctype(%q) = %q, want %q", text, got, want)
		}
	}
}

func TestNewRejectsBadConfig(t *testing.T) {
	if _, err := New(Config{Selectors: []string{"a + b"}, Flags: []int{WantElement}}); err == nil || !strings.Contains(err.Error(), "sibling") {
		t.Errorf("bad selector: %v", err)
	}
	if _, err := New(Config{Selectors: []string{"a"}}); err == nil {
		t.Error("selectors without flags accepted")
	}
}
