package bundle

import (
	"regexp"
	"strings"
)

// globRegexp converts a wrangler module-rule glob ("**/*.txt",
// "**/*.wasm?module") into a regular expression source matching a path
// suffix: "**/" spans any number of directories, "*" stays within one.
func globRegexp(glob string) string {
	var b strings.Builder
	b.WriteString(`(^|/)`)
	g := strings.TrimPrefix(glob, "./")
	for i := 0; i < len(g); i++ {
		c := g[i]
		switch {
		case strings.HasPrefix(g[i:], "**/"):
			b.WriteString(`(?:[^/]*/)*`)
			i += 2
		case strings.HasPrefix(g[i:], "**"):
			b.WriteString(`.*`)
			i++
		case c == '*':
			b.WriteString(`[^/]*`)
		case c == '?':
			// wrangler's globs use "?module" literally; a lone ? in a glob
			// matches one character.
			if strings.HasPrefix(g[i:], "?module") {
				b.WriteString(regexp.QuoteMeta("?module"))
				i += len("?module") - 1
			} else {
				b.WriteString(`[^/]`)
			}
		default:
			b.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	b.WriteString(`$`)
	return b.String()
}
