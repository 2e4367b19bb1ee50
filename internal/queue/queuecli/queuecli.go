// Package queuecli is `outpost queues`: a project's queues, their backlog
// and dead letters, on the state `outpost dev` keeps (or a PostgreSQL
// database shared by a fleet).
package queuecli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
	"unicode/utf8"

	"github.com/outpost-dev/outpost/internal/queue"
)

// Usage is the command's help.
const Usage = `Usage:
  outpost queues list                      the project's queues and any queue holding messages
  outpost queues info QUEUE                one queue: backlog, consumer settings, dead-letter queue
  outpost queues peek QUEUE [--limit N]    its messages in delivery order, without taking them
  outpost queues purge QUEUE               delete every message of a queue
  outpost queues consumer list             which worker consumes which queue, with its settings
  outpost queues consumer remove QUEUE WORKER
                                           end WORKER's claim to consume QUEUE (a fleet's claim left
                                           by a worker that no longer runs or declares the consumer)

Queues need no creating or deleting here: a queue exists as soon as a
worker's wrangler config names it (as wrangler dev treats them); purge
empties one. A dead-letter queue is a queue like any other: peek it.
`

// Producer and Consumer are what the project's configs declare.
type Producer struct {
	Worker, Binding, Queue string
}

// Consumer is a queue a worker consumes, with its settings.
type Consumer struct {
	Worker          string
	Queue           string
	MaxBatchSize    int
	MaxBatchTimeout float64
	MaxRetries      int
	DeadLetterQueue string
	MaxConcurrency  int
	RetryDelay      int
}

// Env is what the command works on.
type Env struct {
	Stdout    io.Writer
	Store     queue.Store
	Now       time.Time
	Producers []Producer
	Consumers []Consumer
}

type usageError struct{ msg string }

func (e *usageError) Error() string { return e.msg }

// IsUsage reports whether err is a mistake in the command line.
func IsUsage(err error) bool {
	var u *usageError
	return errors.As(err, &u)
}

// Run runs one command.
func Run(ctx context.Context, args []string, env Env) error {
	if len(args) == 0 {
		return &usageError{"outpost queues: which command?\n" + Usage}
	}
	switch args[0] {
	case "list":
		return list(ctx, env)
	case "info":
		name, err := oneQueue(args[1:], "info")
		if err != nil {
			return err
		}
		return info(ctx, env, name)
	case "peek":
		fs := flag.NewFlagSet("peek", flag.ContinueOnError)
		fs.SetOutput(io.Discard)
		limit := fs.Int("limit", 20, "")
		rest, err := parseInterleaved(fs, args[1:])
		if err != nil {
			return &usageError{"outpost queues peek: " + err.Error()}
		}
		if len(rest) != 1 {
			return &usageError{"outpost queues peek QUEUE [--limit N]: name one queue"}
		}
		if *limit < 1 || *limit > 1000 {
			return &usageError{fmt.Sprintf("outpost queues peek: --limit must be from 1 to 1000, found %d", *limit)}
		}
		return peek(ctx, env, rest[0], *limit)
	case "purge":
		name, err := oneQueue(args[1:], "purge")
		if err != nil {
			return err
		}
		n, err := env.Store.Purge(ctx, name)
		if err != nil {
			return err
		}
		fmt.Fprintf(env.Stdout, "Purged %d message%s from queue %s.\n", n, plural(n), name)
		return nil
	case "consumer":
		if len(args) >= 2 && args[1] == "remove" {
			if len(args) != 4 || strings.HasPrefix(args[2], "-") || strings.HasPrefix(args[3], "-") {
				return &usageError{"outpost queues consumer remove QUEUE WORKER: name the queue and the worker whose claim to end"}
			}
			return removeConsumer(ctx, env, args[2], args[3])
		}
		if len(args) != 2 || args[1] != "list" {
			return &usageError{"outpost queues consumer list|remove: consumers are declared by [[queues.consumers]] in each worker's wrangler config; add or remove them there ('remove' ends a claim a worker left behind)"}
		}
		return consumers(env)
	case "create", "delete":
		return &usageError{fmt.Sprintf("outpost queues %s: queues need no creating or deleting in Outpost: a queue exists when a worker's config names it; use 'outpost queues purge' to empty one", args[0])}
	}
	return &usageError{fmt.Sprintf("outpost queues: unknown command %q\n%s", args[0], Usage)}
}

// parseInterleaved parses flags placed before or after the arguments.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var rest []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		if fs.NArg() == 0 {
			return rest, nil
		}
		rest = append(rest, fs.Arg(0))
		args = fs.Args()[1:]
	}
}

func oneQueue(args []string, cmd string) (string, error) {
	if len(args) != 1 || strings.HasPrefix(args[0], "-") {
		return "", &usageError{fmt.Sprintf("outpost queues %s QUEUE: name one queue", cmd)}
	}
	return args[0], nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// names are the queues the configs name plus those holding messages.
func (env Env) stats(ctx context.Context) (map[string]queue.Stats, []string, error) {
	all, err := env.Store.Stats(ctx, "", env.Now)
	if err != nil {
		return nil, nil, err
	}
	byName := map[string]queue.Stats{}
	for _, s := range all {
		byName[s.Queue] = s
	}
	seen := map[string]bool{}
	add := func(q string) {
		if q != "" && !seen[q] {
			seen[q] = true
		}
	}
	for _, p := range env.Producers {
		add(p.Queue)
	}
	for _, c := range env.Consumers {
		add(c.Queue)
		add(c.DeadLetterQueue)
	}
	for q := range byName {
		add(q)
	}
	names := make([]string, 0, len(seen))
	for q := range seen {
		names = append(names, q)
	}
	sort.Strings(names)
	return byName, names, nil
}

func (env Env) consumerOf(q string) (Consumer, bool) {
	for _, c := range env.Consumers {
		if c.Queue == q {
			return c, true
		}
	}
	return Consumer{}, false
}

func list(ctx context.Context, env Env) error {
	byName, names, err := env.stats(ctx)
	if err != nil {
		return err
	}
	if len(names) == 0 {
		fmt.Fprintln(env.Stdout, "No queues: no worker declares [[queues.producers]] or [[queues.consumers]], and none holds messages.")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tMESSAGES\tREADY\tDELAYED\tIN FLIGHT\tBYTES\tCONSUMER")
	for _, q := range names {
		s := byName[q]
		consumer := "-"
		if c, ok := env.consumerOf(q); ok {
			consumer = c.Worker
		}
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t%d\t%s\n", q, s.Messages, s.Ready, s.Delayed, s.Leased, s.Bytes, consumer)
	}
	return tw.Flush()
}

func info(ctx context.Context, env Env, q string) error {
	st, err := env.Store.Stats(ctx, q, env.Now)
	if err != nil {
		return err
	}
	s := queue.Stats{Queue: q}
	if len(st) == 1 {
		s = st[0]
	}
	w := env.Stdout
	fmt.Fprintf(w, "Queue %s\n", q)
	fmt.Fprintf(w, "  messages:  %d (%d bytes): %d ready, %d delayed, %d in flight\n", s.Messages, s.Bytes, s.Ready, s.Delayed, s.Leased)
	var producers []string
	for _, p := range env.Producers {
		if p.Queue == q {
			producers = append(producers, p.Worker+" ("+p.Binding+")")
		}
	}
	if len(producers) > 0 {
		fmt.Fprintf(w, "  producers: %s\n", strings.Join(producers, ", "))
	}
	if c, ok := env.consumerOf(q); ok {
		conc := "one batch per instance"
		if c.MaxConcurrency > 0 {
			conc = strconv.Itoa(c.MaxConcurrency)
		}
		fmt.Fprintf(w, "  consumer:  %s (max_batch_size %d, max_batch_timeout %gs, max_retries %d, retry_delay %ds, max_concurrency %s)\n",
			c.Worker, c.MaxBatchSize, c.MaxBatchTimeout, c.MaxRetries, c.RetryDelay, conc)
		if c.DeadLetterQueue != "" {
			dl, err := env.Store.Stats(ctx, c.DeadLetterQueue, env.Now)
			if err != nil {
				return err
			}
			n := 0
			if len(dl) == 1 {
				n = dl[0].Messages
			}
			fmt.Fprintf(w, "  dead letters: queue %s holds %d message%s\n", c.DeadLetterQueue, n, plural(n))
		}
	} else {
		fmt.Fprintln(w, "  consumer:  none (messages wait until a worker consumes this queue)")
	}
	for _, c := range env.Consumers {
		if c.DeadLetterQueue == q {
			fmt.Fprintf(w, "  dead-letter queue of: %s\n", c.Queue)
		}
	}
	return nil
}

func peek(ctx context.Context, env Env, q string, limit int) error {
	msgs, err := env.Store.Peek(ctx, q, limit)
	if err != nil {
		return err
	}
	if len(msgs) == 0 {
		fmt.Fprintf(env.Stdout, "Queue %s holds no messages.\n", q)
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tSENT\tATTEMPTS\tSTATE\tTYPE\tBODY")
	for _, m := range msgs {
		state := "ready"
		switch {
		case m.Leased && m.VisibleAt.After(env.Now):
			state = "in flight"
		case m.VisibleAt.After(env.Now):
			state = "delayed " + m.VisibleAt.Sub(env.Now).Round(time.Second).String()
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%s\t%s\t%s\n", m.ID, m.Timestamp.UTC().Format(time.RFC3339), m.Attempts, state, m.ContentType, preview(m))
	}
	return tw.Flush()
}

// preview shows a body: text and JSON as they are (cut at 80 characters),
// bytes and v8 by size.
func preview(m queue.Peeked) string {
	switch m.ContentType {
	case queue.ContentText, queue.ContentJSON:
		if !utf8.Valid(m.Body) {
			break
		}
		s := strings.ReplaceAll(string(m.Body), "\n", " ")
		if utf8.RuneCountInString(s) > 80 {
			s = string([]rune(s)[:80]) + "…"
		}
		return s
	}
	return fmt.Sprintf("(%d bytes)", len(m.Body))
}

// removeConsumer ends worker's claim on q: a queue has one consumer
// worker, and on a fleet the claim stays with the messages until the
// worker gives it up, which a worker that no longer runs never does.
func removeConsumer(ctx context.Context, env Env, q, worker string) error {
	// Taking the claim says who holds it (taking it when nobody does, to
	// be released at once).
	owner, err := env.Store.ClaimConsumer(ctx, q, worker)
	if err != nil {
		return err
	}
	if owner != worker {
		return fmt.Errorf("outpost queues consumer remove: queue %s is consumed by worker %s, not %s; nothing was changed", q, owner, worker)
	}
	if err := env.Store.ReleaseConsumer(ctx, q, worker); err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "Worker %s no longer holds queue %s: another worker may consume it. A running worker that still declares the consumer claims it again when it next starts or is deployed.\n", worker, q)
	return nil
}

func consumers(env Env) error {
	if len(env.Consumers) == 0 {
		fmt.Fprintln(env.Stdout, "No worker of this project declares [[queues.consumers]].")
		return nil
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 0, 2, ' ', 0)
	fmt.Fprintln(tw, "QUEUE\tWORKER\tBATCH SIZE\tBATCH TIMEOUT\tRETRIES\tRETRY DELAY\tDEAD-LETTER QUEUE")
	for _, c := range env.Consumers {
		dlq := c.DeadLetterQueue
		if dlq == "" {
			dlq = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%d\t%gs\t%d\t%ds\t%s\n", c.Queue, c.Worker, c.MaxBatchSize, c.MaxBatchTimeout, c.MaxRetries, c.RetryDelay, dlq)
	}
	return tw.Flush()
}
