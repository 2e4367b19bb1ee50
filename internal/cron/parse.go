package cron

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a parsed cron expression.
type Schedule struct {
	expr    string
	minutes uint64 // bit m set: fires at minute m
	hours   uint64 // bit h: hour h
	months  uint64 // bit m: month m (1-12)
	dom     daysOfMonth
	dow     daysOfWeek
}

// String returns the expression exactly as written; Cloudflare hands that
// string to the worker as controller.cron.
func (s *Schedule) String() string { return s.expr }

// ParseError says what is wrong with an expression and where.
type ParseError struct {
	Expr   string // the expression as given
	Field  string // "minute", "hour", "day-of-month", "month", "day-of-week"; empty if the whole expression is at fault
	Pos    int    // 1-based field position; 0 with an empty Field
	Part   string // the offending text inside the field
	Reason string
}

func (e *ParseError) Error() string {
	if e.Field == "" {
		return fmt.Sprintf("cron %q: %s", e.Expr, e.Reason)
	}
	return fmt.Sprintf("cron %q: %s field (field %d) %q: %s", e.Expr, e.Field, e.Pos, e.Part, e.Reason)
}

// Parse reads a Cloudflare cron expression.
func Parse(expr string) (*Schedule, error) {
	if strings.ContainsAny(expr, "\r\n\v\f") {
		return nil, &ParseError{Expr: expr, Reason: "fields must be separated by spaces or tabs"}
	}
	fields := strings.FieldsFunc(expr, func(r rune) bool { return r == ' ' || r == '\t' })
	if len(fields) != 5 {
		reason := fmt.Sprintf("has %d fields; Cloudflare cron triggers take 5: minute hour day-of-month month day-of-week", len(fields))
		if len(fields) == 6 || len(fields) == 7 {
			reason += " (seconds and years are not supported)"
		}
		return nil, &ParseError{Expr: expr, Reason: reason}
	}
	s := &Schedule{expr: expr}
	wrap := func(f field, err error) error {
		var pe *partError
		if errors.As(err, &pe) {
			return &ParseError{Expr: expr, Field: f.name, Pos: f.pos, Part: pe.part, Reason: pe.reason}
		}
		return &ParseError{Expr: expr, Field: f.name, Pos: f.pos, Part: fields[f.pos-1], Reason: err.Error()}
	}
	var err error
	if s.minutes, err = parsePlain(fields[0], minuteField); err != nil {
		return nil, wrap(minuteField, err)
	}
	if s.hours, err = parsePlain(fields[1], hourField); err != nil {
		return nil, wrap(hourField, err)
	}
	if s.dom, err = parseDaysOfMonth(fields[2]); err != nil {
		return nil, wrap(domField, err)
	}
	if s.months, err = parsePlain(fields[3], monthField); err != nil {
		return nil, wrap(monthField, err)
	}
	if s.dow, err = parseDaysOfWeek(fields[4]); err != nil {
		return nil, wrap(dowField, err)
	}
	return s, nil
}

// MustParse is Parse for expressions known to be valid; it panics otherwise.
func MustParse(expr string) *Schedule {
	s, err := Parse(expr)
	if err != nil {
		panic(err)
	}
	return s
}

// parsePlain reads a field that has no L, W or #.
func parsePlain(text string, f field) (uint64, error) {
	if strings.ContainsAny(text, "#?") {
		return 0, errPart(text, "only * , - / are allowed in the %s field", f.name)
	}
	return parseSet(text, f)
}

type domKind uint8

const (
	domAll            domKind = iota // a literal *
	domSet                           // values, ranges, steps
	domLast                          // L or L-n: n days before the last day
	domLastWeekday                   // LW or L-nW: the weekday nearest to n days before the last day
	domNearestWeekday                // nW: the weekday nearest to day n
)

type daysOfMonth struct {
	kind domKind
	set  uint64 // domSet: bit d for day d
	n    int    // domLast/domLastWeekday: offset; domNearestWeekday: the day
}

func parseDaysOfMonth(text string) (daysOfMonth, error) {
	if text == "*" {
		return daysOfMonth{kind: domAll}, nil
	}
	if text == "?" {
		return daysOfMonth{}, errPart(text, "? is not supported by Cloudflare; write *")
	}
	special := strings.ContainsAny(text, "LW")
	if special && strings.Contains(text, ",") {
		return daysOfMonth{}, errPart(text, "L and W cannot be combined with other values in a list")
	}
	switch {
	case strings.HasPrefix(text, "L"):
		rest, weekday := strings.CutSuffix(text[1:], "W")
		kind := domLast
		if weekday {
			kind = domLastWeekday
		}
		if rest == "" {
			return daysOfMonth{kind: kind}, nil
		}
		offset, ok := strings.CutPrefix(rest, "-")
		n, err := strconv.Atoi(offset)
		if !ok || err != nil || !isDigits(offset) {
			return daysOfMonth{}, errPart(text, "expected L, LW, L-n or L-nW (n days before the last day of the month)")
		}
		if n < 1 || n > 30 {
			return daysOfMonth{}, errPart(text, "offset %d is out of range 1-30", n)
		}
		return daysOfMonth{kind: kind, n: n}, nil
	case strings.HasSuffix(text, "W"):
		day := strings.TrimSuffix(text, "W")
		if !isDigits(day) {
			return daysOfMonth{}, errPart(text, "expected nW, the weekday nearest to day n (1-31)")
		}
		n, err := parseValue(day, text, domField)
		if err != nil {
			return daysOfMonth{}, err
		}
		return daysOfMonth{kind: domNearestWeekday, n: n}, nil
	case strings.ContainsAny(text, "#?"):
		return daysOfMonth{}, errPart(text, "only * , - / L W are allowed in the day-of-month field")
	}
	set, err := parseSet(text, domField)
	return daysOfMonth{kind: domSet, set: set}, err
}

type dowKind uint8

const (
	dowAll  dowKind = iota // a literal *
	dowSet                 // values, ranges, steps
	dowLast                // nL: the last such weekday of the month
	dowNth                 // n#k: the k-th such weekday of the month
)

type daysOfWeek struct {
	kind    dowKind
	set     uint64       // dowSet: bit w for time.Weekday w (Sunday = 0)
	weekday time.Weekday // dowLast, dowNth
	nth     int          // dowNth: 1-5
}

// weekdayOf converts Cloudflare's 1 = Sunday numbering to time.Weekday.
func weekdayOf(v int) time.Weekday { return time.Weekday(v - 1) }

func parseDaysOfWeek(text string) (daysOfWeek, error) {
	if text == "*" {
		return daysOfWeek{kind: dowAll}, nil
	}
	if text == "?" {
		return daysOfWeek{}, errPart(text, "? is not supported by Cloudflare; write *")
	}
	if text == "L" { // L alone is the last day of the week
		return daysOfWeek{kind: dowSet, set: 1 << time.Saturday}, nil
	}
	special := strings.HasSuffix(text, "L") || strings.Contains(text, "#")
	if special && strings.Contains(text, ",") {
		return daysOfWeek{}, errPart(text, "L and # cannot be combined with other values in a list")
	}
	if day, ok := strings.CutSuffix(text, "L"); ok {
		v, err := parseValue(day, text, dowField)
		if err != nil {
			return daysOfWeek{}, err
		}
		return daysOfWeek{kind: dowLast, weekday: weekdayOf(v)}, nil
	}
	if day, nth, ok := strings.Cut(text, "#"); ok {
		v, err := parseValue(day, text, dowField)
		if err != nil {
			return daysOfWeek{}, err
		}
		k, err := strconv.Atoi(nth)
		if err != nil || !isDigits(nth) || k < 1 || k > 5 {
			return daysOfWeek{}, errPart(text, "the number after # must be 1-5 (which occurrence of the weekday in the month)")
		}
		return daysOfWeek{kind: dowNth, weekday: weekdayOf(v), nth: k}, nil
	}
	set, err := parseSet(text, dowField)
	if err != nil {
		return daysOfWeek{}, err
	}
	// Shift 1-7 down to time.Weekday's 0-6.
	return daysOfWeek{kind: dowSet, set: set >> 1}, nil
}
