package config

import (
	"fmt"
	"sort"
	"strings"
	"unicode"
)

// reader validates generic decoded values and collects the problems, each
// naming the file and the field path (e.g. kv_namespaces[1].binding).
type reader struct {
	file  string
	errs  []string
	warns []string
	seen  map[string]bool
}

func newReader(file string) *reader {
	return &reader{file: file, seen: map[string]bool{}}
}

func (r *reader) errorf(field, format string, args ...any) {
	msg := fmt.Sprintf("%s: %s: %s", r.file, field, fmt.Sprintf(format, args...))
	if !r.seen[msg] {
		r.seen[msg] = true
		r.errs = append(r.errs, msg)
	}
}

func (r *reader) warnf(format string, args ...any) {
	msg := r.file + ": " + fmt.Sprintf(format, args...)
	if !r.seen[msg] {
		r.seen[msg] = true
		r.warns = append(r.warns, msg)
	}
}

func (r *reader) expected(field, what string, v any) {
	r.errorf(field, "expected %s, found %s", what, describe(v))
}

func (r *reader) str(v any, field string) (string, bool) {
	s, ok := v.(string)
	if !ok {
		r.expected(field, "a string", v)
	}
	return s, ok
}

func (r *reader) boolean(v any, field string) (bool, bool) {
	b, ok := v.(bool)
	if !ok {
		r.expected(field, "a boolean (true or false)", v)
	}
	return b, ok
}

func (r *reader) integer(v any, field string) (int64, bool) {
	switch t := v.(type) {
	case int64:
		return t, true
	case float64:
		if t == float64(int64(t)) {
			return int64(t), true
		}
	}
	r.expected(field, "a whole number", v)
	return 0, false
}

func (r *reader) table(v any, field string) (map[string]any, bool) {
	m, ok := v.(map[string]any)
	if !ok {
		r.expected(field, "a table/object", v)
	}
	return m, ok
}

func (r *reader) array(v any, field string) ([]any, bool) {
	a, ok := v.([]any)
	if !ok {
		r.expected(field, "an array", v)
	}
	return a, ok
}

func (r *reader) strings(v any, field string) ([]string, bool) {
	a, ok := r.array(v, field)
	if !ok {
		return nil, false
	}
	out := make([]string, 0, len(a))
	for i, e := range a {
		s, ok := r.str(e, fmt.Sprintf("%s[%d]", field, i))
		if !ok {
			return nil, false
		}
		out = append(out, s)
	}
	return out, true
}

// stringMap reads a table whose values must all be strings.
func (r *reader) stringMap(v any, field string) (map[string]string, bool) {
	m, ok := r.table(v, field)
	if !ok {
		return nil, false
	}
	out := make(map[string]string, len(m))
	good := true
	for _, k := range sortedKeys(m) {
		s, ok := r.str(m[k], field+"."+k)
		good = good && ok
		out[k] = s
	}
	return out, good
}

// oneOf checks an enumerated string value.
func (r *reader) oneOf(v any, field string, allowed ...string) (string, bool) {
	s, ok := r.str(v, field)
	if !ok {
		return "", false
	}
	for _, a := range allowed {
		if s == a {
			return s, true
		}
	}
	r.errorf(field, "expected one of %q, found %q", allowed, s)
	return "", false
}

// required reads a mandatory string property of a table.
func (r *reader) required(m map[string]any, key, field string) (string, bool) {
	v, present := m[key]
	if !present {
		r.errorf(field, "missing required field %q", key)
		return "", false
	}
	return r.str(v, field+"."+key)
}

// optional reads an optional string property of a table.
func (r *reader) optional(m map[string]any, key, field string) string {
	v, present := m[key]
	if !present {
		return ""
	}
	s, _ := r.str(v, field+"."+key)
	return s
}

// known warns about keys of m that are not in allowed.
func (r *reader) known(m map[string]any, field string, allowed ...string) {
	for _, k := range sortedKeys(m) {
		found := false
		for _, a := range allowed {
			if k == a {
				found = true
				break
			}
		}
		if !found {
			name := k
			if field != "" {
				name = field + "." + k
			}
			r.warnf("unknown field %q", name)
		}
	}
}

// bindingName checks that a binding is usable as a JS identifier, since
// service-worker scripts see bindings as globals.
func (r *reader) bindingName(name, field string) bool {
	if !isIdentifier(name) {
		r.errorf(field, "expected a binding name that is a valid JavaScript identifier (letters, digits, _ or $, not starting with a digit), found %q", name)
		return false
	}
	return true
}

func isIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		switch {
		case c == '_' || c == '$' || unicode.IsLetter(c):
		case i > 0 && (unicode.IsDigit(c) || unicode.Is(unicode.Mn, c) || unicode.Is(unicode.Mc, c) || unicode.Is(unicode.Pc, c)):
		default:
			return false
		}
	}
	return !reservedWords[s]
}

var reservedWords = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`break case catch class const continue debugger default delete do else
		enum export extends false finally for function if import in instanceof new null return super switch
		this throw true try typeof var void while with yield let static implements interface package private
		protected public await`) {
		m[w] = true
	}
	return m
}()

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
