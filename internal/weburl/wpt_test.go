package weburl

import (
	"encoding/json"
	"os"
	"testing"
)

type urlCase struct {
	Input   string  `json:"input"`
	Base    *string `json:"base"`
	Href    *string `json:"href"`
	Failure bool    `json:"failure"`

	Origin   *string `json:"origin"`
	Protocol *string `json:"protocol"`
	Username *string `json:"username"`
	Password *string `json:"password"`
	Host     *string `json:"host"`
	Hostname *string `json:"hostname"`
	Port     *string `json:"port"`
	Pathname *string `json:"pathname"`
	Search   *string `json:"search"`
	Hash     *string `json:"hash"`
}

// loadCases reads a JSON array whose string entries are comments.
func loadCases[T any](t *testing.T, path string) []T {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	var out []T
	for _, r := range raw {
		if len(r) > 0 && r[0] == '"' {
			continue
		}
		var c T
		if err := json.Unmarshal(r, &c); err != nil {
			t.Fatalf("%s: %v in %s", path, err, r)
		}
		out = append(out, c)
	}
	return out
}

func TestURLTestData(t *testing.T) {
	cases := loadCases[urlCase](t, "testdata/urltestdata.json")
	passed := 0
	for _, c := range cases {
		base := ""
		hasBase := c.Base != nil
		if hasBase {
			base = *c.Base
		}
		comps, ok := ParseComponents(c.Input, base, hasBase)
		if c.Failure {
			if ok {
				t.Errorf("Parse(%q, %q) = %q, want failure", c.Input, base, comps[0])
				continue
			}
			passed++
			continue
		}
		if !ok {
			t.Errorf("Parse(%q, %q) failed, want %q", c.Input, base, *c.Href)
			continue
		}
		u, _ := ParseRef(c.Input, base)
		got := map[string]string{
			"href": comps[0], "protocol": comps[1], "username": comps[2], "password": comps[3],
			"hostname": comps[4], "port": comps[5], "pathname": comps[6], "search": comps[7],
			"hash": comps[8], "host": u.HostPort(), "origin": u.Origin(),
		}
		want := map[string]*string{
			"href": c.Href, "protocol": c.Protocol, "username": c.Username, "password": c.Password,
			"hostname": c.Hostname, "port": c.Port, "pathname": c.Pathname, "search": c.Search,
			"hash": c.Hash, "host": c.Host, "origin": c.Origin,
		}
		bad := false
		for k, w := range want {
			if w != nil && got[k] != *w {
				t.Errorf("Parse(%q, %q).%s = %q, want %q", c.Input, base, k, got[k], *w)
				bad = true
			}
		}
		// The href must survive a round trip through the parser unchanged.
		if again, err := Parse(comps[0], nil); err != nil || again.Href() != comps[0] {
			t.Errorf("re-parsing %q does not reproduce it (err %v)", comps[0], err)
			bad = true
		}
		if !bad {
			passed++
		}
	}
	t.Logf("urltestdata: %d/%d cases pass", passed, len(cases))
}
