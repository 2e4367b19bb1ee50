//go:build linux || darwin

package main

import (
	"os"

	"golang.org/x/sys/unix"
)

func termiosKeys(f *os.File, get, set uint) (func(), bool) {
	fd := int(f.Fd())
	old, err := unix.IoctlGetTermios(fd, get)
	if err != nil {
		return nil, false // not a terminal
	}
	// A job in the background (outpost dev &) would be stopped by the
	// shell for touching the terminal: keys are for the foreground only.
	if pg, err := unix.IoctlGetInt(fd, unix.TIOCGPGRP); err != nil || pg != unix.Getpgrp() {
		return nil, false
	}
	t := *old
	t.Lflag &^= unix.ICANON | unix.ECHO
	t.Cc[unix.VMIN], t.Cc[unix.VTIME] = 1, 0
	if err := unix.IoctlSetTermios(fd, set, &t); err != nil {
		return nil, false
	}
	return func() { unix.IoctlSetTermios(fd, set, old) }, true
}
