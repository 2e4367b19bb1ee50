package cron

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestParseAcceptsCloudflareSyntax(t *testing.T) {
	for _, expr := range []string{
		// Every example on Cloudflare's Cron Triggers page.
		"* * * * *", "*/30 * * * *", "45 * * * *", "0 17 * * sun", "0 17 * * 1",
		"10 7 * * mon-fri", "10 7 * * 2-6", "0 15 1 * *", "0 18 * * 6L", "0 18 * * friL",
		"59 23 LW * *", "*/3 * * * *",
		// The rest of the dialect.
		"0 0 L * *", "0 0 L-3 * *", "0 0 L-3W * *", "0 0 15W * *", "0 0 * * L",
		"0 0 * * 2#1", "0 0 * * MON#5", "0 0 * jan,Feb,MAR *", "0 0 * * 7",
		"5,10-20/5,*/30 * * * *", "0 22-2 * * *", "0 0 * NOV-FEB FRI-MON", "5/15 * * * *",
		"0 0 * * */2", "00 07 01 01 01", "0\t0  * * *", " 0 0 * * * ",
	} {
		s, err := Parse(expr)
		if err != nil {
			t.Errorf("Parse(%q): %v", expr, err)
			continue
		}
		if s.String() != expr {
			t.Errorf("Parse(%q).String() = %q; the worker must see the expression unchanged", expr, s.String())
		}
	}
}

func TestParseRejectsWhatCloudflareRejects(t *testing.T) {
	cases := []struct {
		expr, field, part, reason string
	}{
		{"0 0 * * 0", "day-of-week", "0", "1 = Sunday"},
		{"0 22 * * 0,6", "day-of-week", "0", "SUN"},
		{"* * * *", "", "", "has 4 fields"},
		{"0 * * * * *", "", "", "seconds"},
		{"", "", "", "has 0 fields"},
		{"60 * * * *", "minute", "60", "out of range 0-59"},
		{"*/0 * * * *", "minute", "*/0", "step 0 is out of range 1-59"},
		{"*/60 * * * *", "minute", "*/60", "step 60"},
		{"0 24 * * *", "hour", "24", "out of range 0-23"},
		{"0 */24 * * *", "hour", "*/24", "step 24 is out of range 1-23"},
		{"0 0 0 * *", "day-of-month", "0", "out of range 1-31"},
		{"0 0 32 * *", "day-of-month", "32", "out of range 1-31"},
		{"0 0 * 13 *", "month", "13", "out of range 1-12"},
		{"0 0 * 0 *", "month", "0", "out of range 1-12"},
		{"0 0 * JANUARY *", "month", "JANUARY", "JAN-DEC"},
		{"0 0 * */12 *", "month", "*/12", "step 12 is out of range 1-11"},
		{"0 0 * * 8", "day-of-week", "8", "out of range 1-7"},
		{"0 0 * * */7", "day-of-week", "*/7", "step 7 is out of range 1-6"},
		{"0 0 * * MONDAY", "day-of-week", "MONDAY", "SUN-SAT"},
		{"0 0 L,15 * *", "day-of-month", "L,15", "cannot be combined"},
		{"0 0 15W,20 * *", "day-of-month", "15W,20", "cannot be combined"},
		{"0 0 ? * MON", "day-of-month", "?", "not supported"},
		{"0 0 1 * ?", "day-of-week", "?", "not supported"},
		{"0 0 * * 2#6", "day-of-week", "2#6", "1-5"},
		{"0 0 * * 2#0", "day-of-week", "2#0", "1-5"},
		{"0 0 * * 0#1", "day-of-week", "0#1", "1 = Sunday"},
		{"0 0 * * MON,2L", "day-of-week", "MON,2L", "cannot be combined"},
		{"0 0 L-31 * *", "day-of-month", "L-31", "1-30"},
		{"0 0 L-0 * *", "day-of-month", "L-0", "1-30"},
		{"0 0 L3 * *", "day-of-month", "L3", "L-n"},
		{"0 0 l * *", "day-of-month", "l", "not a number"},
		{"0 0 W * *", "day-of-month", "W", "nW"},
		{"0 0 32W * *", "day-of-month", "32W", "out of range 1-31"},
		{"0 0 1#2 * *", "day-of-month", "1#2", "allowed"},
		{"0 0 * * 1W", "day-of-week", "1W", "SUN-SAT"},
		{"0 0 L * L", "", "", ""}, // valid: last day of month or Saturday
		{"0 0 1,,2 * *", "day-of-month", "", "empty list element"},
		{"0 0 1, * *", "day-of-month", "", "empty list element"},
		{"0 0 * * 1-", "day-of-week", "1-", "missing value"},
		{"- * * * *", "minute", "-", "missing value"},
		{"1-2-3 * * * *", "minute", "1-2-3", "2-3"},
		{"*/5/2 * * * *", "minute", "*/5/2", "step"},
		{"-5 * * * *", "minute", "-5", "missing value"},
		{"0 L * * *", "hour", "L", "not a number"},
		{"0 0 * JUL# *", "month", "JUL#", "allowed"},
		{"0 0 * * 5L#2", "day-of-week", "5L#2", ""},
		{"0 0\n* * *", "", "", "spaces or tabs"},
		{"0 0 * * +1", "day-of-week", "+1", ""},
		{"0 0 * * 99999999999999999999", "day-of-week", "99999999999999999999", "out of range"},
	}
	for _, c := range cases {
		_, err := Parse(c.expr)
		if c.field == "" && c.reason == "" {
			if err != nil {
				t.Errorf("Parse(%q): %v", c.expr, err)
			}
			continue
		}
		var pe *ParseError
		if !errors.As(err, &pe) {
			t.Errorf("Parse(%q) = %v, want a *ParseError", c.expr, err)
			continue
		}
		msg := err.Error()
		if pe.Expr != c.expr || !strings.Contains(msg, fmt.Sprintf("%q", c.expr)) {
			t.Errorf("Parse(%q): error %q does not name the expression", c.expr, msg)
		}
		if pe.Field != c.field {
			t.Errorf("Parse(%q): error blames field %q, want %q (%s)", c.expr, pe.Field, c.field, msg)
		}
		if c.part != "" && pe.Part != c.part {
			t.Errorf("Parse(%q): error blames part %q, want %q (%s)", c.expr, pe.Part, c.part, msg)
		}
		if !strings.Contains(msg, c.reason) {
			t.Errorf("Parse(%q): error %q does not mention %q", c.expr, msg, c.reason)
		}
	}
}

func TestDayOfWeekNumbering(t *testing.T) {
	// Cloudflare: 1 = Sunday … 7 = Saturday; names agree with numbers.
	for i, name := range []string{"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"} {
		byNumber := MustParse("0 0 * * " + string(rune('1'+i)))
		byName := MustParse("0 0 * * " + strings.ToLower(name))
		if byNumber.dow != byName.dow {
			t.Errorf("%d and %s differ: %+v vs %+v", i+1, name, byNumber.dow, byName.dow)
		}
		if byNumber.dow.set != 1<<i {
			t.Errorf("%s: weekday set %b, want time.Weekday %d", name, byNumber.dow.set, i)
		}
	}
}
