// Command outpost runs Cloudflare Workers projects on your own machines.
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "0.1.0-dev"

const usage = `Outpost runs Cloudflare Workers projects on your own machines.

Usage:
  outpost dev [DIR] [flags]      run a project locally, reloading on save
  outpost serve [--config FILE]  run many workers in production (outpost.toml)
  outpost deploy [DIR]           upload a project to a running outpost serve
  outpost rollback [WORKER]      restore an earlier deployed version
  outpost tail [WORKER]          stream a served worker's logs and exceptions
  outpost kv ...                 read and write KV namespaces (outpost kv --help)
  outpost r2 ...                 manage R2 buckets and objects (outpost r2 --help)
  outpost queues ...             look at queues: backlog, dead letters (outpost queues --help)
  outpost cache purge ...        purge the Cache API of a running dev server
  outpost cron trigger ...       fire a scheduled event on a running dev server
  outpost do list|keys|get|delete  look at the Durable Objects of the project (outpost do --help)
  outpost types [PATH]           write worker-configuration.d.ts: the Env interface of the bindings
  outpost d1 ...                 D1 databases: execute, export, migrations (outpost d1 --help)
  outpost version                print the version

Run 'outpost COMMAND --help' for a command's flags.
`

func main() {
	raiseHeapFloor()
	stopProfile := startCPUProfile()
	code := run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stopProfile()
	os.Exit(code)
}

// heapFloor is allocated and never touched: it counts as live Go heap
// without costing resident memory (its pages are never written) or marking
// time (it holds no pointers), so the collector's goal stays that much
// above what is really live. A server's live Go heap is a few MiB while
// every request allocates some KiB, and at the default GOGC the collector
// ran about 40 times a second under load: 6–10 % of the CPU of hello world
// (bench/README.md). Peak memory under load grows by up to twice its size.
var heapFloor []byte

// raiseHeapFloor allocates heapFloor first thing, while the heap's pages
// are fresh from the system and need no zeroing, unless GOGC in the
// environment says how the collector should run.
func raiseHeapFloor() {
	if os.Getenv("GOGC") == "" {
		heapFloor = make([]byte, 16<<20)
	}
}

// errUsage marks an error whose message already says how to call the command.
var errUsage = errors.New("usage")

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	var err error
	switch args[0] {
	case "dev":
		err = runDev(args[1:], stdin, stdout, stderr)
	case "serve":
		err = runServe(args[1:], stdout, stderr)
	case "deploy":
		err = runDeploy(args[1:], stdout, stderr)
	case "rollback":
		err = runRollback(args[1:], stdout, stderr)
	case "tail":
		err = runTail(args[1:], stdout, stderr)
	case "kv":
		err = runKV(args[1:], stdin, stdout, stderr)
	case "r2":
		err = runR2(args[1:], stdin, stdout, stderr)
	case "queues":
		err = runQueues(args[1:], stdout, stderr)
	case "cache":
		err = runCache(args[1:], stdout, stderr)
	case "cron":
		err = runCron(args[1:], stdout, stderr)
	case "do":
		err = runDO(args[1:], stdout, stderr)
	case "types":
		err = runTypes(args[1:], stdout, stderr)
	case "d1":
		err = runD1(args[1:], stdout, stderr)
	case "version", "--version", "-v":
		fmt.Fprintf(stdout, "outpost %s\n", version)
		return 0
	case "help", "--help", "-h":
		fmt.Fprint(stdout, usage)
		return 0
	default:
		fmt.Fprintf(stderr, "outpost: unknown command %q\n\n%s", args[0], usage)
		return 2
	}
	if err == nil {
		return 0
	}
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if errors.Is(err, errUsage) {
		return 2
	}
	fmt.Fprintf(stderr, "✘ [ERROR] %s\n", strings.TrimSpace(err.Error()))
	return 1
}

// parseInterspersed parses flags that may come before or after positional
// arguments (outpost dev ./app --port 9000).
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return pos, nil
		}
		pos = append(pos, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

// newFlagSet makes a command's flag set: errors and help go to stderr,
// help is the command's usage text followed by its flags.
func newFlagSet(name, usage string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() { fmt.Fprint(stderr, usage); fs.PrintDefaults() }
	return fs
}

// multiFlag collects a repeatable flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(s string) error { *m = append(*m, s); return nil }
