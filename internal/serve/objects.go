package serve

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"os"
	"time"

	"github.com/outpost-dev/outpost/internal/platform"
)

// DurableObjects is the [durable_objects] table. With a URL, the objects
// live on the fleet of nodes that share it: each object has one owner at
// a time, its storage is in PostgreSQL, and a call for an object another
// node owns is forwarded to that node's listener.
type DurableObjects struct {
	// URL is a postgres:// URL shared by the fleet
	// (OUTPOST_DURABLE_OBJECTS_URL); empty keeps objects on this node.
	URL string
	// Listen is the node-to-node listener for forwarded calls; Advertise
	// is the address the other nodes use to reach it (default Listen).
	Listen, Advertise string
	// Token authenticates the nodes to each other (default: the admin
	// token).
	Token string
	// Lease bounds how soon an object moves when its owner dies.
	Lease time.Duration
	// IdleTimeout evicts an object from memory after this long without
	// requests (default 70 s, as Cloudflare).
	IdleTimeout time.Duration
}

type rawObjects struct {
	URL         string `toml:"url"`
	Listen      string `toml:"listen"`
	Advertise   string `toml:"advertise"`
	Token       string `toml:"token"`
	TokenEnv    string `toml:"token_env"`
	Lease       string `toml:"lease"`
	IdleTimeout string `toml:"idle_timeout"`
}

func (r rawObjects) apply(c *Config, getenv func(string) string, fail func(field, format string, args ...any) error) (DurableObjects, error) {
	d := DurableObjects{URL: r.URL, Listen: r.Listen, Advertise: r.Advertise, Token: r.Token, Lease: 5 * time.Second}
	if u := getenv("OUTPOST_DURABLE_OBJECTS_URL"); u != "" {
		d.URL = u
	}
	for _, dur := range []struct {
		field, raw string
		dst        *time.Duration
	}{{"lease", r.Lease, &d.Lease}, {"idle_timeout", r.IdleTimeout, &d.IdleTimeout}} {
		if dur.raw == "" {
			continue
		}
		v, err := parseDuration(dur.raw)
		if err != nil {
			return d, fail("durable_objects."+dur.field, "%v", err)
		}
		*dur.dst = v
	}
	if d.Lease < time.Second {
		return d, fail("durable_objects.lease", "expected at least 1s, got %s", d.Lease)
	}
	if d.URL == "" {
		if d.Listen != "" || d.Advertise != "" {
			return d, fail("durable_objects.listen", "forwarding between nodes needs durable_objects.url (the fleet's PostgreSQL)")
		}
		return d, nil
	}
	if !isPostgresURL(d.URL) {
		return d, fail("durable_objects.url", "expected a postgres:// URL, got %q", redactURL(d.URL))
	}
	if r.TokenEnv != "" {
		d.Token = getenv(r.TokenEnv)
		if d.Token == "" {
			return d, fail("durable_objects.token_env", "the environment variable %s is empty or not set", r.TokenEnv)
		}
	}
	if d.Token == "" {
		d.Token = c.Admin.Token
	}
	if len(d.Token) < 16 {
		return d, fail("durable_objects.token", "the nodes of a fleet need a shared token of at least 16 characters to forward calls to each other (set durable_objects.token, or admin.token)")
	}
	if d.Listen == "" {
		return d, fail("durable_objects.listen", "a fleet node needs an address where the other nodes forward calls for its objects, such as \"10.0.0.5:8789\"")
	}
	if d.Advertise == "" {
		d.Advertise = d.Listen
	}
	host, port, err := net.SplitHostPort(d.Advertise)
	if err != nil || port == "0" {
		return d, fail("durable_objects.advertise", "expected host:port where the other nodes reach this one, got %q", d.Advertise)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		return d, fail("durable_objects.advertise", "%q is not an address other nodes can reach: set durable_objects.advertise to this node's address", d.Advertise)
	}
	return d, nil
}

// fleetOptions are the platform's settings for a fleet node; nil keeps
// the objects on this node.
func (d DurableObjects) fleetOptions() *platform.ObjectsFleet {
	if d.URL == "" {
		return nil
	}
	return &platform.ObjectsFleet{URL: d.URL, Node: nodeName(), Addr: d.Advertise, Token: d.Token, LeaseTTL: d.Lease}
}

// nodeName names this process in the fleet: the host name and a random
// suffix, since a restarted process must not pass for the one before it.
func nodeName() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "node"
	}
	b := make([]byte, 4)
	rand.Read(b)
	return host + "-" + hex.EncodeToString(b)
}
