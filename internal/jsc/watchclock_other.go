//go:build !linux

package jsc

// Elsewhere the engine's watchdog keeps the thread's CPU clock.
func watchOnWallClock() {}
