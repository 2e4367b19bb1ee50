package config

import (
	"reflect"
	"testing"
)

func TestParseDotenv(t *testing.T) {
	tests := []struct {
		name, in string
		want     map[string]string
	}{
		{"plain", "A=1\nB=two words", map[string]string{"A": "1", "B": "two words"}},
		{"comments", "# a comment\nA=1 # trailing\n\n  # indented\nB=x#y", map[string]string{"A": "1", "B": "x"}},
		{"export and colon", "export A=1\nB: 2", map[string]string{"A": "1", "B": "2"}},
		{"double quotes expand newlines", `A="x\ny"`, map[string]string{"A": "x\ny"}},
		{"single quotes are literal", `A='x\ny # not a comment'`, map[string]string{"A": `x\ny # not a comment`}},
		{"backticks", "A=`it's \"quoted\"`", map[string]string{"A": `it's "quoted"`}},
		{"multi-line", "A=\"one\ntwo\"\nB=3", map[string]string{"A": "one\ntwo", "B": "3"}},
		{"CRLF", "A=1\r\nB=2\r\n", map[string]string{"A": "1", "B": "2"}},
		{"empty value", "A=\nB=", map[string]string{"A": "", "B": ""}},
		{"spaces around", "  A =  padded  ", map[string]string{"A": "padded"}},
		{"later wins", "A=1\nA=2", map[string]string{"A": "2"}},
		{"dots and dashes in keys", "a.b-c=1", map[string]string{"a.b-c": "1"}},
		{"garbage ignored", "not a pair\nA=1", map[string]string{"A": "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ParseDotenv([]byte(tt.in)); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ParseDotenv(%q) = %#v, want %#v", tt.in, got, tt.want)
			}
		})
	}
}

func TestExpand(t *testing.T) {
	vars := map[string]string{"A": "a", "EMPTY": "", "B": "${A}b"}
	tests := map[string]string{
		"${A}-$A":         "a-a",
		"${MISSING}":      "",
		"${MISSING:-def}": "def",
		"${EMPTY:-def}":   "def",
		"${EMPTY-def}":    "",
		"${MISSING-def}":  "def",
		`\$A`:             "$A",
		"${B}":            "ab",
		"price: 5$":       "price: 5$",
	}
	for in, want := range tests {
		if got := expand(in, vars, 0); got != want {
			t.Errorf("expand(%q) = %q, want %q", in, got, want)
		}
	}
}
