package config

import (
	"strings"
	"testing"
)

func TestNodeModuleFlags(t *testing.T) {
	cases := []struct {
		date    string
		flags   []string
		module  string
		on      bool
		flag    string
		httpSrv bool
	}{
		{"2024-09-22", nil, "zlib", false, "nodejs_zlib", false},
		{"2024-09-23", nil, "zlib", true, "nodejs_zlib", false},
		{"2024-01-01", []string{"nodejs_zlib"}, "zlib", true, "nodejs_zlib", false},
		{"2025-01-01", []string{"no_nodejs_zlib"}, "zlib", false, "nodejs_zlib", false},
		{"2025-09-14", nil, "os", false, "enable_nodejs_os_module", true},
		{"2025-08-31", nil, "os", false, "enable_nodejs_os_module", false},
		{"2025-09-15", nil, "os", true, "enable_nodejs_os_module", true},
		{"2025-09-15", []string{"disable_nodejs_fs_module"}, "fs", false, "enable_nodejs_fs_module", true},
		{"2025-08-15", nil, "http", true, "enable_nodejs_http_modules", false},
		{"2025-08-14", []string{"enable_nodejs_http_modules", "enable_nodejs_http_server_modules"}, "https", true, "enable_nodejs_http_modules", true},
		{"2020-01-01", nil, "stream", true, "", false},
		{"", nil, "fs", true, "enable_nodejs_fs_module", true}, // no date: today
	}
	for _, c := range cases {
		cfg := &Config{CompatibilityDate: c.date, CompatibilityFlags: append([]string{"nodejs_compat"}, c.flags...)}
		flag, on := cfg.NodeModuleFlag(c.module)
		if on != c.on || flag != c.flag {
			t.Errorf("%s %v: NodeModuleFlag(%q) = %q, %v; want %q, %v", c.date, c.flags, c.module, flag, on, c.flag, c.on)
		}
		if got := cfg.NodeHTTPServer(); got != c.httpSrv {
			t.Errorf("%s %v: NodeHTTPServer() = %v, want %v", c.date, c.flags, got, c.httpSrv)
		}
	}
}

func TestHyperdriveBindings(t *testing.T) {
	c := &Config{Hyperdrive: []HyperdriveBinding{
		{Binding: "DB", ID: "x", LocalConnectionString: "postgres://app:s3cret@db.internal:6543/shop?sslmode=disable"},
		{Binding: "NONE", ID: "y"},
		{Binding: "BAD", LocalConnectionString: "not a url"},
	}}
	got := c.HyperdriveBindings()
	db := got["DB"]
	if db["__kind"] != "hyperdrive" || db["host"] != "db.internal" || db["port"] != 6543 || db["user"] != "app" ||
		db["password"] != "s3cret" || db["database"] != "shop" || db["connectionString"] != c.Hyperdrive[0].LocalConnectionString {
		t.Errorf("DB = %v", db)
	}
	if e, _ := got["NONE"]["error"].(string); !strings.Contains(e, "CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_NONE") {
		t.Errorf("NONE = %v", got["NONE"])
	}
	if _, ok := got["BAD"]["error"]; !ok {
		t.Errorf("BAD = %v", got["BAD"])
	}
	t.Setenv("CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_NONE", "postgresql://u@h/d")
	if n := c.HyperdriveBindings()["NONE"]; n["host"] != "h" || n["port"] != 5432 || n["database"] != "d" {
		t.Errorf("NONE from the environment = %v", n)
	}
}
