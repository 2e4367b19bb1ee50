package jsc

/*
#define _GNU_SOURCE
#include <dlfcn.h>
#include <time.h>

// The engine's watchdog reads the calling thread's CPU clock at every entry
// into JavaScript (WTF::CPUTime::forCurrentThread), and that clock is a
// system call: the vDSO serves only the process-wide clocks. On a VM's
// thread whose interrupt check decides every stop (installInterrupt), the
// watchdog's own deadline only says when to ask that check, which reads
// the CPU clock itself (runtime's measure). So on those threads, and only
// there, the thread CPU clock the library asks for is answered from the
// monotonic clock: the check then comes after the period of wall time,
// never later than before (and decides only on CPU time it read itself),
// and an entry costs no system call. The library
// calls clock_gettime through its PLT, so this definition in the
// executable is the one it binds to (ELF interposition); everything else
// is passed to the C library's.
static __thread int outpost_watch_on_wall_clock = 0;

typedef int (*outpost_clock_gettime_fn)(clockid_t, struct timespec*);
static outpost_clock_gettime_fn outpost_libc_clock_gettime;

int clock_gettime(clockid_t clock, struct timespec* ts) {
	outpost_clock_gettime_fn next = __atomic_load_n(&outpost_libc_clock_gettime, __ATOMIC_ACQUIRE);
	if (next == NULL) {
		next = (outpost_clock_gettime_fn)dlsym(RTLD_NEXT, "clock_gettime");
		__atomic_store_n(&outpost_libc_clock_gettime, next, __ATOMIC_RELEASE);
	}
	if (clock == CLOCK_THREAD_CPUTIME_ID && outpost_watch_on_wall_clock)
		clock = CLOCK_MONOTONIC;
	return next(clock, ts);
}

static void outpost_watch_wall_clock(void) { outpost_watch_on_wall_clock = 1; }

// outpost_thread_clock_ns reads CLOCK_THREAD_CPUTIME_ID through the C
// library, as the engine does.
static long long outpost_thread_clock_ns(void) {
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) return -1;
	return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}
*/
import "C"

import "time"

// watchOnWallClock makes the engine's watchdog on the calling thread (a
// VM's, with an interrupt check) time entries on the monotonic clock.
func watchOnWallClock() { C.outpost_watch_wall_clock() }

// engineThreadClock is the thread CPU clock as the engine reads it (tests).
func engineThreadClock() time.Duration { return time.Duration(C.outpost_thread_clock_ns()) }
