package cron

import "time"

func daysIn(year int, month time.Month) int {
	return time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// matchesDay reports whether the schedule fires on the given date (UTC,
// midnight); months are checked by the caller. With both day fields
// restricted, either one matching is enough (classic cron and Cloudflare).
func (s *Schedule) matchesDay(date time.Time) bool {
	switch {
	case s.dom.kind == domAll && s.dow.kind == dowAll:
		return true
	case s.dom.kind == domAll:
		return s.dow.matches(date)
	case s.dow.kind == dowAll:
		return s.dom.matches(date)
	}
	return s.dom.matches(date) || s.dow.matches(date)
}

func (d daysOfMonth) matches(date time.Time) bool {
	day := date.Day()
	last := daysIn(date.Year(), date.Month())
	switch d.kind {
	case domSet:
		return d.set&(1<<day) != 0
	case domLast:
		return day == last-d.n
	case domLastWeekday:
		target := last - d.n
		return target >= 1 && day == nearestWeekday(date, target, last)
	case domNearestWeekday:
		// A day the month lacks (31W in April) does not fire that month.
		return d.n <= last && day == nearestWeekday(date, d.n, last)
	}
	return true
}

// nearestWeekday returns the Monday-Friday day of date's month closest to
// day target, never leaving the month: a Saturday the 1st moves to Monday the
// 3rd, a Sunday on the last day to Friday two days before.
func nearestWeekday(date time.Time, target, last int) int {
	switch time.Date(date.Year(), date.Month(), target, 0, 0, 0, 0, time.UTC).Weekday() {
	case time.Saturday:
		if target == 1 {
			return 3
		}
		return target - 1
	case time.Sunday:
		if target == last {
			return target - 2
		}
		return target + 1
	}
	return target
}

func (w daysOfWeek) matches(date time.Time) bool {
	switch w.kind {
	case dowSet:
		return w.set&(1<<date.Weekday()) != 0
	case dowLast:
		return date.Weekday() == w.weekday && date.Day()+7 > daysIn(date.Year(), date.Month())
	case dowNth:
		return date.Weekday() == w.weekday && (date.Day()-1)/7+1 == w.nth
	}
	return true
}
