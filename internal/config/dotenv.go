package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/outpost-dev/outpost/internal/lazyregexp"
)

// loadSecrets reads local secrets the way `wrangler dev` does: .dev.vars.<env>
// or .dev.vars when one exists (taken literally), otherwise .env, .env.local,
// .env.<env> and .env.<env>.local merged in that order with ${VAR} expansion.
func loadSecrets(dir, env string) (map[string]string, []string, error) {
	candidates := []string{".dev.vars"}
	if env != "" {
		candidates = []string{".dev.vars." + env, ".dev.vars"}
	}
	for _, name := range candidates {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		return ParseDotenv(data), []string{filepath.Join(dir, name)}, nil
	}
	if os.Getenv("CLOUDFLARE_LOAD_DEV_VARS_FROM_DOT_ENV") == "false" {
		return map[string]string{}, nil, nil
	}
	files := []string{".env", ".env.local"}
	if env != "" {
		files = append(files, ".env."+env, ".env."+env+".local")
	}
	merged := map[string]string{}
	var order []string
	var used []string
	for _, name := range files {
		data, err := os.ReadFile(filepath.Join(dir, name))
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return nil, nil, fmt.Errorf("%s: %w", name, err)
		}
		used = append(used, filepath.Join(dir, name))
		for _, kv := range parseDotenvOrdered(data) {
			if _, seen := merged[kv[0]]; !seen {
				order = append(order, kv[0])
			}
			merged[kv[0]] = kv[1]
		}
	}
	if os.Getenv("CLOUDFLARE_INCLUDE_PROCESS_ENV") == "true" {
		for _, e := range os.Environ() {
			if k, v, ok := strings.Cut(e, "="); ok {
				if _, seen := merged[k]; !seen {
					merged[k] = v
				}
			}
		}
	}
	expandAll(merged, order)
	return merged, used, nil
}

// dotenvLine is the line grammar of the dotenv package wrangler uses:
// optional `export`, KEY=value or KEY: value, values single-, double- or
// backtick-quoted (possibly spanning lines) or bare up to a `#` comment.
var dotenvLine = lazyregexp.New(`(?m)^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*` + "`(?:\\\\`|[^`])*`" + `|[^#\r\n]+)?\s*(?:#.*)?$`)

// ParseDotenv parses dotenv syntax as wrangler reads .dev.vars; later keys win.
func ParseDotenv(data []byte) map[string]string {
	out := map[string]string{}
	for _, kv := range parseDotenvOrdered(data) {
		out[kv[0]] = kv[1]
	}
	return out
}

func parseDotenvOrdered(data []byte) [][2]string {
	src := strings.ReplaceAll(string(data), "\r\n", "\n")
	src = strings.ReplaceAll(src, "\r", "\n")
	var out [][2]string
	for _, m := range dotenvLine.FindAllStringSubmatch(src, -1) {
		v := strings.TrimSpace(m[2])
		if len(v) >= 2 && strings.ContainsRune("'\"`", rune(v[0])) && v[len(v)-1] == v[0] {
			q := v[0]
			v = v[1 : len(v)-1]
			if q == '"' {
				v = strings.NewReplacer(`\n`, "\n", `\r`, "\r").Replace(v)
			}
		}
		out = append(out, [2]string{m[1], v})
	}
	return out
}

var dotenvRef = lazyregexp.New(`(\\)?\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?-)([^}]*))?\}|([A-Za-z_][A-Za-z0-9_]*))`)

// expandAll substitutes ${VAR}, $VAR, ${VAR:-default} and ${VAR-default} as
// dotenv-expand does; \$ keeps a literal dollar sign.
func expandAll(vars map[string]string, order []string) {
	for _, k := range order {
		vars[k] = expand(vars[k], vars, 0)
	}
}

func expand(s string, vars map[string]string, depth int) string {
	if depth > 10 {
		return s
	}
	return dotenvRef.ReplaceAllStringFunc(s, func(ref string) string {
		m := dotenvRef.FindStringSubmatch(ref)
		if m[1] != "" {
			return ref[1:]
		}
		name := m[2] + m[5]
		v, ok := vars[name]
		switch m[3] {
		case ":-":
			if v == "" {
				return expand(m[4], vars, depth+1)
			}
		case "-":
			if !ok {
				return expand(m[4], vars, depth+1)
			}
		}
		return expand(v, vars, depth+1)
	})
}
