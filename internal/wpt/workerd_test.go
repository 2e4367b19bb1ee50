package wpt

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"
)

// workerdCompatDate is the compatibility date the files run under on
// workerd: its newest behaviour, as a new project gets.
const workerdCompatDate = "2026-04-01"

// workerdRunner runs each file as a service worker on workerd, the same
// script Outpost runs, with fetch() going to a disk service over the WPT
// root. It is for measuring workerd, never part of the suite's checks.
type workerdRunner struct {
	bin  string
	root string
	dir  string
}

func newWorkerdRunner(bin string) (*workerdRunner, error) {
	if _, err := exec.LookPath(bin); err != nil {
		return nil, fmt.Errorf("-workerd %s: %w (npm ci in bench/peers installs node_modules/.bin/workerd)", bin, err)
	}
	absRoot, err := filepath.Abs(root)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "wpt-workerd-")
	if err != nil {
		return nil, err
	}
	return &workerdRunner{bin: bin, root: absRoot, dir: dir}, nil
}

func (w *workerdRunner) Close() { os.RemoveAll(w.dir) }

func (w *workerdRunner) Run(f *File) (*Results, error) {
	script, err := f.Script(root)
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp(w.dir, "file-")
	if err != nil {
		return nil, err
	}
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	config := fmt.Sprintf(`using Workerd = import "/workerd/workerd.capnp";

const config :Workerd.Config = (
  services = [
    (name = "main", worker = .testWorker),
    (name = "files", disk = (path = %q)),
  ],
  sockets = [
    (name = "http", address = "127.0.0.1:%d", http = (), service = "main"),
  ],
);

const testWorker :Workerd.Worker = (
  serviceWorkerScript = embed "worker.js",
  compatibilityDate = %q,
  globalOutbound = "files",
);
`, w.root, port, workerdCompatDate)
	if err := os.WriteFile(filepath.Join(dir, "config.capnp"), []byte(config), 0o644); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "worker.js"), []byte(script), 0o644); err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), f.Timeout()+30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, w.bin, "serve", filepath.Join(dir, "config.capnp"))
	logf, err := os.Create(filepath.Join(dir, "workerd.log"))
	if err != nil {
		return nil, err
	}
	defer logf.Close()
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	defer func() {
		cmd.Process.Kill()
		cmd.Wait()
	}()
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	var resp *http.Response
	for {
		req, _ := http.NewRequestWithContext(ctx, "GET", url, nil)
		resp, err = http.DefaultClient.Do(req)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			log, _ := os.ReadFile(filepath.Join(dir, "workerd.log"))
			return nil, fmt.Errorf("workerd gave no answer: %v\n%s", err, log)
		}
		time.Sleep(100 * time.Millisecond)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != 200 {
		log, _ := os.ReadFile(filepath.Join(dir, "workerd.log"))
		return nil, fmt.Errorf("workerd answered %d: %.300s\n%.2000s", resp.StatusCode, b, log)
	}
	return ParseResults(b)
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
