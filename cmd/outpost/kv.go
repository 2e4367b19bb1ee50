package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/kv/kvcli"
	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/project"
)

const kvUsageExtra = `
It works on the same state as 'outpost dev' in the current directory. Flags
that pick the project: --config FILE, --env NAME, --persist-to DIR; with
OUTPOST_KV_URL set, it works on that PostgreSQL database instead.
A running dev server sees writes made here within 60 seconds (KV's cacheTtl).
`

// runKV runs `outpost kv …` against the project's local KV state.
func runKV(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(stdout, kvcli.Usage+kvUsageExtra)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	rest, picks, err := takeFlags(args, "--config", "--env", "--persist-to")
	if err != nil {
		return err
	}
	cfg, err := config.Load(config.Options{Dir: ".", ConfigPath: picks["--config"], Env: picks["--env"]})
	if err != nil {
		return err
	}
	stateDir, err := project.StateDir(cfg.Dir, picks["--persist-to"])
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, _, err := platform.OpenKVStore(ctx, stateDir, os.Getenv("OUTPOST_KV_URL"))
	if err != nil {
		if os.Getenv("OUTPOST_KV_URL") != "" {
			err = fmt.Errorf("OUTPOST_KV_URL: %w", err)
		}
		return err
	}
	defer store.Close()
	var namespaces []kvcli.NamespaceInfo
	for _, ns := range cfg.KVNamespaces {
		namespaces = append(namespaces, kvcli.NamespaceInfo{Binding: ns.Binding, ID: platform.KVNamespaceID(ns)})
	}
	err = kvcli.Run(rest, kvcli.CLIEnv{
		Stdin:      stdin,
		Stdout:     stdout,
		Store:      store,
		Namespaces: namespaces,
		ResolveBinding: func(binding string) (string, error) {
			var names []string
			for _, ns := range namespaces {
				if ns.Binding == binding {
					return ns.ID, nil
				}
				names = append(names, ns.Binding)
			}
			if len(names) == 0 {
				return "", fmt.Errorf("%s has no kv_namespaces; use --namespace-id", cfg.Path)
			}
			return "", fmt.Errorf("no KV binding %q in %s (bindings: %s)", binding, cfg.Path, strings.Join(names, ", "))
		},
	})
	if kvcli.IsUsage(err) {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	return err
}

// takeFlags removes the named "--flag value" / "--flag=value" pairs from args.
func takeFlags(args []string, names ...string) ([]string, map[string]string, error) {
	picks := map[string]string{}
	var rest []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		matched := false
		for _, n := range names {
			if a == n {
				if i+1 >= len(args) {
					return nil, nil, fmt.Errorf("%s needs a value", n)
				}
				picks[n] = args[i+1]
				i++
				matched = true
			} else if strings.HasPrefix(a, n+"=") {
				picks[n] = strings.TrimPrefix(a, n+"=")
				matched = true
			}
		}
		if !matched {
			rest = append(rest, a)
		}
	}
	return rest, picks, nil
}
