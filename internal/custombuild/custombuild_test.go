package custombuild

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/config"
)

func TestSplitWords(t *testing.T) {
	for in, want := range map[string][]string{
		`esbuild a.ts --outfile=b.js`:           {"esbuild", "a.ts", "--outfile=b.js"},
		`esbuild  'a b.ts'  "--define:X=\"y\""`: {"esbuild", "a b.ts", `--define:X="y"`},
		`esbuild a\ b.ts`:                       {"esbuild", "a b.ts"},
		`npx esbuild x.ts --banner:js='// hi'`:  {"npx", "esbuild", "x.ts", "--banner:js=// hi"},
		`node_modules/.bin/esbuild x.ts ""`:     {"node_modules/.bin/esbuild", "x.ts", ""},
	} {
		got, ok := splitWords(in)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("splitWords(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	if _, ok := splitWords(`esbuild 'unterminated`); ok {
		t.Error("an unterminated quote was accepted")
	}
}

func TestESBuildArgs(t *testing.T) {
	for cmd, want := range map[string]bool{
		"esbuild a.ts --outfile=b.js":              true,
		"npx esbuild a.ts --outfile=b.js":          true,
		"./node_modules/.bin/esbuild a.ts":         true,
		"npm run build":                            false,
		"esbuild a.ts --outfile=b.js && echo done": false,
		"esbuild a.ts > out.js":                    false,
	} {
		if _, ok := esbuildArgs(cmd); ok != want {
			t.Errorf("esbuildArgs(%q) in process = %v, want %v", cmd, ok, want)
		}
	}
}

// project writes files into a temporary project and returns its config.
func project(t *testing.T, command string, files map[string]string) *config.Config {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, name)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &config.Config{Dir: dir, Path: filepath.Join(dir, "wrangler.toml"), Build: &config.Build{Command: command, WatchDirs: []string{"src"}}}
}

func TestRunESBuildInProcess(t *testing.T) {
	cfg := project(t, "esbuild src/client.tsx --bundle --format=esm --outfile=public/client.js", map[string]string{
		"src/client.tsx": `import { greet } from "./greet"; document.body.append(greet("Outpost"));`,
		"src/greet.ts":   `export const greet = (n: string): string => "hello " + n;`,
	})
	// Keep PATH free of any esbuild binary: the build must not need one.
	t.Setenv("PATH", "/nonexistent")
	if err := Run(cfg); err != nil {
		t.Fatal(err)
	}
	out, err := os.ReadFile(filepath.Join(cfg.Dir, "public", "client.js"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(out), `"hello " + n`) || strings.Contains(string(out), "import {") {
		t.Errorf("bundle:\n%s", out)
	}
	if got := WatchDirs(cfg); len(got) != 1 || got[0] != filepath.Join(cfg.Dir, "src") {
		t.Errorf("WatchDirs = %v", got)
	}
}

func TestRunErrorsNameTheSource(t *testing.T) {
	cfg := project(t, "esbuild src/client.ts --bundle --outfile=public/client.js", map[string]string{
		"src/client.ts": "import { nope } from './missing';\nconsole.log(nope);\n",
	})
	err := Run(cfg)
	if err == nil || !strings.Contains(err.Error(), "build.command") || !strings.Contains(err.Error(), "src/client.ts:1") ||
		!strings.Contains(err.Error(), `Could not resolve "./missing"`) {
		t.Errorf("err = %v", err)
	}
	cfg = project(t, "esbuild src/client.ts --bundle", map[string]string{"src/client.ts": "1"})
	if err := Run(cfg); err == nil || !strings.Contains(err.Error(), "--outfile or --outdir") {
		t.Errorf("no outfile: err = %v", err)
	}
	cfg = project(t, "esbuild src/client.ts --bundel --outfile=x.js", map[string]string{"src/client.ts": "1"})
	if err := Run(cfg); err == nil || !strings.Contains(err.Error(), "--bundel") {
		t.Errorf("bad flag: err = %v", err)
	}
}

func TestRunShellCommand(t *testing.T) {
	cfg := project(t, "mkdir -p public && echo built > public/out.txt", nil)
	if err := Run(cfg); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(cfg.Dir, "public", "out.txt")); string(b) != "built\n" {
		t.Errorf("out.txt = %q", b)
	}
	cfg = project(t, "echo oops >&2; exit 3", nil)
	if err := Run(cfg); err == nil || !strings.Contains(err.Error(), "exit status 3") || !strings.Contains(err.Error(), "oops") {
		t.Errorf("failing command: err = %v", err)
	}
	if err := Run(&config.Config{}); err != nil {
		t.Errorf("no [build]: %v", err)
	}
}

// A rebuild with the same result leaves the output file untouched.
func TestRebuildKeepsUnchangedOutput(t *testing.T) {
	cfg := project(t, "esbuild src/a.ts --outfile=out/a.js", map[string]string{"src/a.ts": "export const a: number = 1;\n"})
	if err := Run(cfg); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(cfg.Dir, "out", "a.js")
	old := time.Now().Add(-time.Hour)
	os.Chtimes(out, old, old)
	if err := Run(cfg); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(out); !st.ModTime().Equal(old) {
		t.Error("an unchanged output was rewritten")
	}
	os.WriteFile(filepath.Join(cfg.Dir, "src", "a.ts"), []byte("export const a: number = 2;\n"), 0o644)
	if err := Run(cfg); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(out); !strings.Contains(string(b), "a = 2") {
		t.Errorf("changed output not written: %s", b)
	}
}
