package serve

import "testing"

func TestRouteMatching(t *testing.T) {
	table := map[string][]string{
		"a": {"example.com/*"},
		"b": {"api.example.com/*"},
		"c": {"*.example.com/static/*"},
		"d": {"example.com/exact"},
		"e": {"https://secure.example.com/*"},
		"f": {"*/health"},
		"g": {"*shop.com/*"},
	}
	var rs []Route
	for w, pats := range table {
		for _, p := range pats {
			r, err := ParseRoute(p, w)
			if err != nil {
				t.Fatal(err)
			}
			rs = append(rs, r)
		}
	}
	routes := SortRoutes(rs)
	cases := []struct {
		scheme, host, path, want string
	}{
		{"http", "example.com", "/", "a"},
		{"http", "example.com:8080", "/anything?q=1", "a"},
		{"http", "EXAMPLE.com", "/x", "a"},
		{"http", "api.example.com", "/v1/users", "b"},
		{"http", "api.example.com", "/static/app.js", "b"}, // a full host outranks a wildcard host with a longer path
		{"http", "cdn.example.com", "/static/x.css", "c"},
		{"http", "example.com", "/static/x.css", "a"}, // *.example.com needs a subdomain
		{"http", "cdn.example.com", "/other", ""},
		{"http", "example.com", "/exact", "d"},
		{"http", "example.com", "/exact?x", "a"}, // exact paths include the query
		{"https", "secure.example.com", "/", "e"},
		{"http", "secure.example.com", "/", ""},
		{"http", "anything.test", "/health", "f"},
		{"http", "anything.test", "/health/x", ""},
		{"http", "shop.com", "/", "g"},
		{"http", "myshop.com", "/", "g"}, // a bare * prefix is a plain suffix match
		{"http", "other.org", "/", ""},
	}
	for _, c := range cases {
		got := ""
		if r := routes.Find(c.scheme, c.host, c.path); r != nil {
			got = r.Worker
		}
		if got != c.want {
			t.Errorf("%s://%s%s → %q, want %q", c.scheme, c.host, c.path, got, c.want)
		}
	}
}

func TestRouteOrder(t *testing.T) {
	var rs []Route
	for _, p := range []string{"*/*", "example.com/*", "*.example.com/*", "api.example.com/v1/*", "api.example.com/*"} {
		r, err := ParseRoute(p, p)
		if err != nil {
			t.Fatal(err)
		}
		rs = append(rs, r)
	}
	got := SortRoutes(rs)
	want := []string{"api.example.com/v1/*", "api.example.com/*", "example.com/*", "*.example.com/*", "*/*"}
	for i := range want {
		if got[i].Pattern != want[i] {
			t.Fatalf("order = %v, want %v", patterns(got), want)
		}
	}
}

func patterns(rs Routes) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Pattern)
	}
	return out
}

func TestRouteErrors(t *testing.T) {
	for _, p := range []string{"", "example.com/a*b", "ex*ample.com/*", "example.com/?q=1", "ftp://example.com/*", "/path"} {
		if _, err := ParseRoute(p, "w"); err == nil {
			t.Errorf("ParseRoute(%q) accepted a bad pattern", p)
		}
	}
}
