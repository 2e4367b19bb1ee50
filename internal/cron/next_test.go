package cron

import (
	"math/rand"
	"strings"
	"testing"
	"time"

	robfig "github.com/robfig/cron/v3"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestNext(t *testing.T) {
	cases := []struct {
		expr, from, want string
	}{
		{"*/5 * * * *", "2024-01-01T10:02:30Z", "2024-01-01T10:05:00Z"},
		{"* * * * *", "2024-01-01T10:00:00.5Z", "2024-01-01T10:01:00Z"},
		{"0 12 * * *", "2024-05-05T12:00:00Z", "2024-05-06T12:00:00Z"}, // strictly after
		{"0 0 * * *", "2024-12-31T23:59:59Z", "2025-01-01T00:00:00Z"},  // year end
		{"5/20 * * * *", "2024-01-01T10:26:00Z", "2024-01-01T10:45:00Z"},
		{"*/15 9-17/4 * * *", "2024-01-01T09:50:00Z", "2024-01-01T13:00:00Z"},
		// Month ends and leap years.
		{"0 0 31 * *", "2024-04-01T00:00:00Z", "2024-05-31T00:00:00Z"},
		{"0 0 29 2 *", "2024-03-01T00:00:00Z", "2028-02-29T00:00:00Z"},
		{"0 0 29 2 *", "2096-03-01T00:00:00Z", "2104-02-29T00:00:00Z"}, // 2100 is not a leap year
		{"59 23 L * *", "2024-02-01T00:00:00Z", "2024-02-29T23:59:00Z"},
		{"59 23 L * *", "2023-02-01T00:00:00Z", "2023-02-28T23:59:00Z"},
		{"59 23 L * *", "2024-02-29T23:59:00Z", "2024-03-31T23:59:00Z"},
		{"0 0 L-3 * *", "2024-02-01T00:00:00Z", "2024-02-26T00:00:00Z"},
		{"0 0 L-30 * *", "2024-02-01T00:00:00Z", "2024-03-01T00:00:00Z"}, // February has no L-30
		// Last weekday: 31 March 2024 is a Sunday, 30 November 2024 a Saturday.
		{"59 23 LW * *", "2024-03-01T00:00:00Z", "2024-03-29T23:59:00Z"},
		{"59 23 LW * *", "2024-11-01T00:00:00Z", "2024-11-29T23:59:00Z"},
		{"59 23 LW * *", "2025-01-01T00:00:00Z", "2025-01-31T23:59:00Z"}, // a Friday
		{"0 0 L-2W * *", "2024-08-01T00:00:00Z", "2024-08-29T00:00:00Z"}, // 29 Aug is a Thursday
		{"0 0 L-2W * *", "2024-09-01T00:00:00Z", "2024-09-27T00:00:00Z"}, // 28 Sep is a Saturday
		// Nearest weekday, never leaving the month (1 and 15 June 2024 are Saturdays, 30 June a Sunday).
		{"0 0 15W * *", "2024-06-01T00:00:00Z", "2024-06-14T00:00:00Z"},
		{"0 0 1W * *", "2024-05-31T00:00:00Z", "2024-06-03T00:00:00Z"},
		{"0 0 30W * *", "2024-06-20T00:00:00Z", "2024-06-28T00:00:00Z"},
		{"0 0 16W * *", "2024-06-01T00:00:00Z", "2024-06-17T00:00:00Z"}, // Sunday → Monday
		{"0 0 31W * *", "2024-04-01T00:00:00Z", "2024-05-31T00:00:00Z"}, // April has no 31st
		// Weekdays, 1 = Sunday (1 June 2024 is a Saturday, 3 June a Monday).
		{"10 7 * * mon-fri", "2024-06-01T00:00:00Z", "2024-06-03T07:10:00Z"},
		{"10 7 * * 2-6", "2024-06-01T00:00:00Z", "2024-06-03T07:10:00Z"},
		{"0 17 * * sun", "2024-06-03T00:00:00Z", "2024-06-09T17:00:00Z"},
		{"0 17 * * 1", "2024-06-03T00:00:00Z", "2024-06-09T17:00:00Z"},
		{"0 0 * * 7", "2024-06-02T00:00:00Z", "2024-06-08T00:00:00Z"},
		{"0 0 * * L", "2024-06-02T00:00:00Z", "2024-06-08T00:00:00Z"}, // L alone is Saturday
		{"0 0 * * FRI-MON", "2024-06-04T00:00:00Z", "2024-06-07T00:00:00Z"},
		{"0 0 * * FRI-MON", "2024-06-09T00:00:00Z", "2024-06-10T00:00:00Z"},
		{"0 0 * * */2", "2024-06-02T00:00:00Z", "2024-06-04T00:00:00Z"}, // Sun, Tue, Thu, Sat
		// Last and nth weekday of the month (31 January 2025 is a Friday).
		{"0 18 * * 6L", "2025-01-01T00:00:00Z", "2025-01-31T18:00:00Z"},
		{"0 18 * * friL", "2025-01-31T18:00:00Z", "2025-02-28T18:00:00Z"},
		{"0 0 * * 2#2", "2025-01-01T00:00:00Z", "2025-01-13T00:00:00Z"},
		{"0 0 * * MON#5", "2024-01-01T00:00:00Z", "2024-01-29T00:00:00Z"},
		{"0 0 * * 1#5", "2025-01-01T00:00:00Z", "2025-03-30T00:00:00Z"}, // no fifth Sunday in Jan or Feb 2025
		// Both day fields restricted: either matches.
		{"0 0 13 * 6", "2024-09-01T00:00:00Z", "2024-09-06T00:00:00Z"},
		{"0 0 10 * FRI", "2024-09-07T00:00:00Z", "2024-09-10T00:00:00Z"},
		{"0 0 L * 2#1", "2024-09-03T00:00:00Z", "2024-09-30T00:00:00Z"},
		// Wrapping ranges.
		{"0 22-2 * * *", "2024-01-01T03:00:00Z", "2024-01-01T22:00:00Z"},
		{"0 22-2 * * *", "2024-01-01T23:30:00Z", "2024-01-02T00:00:00Z"},
		{"0 0 1 NOV-FEB *", "2024-03-01T00:00:00Z", "2024-11-01T00:00:00Z"},
		{"50-10/10 * * * *", "2024-01-01T10:55:00Z", "2024-01-01T11:00:00Z"},
		// Input in another zone is read as the same instant.
		{"0 9 * * *", "2024-06-01T10:30:00+02:00", "2024-06-01T09:00:00Z"}, // 08:30 UTC
	}
	for _, c := range cases {
		got := MustParse(c.expr).Next(utc(c.from))
		if want := utc(c.want); !got.Equal(want) || got.Location() != time.UTC {
			t.Errorf("%q.Next(%s) = %s, want %s", c.expr, c.from, got, want)
		}
	}
}

func TestNextNever(t *testing.T) {
	for _, expr := range []string{"0 0 30 2 *", "0 0 31 4,6,9,11 *", "0 0 31W 4 *"} {
		if got := MustParse(expr).Next(utc("2024-01-01T00:00:00Z")); !got.IsZero() {
			t.Errorf("%q.Next = %s, want the zero time (never fires)", expr, got)
		}
	}
}

// TestNextAgreesWithRobfig compares plain expressions with robfig/cron, a
// widely used implementation, after translating weekday numbers (robfig
// counts Sunday = 0).
func TestNextAgreesWithRobfig(t *testing.T) {
	exprs := []string{
		"* * * * *", "*/7 * * * *", "3,17,45 */5 * * *", "0 0 * * *", "30 4 1,15 * *",
		"0 0 29 2 *", "15 10 * * 2-6", "0 12 * JUN-AUG 1", "0 0 13 * 6", "5-40/9 1-20/3 2-28/5 */2 *",
		"0 0 31 * *", "0 9 * * mon,wed,FRI", "0 0 * * 1-7",
	}
	rng := rand.New(rand.NewSource(1))
	start := utc("2023-01-01T00:00:00Z").Unix()
	for _, expr := range exprs {
		ours := MustParse(expr)
		theirs, err := robfig.ParseStandard(robfigWeekdays(expr))
		if err != nil {
			t.Fatalf("robfig cannot parse %q: %v", robfigWeekdays(expr), err)
		}
		for i := 0; i < 300; i++ {
			from := time.Unix(start+rng.Int63n(6*365*24*3600), rng.Int63n(1e9)).UTC()
			if got, want := ours.Next(from), theirs.Next(from); !got.Equal(want) {
				t.Fatalf("%q.Next(%s) = %s, robfig says %s", expr, from, got, want)
			}
		}
	}
}

// robfigWeekdays rewrites the day-of-week field from 1-7 to robfig's 0-6.
func robfigWeekdays(expr string) string {
	f := strings.Fields(expr)
	f[4] = strings.Map(func(r rune) rune {
		if r >= '1' && r <= '7' {
			return r - 1
		}
		return r
	}, f[4])
	return strings.Join(f, " ")
}

func TestNextIsAlwaysAFireTimeAfterFrom(t *testing.T) {
	// Walk a year of fire times for the special forms and check each is a
	// whole minute after the previous one and matches the day rules.
	for _, expr := range []string{"59 23 LW * *", "0 0 L-3W * *", "0 6 15W * *", "0 18 * * 6L", "0 0 * * 4#3", "0 0 1W * *"} {
		s := MustParse(expr)
		at := utc("2024-01-01T00:00:00Z")
		months := map[time.Month]int{}
		for i := 0; i < 12; i++ {
			next := s.Next(at)
			if !next.After(at) || next.Second() != 0 || next.Nanosecond() != 0 {
				t.Fatalf("%q.Next(%s) = %s", expr, at, next)
			}
			if wd := next.Weekday(); wd == time.Saturday || wd == time.Sunday {
				if strings.Contains(expr, "W") {
					t.Errorf("%q fired on a %s (%s)", expr, wd, next)
				}
			}
			months[next.Month()]++
			at = next
		}
		if len(months) != 12 {
			t.Errorf("%q: want one fire in each month of 2024, got %v", expr, months)
		}
	}
}
