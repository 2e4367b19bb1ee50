package project

import (
	"testing"

	"github.com/outpost-dev/outpost/internal/config"
)

func TestPopulateProcessEnv(t *testing.T) {
	cases := []struct {
		date  string
		flags []string
		want  bool
	}{
		{"2025-04-01", []string{"nodejs_compat"}, true},
		{"2025-03-31", []string{"nodejs_compat"}, false},
		{"2024-01-01", []string{"nodejs_compat", "nodejs_compat_populate_process_env"}, true},
		{"2025-06-01", []string{"nodejs_compat", "nodejs_compat_do_not_populate_process_env"}, false},
		{"2025-06-01", nil, false},
		{"2025-06-01", []string{"nodejs_compat", "no_nodejs_compat"}, false},
	}
	for _, c := range cases {
		cfg := &config.Config{CompatibilityDate: c.date, CompatibilityFlags: c.flags}
		if got := populateProcessEnv(cfg); got != c.want {
			t.Errorf("date %s flags %v: got %v, want %v", c.date, c.flags, got, c.want)
		}
	}
}
