package durable

import (
	"os"
	"syscall"
)

// datasync flushes f's data and what reading it back needs (its size),
// not its timestamps: what SQLite itself asks of a log on Linux.
func datasync(f *os.File) error { return syscall.Fdatasync(int(f.Fd())) }
