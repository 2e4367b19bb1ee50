package platform

import "testing"

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
		b := &Bundle{CompatibilityDate: c.date, CompatibilityFlag: c.flags}
		if got := b.PopulateProcessEnv(); got != c.want {
			t.Errorf("date %s flags %v: got %v, want %v", c.date, c.flags, got, c.want)
		}
	}
}
