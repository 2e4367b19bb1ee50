package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"runtime"
	"strings"
)

// devKeys are wrangler dev's interactive keys. They are read only when
// stdin is a terminal (never in CI, where stdin is absent or a pipe).
type devKeys struct {
	out       io.Writer
	url       string // the worker's
	explorer  string // the dashboard's; "" with --no-dashboard
	debugger  string // the inspector's address; "" without --inspect
	stop      context.CancelFunc
	openInBox func(url string) error
}

// hint is the line that names the keys.
func (k *devKeys) hint() string {
	s := "[b] open a browser"
	if k.explorer != "" {
		s += "  [e] open the explorer"
	}
	return s + "  [d] open devtools  [c] clear console  [x] exit"
}

// start reads keys from the terminal until ctx ends. The terminal is put
// in a mode that passes keys without Enter and without echo, but keeps
// output processing and Ctrl-C; restore puts it back (call it before the
// process exits). ok is false when tty is not a terminal in the foreground.
func (k *devKeys) start(ctx context.Context, tty *os.File) (restore func(), ok bool) {
	restore, ok = keysMode(tty)
	if !ok {
		return func() {}, false
	}
	go func() {
		buf := make([]byte, 16)
		for {
			n, err := tty.Read(buf)
			if err != nil || ctx.Err() != nil {
				return
			}
			for _, c := range buf[:n] {
				k.press(c)
			}
		}
	}()
	return restore, true
}

func (k *devKeys) press(c byte) {
	switch c {
	case 'b', 'B':
		k.open(k.url)
	case 'e', 'E':
		if k.explorer == "" {
			fmt.Fprintln(k.out, "The explorer is off (--no-dashboard).")
			return
		}
		k.open(k.explorer)
	case 'd', 'D':
		if k.debugger == "" {
			fmt.Fprintln(k.out, "No debugger is running: start outpost dev with --inspect, then attach VS Code (see the README, Debugging). Chrome DevTools does not attach: JavaScriptCore speaks the WebKit Inspector protocol.")
			return
		}
		fmt.Fprintf(k.out, "The debugger listens on %s: attach VS Code with \"debugServer\" set to its port, or a WebKit inspector client to a target of http://%s/json/list (see the README, Debugging).\n", k.debugger, k.debugger)
	case 'c', 'C':
		fmt.Fprint(k.out, "\x1b[2J\x1b[3J\x1b[H")
		fmt.Fprintln(k.out, k.hint())
	case 'x', 'X', 'q', 'Q':
		k.stop()
	}
}

func (k *devKeys) open(url string) {
	opener := k.openInBox
	if opener == nil {
		opener = openBrowser
	}
	if err := opener(url); err != nil {
		fmt.Fprintf(k.out, "Cannot open a browser (%v): open %s yourself.\n", err, url)
		return
	}
	fmt.Fprintf(k.out, "Opening %s\n", url)
}

// openBrowser opens url in the desktop's browser.
func openBrowser(url string) error {
	var cmd *exec.Cmd
	switch runtime.GOOS {
	case "darwin":
		cmd = exec.Command("open", url)
	case "windows":
		cmd = exec.Command("rundll32", "url.dll,FileProtocolHandler", url)
	default:
		if os.Getenv("BROWSER") != "" {
			cmd = exec.Command(strings.Fields(os.Getenv("BROWSER"))[0], url)
		} else {
			cmd = exec.Command("xdg-open", url)
		}
	}
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait()
	return nil
}
