package weburl

import (
	"errors"
	"strings"

	"golang.org/x/net/idna"
	"golang.org/x/text/unicode/bidi"
)

// checkBidi is UTS #46's CheckBidi on a domain already in ASCII: when any
// label holds a right-to-left character (a Bidi domain name), every label
// must satisfy RFC 5893's rules for its direction. A label without one
// (an LTR label) is held to rules 5 and 6 only, as browsers and the URL
// Standard's tests do: "1.ي" is a valid host, which the first rule,
// applied to "1", would refuse.
func checkBidi(ascii string) error {
	unicode, err := idna.Punycode.ToUnicode(ascii)
	if err != nil {
		return nil // ToASCII decoded every label already
	}
	labels := strings.Split(unicode, ".")
	rtlDomain := false
	for _, l := range labels {
		if isRTLLabel(l) {
			rtlDomain = true
			break
		}
	}
	if !rtlDomain {
		return nil
	}
	for _, l := range labels {
		if l != "" && !bidiLabelOK(l) {
			return errors.Join(ErrInvalidHost, errors.New("idna: label "+quoteShort(l)+" breaks the Bidi rule (RFC 5893)"))
		}
	}
	return nil
}

func class(r rune) bidi.Class {
	p, _ := bidi.LookupRune(r)
	return p.Class()
}

func isRTLLabel(l string) bool {
	for _, r := range l {
		switch class(r) {
		case bidi.R, bidi.AL, bidi.AN:
			return true
		}
	}
	return false
}

// bidiLabelOK applies RFC 5893 section 2 to one label of a Bidi domain name.
func bidiLabelOK(l string) bool {
	runes := []rune(l)
	// The last character that is not a nonspacing mark (rules 3 and 6).
	last := len(runes) - 1
	for last >= 0 && class(runes[last]) == bidi.NSM {
		last--
	}
	if last < 0 {
		return false
	}
	end := class(runes[last])
	if !isRTLLabel(l) {
		for _, r := range runes { // rule 5
			switch class(r) {
			case bidi.L, bidi.EN, bidi.ES, bidi.CS, bidi.ET, bidi.ON, bidi.BN, bidi.NSM:
			default:
				return false
			}
		}
		return end == bidi.L || end == bidi.EN // rule 6
	}
	if first := class(runes[0]); first != bidi.R && first != bidi.AL { // rule 1
		return false
	}
	hasEN, hasAN := false, false
	for _, r := range runes { // rule 2
		switch class(r) {
		case bidi.EN:
			hasEN = true
		case bidi.AN:
			hasAN = true
		case bidi.R, bidi.AL, bidi.ES, bidi.CS, bidi.ET, bidi.ON, bidi.BN, bidi.NSM:
		default:
			return false
		}
	}
	switch end { // rule 3
	case bidi.R, bidi.AL, bidi.EN, bidi.AN:
	default:
		return false
	}
	return !(hasEN && hasAN) // rule 4
}
