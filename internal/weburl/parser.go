package weburl

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// ErrInvalidURL is wrapped by every parse failure.
var ErrInvalidURL = errors.New("invalid URL")

type state int

const (
	noOverride state = iota
	schemeStartState
	schemeState
	noSchemeState
	specialRelativeOrAuthorityState
	pathOrAuthorityState
	relativeState
	relativeSlashState
	specialAuthoritySlashesState
	specialAuthorityIgnoreSlashesState
	authorityState
	hostState
	hostnameState
	portState
	fileState
	fileSlashState
	fileHostState
	pathStartState
	pathState
	opaquePathState
	queryState
	fragmentState
)

const eof = -1

func parseErr(msg string, input []rune) error {
	return errors.Join(ErrInvalidURL, errors.New(msg+": "+quoteShort(string(input))))
}

// quoteShort quotes s for an error message, cut to a readable length.
func quoteShort(s string) string {
	const max = 200
	if len(s) <= max {
		return strconv.Quote(s)
	}
	cut := max
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return strconv.Quote(s[:cut]) + fmt.Sprintf("... (%d bytes)", len(s))
}

// errOverrideStop ends a state-override parse without changing more of the
// URL; it is not a failure.
var errOverrideStop = errors.New("state override: stop")

// basicParse runs the state machine over input, writing into u. With a state
// override it modifies u in place as the setters require and may leave parts
// changed even when it returns an error (as the standard does).
func basicParse(s string, base *URL, u *URL, override state) error {
	input := stripTabNewline(s)
	st := override
	if st == noOverride {
		st = schemeStartState
	}
	var buf []rune
	var user, pass strings.Builder
	atSignSeen, insideBrackets, passwordTokenSeen := false, false, false
	special := u.IsSpecial()

	for p := 0; ; p++ {
		c := rune(eof)
		if p < len(input) {
			c = input[p]
		}
		switch st {
		case schemeStartState:
			if isASCIIAlpha(c) {
				buf = append(buf, lower(c))
				st = schemeState
			} else if override == noOverride {
				st = noSchemeState
				p--
			} else {
				return parseErr("invalid scheme", input)
			}

		case schemeState:
			if isASCIIAlpha(c) || isASCIIDigit(c) || c == '+' || c == '-' || c == '.' {
				buf = append(buf, lower(c))
			} else if c == ':' {
				scheme := string(buf)
				if override != noOverride {
					if u.IsSpecial() != isSpecialScheme(scheme) {
						return errOverrideStop
					}
					if (u.hasCredentials() || u.Port != "") && scheme == "file" {
						return errOverrideStop
					}
					if u.Scheme == "file" && u.HasHost && u.Host == "" {
						return errOverrideStop
					}
				}
				u.Scheme = scheme
				special = isSpecialScheme(scheme)
				if override != noOverride {
					if dp, ok := defaultPort(scheme); ok && u.Port == dp {
						u.Port = ""
					}
					return nil
				}
				buf = buf[:0]
				switch {
				case scheme == "file":
					st = fileState
				case special && base != nil && base.Scheme == scheme:
					st = specialRelativeOrAuthorityState
				case special:
					st = specialAuthoritySlashesState
				case at(input, p+1) == '/':
					st = pathOrAuthorityState
					p++
				default:
					u.opaque = true
					u.path = []string{""}
					st = opaquePathState
				}
			} else if override == noOverride {
				buf = buf[:0]
				st = noSchemeState
				p = -1
			} else {
				return parseErr("invalid scheme", input)
			}

		case noSchemeState:
			if base == nil || (base.opaque && c != '#') {
				return parseErr("relative URL without a base", input)
			}
			if base.opaque && c == '#' {
				u.Scheme = base.Scheme
				special = u.IsSpecial()
				u.path = append([]string(nil), base.path...)
				u.opaque = true
				u.Query = clonePtr(base.Query)
				u.Fragment = strPtr("")
				st = fragmentState
			} else if base.Scheme != "file" {
				st = relativeState
				p--
			} else {
				st = fileState
				p--
			}

		case specialRelativeOrAuthorityState:
			if c == '/' && at(input, p+1) == '/' {
				st = specialAuthorityIgnoreSlashesState
				p++
			} else {
				st = relativeState
				p--
			}

		case pathOrAuthorityState:
			if c == '/' {
				st = authorityState
			} else {
				st = pathState
				p--
			}

		case relativeState:
			u.Scheme = base.Scheme
			special = u.IsSpecial()
			if c == '/' || (special && c == '\\') {
				st = relativeSlashState
			} else {
				u.Username, u.Password = base.Username, base.Password
				u.Host, u.HasHost, u.Port = base.Host, base.HasHost, base.Port
				u.path = append([]string(nil), base.path...)
				u.Query = clonePtr(base.Query)
				switch c {
				case '?':
					u.Query = strPtr("")
					st = queryState
				case '#':
					u.Fragment = strPtr("")
					st = fragmentState
				case eof:
				default:
					u.Query = nil
					u.shortenPath()
					st = pathState
					p--
				}
			}

		case relativeSlashState:
			if special && (c == '/' || c == '\\') {
				st = specialAuthorityIgnoreSlashesState
			} else if c == '/' {
				st = authorityState
			} else {
				u.Username, u.Password = base.Username, base.Password
				u.Host, u.HasHost, u.Port = base.Host, base.HasHost, base.Port
				st = pathState
				p--
			}

		case specialAuthoritySlashesState:
			if c == '/' && at(input, p+1) == '/' {
				p++
			} else {
				p--
			}
			st = specialAuthorityIgnoreSlashesState

		case specialAuthorityIgnoreSlashesState:
			if c != '/' && c != '\\' {
				st = authorityState
				p--
			}

		case authorityState:
			if c == '@' {
				if atSignSeen {
					buf = append([]rune("%40"), buf...)
				}
				atSignSeen = true
				// The builders live across "@"s so that many of them stay linear.
				for _, r := range buf {
					if r == ':' && !passwordTokenSeen {
						passwordTokenSeen = true
						continue
					}
					if passwordTokenSeen {
						appendEncoded(&pass, r, userinfoSet)
					} else {
						appendEncoded(&user, r, userinfoSet)
					}
				}
				u.Username, u.Password = user.String(), pass.String()
				buf = buf[:0]
			} else if c == eof || c == '/' || c == '?' || c == '#' || (special && c == '\\') {
				if atSignSeen && len(buf) == 0 {
					return parseErr("missing host after credentials", input)
				}
				p -= len(buf) + 1
				buf = buf[:0]
				st = hostState
			} else {
				buf = append(buf, c)
			}

		case hostState, hostnameState:
			if override != noOverride && u.Scheme == "file" {
				p--
				st = fileHostState
			} else if c == ':' && !insideBrackets {
				if len(buf) == 0 {
					return parseErr("missing host", input)
				}
				if override == hostnameState {
					return errOverrideStop
				}
				h, err := parseHost(string(buf), !special)
				if err != nil {
					return errors.Join(ErrInvalidURL, err)
				}
				u.Host, u.HasHost = h, true
				buf = buf[:0]
				st = portState
			} else if c == eof || c == '/' || c == '?' || c == '#' || (special && c == '\\') {
				p--
				if special && len(buf) == 0 {
					return parseErr("missing host", input)
				} else if override != noOverride && len(buf) == 0 && (u.hasCredentials() || u.Port != "") {
					return errOverrideStop
				}
				h, err := parseHost(string(buf), !special)
				if err != nil {
					return errors.Join(ErrInvalidURL, err)
				}
				u.Host, u.HasHost = h, true
				buf = buf[:0]
				st = pathStartState
				if override != noOverride {
					return nil
				}
			} else {
				if c == '[' {
					insideBrackets = true
				} else if c == ']' {
					insideBrackets = false
				}
				buf = append(buf, c)
			}

		case portState:
			if isASCIIDigit(c) {
				buf = append(buf, c)
			} else if c == eof || c == '/' || c == '?' || c == '#' || (special && c == '\\') || override != noOverride {
				if len(buf) != 0 {
					port := 0
					for _, d := range buf {
						port = port*10 + int(d-'0')
						if port > 65535 {
							return parseErr("port out of range", input)
						}
					}
					ps := strconv.Itoa(port)
					if dp, ok := defaultPort(u.Scheme); ok && dp == ps {
						ps = ""
					}
					u.Port = ps
					buf = buf[:0]
					if override != noOverride {
						return nil
					}
				}
				if override != noOverride {
					return errOverrideStop
				}
				st = pathStartState
				p--
			} else {
				return parseErr("invalid port", input)
			}

		case fileState:
			u.Scheme = "file"
			special = true
			u.Host, u.HasHost = "", true
			if c == '/' || c == '\\' {
				st = fileSlashState
			} else if base != nil && base.Scheme == "file" {
				u.Host, u.HasHost = base.Host, base.HasHost
				u.path = append([]string(nil), base.path...)
				u.Query = clonePtr(base.Query)
				switch c {
				case '?':
					u.Query = strPtr("")
					st = queryState
				case '#':
					u.Fragment = strPtr("")
					st = fragmentState
				case eof:
				default:
					u.Query = nil
					if !startsWithDriveLetter(input[p:]) {
						u.shortenPath()
					} else {
						u.path = nil
					}
					st = pathState
					p--
				}
			} else {
				st = pathState
				p--
			}

		case fileSlashState:
			if c == '/' || c == '\\' {
				st = fileHostState
			} else {
				if base != nil && base.Scheme == "file" {
					u.Host, u.HasHost = base.Host, base.HasHost
					if !startsWithDriveLetter(input[p:]) && len(base.path) > 0 && isNormalizedDriveLetter(base.path[0]) {
						u.path = append(u.path, base.path[0])
					}
				}
				st = pathState
				p--
			}

		case fileHostState:
			if c == eof || c == '/' || c == '\\' || c == '?' || c == '#' {
				p--
				if override == noOverride && isWindowsDriveLetter(buf, false) {
					// The drive letter quirk: buf is kept and becomes the
					// first path segment.
					st = pathState
				} else if len(buf) == 0 {
					u.Host, u.HasHost = "", true
					if override != noOverride {
						return nil
					}
					st = pathStartState
				} else {
					h, err := parseHost(string(buf), !special)
					if err != nil {
						return errors.Join(ErrInvalidURL, err)
					}
					if h == "localhost" {
						h = ""
					}
					u.Host, u.HasHost = h, true
					if override != noOverride {
						return nil
					}
					buf = buf[:0]
					st = pathStartState
				}
			} else {
				buf = append(buf, c)
			}

		case pathStartState:
			if special {
				st = pathState
				if c != '/' && c != '\\' {
					p--
				}
			} else if override == noOverride && c == '?' {
				u.Query = strPtr("")
				st = queryState
			} else if override == noOverride && c == '#' {
				u.Fragment = strPtr("")
				st = fragmentState
			} else if c != eof {
				st = pathState
				if c != '/' {
					p--
				}
			} else if override != noOverride && !u.HasHost {
				u.path = append(u.path, "")
			}

		case pathState:
			if c == eof || c == '/' || (special && c == '\\') || (override == noOverride && (c == '?' || c == '#')) {
				slash := c == '/' || (special && c == '\\')
				seg := string(buf)
				if isDoubleDot(seg) {
					u.shortenPath()
					if !slash {
						u.path = append(u.path, "")
					}
				} else if isSingleDot(seg) {
					if !slash {
						u.path = append(u.path, "")
					}
				} else {
					if u.Scheme == "file" && len(u.path) == 0 && isWindowsDriveLetter(buf, false) {
						seg = seg[:1] + ":"
					}
					u.path = append(u.path, seg)
				}
				buf = buf[:0]
				if c == '?' {
					u.Query = strPtr("")
					st = queryState
				} else if c == '#' {
					u.Fragment = strPtr("")
					st = fragmentState
				}
			} else {
				buf = appendEncodedRunes(buf, c, pathSet)
			}

		case opaquePathState:
			switch c {
			case '?':
				u.Query = strPtr("")
				st = queryState
			case '#':
				u.Fragment = strPtr("")
				st = fragmentState
			case eof:
			default:
				// Consume the whole run up to "?", "#" or the end at once. A
				// space right before "?" or "#" is encoded so that the path
				// keeps it when the query or fragment is later removed.
				var b strings.Builder
				b.WriteString(u.path[0])
				for ; p < len(input) && input[p] != '?' && input[p] != '#'; p++ {
					if r := input[p]; r == ' ' && (at(input, p+1) == '?' || at(input, p+1) == '#') {
						b.WriteString("%20")
					} else {
						appendEncoded(&b, r, c0ControlSet)
					}
				}
				u.path[0] = b.String()
				p--
			}

		case queryState:
			if (override == noOverride && c == '#') || c == eof {
				set := querySet
				if special {
					set = specialQuerySet
				}
				q := ""
				if u.Query != nil {
					q = *u.Query
				}
				q += encodeRunes(buf, set)
				u.Query = &q
				buf = buf[:0]
				if c == '#' {
					u.Fragment = strPtr("")
					st = fragmentState
				}
			} else if c != eof {
				buf = append(buf, c)
			}

		case fragmentState:
			// The fragment runs to the end of the input.
			var b strings.Builder
			if u.Fragment != nil {
				b.WriteString(*u.Fragment)
			}
			for _, r := range input[p:] {
				appendEncoded(&b, r, fragmentSet)
			}
			u.Fragment = strPtr(b.String())
			return nil
		}
		if p >= len(input) {
			return nil
		}
	}
}

func at(input []rune, i int) rune {
	if i < len(input) {
		return input[i]
	}
	return eof
}

func clonePtr(s *string) *string {
	if s == nil {
		return nil
	}
	v := *s
	return &v
}
