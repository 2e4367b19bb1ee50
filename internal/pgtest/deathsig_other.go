//go:build !linux

package pgtest

import "syscall"

// dieWithParent has no equivalent outside Linux: a server whose test binary
// crashed keeps running until removed by hand.
func dieWithParent(*syscall.SysProcAttr) {}
