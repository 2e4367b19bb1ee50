//go:build !linux

package runtime

import "time"

var processStart = time.Now()

// threadCPU approximates the calling thread's CPU time with wall time
// where the platform has no per-thread CPU clock at hand.
func threadCPU() time.Duration { return time.Since(processStart) }
