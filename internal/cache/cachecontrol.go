package cache

import (
	"strconv"
	"strings"
)

// directives is a parsed Cache-Control header: lower-cased names mapped to
// their (unquoted) values; a directive without a value maps to "".
type directives map[string]string

// parseCacheControl parses every Cache-Control line of a header. Commas inside
// quoted values (private="Set-Cookie, X-Id") do not split directives.
func parseCacheControl(lines []string) directives {
	d := directives{}
	for _, line := range lines {
		for _, part := range splitOutsideQuotes(line) {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			name, value, _ := strings.Cut(part, "=")
			name = strings.ToLower(strings.TrimSpace(name))
			value = strings.TrimSpace(value)
			if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
				value = value[1 : len(value)-1]
			}
			// The first occurrence wins, as in RFC 9111's advice to treat
			// duplicates conservatively for the common cases.
			if _, dup := d[name]; !dup {
				d[name] = value
			}
		}
	}
	return d
}

func splitOutsideQuotes(s string) []string {
	var parts []string
	quoted := false
	start := 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '"':
			quoted = !quoted
		case ',':
			if !quoted {
				parts = append(parts, s[start:i])
				start = i + 1
			}
		}
	}
	return append(parts, s[start:])
}

func (d directives) has(name string) bool {
	_, ok := d[name]
	return ok
}

// seconds returns a delta-seconds directive; ok is false when it is absent.
// A malformed value counts as 0 (stale), never as "forever".
func (d directives) seconds(name string) (int64, bool) {
	v, ok := d[name]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil || n < 0 {
		return 0, true
	}
	return n, true
}

// fieldNames returns the header names listed in a directive such as
// private="Set-Cookie, X-Id", lower-cased.
func (d directives) fieldNames(name string) []string {
	var out []string
	for _, f := range strings.Split(d[name], ",") {
		if f = strings.ToLower(strings.TrimSpace(f)); f != "" {
			out = append(out, f)
		}
	}
	return out
}
