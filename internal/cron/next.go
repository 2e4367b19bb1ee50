package cron

import (
	"math/bits"
	"time"
)

// searchYears bounds the search for the next fire time. Every satisfiable
// expression fires within it (29 February can be 8 years away; a fifth
// weekday of February about 40 years).
const searchYears = 50

// Next returns the first fire time strictly after t, in UTC, or the zero
// time if the expression can never fire (such as "0 0 30 2 *").
func (s *Schedule) Next(t time.Time) time.Time {
	start := t.UTC().Truncate(time.Minute).Add(time.Minute)
	limit := start.AddDate(searchYears, 0, 0)
	day := time.Date(start.Year(), start.Month(), start.Day(), 0, 0, 0, 0, time.UTC)
	fromHour, fromMinute := start.Hour(), start.Minute()
	for day.Before(limit) {
		if s.months&(1<<day.Month()) == 0 {
			day = time.Date(day.Year(), day.Month()+1, 1, 0, 0, 0, 0, time.UTC)
			fromHour, fromMinute = 0, 0
			continue
		}
		if s.matchesDay(day) {
			if h, m, ok := s.timeOfDay(fromHour, fromMinute); ok {
				return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute)
			}
		}
		day = day.AddDate(0, 0, 1)
		fromHour, fromMinute = 0, 0
	}
	return time.Time{}
}

// timeOfDay returns the first hour:minute of the schedule at or after
// fromHour:fromMinute on a matching day.
func (s *Schedule) timeOfDay(fromHour, fromMinute int) (hour, minute int, ok bool) {
	for h := fromHour; h < 24; h++ {
		if s.hours&(1<<h) == 0 {
			continue
		}
		from := 0
		if h == fromHour {
			from = fromMinute
		}
		if rest := s.minutes >> from << from; rest != 0 {
			return h, bits.TrailingZeros64(rest), true
		}
	}
	return 0, 0, false
}
