// Package htmlrewrite is the engine-free core of HTMLRewriter: lol-html's
// CSS selector subset, and a streaming tokenizer that turns an HTML byte
// stream into events — pass-through text for everything no handler wants,
// and element, end-tag, text, comment and doctype events for the rest. The
// runtime feeds it the body's chunks and runs the JavaScript handlers on
// the events.
package htmlrewrite

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"golang.org/x/net/html"
)

// Handler kinds a selector (or the document) has: bits of Config.Flags
// and Config.Doc.
const (
	WantElement = 1 << iota
	WantText
	WantComments
	WantDoctype
)

// Config is what the rewriter is asked to watch: a selector per element
// handler with the kinds of handler it has (Flags[i] for Selectors[i]), and
// the document handlers' kinds.
type Config struct {
	Selectors []string `json:"selectors"`
	Flags     []int    `json:"flags"`
	Doc       int      `json:"doc"`
}

// Event is one step of the rewritten document. K is its kind: "raw"
// (source text no handler wants, S), "el" (a start tag matched by the
// element handlers of Sel), "end" (the end of element ID; S is its end tag,
// empty when implied), "text", "comment" and "doctype". Sel lists the
// selectors whose handlers apply; Doc is true when the document's do.
type Event struct {
	K           string      `json:"k"` // raw, el, end, text, comment, doctype
	S           string      `json:"s"` // the token's source text
	ID          int         `json:"id,omitempty"`
	Sel         []int       `json:"sel,omitempty"`
	Doc         bool        `json:"doc,omitempty"`
	Tag         string      `json:"tag,omitempty"`
	Attrs       [][2]string `json:"attrs,omitempty"`
	Void        bool        `json:"void,omitempty"`
	SelfClosing bool        `json:"selfClosing,omitempty"`
	Name        *string     `json:"name,omitempty"`
	PublicID    *string     `json:"publicId,omitempty"`
	SystemID    *string     `json:"systemId,omitempty"`
}

type openElement struct {
	el       Element
	id       int   // event id when an element handler saw it
	textSel  []int // selectors with text handlers matching it or an ancestor
	commSel  []int
	children int
	types    map[string]int
}

// Rewriter turns an HTML byte stream into Events. Run reads the stream on
// its own goroutine (or any one goroutine); Take hands the events found so
// far to another, and may be called only while Run waits in its reader's
// Read or after Run has returned — a token's events therefore come out
// with the chunk that completes it.
type Rewriter struct {
	sels  []Selector
	flags []int
	doc   int

	// Run's state; events and raw are handed over by Take.
	stack     []*openElement
	ancestors []*Element // stack[i].el, for selector matching
	root      openElement
	ids       int
	events    []Event
	raw       strings.Builder
}

var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true,
	"link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true, "keygen": true,
}

// New parses cfg's selectors; an error names a selector it cannot match.
func New(cfg Config) (*Rewriter, error) {
	rw := &Rewriter{flags: cfg.Flags, doc: cfg.Doc}
	if len(cfg.Flags) != len(cfg.Selectors) {
		return nil, fmt.Errorf("htmlNew: %d selectors but %d flags", len(cfg.Selectors), len(cfg.Flags))
	}
	for _, s := range cfg.Selectors {
		l, err := ParseSelector(s)
		if err != nil {
			return nil, err
		}
		rw.sels = append(rw.sels, l)
	}
	return rw, nil
}

func (rw *Rewriter) emit(ev Event) {
	if rw.raw.Len() > 0 {
		rw.events = append(rw.events, Event{K: "raw", S: rw.raw.String()})
		rw.raw.Reset()
	}
	rw.events = append(rw.events, ev)
}

func (rw *Rewriter) passThrough(b []byte) {
	rw.raw.Write(b)
}

// Take returns the events since the last Take.
func (rw *Rewriter) Take() []Event {
	if rw.raw.Len() > 0 {
		rw.events = append(rw.events, Event{K: "raw", S: rw.raw.String()})
		rw.raw.Reset()
	}
	evs := rw.events
	rw.events = nil
	if evs == nil {
		evs = []Event{}
	}
	return evs
}

// TakeJSON is Take as a JSON array.
func (rw *Rewriter) TakeJSON() ([]byte, error) {
	evs := rw.Take()
	// Markup stays as it is: escaping <, > and & to \u003c… only costs.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(evs); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (rw *Rewriter) top() *openElement {
	if n := len(rw.stack); n > 0 {
		return rw.stack[n-1]
	}
	return &rw.root
}

// Run tokenizes r to its end, matching selectors; it returns nil at EOF
// (after ending the elements still open) and the reader's error otherwise.
func (rw *Rewriter) Run(r io.Reader) error {
	z := html.NewTokenizer(r)
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			if z.Err() == io.EOF {
				rw.closeAll()
				return nil
			}
			return z.Err()
		case html.TextToken:
			rw.text(z.Raw())
		case html.StartTagToken, html.SelfClosingTagToken:
			rw.startTag(z, tt == html.SelfClosingTagToken)
		case html.EndTagToken:
			name, _ := z.TagName()
			rw.endTag(string(name), z.Raw())
		case html.CommentToken:
			rw.comment(z.Raw(), string(z.Text()))
		case html.DoctypeToken:
			rw.doctype(z.Raw(), string(z.Text()))
		}
	}
}

func (rw *Rewriter) text(raw []byte) {
	t := rw.top()
	doc := rw.doc&WantText != 0
	if len(t.textSel) == 0 && !doc {
		rw.passThrough(raw)
		return
	}
	rw.emit(Event{K: "text", S: string(raw), Sel: t.textSel, Doc: doc})
}

func (rw *Rewriter) comment(raw []byte, text string) {
	t := rw.top()
	doc := rw.doc&WantComments != 0
	if len(t.commSel) == 0 && !doc {
		rw.passThrough(raw)
		return
	}
	rw.emit(Event{K: "comment", S: string(raw), Sel: t.commSel, Doc: doc, Name: &text})
}

func (rw *Rewriter) doctype(raw []byte, text string) {
	if rw.doc&WantDoctype == 0 {
		rw.passThrough(raw)
		return
	}
	name, public, system := parseDoctype(text)
	rw.emit(Event{K: "doctype", S: string(raw), Name: name, PublicID: public, SystemID: system})
}

func (rw *Rewriter) startTag(z *html.Tokenizer, selfClosing bool) {
	// Copied first: TagName lower-cases the tokenizer's buffer in place.
	raw := bytes.Clone(z.Raw())
	nameb, more := z.TagName()
	name := string(nameb)
	var attrs [][2]string
	for more {
		var k, v []byte
		k, v, more = z.TagAttr()
		attrs = append(attrs, [2]string{string(k), string(v)})
	}
	parent := rw.top()
	parent.children++
	if parent.types == nil {
		parent.types = map[string]int{}
	}
	parent.types[name]++
	oe := &openElement{
		el:      Element{Tag: name, Attrs: attrs, Index: parent.children, TypeIndex: parent.types[name]},
		textSel: parent.textSel,
		commSel: parent.commSel,
	}
	var elSel []int
	for i, sel := range rw.sels {
		if rw.flags[i] == 0 || !sel.Matches(&oe.el, rw.ancestors) {
			continue
		}
		if rw.flags[i]&WantElement != 0 {
			elSel = append(elSel, i)
		}
		if rw.flags[i]&WantText != 0 {
			oe.textSel = appendNew(oe.textSel, i)
		}
		if rw.flags[i]&WantComments != 0 {
			oe.commSel = appendNew(oe.commSel, i)
		}
	}
	closed := selfClosing || voidElements[name]
	if len(elSel) > 0 {
		rw.ids++
		oe.id = rw.ids
		rw.emit(Event{K: "el", S: string(raw), ID: oe.id, Sel: elSel, Tag: name, Attrs: attrs,
			Void: voidElements[name], SelfClosing: selfClosing})
	} else {
		rw.passThrough(raw)
	}
	if closed {
		if oe.id != 0 {
			rw.emit(Event{K: "end", ID: oe.id})
		}
		return
	}
	rw.stack = append(rw.stack, oe)
	rw.ancestors = append(rw.ancestors, &oe.el)
}

// appendNew appends to a copy, since parents share their slices.
func appendNew(s []int, v int) []int {
	out := make([]int, len(s), len(s)+1)
	copy(out, s)
	return append(out, v)
}

func (rw *Rewriter) endTag(name string, raw []byte) {
	for i := len(rw.stack) - 1; i >= 0; i-- {
		if rw.stack[i].el.Tag != name {
			continue
		}
		// Elements left open inside it end here too, without an end tag.
		for j := len(rw.stack) - 1; j > i; j-- {
			if id := rw.stack[j].id; id != 0 {
				rw.emit(Event{K: "end", ID: id})
			}
		}
		oe := rw.stack[i]
		rw.stack = rw.stack[:i]
		rw.ancestors = rw.ancestors[:i]
		if oe.id != 0 {
			rw.emit(Event{K: "end", ID: oe.id, S: string(raw)})
		} else {
			rw.passThrough(raw)
		}
		return
	}
	rw.passThrough(raw) // a stray end tag
}

func (rw *Rewriter) closeAll() {
	for j := len(rw.stack) - 1; j >= 0; j-- {
		if id := rw.stack[j].id; id != 0 {
			rw.emit(Event{K: "end", ID: id})
		}
	}
	rw.stack = nil
	rw.ancestors = nil
}

// parseDoctype splits a doctype's text (`html PUBLIC "…" "…"`) into its
// name and identifiers; absent parts are nil (null in JavaScript).
func parseDoctype(text string) (name, public, system *string) {
	s := strings.TrimSpace(text)
	word := func() string {
		i := strings.IndexAny(s, " \t\n\r\f")
		if i < 0 {
			i = len(s)
		}
		w := s[:i]
		s = strings.TrimSpace(s[i:])
		return w
	}
	quoted := func() *string {
		if s == "" || (s[0] != '"' && s[0] != '\'') {
			return nil
		}
		end := strings.IndexByte(s[1:], s[0])
		if end < 0 {
			v := s[1:]
			s = ""
			return &v
		}
		v := s[1 : end+1]
		s = strings.TrimSpace(s[end+2:])
		return &v
	}
	if s == "" {
		return nil, nil, nil
	}
	n := strings.ToLower(word())
	name = &n
	switch strings.ToUpper(word()) {
	case "PUBLIC":
		public = quoted()
		system = quoted()
	case "SYSTEM":
		system = quoted()
	}
	return name, public, system
}
