package project

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/bundle"
)

func writeFiles(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, body := range files {
		p := filepath.Join(dir, filepath.FromSlash(name))
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// A project with [assets] and no main runs: the assets answer.
func TestAssetsOnlyProject(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"wrangler.toml":     "name = \"site\"\ncompatibility_date = \"2025-01-01\"\n[assets]\ndirectory = \"./public\"\nbinding = \"ASSETS\"\n",
		"public/index.html": "hi",
	})
	b, err := Load(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !b.Bundle.Modules || !strings.Contains(b.Bundle.Code, bundle.GlobalName) {
		t.Errorf("bundle = %+v", b.Bundle)
	}
	if b.Bundle.AssetsBinding != "ASSETS" {
		t.Errorf("assets binding = %q", b.Bundle.AssetsBinding)
	}
}

// [build] runs before bundling; a file under watch_dir is an input even
// when the worker does not import it.
func TestBuildRunsBeforeBundling(t *testing.T) {
	dir := writeFiles(t, map[string]string{
		"wrangler.toml": "name = \"w\"\nmain = \"src/index.js\"\ncompatibility_date = \"2025-01-01\"\n" +
			"[build]\ncommand = \"esbuild client/app.ts --bundle --outfile=src/generated.js --format=esm\"\nwatch_dir = \"client\"\n",
		"src/index.js":  "import { answer } from './generated.js';\nexport default { fetch() { return new Response(String(answer)); } };\n",
		"client/app.ts": "export const answer: number = 42;\n",
		"client/x.css":  "body {}",
	})
	b, err := Load(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(b.Bundle.Code, "42") {
		t.Error("the bundle does not contain what [build] generated")
	}
	joined := strings.Join(b.Inputs, "\n")
	for _, f := range []string{"client/app.ts", "client/x.css"} {
		if !strings.Contains(joined, filepath.Join(dir, f)) {
			t.Errorf("inputs lack %s: %v", f, b.Inputs)
		}
	}
	// A failing build stops the load with the config file and command named.
	os.WriteFile(filepath.Join(dir, "client", "app.ts"), []byte("export const answer: number = ;\n"), 0o644)
	if _, err := Load(Options{Dir: dir}); err == nil || !strings.Contains(err.Error(), "wrangler.toml: build.command") ||
		!strings.Contains(err.Error(), "client/app.ts:1") {
		t.Errorf("err = %v", err)
	}
}
