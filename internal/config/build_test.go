package config

import (
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

// writeProject writes a wrangler.toml and src/index.js into a temp dir.
func writeProject(t *testing.T, toml string) string {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	os.WriteFile(filepath.Join(dir, "src", "index.js"), []byte("export default {}"), 0o644)
	if err := os.WriteFile(filepath.Join(dir, "wrangler.toml"), []byte(toml), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestBuildTable(t *testing.T) {
	base := "name = \"w\"\nmain = \"src/index.js\"\ncompatibility_date = \"2025-01-01\"\n"
	c, err := Load(Options{Dir: writeProject(t, base+"[build]\ncommand = \"esbuild src/c.tsx --bundle --outfile=public/c.js\"\n")})
	if err != nil {
		t.Fatal(err)
	}
	if c.Build == nil || c.Build.Command != "esbuild src/c.tsx --bundle --outfile=public/c.js" || !reflect.DeepEqual(c.Build.WatchDirs, []string{"src"}) {
		t.Errorf("Build = %+v", c.Build)
	}
	if len(c.Warnings) != 0 {
		t.Errorf("warnings: %q", c.Warnings)
	}
	c, err = Load(Options{Dir: writeProject(t, base+"[build]\ncommand = \"make\"\ncwd = \"web\"\nwatch_dir = [\"web/src\", \"shared\"]\nwat = 1\n")})
	if err != nil {
		t.Fatal(err)
	}
	if c.Build.Cwd != "web" || !reflect.DeepEqual(c.Build.WatchDirs, []string{"web/src", "shared"}) {
		t.Errorf("Build = %+v", c.Build)
	}
	if !hasWarning(c, `unknown field "build.wat"`) {
		t.Errorf("no warning for build.wat: %q", c.Warnings)
	}
	if _, err := Load(Options{Dir: writeProject(t, base+"[build]\ncommand = 3\n")}); err == nil {
		t.Error("a numeric build.command was accepted")
	}
}
