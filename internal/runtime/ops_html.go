package runtime

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/outpost-dev/outpost/internal/jsc"
	"golang.org/x/net/html"
)

// HTMLRewriter: Go tokenizes the stream and matches selectors; JavaScript
// runs the handlers and writes the output. Each pushed chunk comes back as
// one batch of events: pass-through text for everything no handler wants,
// and element, end-tag, text, comment and doctype events for the rest.

// Handler kinds a selector (or the document) has, from JavaScript.
const (
	wantElement = 1 << iota
	wantText
	wantComments
	wantDoctype
)

type htmlConfig struct {
	Selectors []string `json:"selectors"`
	Flags     []int    `json:"flags"`
	Doc       int      `json:"doc"`
}

type htmlEvent struct {
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
	el       htmlElement
	id       int   // event id when an element handler saw it
	textSel  []int // selectors with text handlers matching it or an ancestor
	commSel  []int
	children int
	types    map[string]int
}

type htmlRewriter struct {
	*feeder
	sels  []selectorList
	flags []int
	doc   int

	// The tokenizer goroutine's state. events and raw are handed to the
	// VM's thread by take, which runs only while the tokenizer waits for
	// input (the feeder's channels order the two).
	stack     []*openElement
	ancestors []*htmlElement // stack[i].el, for selector matching
	root      openElement
	ids       int
	events    []htmlEvent
	raw       strings.Builder
}

var voidElements = map[string]bool{
	"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true, "img": true, "input": true,
	"link": true, "meta": true, "param": true, "source": true, "track": true, "wbr": true, "keygen": true,
}

func newHTMLRewriter(cfg htmlConfig) (*htmlRewriter, error) {
	rw := &htmlRewriter{flags: cfg.Flags, doc: cfg.Doc}
	if len(cfg.Flags) != len(cfg.Selectors) {
		return nil, fmt.Errorf("htmlNew: %d selectors but %d flags", len(cfg.Selectors), len(cfg.Flags))
	}
	for _, s := range cfg.Selectors {
		l, err := parseSelector(s)
		if err != nil {
			return nil, err
		}
		rw.sels = append(rw.sels, l)
	}
	f, err := startFeeder(rw.tokenize)
	if err != nil {
		return nil, err
	}
	rw.feeder = f
	return rw, nil
}

func (rw *htmlRewriter) emit(ev htmlEvent) {
	if rw.raw.Len() > 0 {
		rw.events = append(rw.events, htmlEvent{K: "raw", S: rw.raw.String()})
		rw.raw.Reset()
	}
	rw.events = append(rw.events, ev)
}

func (rw *htmlRewriter) passThrough(b []byte) {
	rw.raw.Write(b)
}

// take returns the events so far as JSON.
func (rw *htmlRewriter) take() ([]byte, error) {
	if rw.raw.Len() > 0 {
		rw.events = append(rw.events, htmlEvent{K: "raw", S: rw.raw.String()})
		rw.raw.Reset()
	}
	evs := rw.events
	rw.events = nil
	if evs == nil {
		evs = []htmlEvent{}
	}
	// Markup stays as it is: escaping <, > and & to \u003c… only costs.
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(evs); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

func (rw *htmlRewriter) top() *openElement {
	if n := len(rw.stack); n > 0 {
		return rw.stack[n-1]
	}
	return &rw.root
}

func (rw *htmlRewriter) tokenize(r io.Reader) error {
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

func (rw *htmlRewriter) text(raw []byte) {
	t := rw.top()
	doc := rw.doc&wantText != 0
	if len(t.textSel) == 0 && !doc {
		rw.passThrough(raw)
		return
	}
	rw.emit(htmlEvent{K: "text", S: string(raw), Sel: t.textSel, Doc: doc})
}

func (rw *htmlRewriter) comment(raw []byte, text string) {
	t := rw.top()
	doc := rw.doc&wantComments != 0
	if len(t.commSel) == 0 && !doc {
		rw.passThrough(raw)
		return
	}
	rw.emit(htmlEvent{K: "comment", S: string(raw), Sel: t.commSel, Doc: doc, Name: &text})
}

func (rw *htmlRewriter) doctype(raw []byte, text string) {
	if rw.doc&wantDoctype == 0 {
		rw.passThrough(raw)
		return
	}
	name, public, system := parseDoctype(text)
	rw.emit(htmlEvent{K: "doctype", S: string(raw), Name: name, PublicID: public, SystemID: system})
}

func (rw *htmlRewriter) startTag(z *html.Tokenizer, selfClosing bool) {
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
		el:      htmlElement{tag: name, attrs: attrs, index: parent.children, typeIndex: parent.types[name]},
		textSel: parent.textSel,
		commSel: parent.commSel,
	}
	var elSel []int
	for i, sel := range rw.sels {
		if rw.flags[i] == 0 || !sel.matches(&oe.el, rw.ancestors) {
			continue
		}
		if rw.flags[i]&wantElement != 0 {
			elSel = append(elSel, i)
		}
		if rw.flags[i]&wantText != 0 {
			oe.textSel = appendNew(oe.textSel, i)
		}
		if rw.flags[i]&wantComments != 0 {
			oe.commSel = appendNew(oe.commSel, i)
		}
	}
	closed := selfClosing || voidElements[name]
	if len(elSel) > 0 {
		rw.ids++
		oe.id = rw.ids
		rw.emit(htmlEvent{K: "el", S: string(raw), ID: oe.id, Sel: elSel, Tag: name, Attrs: attrs,
			Void: voidElements[name], SelfClosing: selfClosing})
	} else {
		rw.passThrough(raw)
	}
	if closed {
		if oe.id != 0 {
			rw.emit(htmlEvent{K: "end", ID: oe.id})
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

func (rw *htmlRewriter) endTag(name string, raw []byte) {
	for i := len(rw.stack) - 1; i >= 0; i-- {
		if rw.stack[i].el.tag != name {
			continue
		}
		// Elements left open inside it end here too, without an end tag.
		for j := len(rw.stack) - 1; j > i; j-- {
			if id := rw.stack[j].id; id != 0 {
				rw.emit(htmlEvent{K: "end", ID: id})
			}
		}
		oe := rw.stack[i]
		rw.stack = rw.stack[:i]
		rw.ancestors = rw.ancestors[:i]
		if oe.id != 0 {
			rw.emit(htmlEvent{K: "end", ID: oe.id, S: string(raw)})
		} else {
			rw.passThrough(raw)
		}
		return
	}
	rw.passThrough(raw) // a stray end tag
}

func (rw *htmlRewriter) closeAll() {
	for j := len(rw.stack) - 1; j >= 0; j-- {
		if id := rw.stack[j].id; id != 0 {
			rw.emit(htmlEvent{K: "end", ID: id})
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

func (rw *htmlRewriter) Read([]byte) (int, error) { return 0, errNotReadable }

func (in *Instance) installHTMLOps(def func(string, jsc.Func)) {
	// htmlSelector(selector) throws a TypeError for a selector the
	// rewriter cannot match.
	def("htmlSelector", func(call *jsc.Call) (jsc.Value, error) {
		if _, err := parseSelector(call.Arg(0).String()); err != nil {
			return jsc.Value{}, jsc.TypeError("%v", err)
		}
		return call.Ctx.Undefined(), nil
	})
	// htmlNew(configJSON) → id
	def("htmlNew", func(call *jsc.Call) (jsc.Value, error) {
		var cfg htmlConfig
		if err := json.Unmarshal([]byte(call.Arg(0).String()), &cfg); err != nil {
			return jsc.Value{}, jsc.TypeError("htmlNew: %v", err)
		}
		rw, err := newHTMLRewriter(cfg)
		if err != nil {
			return jsc.Value{}, jsc.TypeError("%v", err)
		}
		return call.Ctx.Number(float64(in.streams.add(rw))), nil
	})
	def("htmlClose", func(call *jsc.Call) (jsc.Value, error) {
		in.streams.close(call.Arg(0).Int())
		return call.Ctx.Undefined(), nil
	})
	// htmlPush(id, bytes) and htmlEnd(id) → the events, parsed.
	def("htmlPush", func(call *jsc.Call) (jsc.Value, error) {
		return in.htmlStep(call, false)
	})
	def("htmlEnd", func(call *jsc.Call) (jsc.Value, error) {
		return in.htmlStep(call, true)
	})
}

func (in *Instance) htmlStep(call *jsc.Call, end bool) (jsc.Value, error) {
	id := call.Arg(0).Int()
	rw, ok := in.streams.get(id).(*htmlRewriter)
	if !ok {
		return jsc.Value{}, jsc.TypeError("the HTMLRewriter stream is closed")
	}
	var err error
	if end {
		err = rw.finish()
		in.streams.close(id)
	} else {
		b, ok := call.Arg(1).BytesView()
		if !ok {
			return jsc.Value{}, jsc.TypeError("HTMLRewriter: a body chunk must be an ArrayBuffer or ArrayBufferView")
		}
		err = rw.push(b)
	}
	if err != nil {
		in.streams.close(id)
		return jsc.Value{}, jsc.TypeError("HTMLRewriter: %v", err)
	}
	js, err := rw.take()
	if err != nil {
		return jsc.Value{}, err
	}
	return call.Ctx.ParseJSON(string(js))
}
