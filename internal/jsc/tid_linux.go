package jsc

import "syscall"

func gettid() int { return syscall.Gettid() }
