package config

import (
	"net/url"
	"os"
	"strconv"
	"strings"
)

// HyperdriveBinding is one [[hyperdrive]] entry. Locally, as under wrangler
// dev, the binding points at LocalConnectionString (or the
// CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_<BINDING> environment
// variable) instead of a Hyperdrive configuration.
type HyperdriveBinding struct {
	Binding               string
	ID                    string
	LocalConnectionString string
}

// ConnectionString is the database the binding reaches: the environment
// variable when set (wrangler's precedence), else localConnectionString.
func (h HyperdriveBinding) ConnectionString() string {
	for _, prefix := range []string{"CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_", "WRANGLER_HYPERDRIVE_LOCAL_CONNECTION_STRING_"} {
		if v := os.Getenv(prefix + h.Binding); v != "" {
			return v
		}
	}
	return h.LocalConnectionString
}

// HyperdriveBindings are the runtime binding specs of [[hyperdrive]]: the
// connection string and its parts, or, when none is configured, the
// message the binding gives when used (wrangler's).
func (c *Config) HyperdriveBindings() map[string]map[string]any {
	out := map[string]map[string]any{}
	for _, h := range c.Hyperdrive {
		spec := map[string]any{"__kind": "hyperdrive", "id": h.ID}
		cs := h.ConnectionString()
		u, err := url.Parse(cs)
		switch {
		case cs == "":
			spec["error"] = "When developing locally, you should use a local Postgres connection string to emulate Hyperdrive functionality. " +
				"Please setup Postgres locally and set the value of the 'CLOUDFLARE_HYPERDRIVE_LOCAL_CONNECTION_STRING_" + h.Binding +
				"' variable or \"" + h.Binding + "\"'s \"localConnectionString\" to the Postgres connection string."
		case err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql" && u.Scheme != "mysql") || u.Hostname() == "":
			spec["error"] = "Hyperdrive binding " + h.Binding + ": the connection string must be a postgres:// (or mysql://) URL with a host"
		default:
			port := 5432
			if u.Scheme == "mysql" {
				port = 3306
			}
			if p, err := strconv.Atoi(u.Port()); err == nil {
				port = p
			}
			password, _ := u.User.Password()
			spec["connectionString"] = cs
			spec["host"] = u.Hostname()
			spec["port"] = port
			spec["user"] = u.User.Username()
			spec["password"] = password
			spec["database"] = strings.TrimPrefix(u.Path, "/")
			spec["scheme"] = u.Scheme
		}
		out[h.Binding] = spec
	}
	return out
}
