package weburl

import (
	"strings"
	"unicode/utf8"
)

// encodeSet marks the ASCII code points a percent-encode set contains beyond
// the C0 controls and everything above U+007E, which every set contains.
type encodeSet [128]bool

func newEncodeSet(base *encodeSet, extra string) *encodeSet {
	var s encodeSet
	if base != nil {
		s = *base
	}
	for i := 0; i < len(extra); i++ {
		s[extra[i]] = true
	}
	return &s
}

var (
	c0ControlSet    = newEncodeSet(nil, "")
	fragmentSet     = newEncodeSet(c0ControlSet, " \"<>`")
	querySet        = newEncodeSet(c0ControlSet, " \"#<>")
	specialQuerySet = newEncodeSet(querySet, "'")
	pathSet         = newEncodeSet(querySet, "?^`{}")
	userinfoSet     = newEncodeSet(pathSet, "/:;=@[\\]|")
	componentSet    = newEncodeSet(userinfoSet, "$%&+,")
	// FormSet is the application/x-www-form-urlencoded percent-encode set.
	formSet = newEncodeSet(componentSet, "!'()~")
)

func (s *encodeSet) has(r rune) bool {
	return r < 0x20 || r > 0x7e || s[r]
}

const upperHex = "0123456789ABCDEF"

// appendEncoded appends r, UTF-8 percent-encoded with set, to b.
func appendEncoded(b *strings.Builder, r rune, set *encodeSet) {
	if !set.has(r) {
		b.WriteRune(r)
		return
	}
	var buf [utf8.UTFMax]byte
	n := utf8.EncodeRune(buf[:], r)
	for _, c := range buf[:n] {
		b.WriteByte('%')
		b.WriteByte(upperHex[c>>4])
		b.WriteByte(upperHex[c&15])
	}
}

// encodeString UTF-8 percent-encodes every code point of s with set.
func encodeString(s string, set *encodeSet) string {
	clean := true
	for _, r := range s {
		if set.has(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	for _, r := range s {
		appendEncoded(&b, r, set)
	}
	return b.String()
}

func encodeRunes(rs []rune, set *encodeSet) string {
	var b strings.Builder
	b.Grow(len(rs))
	for _, r := range rs {
		appendEncoded(&b, r, set)
	}
	return b.String()
}

func hexVal(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// PercentDecode decodes %XX sequences to bytes; a "%" not followed by two hex
// digits stays as it is.
func PercentDecode(s string) []byte {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '%' && i+2 < len(s) {
			h, ok1 := hexVal(s[i+1])
			l, ok2 := hexVal(s[i+2])
			if ok1 && ok2 {
				out = append(out, h<<4|l)
				i += 2
				continue
			}
		}
		out = append(out, c)
	}
	return out
}

// decodeUTF8 is the standard's "UTF-8 decode without BOM": invalid sequences
// become U+FFFD.
func decodeUTF8(b []byte) string {
	if utf8.Valid(b) {
		return string(b)
	}
	var sb strings.Builder
	for len(b) > 0 {
		r, n := utf8.DecodeRune(b)
		sb.WriteRune(r)
		b = b[n:]
	}
	return sb.String()
}

// appendEncodedRunes is appendEncoded for a rune buffer.
func appendEncodedRunes(buf []rune, r rune, set *encodeSet) []rune {
	if !set.has(r) {
		return append(buf, r)
	}
	var tmp [utf8.UTFMax]byte
	n := utf8.EncodeRune(tmp[:], r)
	for _, c := range tmp[:n] {
		buf = append(buf, '%', rune(upperHex[c>>4]), rune(upperHex[c&15]))
	}
	return buf
}
