package pgtest

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
)

// binDirEnv names a directory holding initdb and postgres; it wins over the
// search below.
const binDirEnv = "OUTPOST_PG_BIN"

// debianBinDirs is where Debian and Ubuntu install each major version.
var debianBinDirs = "/usr/lib/postgresql/*/bin"

// findBinDir returns the directory holding initdb and postgres: $OUTPOST_PG_BIN,
// else the newest Debian-style /usr/lib/postgresql/<version>/bin, else $PATH.
func findBinDir() (string, error) {
	if dir := os.Getenv(binDirEnv); dir != "" {
		if hasServerBinaries(dir) {
			return dir, nil
		}
		return "", fmt.Errorf("pgtest: %s=%s does not contain initdb and postgres", binDirEnv, dir)
	}
	if dir := newestDebianBinDir(); dir != "" {
		return dir, nil
	}
	if initdb, err := exec.LookPath("initdb"); err == nil {
		// Follow symlinks so postgres is found next to the real initdb.
		if real, err := filepath.EvalSymlinks(initdb); err == nil {
			initdb = real
		}
		if dir := filepath.Dir(initdb); hasServerBinaries(dir) {
			return dir, nil
		}
	}
	return "", errors.New("pgtest: PostgreSQL server binaries (initdb, postgres) not found in $" + binDirEnv +
		", /usr/lib/postgresql/*/bin or $PATH; install them: `apt-get install postgresql` (Debian/Ubuntu) or `brew install postgresql` (macOS)")
}

func newestDebianBinDir() string {
	dirs, _ := filepath.Glob(debianBinDirs)
	type candidate struct {
		dir     string
		version float64
	}
	var found []candidate
	for _, dir := range dirs {
		v, err := strconv.ParseFloat(filepath.Base(filepath.Dir(dir)), 64)
		if err != nil || !hasServerBinaries(dir) {
			continue
		}
		found = append(found, candidate{dir, v})
	}
	if len(found) == 0 {
		return ""
	}
	sort.Slice(found, func(i, j int) bool { return found[i].version > found[j].version })
	return found[0].dir
}

func hasServerBinaries(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil || info.IsDir() || info.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}
