package main

import (
	"strings"
	"testing"
)

func TestDevKeysPress(t *testing.T) {
	var out strings.Builder
	var opened []string
	stopped := false
	k := &devKeys{out: &out, url: "http://127.0.0.1:8787", explorer: "http://127.0.0.1:8787/cdn-cgi/local/explorer",
		stop: func() { stopped = true }, openInBox: func(u string) error { opened = append(opened, u); return nil }}
	for _, c := range "beBd" {
		k.press(byte(c))
	}
	if len(opened) != 3 || opened[0] != k.url || opened[1] != k.explorer || opened[2] != k.url {
		t.Errorf("opened %q", opened)
	}
	if !strings.Contains(out.String(), "start outpost dev with --inspect") {
		t.Errorf("d without --inspect printed %q", out.String())
	}
	out.Reset()
	k.debugger = "127.0.0.1:9229"
	k.press('d')
	if !strings.Contains(out.String(), "The debugger listens on 127.0.0.1:9229") {
		t.Errorf("d with --inspect printed %q", out.String())
	}
	k.debugger = ""
	out.Reset()
	k.press('c')
	if !strings.HasPrefix(out.String(), "\x1b[2J\x1b[3J\x1b[H") || !strings.Contains(out.String(), "[x] exit") {
		t.Errorf("c printed %q", out.String())
	}
	k.press('z') // other keys do nothing
	if stopped {
		t.Fatal("stopped before x")
	}
	k.press('x')
	if !stopped {
		t.Error("x did not stop the server")
	}

	// Without the explorer, e says so and the hint leaves it out.
	out.Reset()
	off := &devKeys{out: &out, url: k.url, stop: func() {}, openInBox: func(u string) error { opened = append(opened, u); return nil }}
	off.press('e')
	if !strings.Contains(out.String(), "--no-dashboard") || strings.Contains(off.hint(), "[e]") {
		t.Errorf("e without the explorer: %q, hint %q", out.String(), off.hint())
	}
}
