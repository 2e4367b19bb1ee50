package kvcli

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/kv"
	"github.com/outpost-dev/outpost/internal/kv/sqlite"
)

var now = time.Unix(1_750_000_000, 0)

type fixture struct {
	store  *sqlite.Store
	stdout bytes.Buffer
	stdin  string
	dir    string
}

func newFixture(t *testing.T) *fixture {
	dir := t.TempDir()
	s, err := sqlite.OpenStateDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return &fixture{store: s, dir: dir}
}

func (f *fixture) run(args ...string) error {
	f.stdout.Reset()
	return Run(args, CLIEnv{
		Stdin:  strings.NewReader(f.stdin),
		Stdout: &f.stdout,
		Store:  f.store,
		ResolveBinding: func(b string) (string, error) {
			if b == "MY_KV" {
				return "ns-1", nil
			}
			return "", errors.New(`no kv_namespaces entry has binding "` + b + `" in wrangler.toml`)
		},
		Namespaces: []NamespaceInfo{{Binding: "MY_KV", ID: "ns-1"}},
		Now:        func() time.Time { return now },
	})
}

func (f *fixture) mustRun(t *testing.T, args ...string) string {
	t.Helper()
	if err := f.run(args...); err != nil {
		t.Fatalf("outpost kv %s: %v", strings.Join(args, " "), err)
	}
	return f.stdout.String()
}

func (f *fixture) get(t *testing.T, ns, key string) kv.GetResult {
	t.Helper()
	r, err := kv.New(f.store, kv.Options{Now: func() time.Time { return now }}).Namespace(ns).Get(t.Context(), key, kv.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func (f *fixture) file(t *testing.T, name, content string) string {
	p := filepath.Join(f.dir, name)
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestKeyPutGetDeleteList(t *testing.T) {
	f := newFixture(t)
	f.mustRun(t, "key", "put", "greeting", "hello", "--binding", "MY_KV")
	if out := f.mustRun(t, "key", "get", "--binding=MY_KV", "greeting"); out != "hello" {
		t.Fatalf("get = %q", out)
	}
	// Same namespace by id; options after and before the key.
	f.mustRun(t, "key", "put", "--namespace-id", "ns-1", "meta", "v", "--ttl", "120", "--metadata", `{ "a" : 1 }`)
	r := f.get(t, "ns-1", "meta")
	if r.Expiration != now.Unix()+120 || string(r.Metadata) != `{"a":1}` {
		t.Fatalf("meta = %+v", r)
	}
	f.mustRun(t, "key", "put", "abs", "v", "--binding", "MY_KV", "--expiration", "1750003600")
	if r := f.get(t, "ns-1", "abs"); r.Expiration != 1750003600 {
		t.Fatalf("expiration = %d", r.Expiration)
	}
	// From a file, and from standard input (binary-safe).
	bin := string([]byte{0, 1, 2, 255})
	f.mustRun(t, "key", "put", "file", "--path", f.file(t, "v.bin", bin), "--binding", "MY_KV")
	f.stdin = "from stdin"
	f.mustRun(t, "key", "put", "stdin", "--binding", "MY_KV")
	if r := f.get(t, "ns-1", "file"); string(r.Value) != bin {
		t.Fatalf("file = %q", r.Value)
	}
	if r := f.get(t, "ns-1", "stdin"); string(r.Value) != "from stdin" {
		t.Fatalf("stdin = %q", r.Value)
	}
	f.stdin = ""
	f.mustRun(t, "key", "put", "empty", "--binding", "MY_KV")
	if r := f.get(t, "ns-1", "empty"); !r.Found || len(r.Value) != 0 {
		t.Fatalf("empty = %+v", r)
	}

	var keys []map[string]any
	if err := json.Unmarshal([]byte(f.mustRun(t, "key", "list", "--binding", "MY_KV")), &keys); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range keys {
		names = append(names, k["name"].(string))
	}
	if got := strings.Join(names, ","); got != "abs,empty,file,greeting,meta,stdin" {
		t.Fatalf("list = %s", got)
	}
	if _, has := keys[3]["expiration"]; has {
		t.Errorf("a key without expiration lists one: %v", keys[3])
	}
	out := f.mustRun(t, "key", "list", "--binding", "MY_KV", "--prefix", "me")
	if !strings.Contains(out, `"name": "meta"`) || !strings.Contains(out, `"metadata": {`) || strings.Contains(out, "greeting") {
		t.Fatalf("list --prefix me = %s", out)
	}

	f.mustRun(t, "key", "delete", "greeting", "--binding", "MY_KV")
	if f.get(t, "ns-1", "greeting").Found {
		t.Fatal("delete did not delete")
	}
	err := f.run("key", "get", "greeting", "--binding", "MY_KV")
	if err == nil || !strings.Contains(err.Error(), `key "greeting" not found in namespace ns-1`) {
		t.Fatalf("get missing: %v", err)
	}
}

func TestKeyListAllPages(t *testing.T) {
	f := newFixture(t)
	ns := kv.New(f.store, kv.Options{}).Namespace("ns-1")
	for i := range 1205 {
		if err := ns.Put(t.Context(), fmt.Sprintf("key-%05d", i), nil, kv.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	var keys []kv.Key
	if err := json.Unmarshal([]byte(f.mustRun(t, "key", "list", "--binding", "MY_KV")), &keys); err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1205 {
		t.Fatalf("listed %d keys, want 1205", len(keys))
	}
}

func TestNamespaceList(t *testing.T) {
	f := newFixture(t)
	out := f.mustRun(t, "namespace", "list")
	if !strings.Contains(out, `"binding": "MY_KV"`) || !strings.Contains(out, `"id": "ns-1"`) {
		t.Fatalf("namespace list = %s", out)
	}
}

func TestKVLimitsApply(t *testing.T) {
	f := newFixture(t)
	err := f.run("key", "put", "k", "v", "--binding", "MY_KV", "--ttl", "30")
	if err == nil || !strings.Contains(err.Error(), "KV PUT failed: 400 Invalid expiration_ttl of 30. Expiration TTL must be at least 60.") {
		t.Fatalf("ttl 30: %v", err)
	}
	err = f.run("key", "put", strings.Repeat("k", 513), "v", "--binding", "MY_KV")
	if err == nil || !strings.Contains(err.Error(), "exceeds key length limit of 512") {
		t.Fatalf("long key: %v", err)
	}
}

func TestUsageErrors(t *testing.T) {
	f := newFixture(t)
	valueFile := f.file(t, "v.txt", "x")
	cases := []struct {
		args []string
		want string
	}{
		{nil, "missing command"},
		{[]string{"key"}, "outpost kv key: missing subcommand"},
		{[]string{"key", "rename"}, `unknown command "key rename"`},
		{[]string{"key", "put", "--binding", "MY_KV"}, "missing <key>"},
		{[]string{"key", "put", "k", "v"}, "give --binding NAME or --namespace-id ID"},
		{[]string{"key", "put", "k", "v", "--binding", "MY_KV", "--namespace-id", "x"}, "not both"},
		{[]string{"key", "put", "k", "v", "--binding", "MY_KV", "--path", valueFile}, "as an argument or with --path, not both"},
		{[]string{"key", "put", "k", "v", "--binding", "MY_KV", "--ttl", "soon"}, `--ttl must be a whole number of seconds, not "soon"`},
		{[]string{"key", "put", "k", "v", "--binding", "MY_KV", "--metadata", "{nope"}, "--metadata is not valid JSON"},
		{[]string{"key", "put", "k", "v", "--binding"}, "--binding needs a value"},
		{[]string{"key", "put", "k", "v", "--bindings", "MY_KV"}, "unknown flag --bindings"},
		{[]string{"key", "get", "a", "b", "--binding", "MY_KV"}, `unexpected argument "b"`},
		{[]string{"key", "list", "--binding", "MY_KV", "extra"}, `unexpected argument "extra"`},
		{[]string{"namespace", "list", "--binding", "X"}, "this command takes no flags"},
		{[]string{"bulk", "put", "--binding", "MY_KV"}, "missing <FILE.json>"},
	}
	for _, c := range cases {
		err := f.run(c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) || !IsUsage(err) {
			t.Errorf("%q: error = %v, want usage error containing %q", c.args, err, c.want)
		}
	}
	err := f.run("key", "get", "k", "--binding", "OTHER")
	if err == nil || IsUsage(err) || !strings.Contains(err.Error(), `--binding OTHER: no kv_namespaces entry has binding "OTHER"`) {
		t.Errorf("unknown binding: %v", err)
	}
	err = f.run("key", "put", "k", "--path", filepath.Join(f.dir, "missing.txt"), "--binding", "MY_KV")
	if err == nil || !strings.Contains(err.Error(), "missing.txt") {
		t.Errorf("missing --path file: %v", err)
	}
}

func TestBulkPutAndDelete(t *testing.T) {
	f := newFixture(t)
	file := f.file(t, "bulk.json", `[
		{"key": "plain", "value": "v1"},
		{"key": "b64", "value": "AAH/", "base64": true},
		{"key": "ttl", "value": "v", "expiration_ttl": 3600, "metadata": {"tag": "x"}},
		{"key": "exp", "value": "v", "expiration": 1750009999},
		{"key": "empty", "value": ""}
	]`)
	if out := f.mustRun(t, "bulk", "put", file, "--binding", "MY_KV"); !strings.Contains(out, "Wrote 5 key-value pairs") {
		t.Fatalf("bulk put said %q", out)
	}
	if r := f.get(t, "ns-1", "b64"); !bytes.Equal(r.Value, []byte{0, 1, 255}) {
		t.Errorf("b64 = %v", r.Value)
	}
	if r := f.get(t, "ns-1", "ttl"); r.Expiration != now.Unix()+3600 || string(r.Metadata) != `{"tag":"x"}` {
		t.Errorf("ttl = %+v", r)
	}
	if r := f.get(t, "ns-1", "exp"); r.Expiration != 1750009999 {
		t.Errorf("exp = %+v", r)
	}
	if r := f.get(t, "ns-1", "empty"); !r.Found {
		t.Errorf("empty value not stored")
	}
	del := f.file(t, "del.json", `["plain", "b64", {"key": "ttl"}, "never-existed"]`)
	if out := f.mustRun(t, "bulk", "delete", del, "--namespace-id", "ns-1"); !strings.Contains(out, "Deleted 4 keys") {
		t.Fatalf("bulk delete said %q", out)
	}
	for _, k := range []string{"plain", "b64", "ttl"} {
		if f.get(t, "ns-1", k).Found {
			t.Errorf("%s survived bulk delete", k)
		}
	}
	if !f.get(t, "ns-1", "exp").Found {
		t.Error("bulk delete removed a key it did not list")
	}
}

func TestBulkErrorsNameFileAndEntry(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		content, want string
	}{
		{`{"key": "k"}`, "bad.json: expected a JSON array"},
		{`[{"key": "k"}]`, `bad.json: [0]: missing "value"`},
		{`[{"key": "k", "value": "v"}, {"value": "v"}]`, `bad.json: [1]: missing "key"`},
		{`[{"key": 5, "value": "v"}]`, "bad.json: [0].key: expected a string, got 5"},
		{`[{"key": "k", "value": "v", "expiration_ttl": 1.5}]`, "bad.json: [0].expiration_ttl: expected a whole number of seconds, got 1.5"},
		{`[{"key": "k", "value": "v", "expirationTtl": 60}]`, "bad.json: [0].expirationTtl: unknown field"},
		{`[{"key": "k", "value": "%%%", "base64": true}]`, "bad.json: [0].value: \"base64\" is true but the value is not valid base64"},
		{`["k"]`, "bad.json: [0]: expected an object"},
		{`[{"key": "ok", "value": "v"}, {"key": "k", "value": "v", "expiration_ttl": 5}]`, `bad.json: [1] (key "k"): KV PUT failed: 400 Invalid expiration_ttl of 5. Expiration TTL must be at least 60.; the 1 entries before it were written`},
	}
	for _, c := range cases {
		path := f.file(t, "bad.json", c.content)
		err := f.run("bulk", "put", path, "--binding", "MY_KV")
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error = %v\nwant it to contain %q", c.content, err, c.want)
		}
	}
	// Nothing is written when an entry is malformed.
	path := f.file(t, "bad.json", `[{"key": "first", "value": "v"}, {"key": 1}]`)
	if err := f.run("bulk", "put", path, "--binding", "MY_KV"); err == nil {
		t.Fatal("malformed file accepted")
	}
	if f.get(t, "ns-1", "first").Found {
		t.Error("an entry before a malformed one was written")
	}
	path = f.file(t, "del.json", `[1]`)
	if err := f.run("bulk", "delete", path, "--binding", "MY_KV"); err == nil || !strings.Contains(err.Error(), "del.json: [0]: expected a key string") {
		t.Errorf("bulk delete [1]: %v", err)
	}
}
