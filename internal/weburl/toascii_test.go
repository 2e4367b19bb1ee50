package weburl

import "testing"

type toASCIICase struct {
	Input  string  `json:"input"`
	Output *string `json:"output"`
	// Deviation explains a case where Outpost knowingly differs.
	Deviation string `json:"deviation"`
}

func TestToASCII(t *testing.T) {
	cases := loadCases[toASCIICase](t, "testdata/toascii.json")
	passed, deviations := 0, 0
	for _, c := range cases {
		if c.Deviation != "" {
			deviations++
			t.Logf("known deviation for %q: %s", c.Input, c.Deviation)
			continue
		}
		u, err := Parse("https://"+c.Input+"/x", nil)
		switch {
		case c.Output == nil && err == nil:
			t.Errorf("host %q = %q, want failure", c.Input, u.Host)
		case c.Output != nil && err != nil:
			t.Errorf("host %q failed (%v), want %q", c.Input, err, *c.Output)
		case c.Output != nil && u.Host != *c.Output:
			t.Errorf("host %q = %q, want %q", c.Input, u.Host, *c.Output)
		default:
			passed++
		}
	}
	t.Logf("toascii: %d/%d cases pass, %d known deviation(s)", passed, len(cases), deviations)
}
