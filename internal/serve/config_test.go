package serve

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func parse(t *testing.T, text string, env map[string]string) (*Config, error) {
	t.Helper()
	dir := t.TempDir()
	os.MkdirAll(filepath.Join(dir, "api"), 0o755)
	return ParseConfig(filepath.Join(dir, "outpost.toml"), text, func(k string) string { return env[k] })
}

func TestConfigDefaultsAndOverrides(t *testing.T) {
	c, err := parse(t, `
listen = "0.0.0.0:8080"
instances = 3
[admin]
token_env = "MY_TOKEN"
[limits]
cpu_ms = 100
request_body = "10MB"
[[workers]]
name = "api"
dir = "api"
routes = ["api.example.com/*"]
instances = 2
limits = { memory = "64 MiB" }
vars = { SECRET = "s" }
origin = "http://127.0.0.1:9000"
[[workers]]
name = "uploaded"
`, map[string]string{"MY_TOKEN": "0123456789abcdef0123", "OUTPOST_KV_URL": "postgres://kv/db"})
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "0.0.0.0:8080" || c.Admin.Token != "0123456789abcdef0123" || c.Admin.Listen != "127.0.0.1:8788" {
		t.Errorf("listen/admin = %q %+v", c.Listen, c.Admin)
	}
	if c.KV.URL != "postgres://kv/db" || c.Deployments.URL != "" || c.Deployments.Poll != 2*time.Second || c.ShutdownTimeout != 30*time.Second {
		t.Errorf("kv/deployments = %+v %+v %s", c.KV, c.Deployments, c.ShutdownTimeout)
	}
	if c.DiscardCodeAfter != DefaultDiscardCodeAfter {
		t.Errorf("discard_code_after = %s, want the default", c.DiscardCodeAfter)
	}
	for raw, want := range map[string]time.Duration{"never": 0, "5m": 5 * time.Minute} {
		if c, err := parse(t, `discard_code_after = "`+raw+`"`, nil); err != nil || c.DiscardCodeAfter != want {
			t.Errorf("discard_code_after = %q: %v, %v", raw, c.DiscardCodeAfter, err)
		}
	}
	if !filepath.IsAbs(c.StateDir) || !strings.HasSuffix(c.StateDir, filepath.Join(".outpost", "state")) {
		t.Errorf("state dir = %q", c.StateDir)
	}
	api := c.Worker("api")
	if api == nil || api.Instances != 2 || !filepath.IsAbs(api.Dir) || len(api.Routes) != 1 || api.Vars["SECRET"] != "s" || api.Origin == "" {
		t.Fatalf("api = %+v", api)
	}
	// Worker limits inherit the server's and override field by field.
	if api.Limits.CPU != 100*time.Millisecond || api.Limits.RequestBody != 10<<20 || api.Limits.Memory != 64<<20 {
		t.Errorf("api limits = %+v", api.Limits)
	}
	up := c.Worker("uploaded")
	if up.Instances != 3 || up.Dir != "" || up.Limits.Memory != DefaultMemory || up.Limits.CPU != 100*time.Millisecond {
		t.Errorf("uploaded = %+v", up)
	}
}

// start_instances applies to every worker unless the worker sets its own.
func TestConfigStartInstances(t *testing.T) {
	c, err := parse(t, `
[[workers]]
name = "a"
[[workers]]
name = "b"
start_instances = "on_request"
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.StartOnRequest || c.Worker("a").StartOnRequest || !c.Worker("b").StartOnRequest {
		t.Errorf("default on_deploy with b on_request: server %v, a %v, b %v", c.StartOnRequest, c.Worker("a").StartOnRequest, c.Worker("b").StartOnRequest)
	}
	c, err = parse(t, `
start_instances = "on_request"
[[workers]]
name = "a"
[[workers]]
name = "b"
start_instances = "on_deploy"
`, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !c.StartOnRequest || !c.Worker("a").StartOnRequest || c.Worker("b").StartOnRequest {
		t.Errorf("on_request with b on_deploy: server %v, a %v, b %v", c.StartOnRequest, c.Worker("a").StartOnRequest, c.Worker("b").StartOnRequest)
	}
}

func TestConfigErrorsNameFileAndField(t *testing.T) {
	cases := map[string]string{
		`listen = "x"
unknown_thing = 1`: `unknown field "unknown_thing"`,
		`[[workers]]
name = "a b"`: `workers[0].name: "a b" is not a valid worker name`,
		`[[workers]]
name = "a"
[[workers]]
name = "a"`: `workers[1].name: "a" is already the name of workers[0]`,
		`[[workers]]
name = "a"
routes = ["example.com/a*b"]`: `workers[0].routes[0]: route "example.com/a*b" for "a" contains a wildcard in the middle`,
		`[[workers]]
name = "a"
dir = "missing"`: `workers[0].dir: `,
		`[limits]
memory = "lots"`: `limits.memory: "lots" is not a size`,
		`[[workers]]
name = "a"
limits = { cpu_ms = -1 }`: `workers[0].limits.cpu_ms: must be positive`,
		`[admin]
token = "short"`: `admin.token: must be at least 16 characters`,
		`[admin]
token_env = "NOPE"`: `admin.token_env: the environment variable NOPE is empty`,
		`[deployments]
url = "mysql://u:secret@h/db"`: `deployments.url: expected a postgres:// URL, got "mysql://u:***@h/db"`,
		`shutdown_timeout = "soon"`: `shutdown_timeout: "soon" is not a duration`,
		`discard_code_after = "0s"`: `discard_code_after: "0s" is not a duration (write e.g. 30s or 2m) (or "never")`,
		`drain_delay = "-1s"`:       `drain_delay: "-1s" is not a duration`,
		`start_instances = "lazy"`:  `start_instances: expected "on_deploy" or "on_request", got "lazy"`,
		`[[workers]]
name = "a"
start_instances = "later"`: `workers[0].start_instances: expected "on_deploy" or "on_request", got "later"`,
		`[[workers]]
name = "a"
origin = "ftp://x"`: `workers[0].origin: expected an http(s) URL`,
		`listen = [`: `outpost.toml`,
		`[security]
trusted_proxies = ["10.0.0.0/8", "lb.internal"]`: `security.trusted_proxies[1]: "lb.internal" is not an address or CIDR range`,
		`[security]
cloudflare_proxies = ["cf"]`: `security.cloudflare_proxies[0]: "cf" is not an address`,
		// Values that used to wrap around into "no limit".
		`[limits]
request_body = "99999999999G"`: `limits.request_body: "99999999999G" is too large`,
		`[limits]
memory = 9223372036854775807`: `limits.memory: 9223372036854775807 is too large`,
		`[limits]
cpu_ms = 9223372036854775807`: `limits.cpu_ms: 9223372036854775807 is too large`,
		`[[workers]]
name = "a"
limits = { wall_ms = 99999999999 }`: `workers[0].limits.wall_ms: 99999999999 is too large`,
		`shutdown_timeout = "9999999h"`: `shutdown_timeout: "9999999h" is not a duration`,
		`[http]
idle_timeout = "0s"`: `http.idle_timeout: "0s" is not a duration`,
		`[http]
max_connections = -5`: `http.max_connections: -5 is out of range`,
		`[http]
nonsense = 1`: `unknown field "http.nonsense"`,
		`[http]
compress = "off"`: `http.compress: must be true or false, not "off"`,
	}
	for text, want := range cases {
		_, err := parse(t, text, nil)
		if err == nil {
			t.Errorf("accepted:\n%s", text)
			continue
		}
		if !strings.Contains(err.Error(), "outpost.toml") || !strings.Contains(err.Error(), want) {
			t.Errorf("error for\n%s\n= %v\nwant it to name the file and contain %q", text, err, want)
		}
	}
}

func TestParseSize(t *testing.T) {
	for in, want := range map[any]int64{int64(512): 512, "1KB": 1024, "100MB": 100 << 20, "128 MiB": 128 << 20, "2g": 2 << 30, "4096": 4096} {
		got, err := parseSize(in)
		if err != nil || got != want {
			t.Errorf("parseSize(%v) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, bad := range []any{"", "MB", "-1MB", int64(0), 1.5, "1TB"} {
		if _, err := parseSize(bad); err == nil {
			t.Errorf("parseSize(%v) accepted", bad)
		}
	}
}

func TestConfigCompress(t *testing.T) {
	c, err := parse(t, "", nil)
	if err != nil || c.HTTP.DisableCompression {
		t.Fatalf("default: %+v, %v; want compression on", c, err)
	}
	c, err = parse(t, "[http]\ncompress = false\n", nil)
	if err != nil || !c.HTTP.DisableCompression {
		t.Fatalf("compress = false: %+v, %v", c, err)
	}
}
