package main

import (
	"os"

	"golang.org/x/sys/unix"
)

func keysMode(f *os.File) (restore func(), ok bool) {
	return termiosKeys(f, unix.TIOCGETA, unix.TIOCSETA)
}
