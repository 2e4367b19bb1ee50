package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// env is what every system needs to start a workload.
type env struct {
	root       string // the repository
	scratch    string // per-run projects and logs
	peers      string // npm prefix of workerd and wrangler
	outpostBin string
	originURL  string
	self       string // this program, for the bare Go server
	profileDir string // when set, Outpost writes a CPU profile per workload here
	compatDate string
}

func (e *env) workersDir() string { return filepath.Join(e.root, "bench", "workers") }

// system is one way of serving the workloads.
type system struct {
	Name    string
	Title   string
	Version string
	// Supports says whether the system can run w; reason, when not empty,
	// is printed in the table (an empty reason hides the row).
	Supports func(w *workload) (ok bool, reason string)
	// Command builds the process that serves w on port.
	Command func(e *env, w *workload, port int, dir string) (*exec.Cmd, error)
}

func allSystems() []*system {
	return []*system{
		{Name: "outpost", Title: "Outpost (outpost dev)", Supports: func(*workload) (bool, string) { return true, "" }, Command: outpostCommand},
		{Name: "workerd", Title: "workerd", Supports: workerdSupports, Command: workerdCommand},
		{Name: "wrangler", Title: "wrangler dev", Supports: func(*workload) (bool, string) { return true, "" }, Command: wranglerCommand},
		{Name: "go", Title: "bare Go net/http", Supports: func(w *workload) (bool, string) { return w.Name == "hello" || w.Name == "fetch", "" }, Command: goCommand},
	}
}

func workerdSupports(w *workload) (bool, string) {
	switch {
	case w.KV:
		return false, "raw workerd has no KV storage (wrangler dev adds it through Miniflare)"
	case w.R2:
		return false, "raw workerd has no R2 storage (wrangler dev adds it through Miniflare)"
	case w.Cache:
		return false, "raw workerd has no Cache API storage without an external cache service"
	case w.DO:
		return false, "the harness's workerd config has no Durable Object storage (wrangler dev adds it through Miniflare)"
	case w.D1:
		return false, "raw workerd has no D1 (wrangler dev adds it through Miniflare)"
	}
	return true, ""
}

// wranglerConfig is the project file Outpost and wrangler dev both read.
func wranglerConfig(e *env, w *workload) string {
	var b strings.Builder
	fmt.Fprintf(&b, "name = %q\n", "bench-"+w.Name)
	fmt.Fprintf(&b, "main = %s\n", strconv.Quote(filepath.Join(e.workersDir(), "src", w.Script)))
	fmt.Fprintf(&b, "compatibility_date = %q\n\n", e.compatDate)
	fmt.Fprintf(&b, "[vars]\nORIGIN = %q\n", e.originURL)
	if w.KV {
		b.WriteString("\n[[kv_namespaces]]\nbinding = \"KV\"\nid = \"bench\"\n")
	}
	if w.R2 {
		b.WriteString("\n[[r2_buckets]]\nbinding = \"R2\"\nbucket_name = \"bench\"\n")
	}
	if w.D1 {
		b.WriteString("\n[[d1_databases]]\nbinding = \"DB\"\ndatabase_name = \"bench\"\ndatabase_id = \"bench\"\n")
	}
	if w.Queue {
		b.WriteString(queueConfig)
	}
	if w.DO {
		b.WriteString("\n[[durable_objects.bindings]]\nname = \"COUNTER\"\nclass_name = \"Counter\"\n\n[[migrations]]\ntag = \"v1\"\nnew_sqlite_classes = [\"Counter\"]\n")
	}
	return b.String()
}

func outpostCommand(e *env, w *workload, port int, dir string) (*exec.Cmd, error) {
	if err := os.WriteFile(filepath.Join(dir, "wrangler.toml"), []byte(wranglerConfig(e, w)), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(e.outpostBin, "dev", dir, "--port", strconv.Itoa(port), "--ip", "127.0.0.1")
	// outpost dev, like wrangler dev, bundles with NODE_ENV=development
	// unless told; the same production builds of React run everywhere.
	cmd.Env = append(os.Environ(), "NODE_ENV=production")
	if e.profileDir != "" {
		cmd.Env = append(cmd.Env, "OUTPOST_CPUPROFILE="+filepath.Join(e.profileDir, "outpost-"+w.Name+".prof"))
	}
	return cmd, nil
}

func wranglerCommand(e *env, w *workload, port int, dir string) (*exec.Cmd, error) {
	if err := os.WriteFile(filepath.Join(dir, "wrangler.toml"), []byte(wranglerConfig(e, w)), 0o644); err != nil {
		return nil, err
	}
	inspector, err := freePort()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command("node", filepath.Join(e.peers, "node_modules", "wrangler", "bin", "wrangler.js"), "dev",
		"--config", filepath.Join(dir, "wrangler.toml"),
		"--port", strconv.Itoa(port), "--ip", "127.0.0.1",
		"--inspector-port", strconv.Itoa(inspector),
		"--persist-to", filepath.Join(dir, "state"),
		"--show-interactive-dev-session=false")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(),
		"CI=1",
		"WRANGLER_SEND_METRICS=false",
		// wrangler dev bundles with NODE_ENV=development unless told;
		// the same production builds of React run everywhere.
		"NODE_ENV=production",
		// No login, no user config: a clean, local-only wrangler.
		"XDG_CONFIG_HOME="+filepath.Join(dir, "xdg"),
		"CLOUDFLARE_API_TOKEN=",
	)
	return cmd, nil
}

func workerdCommand(e *env, w *workload, port int, dir string) (*exec.Cmd, error) {
	if err := bundleForWorkerd(filepath.Join(e.workersDir(), "src", w.Script), filepath.Join(dir, "worker.js")); err != nil {
		return nil, err
	}
	conf := workerdConfig(port, e.compatDate, e.originURL)
	if err := os.WriteFile(filepath.Join(dir, "config.capnp"), []byte(conf), 0o644); err != nil {
		return nil, err
	}
	cmd := exec.Command(filepath.Join(e.peers, "node_modules", "workerd", "bin", "workerd"), "serve", "config.capnp")
	cmd.Dir = dir
	return cmd, nil
}

func goCommand(e *env, w *workload, port int, dir string) (*exec.Cmd, error) {
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	if w.Name == "fetch" {
		return exec.Command(e.self, "-serve-proxy", addr+","+e.originURL), nil
	}
	return exec.Command(e.self, "-serve-hello", addr), nil
}

// running is a started system.
type running struct {
	cmd     *exec.Cmd
	url     string
	log     string
	started time.Time
	exited  chan struct{}
}

// start launches sys for w in a fresh directory and waits for the first 200
// from the probe path; the returned duration is the cold start.
func start(ctx context.Context, e *env, sys *system, w *workload) (*running, time.Duration, error) {
	dir := filepath.Join(e.scratch, sys.Name+"-"+w.Name)
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, 0, err
	}
	port, err := freePort()
	if err != nil {
		return nil, 0, err
	}
	cmd, err := sys.Command(e, w, port, dir)
	if err != nil {
		return nil, 0, fmt.Errorf("preparing %s: %w", sys.Name, err)
	}
	logPath := filepath.Join(dir, "output.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, 0, err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	// Its own process group, so that stopping it reaches its children
	// (wrangler's workerd) too.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r := &running{cmd: cmd, url: fmt.Sprintf("http://127.0.0.1:%d", port), log: logPath, exited: make(chan struct{})}
	r.started = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, 0, fmt.Errorf("starting %s: %w", sys.Name, err)
	}
	go func() { cmd.Wait(); close(r.exited) }()

	deadline := time.Now().Add(90 * time.Second)
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for {
		resp, err := client.Get(r.url + w.Probe)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return r, time.Since(r.started), nil
			}
		}
		select {
		case <-r.exited:
			return nil, 0, fmt.Errorf("%s exited before answering: %s", sys.Name, r.tail())
		case <-ctx.Done():
			r.stop()
			return nil, 0, ctx.Err()
		case <-time.After(5 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			last := "no answer"
			if err != nil {
				last = err.Error()
			} else {
				last = "status " + resp.Status
			}
			r.stop()
			return nil, 0, fmt.Errorf("%s gave no 200 on %s within 90s (%s): %s", sys.Name, w.Probe, last, r.tail())
		}
	}
}

// stop ends the process group: SIGTERM, then SIGKILL after 10 s.
func (r *running) stop() {
	pgid := r.cmd.Process.Pid
	syscall.Kill(-pgid, syscall.SIGTERM)
	select {
	case <-r.exited:
	case <-time.After(10 * time.Second):
		syscall.Kill(-pgid, syscall.SIGKILL)
		<-r.exited
	}
}

// tail is the end of the process's output, for error messages.
func (r *running) tail() string {
	b, _ := os.ReadFile(r.log)
	s := strings.TrimSpace(string(b))
	if len(s) > 1500 {
		s = "…" + s[len(s)-1500:]
	}
	if s == "" {
		return "(no output; log " + r.log + ")"
	}
	return "\n" + s + "\n(log " + r.log + ")"
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}
