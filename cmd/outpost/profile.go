package main

import (
	"fmt"
	"os"
	"runtime/pprof"
)

// startCPUProfile writes a Go CPU profile to the file named by
// OUTPOST_CPUPROFILE (undocumented; go run ./bench -cpuprofile uses it) and
// returns the function that finishes it.
func startCPUProfile() func() {
	path := os.Getenv("OUTPOST_CPUPROFILE")
	if path == "" {
		return func() {}
	}
	f, err := os.Create(path)
	if err == nil {
		err = pprof.StartCPUProfile(f)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "OUTPOST_CPUPROFILE=%s: %v\n", path, err)
		return func() {}
	}
	return func() {
		pprof.StopCPUProfile()
		f.Close()
	}
}
