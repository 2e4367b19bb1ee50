package htmlrewrite

import (
	"fmt"
	"strconv"
	"strings"
)

// The CSS selector subset HTMLRewriter supports (as lol-html does): type,
// universal, #id, .class, attribute selectors with = ~= |= ^= $= *= (and
// the i flag), descendant and child combinators, selector lists, and
// :first-child, :nth-child(), :first-of-type, :nth-of-type(), :not().

// Selector is a parsed selector list; it matches when any of its
// selectors does.
type Selector []complexSelector

// complexSelector is compounds joined by combinators, stored left to right;
// combs[i] joins parts[i] and parts[i+1]: ' ' descendant, '>' child.
type complexSelector struct {
	parts []compound
	combs []byte
}

type compound struct {
	tag   string // "" or "*" for any
	conds []cond
}

type cond struct {
	kind  byte // '#', '.', '[', ':' (pseudo), '!' (:not)
	name  string
	op    string // attribute operator, "" for presence
	value string
	fold  bool // case-insensitive attribute value
	a, b  int  // nth: an+b
	not   []compound
}

// Element is what a selector sees of an element.
type Element struct {
	Tag       string      // lower case
	Attrs     [][2]string // name, value, in source order
	Index     int         // 1-based position among its parent's elements
	TypeIndex int         // 1-based position among siblings with the same tag
}

func (e *Element) attr(name string) (string, bool) {
	for _, a := range e.Attrs {
		if a[0] == name {
			return a[1], true
		}
	}
	return "", false
}

type selParser struct {
	s   string
	pos int
	src string
}

// ParseSelector parses a selector list; an error says what is wrong
// and where.
func ParseSelector(s string) (Selector, error) {
	p := &selParser{s: strings.TrimSpace(s), src: s}
	if p.s == "" {
		return nil, fmt.Errorf("the selector is empty")
	}
	var list Selector
	for {
		cs, err := p.complex()
		if err != nil {
			return nil, err
		}
		list = append(list, cs)
		p.skipSpace()
		if p.pos >= len(p.s) {
			return list, nil
		}
		if p.s[p.pos] != ',' {
			return nil, p.errorf("unexpected %q", p.s[p.pos])
		}
		p.pos++
		p.skipSpace()
	}
}

func (p *selParser) errorf(format string, args ...any) error {
	return fmt.Errorf("invalid selector %q at offset %d: %s", p.src, p.pos, fmt.Sprintf(format, args...))
}

func (p *selParser) skipSpace() bool {
	start := p.pos
	for p.pos < len(p.s) && strings.IndexByte(" \t\n\r\f", p.s[p.pos]) >= 0 {
		p.pos++
	}
	return p.pos > start
}

func (p *selParser) complex() (complexSelector, error) {
	var cs complexSelector
	for {
		c, err := p.compound()
		if err != nil {
			return cs, err
		}
		cs.parts = append(cs.parts, c)
		space := p.skipSpace()
		if p.pos >= len(p.s) || p.s[p.pos] == ',' {
			return cs, nil
		}
		switch p.s[p.pos] {
		case '>':
			p.pos++
			p.skipSpace()
			cs.combs = append(cs.combs, '>')
		case '+', '~':
			return cs, p.errorf("sibling combinators are not supported")
		default:
			if !space {
				return cs, p.errorf("unexpected %q", p.s[p.pos])
			}
			cs.combs = append(cs.combs, ' ')
		}
	}
}

func isIdentByte(c byte) bool {
	return c == '-' || c == '_' || c >= 0x80 || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func (p *selParser) ident() (string, error) {
	var sb strings.Builder
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c == '\\' && p.pos+1 < len(p.s) {
			sb.WriteByte(p.s[p.pos+1])
			p.pos += 2
			continue
		}
		if !isIdentByte(c) {
			break
		}
		sb.WriteByte(c)
		p.pos++
	}
	if sb.Len() == 0 {
		if p.pos >= len(p.s) {
			return "", p.errorf("unexpected end")
		}
		return "", p.errorf("expected a name, found %q", p.s[p.pos])
	}
	return sb.String(), nil
}

func (p *selParser) compound() (compound, error) {
	var c compound
	if p.pos < len(p.s) && p.s[p.pos] == '*' {
		c.tag = "*"
		p.pos++
	} else if p.pos < len(p.s) && isIdentByte(p.s[p.pos]) {
		name, err := p.ident()
		if err != nil {
			return c, err
		}
		c.tag = strings.ToLower(name)
	}
	for p.pos < len(p.s) {
		ch := p.s[p.pos]
		switch ch {
		case '#', '.':
			p.pos++
			name, err := p.ident()
			if err != nil {
				return c, err
			}
			c.conds = append(c.conds, cond{kind: ch, name: name})
		case '[':
			p.pos++
			cd, err := p.attribute()
			if err != nil {
				return c, err
			}
			c.conds = append(c.conds, cd)
		case ':':
			p.pos++
			cd, err := p.pseudo()
			if err != nil {
				return c, err
			}
			c.conds = append(c.conds, cd)
		default:
			if c.tag == "" && len(c.conds) == 0 {
				return c, p.errorf("expected a selector, found %q", ch)
			}
			return c, nil
		}
	}
	if c.tag == "" && len(c.conds) == 0 {
		return c, p.errorf("unexpected end")
	}
	return c, nil
}

func (p *selParser) attribute() (cond, error) {
	p.skipSpace()
	name, err := p.ident()
	if err != nil {
		return cond{}, err
	}
	cd := cond{kind: '[', name: strings.ToLower(name)}
	p.skipSpace()
	if p.pos >= len(p.s) {
		return cd, p.errorf("unclosed [")
	}
	if p.s[p.pos] == ']' {
		p.pos++
		return cd, nil
	}
	for _, op := range []string{"=", "~=", "|=", "^=", "$=", "*="} {
		if strings.HasPrefix(p.s[p.pos:], op) {
			cd.op = op
			p.pos += len(op)
			break
		}
	}
	if cd.op == "" {
		return cd, p.errorf("unknown attribute operator")
	}
	p.skipSpace()
	if p.pos < len(p.s) && (p.s[p.pos] == '"' || p.s[p.pos] == '\'') {
		q := p.s[p.pos]
		end := strings.IndexByte(p.s[p.pos+1:], q)
		if end < 0 {
			return cd, p.errorf("unclosed string")
		}
		cd.value = p.s[p.pos+1 : p.pos+1+end]
		p.pos += end + 2
	} else {
		v, err := p.ident()
		if err != nil {
			return cd, err
		}
		cd.value = v
	}
	p.skipSpace()
	if p.pos < len(p.s) && (p.s[p.pos] == 'i' || p.s[p.pos] == 'I') {
		cd.fold = true
		p.pos++
		p.skipSpace()
	} else if p.pos < len(p.s) && (p.s[p.pos] == 's' || p.s[p.pos] == 'S') {
		p.pos++
		p.skipSpace()
	}
	if p.pos >= len(p.s) || p.s[p.pos] != ']' {
		return cd, p.errorf("expected ]")
	}
	p.pos++
	return cd, nil
}

func (p *selParser) pseudo() (cond, error) {
	name, err := p.ident()
	if err != nil {
		return cond{}, err
	}
	name = strings.ToLower(name)
	switch name {
	case "first-child":
		return cond{kind: ':', name: "nth-child", a: 0, b: 1}, nil
	case "first-of-type":
		return cond{kind: ':', name: "nth-of-type", a: 0, b: 1}, nil
	case "nth-child", "nth-of-type":
		arg, err := p.parenArg()
		if err != nil {
			return cond{}, err
		}
		a, b, err := parseNth(arg)
		if err != nil {
			return cond{}, p.errorf("%v", err)
		}
		return cond{kind: ':', name: name, a: a, b: b}, nil
	case "not":
		arg, err := p.parenArg()
		if err != nil {
			return cond{}, err
		}
		inner := &selParser{s: strings.TrimSpace(arg), src: p.src}
		var not []compound
		for {
			c, err := inner.compound()
			if err != nil {
				return cond{}, err
			}
			not = append(not, c)
			inner.skipSpace()
			if inner.pos >= len(inner.s) {
				break
			}
			if inner.s[inner.pos] != ',' {
				return cond{}, p.errorf(":not() takes simple selectors only")
			}
			inner.pos++
			inner.skipSpace()
		}
		return cond{kind: '!', not: not}, nil
	}
	return cond{}, p.errorf("unsupported pseudo-class :%s", name)
}

func (p *selParser) parenArg() (string, error) {
	if p.pos >= len(p.s) || p.s[p.pos] != '(' {
		return "", p.errorf("expected (")
	}
	depth := 0
	for i := p.pos; i < len(p.s); i++ {
		switch p.s[i] {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				arg := p.s[p.pos+1 : i]
				p.pos = i + 1
				return arg, nil
			}
		}
	}
	return "", p.errorf("unclosed (")
}

// parseNth parses an+b, odd and even.
func parseNth(s string) (a, b int, err error) {
	s = strings.ToLower(strings.ReplaceAll(s, " ", ""))
	switch s {
	case "odd":
		return 2, 1, nil
	case "even":
		return 2, 0, nil
	}
	before, after, hasN := strings.Cut(s, "n")
	if !hasN {
		b, err = strconv.Atoi(s)
		return 0, b, err
	}
	switch before {
	case "", "+":
		a = 1
	case "-":
		a = -1
	default:
		if a, err = strconv.Atoi(before); err != nil {
			return 0, 0, fmt.Errorf("bad :nth-child argument %q", s)
		}
	}
	if after != "" {
		if b, err = strconv.Atoi(after); err != nil {
			return 0, 0, fmt.Errorf("bad :nth-child argument %q", s)
		}
	}
	return a, b, nil
}

func nthMatches(a, b, index int) bool {
	if a == 0 {
		return index == b
	}
	n := index - b
	return n%a == 0 && n/a >= 0
}

// Matches reports whether el, whose ancestors are given innermost last,
// matches the list.
func (l Selector) Matches(el *Element, ancestors []*Element) bool {
	for _, cs := range l {
		if cs.matchAt(len(cs.parts)-1, el, ancestors) {
			return true
		}
	}
	return false
}

func (cs complexSelector) matchAt(i int, el *Element, ancestors []*Element) bool {
	if !cs.parts[i].matches(el) {
		return false
	}
	if i == 0 {
		return true
	}
	switch cs.combs[i-1] {
	case '>':
		n := len(ancestors)
		return n > 0 && cs.matchAt(i-1, ancestors[n-1], ancestors[:n-1])
	default:
		for n := len(ancestors); n > 0; n-- {
			if cs.matchAt(i-1, ancestors[n-1], ancestors[:n-1]) {
				return true
			}
		}
		return false
	}
}

func (c compound) matches(el *Element) bool {
	if c.tag != "" && c.tag != "*" && c.tag != el.Tag {
		return false
	}
	for _, cd := range c.conds {
		if !cd.matches(el) {
			return false
		}
	}
	return true
}

func (cd cond) matches(el *Element) bool {
	switch cd.kind {
	case '#':
		v, ok := el.attr("id")
		return ok && v == cd.name
	case '.':
		v, ok := el.attr("class")
		return ok && containsWord(v, cd.name)
	case ':':
		if cd.name == "nth-of-type" {
			return nthMatches(cd.a, cd.b, el.TypeIndex)
		}
		return nthMatches(cd.a, cd.b, el.Index)
	case '!':
		for _, c := range cd.not {
			if c.matches(el) {
				return false
			}
		}
		return true
	}
	v, ok := el.attr(cd.name)
	if !ok {
		return false
	}
	want := cd.value
	if cd.fold {
		v, want = strings.ToLower(v), strings.ToLower(want)
	}
	switch cd.op {
	case "":
		return true
	case "=":
		return v == want
	case "~=":
		return containsWord(v, want)
	case "|=":
		return v == want || strings.HasPrefix(v, want+"-")
	case "^=":
		return want != "" && strings.HasPrefix(v, want)
	case "$=":
		return want != "" && strings.HasSuffix(v, want)
	case "*=":
		return want != "" && strings.Contains(v, want)
	}
	return false
}

func containsWord(list, word string) bool {
	if word == "" {
		return false
	}
	for _, w := range strings.Fields(list) {
		if w == word {
			return true
		}
	}
	return false
}
