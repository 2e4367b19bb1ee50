package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/project"
	"github.com/outpost-dev/outpost/internal/queue/queuecli"
)

const queuesUsageExtra = `
It works on the same state as 'outpost dev' in the current directory. Flags
that pick the project: --config FILE (repeat it, as for 'outpost dev -c a -c b',
to see every worker's queues), --env NAME, --persist-to DIR; with
OUTPOST_QUEUES_URL set, it works on that PostgreSQL database instead.
`

// runQueues runs `outpost queues …` against the project's queue state.
func runQueues(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] == "--help" || args[0] == "-h" || args[0] == "help" {
		fmt.Fprint(stdout, queuecli.Usage+queuesUsageExtra)
		if len(args) == 0 {
			return errUsage
		}
		return nil
	}
	var configs []string
	var rest []string
	for i := 0; i < len(args); i++ {
		switch a := args[i]; {
		case a == "--config" || a == "-c":
			if i+1 >= len(args) {
				return fmt.Errorf("%s needs a value", a)
			}
			configs = append(configs, args[i+1])
			i++
		case strings.HasPrefix(a, "--config="):
			configs = append(configs, strings.TrimPrefix(a, "--config="))
		default:
			rest = append(rest, a)
		}
	}
	rest, picks, err := takeFlags(rest, "--env", "--persist-to")
	if err != nil {
		return err
	}
	if len(configs) == 0 {
		configs = []string{""}
	}
	env := queuecli.Env{Stdout: stdout, Now: time.Now()}
	var stateDir string
	for i, path := range configs {
		cfg, err := config.Load(config.Options{Dir: ".", ConfigPath: path, Env: picks["--env"]})
		if err != nil {
			return err
		}
		if i == 0 {
			if stateDir, err = project.StateDir(cfg.Dir, picks["--persist-to"]); err != nil {
				return err
			}
		}
		name := cfg.Name
		if name == "" {
			name = filepath.Base(cfg.Dir)
		}
		for _, p := range cfg.QueueProducers {
			env.Producers = append(env.Producers, queuecli.Producer{Worker: name, Binding: p.Binding, Queue: p.Queue})
		}
		for _, c := range cfg.QueueConsumers {
			env.Consumers = append(env.Consumers, queuecli.Consumer{Worker: name, Queue: c.Queue, MaxBatchSize: c.MaxBatchSize,
				MaxBatchTimeout: c.MaxBatchTimeout, MaxRetries: c.MaxRetries, DeadLetterQueue: c.DeadLetterQueue,
				MaxConcurrency: c.MaxConcurrency, RetryDelay: c.RetryDelay})
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	store, _, err := platform.OpenQueueStore(ctx, stateDir, os.Getenv("OUTPOST_QUEUES_URL"))
	if err != nil {
		if os.Getenv("OUTPOST_QUEUES_URL") != "" {
			err = fmt.Errorf("OUTPOST_QUEUES_URL: %w", err)
		}
		return err
	}
	defer store.Close()
	env.Store = store
	err = queuecli.Run(ctx, rest, env)
	if queuecli.IsUsage(err) {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	return err
}
