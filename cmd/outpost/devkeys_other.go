//go:build !linux && !darwin

package main

import "os"

// keysMode: interactive keys need a Unix terminal.
func keysMode(f *os.File) (restore func(), ok bool) { return nil, false }
