package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// devToken reads the token the dev server wrote for the CLI.
func devToken(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, ".outpost", "state", "dev-server.json"))
	if err != nil {
		t.Fatal(err)
	}
	var st struct {
		Token string `json:"token"`
	}
	if err := json.Unmarshal(b, &st); err != nil {
		t.Fatal(err)
	}
	return st.Token
}
