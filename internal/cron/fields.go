package cron

import (
	"fmt"
	"strconv"
	"strings"
)

// field describes one of the five positions of an expression.
type field struct {
	name     string
	pos      int // 1-based position in the expression
	min, max int
	names    []string // 3-letter names for min, min+1, …; nil if the field has none
}

var (
	minuteField = field{name: "minute", pos: 1, min: 0, max: 59}
	hourField   = field{name: "hour", pos: 2, min: 0, max: 23}
	domField    = field{name: "day-of-month", pos: 3, min: 1, max: 31}
	monthField  = field{name: "month", pos: 4, min: 1, max: 12,
		names: []string{"JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"}}
	// Cloudflare numbers weekdays 1 = Sunday … 7 = Saturday (Quartz style).
	dowField = field{name: "day-of-week", pos: 5, min: 1, max: 7,
		names: []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"}}
)

// partError is a problem with one part of a field; Parse adds the expression
// and the field.
type partError struct {
	part   string
	reason string
}

func (e *partError) Error() string { return fmt.Sprintf("%q: %s", e.part, e.reason) }

func errPart(part, format string, args ...any) error {
	return &partError{part: part, reason: fmt.Sprintf(format, args...)}
}

// parseSet reads a comma-separated list of *, values, ranges and steps into a
// bit set where bit v stands for value v.
func parseSet(text string, f field) (uint64, error) {
	var set uint64
	for _, elem := range strings.Split(text, ",") {
		bits, err := parseElement(elem, f)
		if err != nil {
			return 0, err
		}
		set |= bits
	}
	return set, nil
}

// parseElement reads one of: *, */step, v, v/step, a-b, a-b/step. A range whose
// start is above its end wraps around (22-2 is 22,23,0,1,2), as on Cloudflare.
func parseElement(elem string, f field) (uint64, error) {
	if elem == "" {
		return 0, errPart(elem, "empty list element")
	}
	rangePart, stepPart, hasStep := strings.Cut(elem, "/")
	step := 1
	if hasStep {
		n, err := strconv.Atoi(stepPart)
		if err != nil || !isDigits(stepPart) {
			return 0, errPart(elem, "step %q is not a number", stepPart)
		}
		if maxStep := f.max - f.min; n < 1 || n > maxStep {
			return 0, errPart(elem, "step %d is out of range 1-%d", n, maxStep)
		}
		step = n
	}
	var start, end int
	switch {
	case rangePart == "*":
		start, end = f.min, f.max
	default:
		lo, hi, isRange := strings.Cut(rangePart, "-")
		var err error
		if start, err = parseValue(lo, elem, f); err != nil {
			return 0, err
		}
		end = start
		if isRange {
			if end, err = parseValue(hi, elem, f); err != nil {
				return 0, err
			}
		} else if hasStep {
			end = f.max // "5/15" means 5 through the end of the field
		}
	}
	var bits uint64
	span := f.max - f.min + 1
	count := (end-start+span)%span + 1 // values covered by start..end, wrapping
	for i := 0; i < count; i += step {
		v := f.min + (start-f.min+i)%span
		bits |= 1 << v
	}
	return bits, nil
}

// parseValue reads a number or a 3-letter name (case-insensitive).
func parseValue(tok, elem string, f field) (int, error) {
	if tok == "" {
		return 0, errPart(elem, "missing value")
	}
	if isDigits(tok) {
		n, err := strconv.Atoi(tok)
		if err != nil || n < f.min || n > f.max {
			if f.pos == dowField.pos && tok == "0" {
				return 0, errPart(elem, "0 is out of range 1-7: Cloudflare counts 1 = Sunday … 7 = Saturday; write 1 or SUN for Sunday")
			}
			return 0, errPart(elem, "%s is out of range %d-%d", tok, f.min, f.max)
		}
		return n, nil
	}
	for i, name := range f.names {
		if strings.EqualFold(tok, name) {
			return f.min + i, nil
		}
	}
	if f.names != nil {
		return 0, errPart(elem, "%q is neither a number %d-%d nor a name %s-%s", tok, f.min, f.max, f.names[0], f.names[len(f.names)-1])
	}
	return 0, errPart(elem, "%q is not a number %d-%d", tok, f.min, f.max)
}

func isDigits(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
