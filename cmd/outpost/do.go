package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/durable"
	"github.com/outpost-dev/outpost/internal/project"
)

const doUsage = `Usage: outpost do COMMAND BINDING [flags]

Looks at the Durable Objects of the project in the current directory, in
the state 'outpost dev' keeps (.outpost/state/do, or --persist-to):

  outpost do list BINDING                       the namespace's objects: id, size, keys
  outpost do keys BINDING --name N | --id ID    an object's keys (--prefix P)
  outpost do get BINDING --name N | --id ID KEY a stored value, as JSON
  outpost do delete BINDING --name N | --id ID KEY

BINDING is a [[durable_objects.bindings]] name. Values print as JSON, with
the types JSON lacks written as {"$date": …}, {"$map": […]}, {"$bytes": …}.
Stop 'outpost dev' before deleting: a running object keeps its in-memory
copy of what it read.

Flags:
`

func runDO(args []string, stdout, stderr io.Writer) error {
	if len(args) < 2 {
		fmt.Fprint(stderr, doUsage)
		return errUsage
	}
	cmd, binding := args[0], args[1]
	fs := newFlagSet("outpost do "+cmd, doUsage, stderr)
	name := fs.String("name", "", "the object's name (idFromName)")
	id := fs.String("id", "", "the object's id (64 hex digits)")
	prefix := fs.String("prefix", "", "keys: only keys starting with this")
	configPath := fs.String("config", "", "config file (default: wrangler.json, wrangler.jsonc or wrangler.toml)")
	env := fs.String("env", "", "environment from the config's [env.NAME]")
	persistTo := fs.String("persist-to", "", "state directory (default .outpost/state)")
	pos, err := parseInterspersed(fs, args[2:])
	if err != nil {
		return err
	}
	cfg, err := config.Load(config.Options{Dir: ".", ConfigPath: *configPath, Env: *env})
	if err != nil {
		return err
	}
	var ns *config.DurableObjectBinding
	var names []string
	for i, d := range cfg.DurableObjects {
		names = append(names, d.Name)
		if d.Name == binding {
			ns = &cfg.DurableObjects[i]
		}
	}
	if ns == nil {
		return fmt.Errorf("no Durable Object binding %q in %s (bindings: %s)", binding, cfg.Path, strings.Join(names, ", "))
	}
	script := ns.ScriptName
	if script == "" {
		script = cfg.Name
		if script == "" {
			script = filepath.Base(cfg.Dir)
		}
	}
	stateDir, err := project.StateDir(cfg.Dir, *persistTo)
	if err != nil {
		return err
	}
	store := durable.NewStore(filepath.Join(stateDir, "do"))
	defer store.Close()
	namespace := script + "/" + ns.ClassName

	if cmd == "list" {
		files, _ := filepath.Glob(filepath.Join(store.Dir(), script, ns.ClassName, "*.sqlite"))
		sort.Strings(files)
		for _, f := range files {
			oid := strings.TrimSuffix(filepath.Base(f), ".sqlite")
			o, err := store.Object(script, ns.ClassName, oid)
			if err != nil {
				return err
			}
			keys, err := o.Keys()
			if err != nil {
				return err
			}
			fmt.Fprintf(stdout, "%s  %d bytes  %d keys\n", oid, o.Size(), len(keys))
		}
		if len(files) == 0 {
			fmt.Fprintf(stderr, "no objects of %s yet in %s\n", ns.ClassName, store.Dir())
		}
		return nil
	}
	oid := *id
	switch {
	case *name != "" && *id != "":
		return fmt.Errorf("give --name or --id, not both")
	case *name != "":
		oid = durable.IDFromName(namespace, *name)
	case oid == "":
		return fmt.Errorf("outpost do %s: give the object with --name NAME or --id ID", cmd)
	default:
		if err := durable.CheckID(namespace, strings.ToLower(oid)); err != nil {
			return fmt.Errorf("--id: %v", err)
		}
		oid = strings.ToLower(oid)
	}
	path, err := store.Path(script, ns.ClassName, oid)
	if err != nil {
		return err
	}
	if _, err := os.Stat(path); err != nil {
		return fmt.Errorf("the object %s has no storage yet (no %s)", oid, path)
	}
	o, err := store.Object(script, ns.ClassName, oid)
	if err != nil {
		return err
	}
	switch cmd {
	case "keys":
		es, err := o.List(durable.ListOptions{Prefix: *prefix})
		if err != nil {
			return err
		}
		for _, e := range es {
			fmt.Fprintln(stdout, e.Key)
		}
		return nil
	case "get", "delete":
		if len(pos) != 1 {
			return fmt.Errorf("outpost do %s: give one KEY", cmd)
		}
		if cmd == "delete" {
			n, err := o.Delete(pos)
			if err != nil {
				return err
			}
			if n == 0 {
				return fmt.Errorf("no key %q in object %s", pos[0], oid)
			}
			fmt.Fprintf(stdout, "deleted %q\n", pos[0])
			return nil
		}
		es, err := o.Get(pos)
		if err != nil {
			return err
		}
		if len(es) == 0 {
			return fmt.Errorf("no key %q in object %s", pos[0], oid)
		}
		text, err := durable.DescribeValue(es[0].Value)
		if err != nil {
			return fmt.Errorf("key %q: %v", pos[0], err)
		}
		fmt.Fprintln(stdout, text)
		return nil
	}
	fmt.Fprint(stderr, doUsage)
	return errUsage
}
