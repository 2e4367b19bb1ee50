package sqlite

import (
	"os"
	"strings"
)

func writeFile(path string) error { return os.WriteFile(path, []byte("x"), 0o644) }

func contains(s, sub string) bool { return strings.Contains(s, sub) }
