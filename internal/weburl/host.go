package weburl

import (
	"errors"
	"strconv"
	"strings"

	"golang.org/x/net/idna"
)

// ErrInvalidHost is wrapped by every host parsing failure.
var ErrInvalidHost = errors.New("invalid host")

// idnaProfile is UTS #46 ToASCII with the flags domain to ASCII asks for:
// CheckHyphens=false, CheckJoiners=true, UseSTD3ASCIIRules=false,
// Transitional_Processing=false, VerifyDnsLength=false; CheckBidi=true is
// checkBidi's (below). Options apply in order, so the later ones override
// what MapForLookup sets.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.CheckJoiners(true),
	idna.CheckHyphens(false),
	idna.StrictDomainName(false),
	idna.Transitional(false),
	idna.VerifyDNSLength(false),
)

func isForbiddenHost(r rune) bool {
	switch r {
	case 0, '\t', '\n', '\r', ' ', '#', '/', ':', '<', '>', '?', '@', '[', '\\', ']', '^', '|':
		return true
	}
	return false
}

func isForbiddenDomain(r rune) bool {
	return isForbiddenHost(r) || r <= 0x1f || r == '%' || r == 0x7f
}

func hostErr(msg, host string) error {
	return errors.Join(ErrInvalidHost, errors.New(msg+": "+quoteShort(host)))
}

// parseHost is the host parser; it returns the serialised host.
func parseHost(input string, isOpaque bool) (string, error) {
	if strings.HasPrefix(input, "[") {
		if !strings.HasSuffix(input, "]") || len(input) < 2 {
			return "", hostErr("unclosed IPv6 address", input)
		}
		addr, ok := parseIPv6(input[1 : len(input)-1])
		if !ok {
			return "", hostErr("invalid IPv6 address", input)
		}
		return "[" + serializeIPv6(addr) + "]", nil
	}
	if isOpaque {
		for _, r := range input {
			if isForbiddenHost(r) {
				return "", hostErr("forbidden code point "+strconv.QuoteRune(r)+" in host", input)
			}
		}
		return encodeString(input, c0ControlSet), nil
	}
	domain := decodeUTF8(PercentDecode(input))
	ascii, err := domainToASCII(domain)
	if err != nil {
		return "", err
	}
	if endsInNumber(ascii) {
		v, ok := parseIPv4(ascii)
		if !ok {
			return "", hostErr("invalid IPv4 address", input)
		}
		return serializeIPv4(v), nil
	}
	return ascii, nil
}

func domainToASCII(domain string) (string, error) {
	var result string
	if fastASCII(domain) {
		result = strings.ToLower(domain)
	} else {
		r, err := idnaProfile.ToASCII(domain)
		if err != nil {
			return "", errors.Join(ErrInvalidHost, err)
		}
		if err := checkBidi(r); err != nil {
			return "", err
		}
		result = r
	}
	if result == "" {
		return "", hostErr("empty host", domain)
	}
	for _, r := range result {
		if isForbiddenDomain(r) {
			return "", hostErr("forbidden code point "+strconv.QuoteRune(r)+" in host", domain)
		}
	}
	return result, nil
}

// fastASCII reports whether UTS #46 processing would only lowercase the
// domain: it is ASCII and no label starts with the Punycode prefix.
func fastASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	for label := range strings.SplitSeq(s, ".") {
		if len(label) >= 4 && strings.EqualFold(label[:4], "xn--") {
			return false
		}
	}
	return true
}
