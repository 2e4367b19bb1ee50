//go:build !linux

package jsc

import "time"

var testStart = time.Now()

// threadCPU stands in with wall time where the thread's clock is not read.
func threadCPU() time.Duration { return time.Since(testStart) }
