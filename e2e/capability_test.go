package e2e

import (
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

const capabilityConfig = `
state_dir = "state"
instances = 1

[[workers]]
name = "victim"
dir = "%DIR%/victim"
routes = ["victim.test/*"]

[[workers]]
name = "attacker"
dir = "%DIR%/attacker"
routes = ["attacker.test/*"]
`

// TestServeBindingsAreCapabilities runs an attacker worker beside a victim
// under outpost serve: no value, symbol, prototype trick, clone or service
// call made from the attacker's KV binding reaches the victim's namespace.
func TestServeBindingsAreCapabilities(t *testing.T) {
	dir := filepath.Join(outposttest.RepoRoot(), "testdata", "capability")
	n := startServe(t, t.TempDir(), strings.ReplaceAll(capabilityConfig, "%DIR%", dir))
	if code, body := n.hostDo("PUT", "victim.test", "/?key=secret", strings.NewReader("the victim's secret")); code != 201 {
		t.Fatalf("victim put: %d %s", code, body)
	}

	code, body := n.hostGet("attacker.test", "/")
	if code != 200 {
		t.Fatalf("attacker: %d %s", code, body)
	}
	type result struct {
		OK    bool            `json:"ok"`
		Value json.RawMessage `json:"value"`
		Error string          `json:"error"`
	}
	var got map[string]result
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatalf("attacker answered %s: %v", body, err)
	}
	if strings.Contains(body, "the victim's secret") {
		t.Errorf("the attacker read the victim's data: %s", body)
	}
	for _, name := range []string{"ownKeys", "symbols"} {
		if r := got[name]; !r.OK || string(r.Value) != "[]" {
			t.Errorf("%s = %s %s, want an empty list", name, r.Value, r.Error)
		}
	}
	if r := got["protoSymbols"]; !r.OK || string(r.Value) != `["Symbol(Symbol.toStringTag)"]` {
		t.Errorf("protoSymbols = %s %s, want only Symbol.toStringTag", r.Value, r.Error)
	}
	// Each forgery fails with a TypeError (structuredClone with a
	// DataCloneError) rather than reaching any namespace.
	for _, name := range []string{"construct", "constructWithHost", "callOnFake", "callOnCreate", "copySymbols", "structuredClone"} {
		r := got[name]
		if r.OK || !(strings.HasPrefix(r.Error, "TypeError") || strings.HasPrefix(r.Error, "DataCloneError")) {
			t.Errorf("%s = %+v, want a TypeError or DataCloneError", name, r)
		}
	}
	if r := got["viaService"]; !r.OK || string(r.Value) != `"200 received [object KvNamespace]"` {
		t.Errorf("viaService = %+v: only bytes may cross a service binding", r)
	}
	if r := got["ownNamespace"]; !r.OK || string(r.Value) != `{"value":null,"keys":[]}` {
		t.Errorf("ownNamespace = %+v", r)
	}
	if r := got["ops"]; !r.OK || string(r.Value) != `"undefined"` {
		t.Errorf("ops = %+v", r)
	}

	// The victim's data is as it was; the attacker's put went to its own
	// namespace.
	if code, body := n.hostGet("victim.test", "/?key=secret"); code != 200 || body != `{"value":"the victim's secret","keys":["secret"]}` {
		t.Errorf("victim after the attack: %d %s", code, body)
	}
}
