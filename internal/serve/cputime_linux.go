package serve

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"syscall"
	"time"
)

// threadID returns the OS thread id of the calling goroutine's thread.
func threadID() int { return syscall.Gettid() }

// threadCPU reads the CPU time a thread of this process has used, from
// /proc/self/task/TID/schedstat (nanoseconds on the CPU), falling back to
// the utime and stime clock ticks of /proc/self/task/TID/stat.
func threadCPU(tid int) (time.Duration, error) {
	if b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/schedstat", tid)); err == nil {
		if f := bytes.Fields(b); len(f) > 0 {
			if ns, err := strconv.ParseInt(string(f[0]), 10, 64); err == nil {
				return time.Duration(ns), nil
			}
		}
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/self/task/%d/stat", tid))
	if err != nil {
		return 0, err
	}
	// Fields after the command name, which is in parentheses and may hold spaces.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, fmt.Errorf("unexpected /proc stat format")
	}
	f := bytes.Fields(b[i+1:])
	if len(f) < 13 {
		return 0, fmt.Errorf("unexpected /proc stat format")
	}
	utime, err1 := strconv.ParseInt(string(f[11]), 10, 64)
	stime, err2 := strconv.ParseInt(string(f[12]), 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("unexpected /proc stat format")
	}
	const userHZ = 100 // the unit of /proc's tick counts on Linux
	return time.Duration(utime+stime) * time.Second / userHZ, nil
}
