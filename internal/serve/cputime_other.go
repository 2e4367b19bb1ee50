//go:build !linux

package serve

import (
	"errors"
	"time"
)

// Per-thread CPU time is read from /proc, which only Linux has.

func threadID() int { return 0 }

func threadCPU(int) (time.Duration, error) {
	return 0, errors.New("per-thread CPU time is only measured on Linux")
}
