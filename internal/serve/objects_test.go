package serve

import (
	"strings"
	"testing"
	"time"
)

func TestConfigDurableObjects(t *testing.T) {
	c, err := parse(t, `
[admin]
token = "0123456789abcdef0123"
[durable_objects]
listen = "10.0.0.5:8789"
lease = "2s"
idle_timeout = "90s"
`, map[string]string{"OUTPOST_DURABLE_OBJECTS_URL": "postgres://do/db"})
	if err != nil {
		t.Fatal(err)
	}
	d := c.DurableObjects
	if d.URL != "postgres://do/db" || d.Advertise != "10.0.0.5:8789" || d.Token != "0123456789abcdef0123" || d.Lease != 2*time.Second || d.IdleTimeout != 90*time.Second {
		t.Errorf("durable_objects = %+v", d)
	}
	f := d.fleetOptions()
	if f == nil || f.Addr != "10.0.0.5:8789" || f.Node == "" || f.Node == d.fleetOptions().Node {
		t.Errorf("fleet options = %+v (a node name is unique per process)", f)
	}

	// One node: no fleet, the idle timeout still applies.
	c, err = parse(t, "[durable_objects]\nidle_timeout = \"1s\"\n", nil)
	if err != nil || c.DurableObjects.fleetOptions() != nil || c.DurableObjects.IdleTimeout != time.Second {
		t.Errorf("one node: %+v %v", c, err)
	}

	for _, bad := range []struct{ text, want string }{
		{"[durable_objects]\nurl = \"mysql://x\"\n", "durable_objects.url: expected a postgres:// URL"},
		{"[durable_objects]\nurl = \"postgres://x\"\nlisten = \"10.0.0.5:1\"\n", "durable_objects.token: the nodes of a fleet need a shared token"},
		{"[durable_objects]\nurl = \"postgres://x\"\ntoken = \"0123456789abcdef\"\n", "durable_objects.listen: a fleet node needs an address"},
		{"[durable_objects]\nurl = \"postgres://x\"\ntoken = \"0123456789abcdef\"\nlisten = \"0.0.0.0:8789\"\n", "durable_objects.advertise: \"0.0.0.0:8789\" is not an address other nodes can reach"},
		{"[durable_objects]\nlisten = \"10.0.0.5:1\"\n", "durable_objects.listen: forwarding between nodes needs durable_objects.url"},
		{"[durable_objects]\nlease = \"100ms\"\n", "durable_objects.lease: expected at least 1s"},
		{"[durable_objects]\nidle_timeout = \"soon\"\n", "durable_objects.idle_timeout: \"soon\" is not a duration"},
		{"[durable_objects]\nurl = \"postgres://x\"\ntoken_env = \"NOPE\"\n", "durable_objects.token_env: the environment variable NOPE is empty"},
	} {
		_, err := parse(t, bad.text, nil)
		if err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("%q: error %v, want %q", bad.text, err, bad.want)
		}
	}
}
