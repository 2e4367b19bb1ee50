//go:build !linux

package jsc

func useAltStackInThreadStack() error { return nil }
