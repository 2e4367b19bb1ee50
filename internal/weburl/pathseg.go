package weburl

import "strings"

// Code point classes, Windows drive letters and dot segments used by the
// parser's path states.

func isASCIIAlpha(r rune) bool { return r|0x20 >= 'a' && r|0x20 <= 'z' }
func isASCIIDigit(r rune) bool { return r >= '0' && r <= '9' }

func lower(r rune) rune {
	if r >= 'A' && r <= 'Z' {
		return r + 0x20
	}
	return r
}

func isWindowsDriveLetter(s []rune, normalized bool) bool {
	return len(s) == 2 && isASCIIAlpha(s[0]) && (s[1] == ':' || (!normalized && s[1] == '|'))
}

func isNormalizedDriveLetter(s string) bool {
	return len(s) == 2 && isASCIIAlpha(rune(s[0])) && s[1] == ':'
}

func startsWithDriveLetter(s []rune) bool {
	if len(s) < 2 || !isWindowsDriveLetter(s[:2], false) {
		return false
	}
	if len(s) == 2 {
		return true
	}
	switch s[2] {
	case '/', '\\', '?', '#':
		return true
	}
	return false
}

func isSingleDot(s string) bool {
	return s == "." || strings.EqualFold(s, "%2e")
}

func isDoubleDot(s string) bool {
	switch strings.ToLower(s) {
	case "..", ".%2e", "%2e.", "%2e%2e":
		return true
	}
	return false
}

func (u *URL) shortenPath() {
	if u.Scheme == "file" && len(u.path) == 1 && isNormalizedDriveLetter(u.path[0]) {
		return
	}
	if len(u.path) > 0 {
		u.path = u.path[:len(u.path)-1]
	}
}

func stripTabNewline(s string) []rune {
	rs := make([]rune, 0, len(s))
	for _, r := range s {
		if r != '\t' && r != '\n' && r != '\r' {
			rs = append(rs, r)
		}
	}
	return rs
}
