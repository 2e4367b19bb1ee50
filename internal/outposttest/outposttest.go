// Package outposttest starts the real outpost binary on a project for
// end-to-end tests and talks HTTP to it.
package outposttest

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	buildOnce sync.Once
	binDir    string
	binPath   string
	buildErr  error
)

// RepoRoot is the module's root directory.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// Binary builds cmd/outpost once per test process and returns its path.
func Binary(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "outpost-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binDir, binPath = dir, filepath.Join(dir, "outpost")
		cmd := exec.Command("go", "build", "-o", binPath, "./cmd/outpost")
		cmd.Dir = RepoRoot()
		out, err := cmd.CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return binPath
}

// RemoveBinary deletes the binary Binary built, if any (call it from
// TestMain once the tests have run; each build is tens of megabytes).
func RemoveBinary() {
	if binDir != "" {
		os.RemoveAll(binDir)
	}
}

// FreePort returns a loopback port nobody listens on.
func FreePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// Proc is a running outpost process.
type Proc struct {
	URL  string
	Port int
	cmd  *exec.Cmd
	out  *SyncBuffer
	t    testing.TB
	done chan struct{}
}

// Dev starts `outpost dev DIR --ip 127.0.0.1 --port P ARGS...` and waits
// until it is ready. The process is stopped when the test ends.
func Dev(t testing.TB, dir string, args ...string) *Proc {
	t.Helper()
	return DevEnv(t, nil, dir, args...)
}

// DevEnv is Dev with extra environment variables (KEY=VALUE).
func DevEnv(t testing.TB, env []string, dir string, args ...string) *Proc {
	t.Helper()
	port := FreePort(t)
	full := append([]string{"dev", dir, "--ip", "127.0.0.1", "--port", fmt.Sprint(port)}, args...)
	p := StartEnv(t, env, port, full...)
	if !p.WaitOutput("Ready on", 60*time.Second) {
		t.Fatalf("outpost dev did not become ready; output:\n%s", p.Output())
	}
	return p
}

// StartDev starts outpost dev without waiting for it to be ready.
func StartDev(t testing.TB, dir string, args ...string) *Proc {
	t.Helper()
	port := FreePort(t)
	full := append([]string{"dev", dir, "--ip", "127.0.0.1", "--port", fmt.Sprint(port)}, args...)
	return Start(t, port, full...)
}

// Start runs the outpost binary with args; port is what URL points at.
func Start(t testing.TB, port int, args ...string) *Proc {
	t.Helper()
	return StartEnv(t, nil, port, args...)
}

// StartEnv is Start with extra environment variables.
func StartEnv(t testing.TB, env []string, port int, args ...string) *Proc {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	out := &SyncBuffer{}
	cmd.Stdout = out
	cmd.Stderr = out
	cmd.Env = append(append(os.Environ(), "NO_COLOR=1"), env...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Proc{URL: fmt.Sprintf("http://127.0.0.1:%d", port), Port: port, cmd: cmd, out: out, t: t, done: make(chan struct{})}
	go func() { cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.Stop()
		if t.Failed() {
			t.Logf("outpost output:\n%s", p.Output())
		}
	})
	return p
}

// Output is everything the process printed so far.
func (p *Proc) Output() string { return p.out.String() }

// WaitOutput waits until the output contains s.
func (p *Proc) WaitOutput(s string, timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(p.Output(), s) {
			return true
		}
		select {
		case <-p.done:
			return strings.Contains(p.Output(), s)
		case <-time.After(20 * time.Millisecond):
		}
	}
	return false
}

// Exited reports whether the process has ended, waiting up to timeout.
func (p *Proc) Exited(timeout time.Duration) bool {
	select {
	case <-p.done:
		return true
	case <-time.After(timeout):
		return false
	}
}

// ExitCode is the process's exit code (-1 while it runs).
func (p *Proc) ExitCode() int {
	if p.cmd.ProcessState == nil {
		return -1
	}
	return p.cmd.ProcessState.ExitCode()
}

// Stop interrupts the process and waits for it.
func (p *Proc) Stop() {
	select {
	case <-p.done:
		return
	default:
	}
	p.cmd.Process.Signal(os.Interrupt)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		p.cmd.Process.Kill()
		<-p.done
	}
}

// Signal sends sig to the process (SIGTERM for a graceful shutdown).
func (p *Proc) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Kill ends the process with SIGKILL.
func (p *Proc) Kill() {
	p.cmd.Process.Kill()
	<-p.done
}

// Do sends a request and returns the response with its body read.
func (p *Proc) Do(method, path string, body io.Reader, header map[string]string) (*http.Response, string) {
	p.t.Helper()
	req, err := http.NewRequest(method, p.URL+path, body)
	if err != nil {
		p.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{Timeout: 60 * time.Second, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		p.t.Fatalf("%s %s: %v\noutput:\n%s", method, path, err, p.Output())
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

// Get is Do for a GET without a body.
func (p *Proc) Get(path string) (*http.Response, string) { return p.Do("GET", path, nil, nil) }

// SyncBuffer is a bytes.Buffer that one goroutine may write while another
// reads (a process's output, a logger's lines).
type SyncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *SyncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *SyncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// Run runs the outpost binary to completion and returns its combined
// output and exit code.
func Run(t testing.TB, dir string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			t.Fatal(err)
		}
	}
	return string(out), code
}

// RunEnv is Run with extra environment variables (KEY=VALUE).
func RunEnv(t testing.TB, dir string, env []string, args ...string) (string, int) {
	t.Helper()
	cmd := exec.Command(Binary(t), args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), env...)
	out, err := cmd.CombinedOutput()
	code := 0
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else {
			t.Fatal(err)
		}
	}
	return string(out), code
}

// CopyDir copies a project into a temporary directory (tests that edit
// files or keep state use a copy), skipping .outpost state.
func CopyDir(t testing.TB, src string) string {
	t.Helper()
	dst := t.TempDir()
	err := filepath.Walk(src, func(path string, info os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if info.IsDir() && info.Name() == ".outpost" {
			return filepath.SkipDir
		}
		target := filepath.Join(dst, rel)
		if info.Mode()&os.ModeSymlink != 0 {
			link, err := os.Readlink(path)
			if err != nil {
				return err
			}
			return os.Symlink(link, target)
		}
		if info.IsDir() {
			if info.Name() == "node_modules" {
				// Link rather than copy: packages are read-only here.
				return filepath.SkipDir
			}
			return os.MkdirAll(target, 0o755)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, b, info.Mode())
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(src, "node_modules")); err == nil {
		abs, _ := filepath.Abs(filepath.Join(src, "node_modules"))
		if err := os.Symlink(abs, filepath.Join(dst, "node_modules")); err != nil {
			t.Fatal(err)
		}
	}
	return dst
}

// RSS is the process's resident memory in bytes, from /proc (Linux).
func (p *Proc) RSS() (int64, error) { return p.status("VmRSS:") }

// PeakRSS is the process's peak resident memory so far (VmHWM, Linux).
func (p *Proc) PeakRSS() (int64, error) { return p.status("VmHWM:") }

func (p *Proc) status(field string) (int64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, field); ok {
			var kb int64
			if _, err := fmt.Sscanf(strings.TrimSpace(rest), "%d kB", &kb); err != nil {
				return 0, err
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("no %s in /proc/%d/status", field, p.cmd.Process.Pid)
}
