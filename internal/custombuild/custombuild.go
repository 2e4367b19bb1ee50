// Package custombuild runs a project's [build] command before it is
// bundled, as wrangler does. An esbuild command runs in process on the
// esbuild Outpost is built with, so a project that builds a browser bundle
// (for example a React client entry) needs neither Node.js nor the esbuild
// npm package; any other command runs through the shell.
package custombuild

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/evanw/esbuild/pkg/api"
	"github.com/evanw/esbuild/pkg/cli"

	"github.com/outpost-dev/outpost/internal/config"
)

// Run runs cfg.Build.Command in its cwd; it does nothing without one.
func Run(cfg *config.Config) error {
	if cfg.Build == nil || strings.TrimSpace(cfg.Build.Command) == "" {
		return nil
	}
	cwd := cfg.Dir
	if cfg.Build.Cwd != "" {
		cwd = filepath.Join(cfg.Dir, cfg.Build.Cwd)
	}
	cmd := cfg.Build.Command
	if args, ok := esbuildArgs(cmd); ok {
		if err := runESBuild(cwd, args); err != nil {
			return fmt.Errorf("%s: build.command %q failed:\n%w", cfg.Path, cmd, err)
		}
		return nil
	}
	if err := runShell(cwd, cmd); err != nil {
		return fmt.Errorf("%s: build.command %q failed: %w", cfg.Path, cmd, err)
	}
	return nil
}

// WatchDirs are the absolute directories whose changes call for a rebuild.
func WatchDirs(cfg *config.Config) []string {
	if cfg.Build == nil || cfg.Build.Command == "" {
		return nil
	}
	out := make([]string, 0, len(cfg.Build.WatchDirs))
	for _, d := range cfg.Build.WatchDirs {
		out = append(out, filepath.Join(cfg.Dir, d))
	}
	return out
}

// esbuildArgs returns esbuild's arguments when the command is a plain
// esbuild invocation ("esbuild …", "npx esbuild …",
// "node_modules/.bin/esbuild …") with no shell syntax.
func esbuildArgs(cmd string) ([]string, bool) {
	if strings.ContainsAny(cmd, "|&;<>()$`\n") {
		return nil, false
	}
	words, ok := splitWords(cmd)
	if !ok || len(words) == 0 {
		return nil, false
	}
	if words[0] == "npx" && len(words) > 1 {
		words = words[1:]
	}
	if filepath.Base(words[0]) != "esbuild" {
		return nil, false
	}
	return words[1:], true
}

// splitWords splits a command line into words with the shell's quoting
// rules for '…', "…" and backslashes.
func splitWords(s string) ([]string, bool) {
	var words []string
	var cur strings.Builder
	inWord := false
	for i := 0; i < len(s); i++ {
		ch := s[i]
		switch {
		case ch == ' ' || ch == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		case ch == '\'':
			end := strings.IndexByte(s[i+1:], '\'')
			if end < 0 {
				return nil, false
			}
			cur.WriteString(s[i+1 : i+1+end])
			i += end + 1
			inWord = true
		case ch == '"':
			i++
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) && strings.IndexByte(`"\$`+"`", s[i+1]) >= 0 {
					i++
				}
				cur.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, false
			}
			inWord = true
		case ch == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		default:
			cur.WriteByte(ch)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words, true
}

func runESBuild(cwd string, args []string) error {
	opts, err := cli.ParseBuildOptions(args)
	if err != nil {
		return err
	}
	if opts.Outfile == "" && opts.Outdir == "" {
		return errors.New("esbuild needs --outfile or --outdir here: its output would go nowhere")
	}
	opts.AbsWorkingDir = cwd
	opts.Write = false
	opts.LogLevel = api.LogLevelSilent
	res := api.Build(opts)
	if len(res.Errors) > 0 {
		msgs := api.FormatMessages(res.Errors, api.FormatMessagesOptions{Kind: api.ErrorMessage})
		return errors.New(strings.TrimSpace(strings.Join(msgs, "")))
	}
	for _, f := range res.OutputFiles {
		if err := writeIfChanged(f.Path, f.Contents); err != nil {
			return err
		}
	}
	return nil
}

// writeIfChanged leaves an output with the same contents alone, so that a
// rebuild that changes nothing does not wake file watchers (an output
// inside watch_dir would otherwise rebuild forever).
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o644)
}

// runShell runs a non-esbuild command like wrangler does, through the
// shell, with the project's node_modules/.bin first on PATH.
func runShell(cwd, command string) error {
	c := exec.Command("sh", "-c", command)
	c.Dir = cwd
	c.Env = append(os.Environ(), "PATH="+filepath.Join(cwd, "node_modules", ".bin")+string(os.PathListSeparator)+os.Getenv("PATH"))
	out, err := c.CombinedOutput()
	if err != nil {
		return fmt.Errorf("%w\n%s", err, strings.TrimSpace(string(out)))
	}
	return nil
}
