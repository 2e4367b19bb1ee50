package bundle

import (
	"regexp"
	"testing"

	"github.com/outpost-dev/outpost/internal/config"
)

func TestGlobRegexp(t *testing.T) {
	tests := []struct {
		glob, path string
		want       bool
	}{
		{"**/*.txt", "/p/src/a.txt", true},
		{"**/*.txt", "a.txt", true},
		{"**/*.txt", "/p/src/a.txt.js", false},
		{"**/*.wasm?module", "./x.wasm?module", true},
		{"**/*.wasm", "/p/x.wasm?module", false},
		{"src/*.md", "/p/src/a.md", true},
		{"src/*.md", "/p/src/deep/a.md", false},
		{"src/**", "/p/src/deep/a.md", true},
		{"data/file?.bin", "/p/data/file1.bin", true},
		{"a.b", "/p/axb", false}, // dots are literal
	}
	for _, tt := range tests {
		if got := regexp.MustCompile(globRegexp(tt.glob)).MatchString(tt.path); got != tt.want {
			t.Errorf("glob %q on %q = %v, want %v (regexp %s)", tt.glob, tt.path, got, tt.want, globRegexp(tt.glob))
		}
	}
}

func TestEffectiveRules(t *testing.T) {
	user := []config.ModuleRule{
		{Type: config.RuleText, Globs: []string{"**/*.md"}},                     // completes Text: default Text rule dropped
		{Type: config.RuleData, Globs: []string{"**/*.dat"}, Fallthrough: true}, // Data falls through to the default
		{Type: config.RuleESModule, Globs: []string{"**/*.mjs"}},                // JavaScript: esbuild's business
		{Type: config.RuleText, Globs: []string{"**/*.never"}},                  // after a completed Text rule: ignored
	}
	got, err := effectiveRules(append(user, config.DefaultRules...))
	if err != nil {
		t.Fatal(err)
	}
	var summary []string
	for _, r := range got {
		s := string(r.typ) + ":"
		for _, re := range r.res {
			s += " " + re.String()
		}
		summary = append(summary, s)
	}
	want := []string{
		"Text: " + globRegexp("**/*.md"),
		"Data: " + globRegexp("**/*.dat"),
		"Data: " + globRegexp("**/*.bin"),
		"CompiledWasm: " + globRegexp("**/*.wasm") + " " + globRegexp("**/*.wasm?module"),
	}
	if len(summary) != len(want) {
		t.Fatalf("rules = %q\nwant %q", summary, want)
	}
	for i := range want {
		if summary[i] != want[i] {
			t.Errorf("rule %d = %q, want %q", i, summary[i], want[i])
		}
	}
}
