package weburl

import "strings"

// Parse parses input against an optional base URL with the basic URL parser.
func Parse(input string, base *URL) (*URL, error) {
	u := &URL{}
	input = strings.TrimFunc(input, func(r rune) bool { return r <= 0x20 })
	if err := basicParse(input, base, u, noOverride); err != nil {
		return nil, err
	}
	return u, nil
}

// ParseRef parses input against baseHref; an empty baseHref means no base.
func ParseRef(input, baseHref string) (*URL, error) {
	if baseHref == "" {
		return Parse(input, nil)
	}
	base, err := Parse(baseHref, nil)
	if err != nil {
		return nil, err
	}
	return Parse(input, base)
}

// ParseComponents backs the urlParse op: it parses input against base (when
// hasBase) and returns URL.Components, or false when either does not parse.
func ParseComponents(input, base string, hasBase bool) ([]string, bool) {
	var b *URL
	if hasBase {
		var err error
		if b, err = Parse(base, nil); err != nil {
			return nil, false
		}
	}
	u, err := Parse(input, b)
	if err != nil {
		return nil, false
	}
	return u.Components(), true
}
