package weburl

import "testing"

type setterCase struct {
	Setter   string            `json:"setter"`
	Href     string            `json:"href"`
	NewValue string            `json:"new_value"`
	Expected map[string]string `json:"expected"`
}

// getter reads a component the way the JS URL getters do.
func getter(u *URL, name string) string {
	switch name {
	case "href":
		return u.Href()
	case "origin":
		return u.Origin()
	case "protocol":
		return u.Scheme + ":"
	case "username":
		return u.Username
	case "password":
		return u.Password
	case "host":
		return u.HostPort()
	case "hostname":
		return u.Host
	case "port":
		return u.Port
	case "pathname":
		return u.Pathname()
	case "search":
		return u.Search()
	case "hash":
		return u.Hash()
	}
	return "<unknown getter " + name + ">"
}

func TestSetters(t *testing.T) {
	cases := loadCases[setterCase](t, "testdata/setters_tests.json")
	passed := 0
	for _, c := range cases {
		u, err := Parse(c.Href, nil)
		if err != nil {
			t.Errorf("Parse(%q): %v", c.Href, err)
			continue
		}
		if !u.Set(c.Setter, c.NewValue) {
			t.Errorf("%q.%s = %q: setter refused", c.Href, c.Setter, c.NewValue)
			continue
		}
		bad := false
		for k, want := range c.Expected {
			if got := getter(u, k); got != want {
				t.Errorf("%q.%s = %q: %s = %q, want %q", c.Href, c.Setter, c.NewValue, k, got, want)
				bad = true
			}
		}
		// SetComponent (the urlSet op) must agree with the method.
		comps, ok := SetComponent(c.Href, c.Setter, c.NewValue)
		if !ok || comps[0] != u.Href() {
			t.Errorf("SetComponent(%q, %q, %q) = %v, %v; want href %q", c.Href, c.Setter, c.NewValue, comps, ok, u.Href())
			bad = true
		}
		if !bad {
			passed++
		}
	}
	t.Logf("setters_tests: %d/%d cases pass", passed, len(cases))
}

func TestSetHrefInvalid(t *testing.T) {
	u, _ := Parse("https://example.com/a", nil)
	if err := u.SetHref("not a url"); err == nil {
		t.Fatal("SetHref accepted an invalid URL")
	}
	if u.Href() != "https://example.com/a" {
		t.Fatalf("failed SetHref changed the URL to %q", u.Href())
	}
	if _, ok := SetComponent("https://example.com/", "href", "::"); ok {
		t.Fatal(`SetComponent(href, "::") succeeded`)
	}
	if _, ok := SetComponent("https://example.com/", "nope", "x"); ok {
		t.Fatal("SetComponent accepted an unknown component")
	}
}
