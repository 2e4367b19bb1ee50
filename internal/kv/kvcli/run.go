package kvcli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"github.com/outpost-dev/outpost/internal/kv"
)

// Usage is the help text for `outpost kv`.
const Usage = `usage: outpost kv <command>

  namespace list
  key put <key> [value] (--binding B | --namespace-id ID) [--path FILE] [--ttl SECONDS] [--expiration UNIX_SECONDS] [--metadata JSON]
      the value is the argument, the contents of --path, or standard input
  key get <key> (--binding B | --namespace-id ID)
  key delete <key> (--binding B | --namespace-id ID)
  key list (--binding B | --namespace-id ID) [--prefix P]
  bulk put <FILE.json> (--binding B | --namespace-id ID)
      FILE.json: [{"key": "k", "value": "v", "expiration_ttl": 3600, "metadata": {...}, "base64": false}, ...]
  bulk delete <FILE.json> (--binding B | --namespace-id ID)
      FILE.json: ["k1", "k2", ...]
`

// Run executes one `outpost kv` command line (args after "kv").
func Run(args []string, env CLIEnv) error {
	if env.Now == nil {
		env.Now = time.Now
	}
	if len(args) < 2 {
		if len(args) == 1 && (args[0] == "namespace" || args[0] == "key" || args[0] == "bulk") {
			return usagef("outpost kv %s: missing subcommand\n\n%s", args[0], Usage)
		}
		return usagef("outpost kv: missing command\n\n%s", Usage)
	}
	c := &cli{env: env, ctx: context.Background()}
	cmd, rest := args[0]+" "+args[1], args[2:]
	switch cmd {
	case "namespace list":
		return c.namespaceList(rest)
	case "key put":
		return c.keyPut(rest)
	case "key get":
		return c.keyGet(rest)
	case "key delete":
		return c.keyDelete(rest)
	case "key list":
		return c.keyList(rest)
	case "bulk put":
		return c.bulkPut(rest)
	case "bulk delete":
		return c.bulkDelete(rest)
	}
	return usagef("outpost kv: unknown command %q\n\n%s", cmd, Usage)
}

type cli struct {
	env CLIEnv
	ctx context.Context
}

// namespace resolves --binding or --namespace-id.
func (c *cli) namespace(cmd string, p parsed) (*kv.Namespace, error) {
	binding, byBinding := p.flags["binding"]
	id, byID := p.flags["namespace-id"]
	switch {
	case byBinding && byID:
		return nil, usagef("outpost kv %s: give --binding or --namespace-id, not both", cmd)
	case !byBinding && !byID:
		return nil, usagef("outpost kv %s: which namespace? give --binding NAME or --namespace-id ID", cmd)
	case byBinding:
		if c.env.ResolveBinding == nil {
			return nil, fmt.Errorf("outpost kv %s: --binding %s: no configuration loaded; use --namespace-id", cmd, binding)
		}
		var err error
		if id, err = c.env.ResolveBinding(binding); err != nil {
			return nil, fmt.Errorf("outpost kv %s: --binding %s: %w", cmd, binding, err)
		}
	case id == "":
		return nil, usagef("outpost kv %s: --namespace-id is empty", cmd)
	}
	k := kv.New(c.env.Store, kv.Options{Now: c.env.Now, CacheBytes: -1})
	return k.Namespace(id), nil
}

func (c *cli) namespaceList(args []string) error {
	p, err := parseArgs(args)
	if err != nil {
		return err
	}
	if len(p.pos) > 0 {
		return usagef("outpost kv namespace list: unexpected argument %q", p.pos[0])
	}
	list := c.env.Namespaces
	if list == nil {
		list = []NamespaceInfo{}
	}
	return writeJSON(c.env.Stdout, list)
}

// oneArg checks that exactly one positional argument, called what, was given.
func oneArg(cmd, what string, p parsed) (string, error) {
	if len(p.pos) == 0 {
		return "", usagef("outpost kv %s: missing <%s>", cmd, what)
	}
	if len(p.pos) > 1 {
		return "", usagef("outpost kv %s: unexpected argument %q after <%s>", cmd, p.pos[1], what)
	}
	return p.pos[0], nil
}

func (c *cli) keyPut(args []string) error {
	const cmd = "key put"
	p, err := parseArgs(args, "binding", "namespace-id", "path", "ttl", "expiration", "metadata")
	if err != nil {
		return err
	}
	if len(p.pos) == 0 {
		return usagef("outpost kv %s: missing <key>", cmd)
	}
	if len(p.pos) > 2 {
		return usagef("outpost kv %s: unexpected argument %q after <key> [value]", cmd, p.pos[2])
	}
	ns, err := c.namespace(cmd, p)
	if err != nil {
		return err
	}
	var o kv.PutOptions
	if o.ExpirationTTL, err = intFlag(cmd, p, "ttl"); err != nil {
		return err
	}
	if o.Expiration, err = intFlag(cmd, p, "expiration"); err != nil {
		return err
	}
	if md, ok := p.flags["metadata"]; ok {
		if !json.Valid([]byte(md)) {
			return usagef("outpost kv %s: --metadata is not valid JSON: %s", cmd, md)
		}
		o.Metadata = compactJSON([]byte(md))
	}
	var value []byte
	switch path, hasPath := p.flags["path"]; {
	case hasPath && len(p.pos) == 2:
		return usagef("outpost kv %s: give the value as an argument or with --path, not both", cmd)
	case hasPath:
		if value, err = os.ReadFile(path); err != nil {
			return fmt.Errorf("outpost kv %s: --path: %w", cmd, err)
		}
	case len(p.pos) == 2:
		value = []byte(p.pos[1])
	default:
		if c.env.Stdin == nil {
			return usagef("outpost kv %s: no value: give it as an argument, with --path FILE, or on standard input", cmd)
		}
		if value, err = io.ReadAll(c.env.Stdin); err != nil {
			return fmt.Errorf("outpost kv %s: reading the value from standard input: %w", cmd, err)
		}
	}
	if err := ns.Put(c.ctx, p.pos[0], value, o); err != nil {
		return fmt.Errorf("outpost kv %s %q: %w", cmd, p.pos[0], err)
	}
	fmt.Fprintf(c.env.Stdout, "Wrote %d bytes to key %q in namespace %s.\n", len(value), p.pos[0], ns.ID())
	return nil
}

func intFlag(cmd string, p parsed, name string) (*int64, error) {
	s, ok := p.flags[name]
	if !ok {
		return nil, nil
	}
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return nil, usagef("outpost kv %s: --%s must be a whole number of seconds, not %q", cmd, name, s)
	}
	return &v, nil
}

// keyInput parses the flags and the key argument of `key get|delete`.
func (c *cli) keyInput(cmd string, args []string) (*kv.Namespace, string, error) {
	p, err := parseArgs(args, "binding", "namespace-id")
	if err != nil {
		return nil, "", err
	}
	key, err := oneArg(cmd, "key", p)
	if err != nil {
		return nil, "", err
	}
	ns, err := c.namespace(cmd, p)
	if err != nil {
		return nil, "", err
	}
	return ns, key, nil
}

func (c *cli) keyGet(args []string) error {
	const cmd = "key get"
	ns, key, err := c.keyInput(cmd, args)
	if err != nil {
		return err
	}
	r, err := ns.Get(c.ctx, key, kv.GetOptions{})
	if err != nil {
		return fmt.Errorf("outpost kv %s %q: %w", cmd, key, err)
	}
	if !r.Found {
		return fmt.Errorf("outpost kv %s: key %q not found in namespace %s", cmd, key, ns.ID())
	}
	_, err = c.env.Stdout.Write(r.Value)
	return err
}

func (c *cli) keyDelete(args []string) error {
	const cmd = "key delete"
	ns, key, err := c.keyInput(cmd, args)
	if err != nil {
		return err
	}
	if err := ns.Delete(c.ctx, key); err != nil {
		return fmt.Errorf("outpost kv %s %q: %w", cmd, key, err)
	}
	fmt.Fprintf(c.env.Stdout, "Deleted key %q from namespace %s.\n", key, ns.ID())
	return nil
}

// keyList prints every key (all pages) as one JSON array, like wrangler.
func (c *cli) keyList(args []string) error {
	const cmd = "key list"
	p, err := parseArgs(args, "binding", "namespace-id", "prefix")
	if err != nil {
		return err
	}
	if len(p.pos) > 0 {
		return usagef("outpost kv %s: unexpected argument %q", cmd, p.pos[0])
	}
	ns, err := c.namespace(cmd, p)
	if err != nil {
		return err
	}
	keys := []kv.Key{}
	cursor := ""
	for {
		r, err := ns.List(c.ctx, kv.ListOptions{Prefix: p.flags["prefix"], Cursor: cursor})
		if err != nil {
			return fmt.Errorf("outpost kv %s: %w", cmd, err)
		}
		keys = append(keys, r.Keys...)
		if r.ListComplete {
			break
		}
		cursor = r.Cursor
	}
	return writeJSON(c.env.Stdout, keys)
}

func writeJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if err := json.Compact(&buf, b); err != nil {
		return b
	}
	return buf.Bytes()
}
