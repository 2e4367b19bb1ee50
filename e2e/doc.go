// Package e2e holds Outpost's end-to-end tests: each starts the real
// outpost binary on a worker project from testdata/ or examples/ and talks
// HTTP to it, with local origins standing in for the outside world.
package e2e
