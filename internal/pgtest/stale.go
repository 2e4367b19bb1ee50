package pgtest

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"time"
)

const dirPattern = "outpost-pgtest-*"

// staleAge keeps clusters that are still being set up away from removeStale.
const staleAge = 10 * time.Minute

// removeStale deletes clusters left in the temp directory by test binaries
// that died without calling Stop (their server went down with them through
// Pdeathsig, their files did not).
func removeStale() {
	dirs, _ := filepath.Glob(filepath.Join(os.TempDir(), dirPattern))
	for _, dir := range dirs {
		info, err := os.Stat(dir)
		if err != nil || time.Since(info.ModTime()) < staleAge {
			continue
		}
		if postmasterAlive(filepath.Join(dir, "data", "postmaster.pid")) {
			continue
		}
		os.RemoveAll(dir)
	}
}

// postmasterAlive reads the PID on the first line of postmaster.pid.
func postmasterAlive(pidFile string) bool {
	f, err := os.Open(pidFile)
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	if !sc.Scan() {
		return false
	}
	pid, err := strconv.Atoi(sc.Text())
	if err != nil || pid <= 0 {
		return false
	}
	err = syscall.Kill(pid, 0)
	return err == nil || err == syscall.EPERM
}
