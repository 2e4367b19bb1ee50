package bundle

import (
	"fmt"
	"strings"

	"github.com/evanw/esbuild/pkg/api"

	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// BuildError is a failed build: every esbuild error, formatted for people.
type BuildError struct {
	Messages []string
}

func (e *BuildError) Error() string {
	return strings.Join(e.Messages, "\n")
}

var couldNotResolve = lazyregexp.New(`^Could not resolve "([^"]+)"`)

// formatMessage renders one esbuild message as
//
//	src/index.ts:12:5: ERROR: Could not resolve "./missing"
//	    12 | import x from "./missing";
//	       |               ^
//
// with paths relative to the project directory, followed by its notes.
func formatMessage(kind string, m api.Message, nodeCompat bool) string {
	var b strings.Builder
	text := m.Text
	notes := m.Notes
	if sub := couldNotResolve.FindStringSubmatch(text); sub != nil {
		if name, ok := builtinName(sub[1]); ok && nodeBuiltins[name] && !nodeCompat {
			// esbuild suggests platform "node"; what users need is the flag.
			text += fmt.Sprintf(": it is the Node.js built-in module \"node:%s\"; to use it, add compatibility_flags = [\"nodejs_compat\"] to your wrangler configuration", name)
			notes = nil
		}
	}
	writeLocated(&b, kind, text, m.Location)
	for _, n := range notes {
		b.WriteString("\n")
		writeLocated(&b, "NOTE", n.Text, n.Location)
	}
	return b.String()
}

func writeLocated(b *strings.Builder, kind, text string, loc *api.Location) {
	if loc == nil || loc.File == "" {
		fmt.Fprintf(b, "%s: %s", kind, text)
		return
	}
	fmt.Fprintf(b, "%s:%d:%d: %s: %s", loc.File, loc.Line, loc.Column+1, kind, text)
	if loc.LineText == "" {
		return
	}
	num := fmt.Sprint(loc.Line)
	fmt.Fprintf(b, "\n    %s | %s\n    %s | %s^", num, loc.LineText, strings.Repeat(" ", len(num)), caretPad(loc.LineText, loc.Column))
	if loc.Length > 1 {
		b.WriteString(strings.Repeat("~", min(loc.Length, len(loc.LineText)-loc.Column)-1))
	}
}

// caretPad keeps tabs so the caret lines up under the offending column.
func caretPad(line string, col int) string {
	if col > len(line) {
		col = len(line)
	}
	var b strings.Builder
	for _, c := range line[:col] {
		if c == '\t' {
			b.WriteByte('\t')
		} else {
			b.WriteByte(' ')
		}
	}
	return b.String()
}

func formatAll(kind string, msgs []api.Message, nodeCompat bool) []string {
	out := make([]string, 0, len(msgs))
	for _, m := range msgs {
		out = append(out, formatMessage(kind, m, nodeCompat))
	}
	return out
}
