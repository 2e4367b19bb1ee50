// Package cron runs a worker's Cron Triggers the way Cloudflare does.
//
// Expressions follow Cloudflare's documented syntax (the Quartz-like dialect
// of its saffron parser): five fields, minute hour day-of-month month
// day-of-week, always in UTC. Day-of-week counts 1 = Sunday … 7 = Saturday,
// so "0 0 * * 0" is rejected exactly as Cloudflare rejects it. Beyond *, lists,
// ranges (which may wrap, e.g. FRI-MON or 22-2) and steps, day-of-month takes
// L, LW, L-n, L-nW and nW, and day-of-week takes L (Saturday), nL (last such
// weekday of the month) and n#k (k-th such weekday). When both day fields are
// restricted a day matching either one fires, as in classic cron.
//
// A Scheduler fires each expression at its scheduled times. Times missed while
// the process was down or asleep are not replayed (at most the latest one is
// fired late), as on Cloudflare, which never backfills. With a Claimer, such as
// PostgresClaimer, every scheduled time runs on one node of a fleet only.
package cron
