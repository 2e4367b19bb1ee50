package e2e

import (
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// On a terminal, outpost dev answers wrangler's keys: e opens the
// explorer in the browser, d explains there is no debugger, x exits. The
// terminal is a pseudo-terminal made by script(1).
func TestDevKeysOnATerminal(t *testing.T) {
	scriptBin, err := exec.LookPath("script")
	if err != nil {
		t.Fatal("no script(1) on PATH: run ./scripts/setup.sh (apt-get install bsdutils)")
	}
	dir := outposttest.CopyDir(t, filepath.Join(outposttest.RepoRoot(), "testdata", "dashboard"))
	// BROWSER stands in for the desktop's browser: it notes the URL.
	opened := filepath.Join(t.TempDir(), "opened")
	browser := filepath.Join(t.TempDir(), "browser.sh")
	os.WriteFile(browser, []byte("#!/bin/sh\necho \"$1\" >> "+opened+"\n"), 0o755)
	port := outposttest.FreePort(t)
	line := fmt.Sprintf("%s dev %s --ip 127.0.0.1 --port %d", outposttest.Binary(t), dir, port)
	cmd := exec.Command(scriptBin, "-qfec", line, "/dev/null")
	cmd.WaitDelay = 5 * time.Second
	cmd.Env = append(os.Environ(), "BROWSER="+browser)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var out strings.Builder
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := pr.Read(buf)
			mu.Lock()
			out.Write(buf[:n])
			mu.Unlock()
			if err != nil {
				return
			}
		}
	}()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		select {
		case <-exited:
		case <-time.After(10 * time.Second):
		}
	})
	wait := func(s string) {
		t.Helper()
		deadline := time.Now().Add(60 * time.Second)
		for time.Now().Before(deadline) {
			mu.Lock()
			got := out.String()
			mu.Unlock()
			if strings.Contains(got, s) {
				return
			}
			time.Sleep(50 * time.Millisecond)
		}
		mu.Lock()
		defer mu.Unlock()
		t.Fatalf("no %q in the output:\n%s", s, out.String())
	}
	wait("[b] open a browser  [e] open the explorer  [d] open devtools  [c] clear console  [x] exit")
	wait("explorer-demo has access to the following bindings:")

	io.WriteString(stdin, "d")
	wait("start outpost dev with --inspect")
	io.WriteString(stdin, "e")
	explorerURL := fmt.Sprintf("http://127.0.0.1:%d/cdn-cgi/local/explorer", port)
	wait("Opening " + explorerURL)
	deadline := time.Now().Add(10 * time.Second)
	for {
		b, _ := os.ReadFile(opened)
		if strings.TrimSpace(string(b)) == explorerURL {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the browser was given %q, want %s", b, explorerURL)
		}
		time.Sleep(50 * time.Millisecond)
	}
	io.WriteString(stdin, "x")
	select {
	case <-exited:
	case <-time.After(20 * time.Second):
		t.Fatal("x did not stop outpost dev")
	}
	wait("shutting down")
}

// Without a terminal (CI), nothing reads stdin and no keys are offered.
func TestDevKeysNeedATerminal(t *testing.T) {
	dir := outposttest.CopyDir(t, filepath.Join(outposttest.RepoRoot(), "testdata", "dashboard"))
	p := outposttest.Dev(t, dir)
	if resp, _ := p.Get("/"); resp.StatusCode != 200 {
		t.Fatalf("GET / = %d", resp.StatusCode)
	}
	if out := p.Output(); strings.Contains(out, "[b] open a browser") || !strings.Contains(out, "Explorer on http://127.0.0.1:") {
		t.Errorf("output without a terminal:\n%s", out)
	}
}
