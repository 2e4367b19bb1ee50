package main

import (
	"os"

	"golang.org/x/sys/unix"
)

// keysMode turns off line buffering and echo on a terminal; ok is false
// when f is not one.
func keysMode(f *os.File) (restore func(), ok bool) {
	return termiosKeys(f, unix.TCGETS, unix.TCSETS)
}
