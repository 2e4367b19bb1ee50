package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
)

// installPeers installs workerd and wrangler, at the versions pinned in
// bench/peers/package-lock.json, into dir with npm ci (skipped when the
// installed tree is newer than the lock file).
func installPeers(root, dir string, log io.Writer) error {
	src := filepath.Join(root, "bench", "peers")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	for _, f := range []string{"package.json", "package-lock.json"} {
		b, err := os.ReadFile(filepath.Join(src, f))
		if err != nil {
			return err
		}
		// Rewriting an unchanged file would make npm ci run again.
		if old, err := os.ReadFile(filepath.Join(dir, f)); err == nil && bytes.Equal(old, b) {
			continue
		}
		if err := os.WriteFile(filepath.Join(dir, f), b, 0o644); err != nil {
			return err
		}
	}
	return npmCI(dir, "the peers (workerd, wrangler)", log)
}

// installWorkerDeps installs Hono and React for the worker scripts.
func installWorkerDeps(root string, log io.Writer) error {
	return npmCI(filepath.Join(root, "bench", "workers"), "the worker scripts' packages (hono, react)", log)
}

func npmCI(dir, what string, log io.Writer) error {
	lock, err := os.Stat(filepath.Join(dir, "package-lock.json"))
	if err != nil {
		return err
	}
	if st, err := os.Stat(filepath.Join(dir, "node_modules", ".package-lock.json")); err == nil && !lock.ModTime().After(st.ModTime()) {
		return nil
	}
	if _, err := exec.LookPath("npm"); err != nil {
		return fmt.Errorf("npm is needed to install %s in %s", what, dir)
	}
	fmt.Fprintf(log, "installing %s: npm ci in %s\n", what, dir)
	cmd := exec.Command("npm", "ci", "--no-audit", "--no-fund", "--loglevel=error")
	cmd.Dir = dir
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("npm ci in %s: %w", dir, err)
	}
	return nil
}

// findWrk returns wrk's path, installing Debian's package when it is
// missing and install is true.
func findWrk(install bool, log io.Writer) (string, error) {
	if p, err := exec.LookPath("wrk"); err == nil {
		return p, nil
	}
	if !install {
		return "", fmt.Errorf("wrk is not installed")
	}
	if _, err := exec.LookPath("apt-get"); err != nil {
		return "", fmt.Errorf("wrk is not installed and there is no apt-get to install it")
	}
	sudo := []string{}
	if os.Geteuid() != 0 {
		sudo = []string{"sudo"}
	}
	fmt.Fprintln(log, "installing wrk: apt-get install -y wrk")
	for _, args := range [][]string{{"apt-get", "update", "-qq"}, {"apt-get", "install", "-y", "-qq", "wrk"}} {
		cmd := exec.Command(append(sudo, args...)[0], append(sudo, args...)[1:]...)
		cmd.Env = append(os.Environ(), "DEBIAN_FRONTEND=noninteractive")
		cmd.Stdout, cmd.Stderr = log, log
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("apt-get install wrk: %w", err)
		}
	}
	return exec.LookPath("wrk")
}

// buildOutpost builds the real binary the way users get it.
func buildOutpost(root, out string, log io.Writer) error {
	fmt.Fprintln(log, "building outpost: go build ./cmd/outpost")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/outpost")
	cmd.Dir = root
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build ./cmd/outpost: %w", err)
	}
	return nil
}
