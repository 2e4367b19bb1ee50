package queuecli

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/queue"
	queuesqlite "github.com/outpost-dev/outpost/internal/queue/sqlite"
)

func TestCommands(t *testing.T) {
	store, err := queuesqlite.Open(filepath.Join(t.TempDir(), "q.sqlite"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	now := time.Now()
	ctx := context.Background()
	rows, _ := queue.Validate([]queue.Outgoing{
		{Body: []byte(`{"to":"a@example.com"}`), ContentType: "json"},
		{Body: []byte{1, 2, 3}, ContentType: "bytes"},
	}, true, 0, now)
	store.Insert(ctx, "emails", rows)
	later, _ := queue.Validate([]queue.Outgoing{{Body: []byte("later"), ContentType: "text"}}, false, 600, now)
	store.Insert(ctx, "emails", later)
	dead, _ := queue.Validate([]queue.Outgoing{{Body: []byte("dead"), ContentType: "text"}}, false, 0, now)
	store.Insert(ctx, "emails-dlq", dead)

	var out bytes.Buffer
	env := Env{Stdout: &out, Store: store, Now: now,
		Producers: []Producer{{Worker: "api", Binding: "EMAILS", Queue: "emails"}},
		Consumers: []Consumer{{Worker: "mailer", Queue: "emails", MaxBatchSize: 10, MaxBatchTimeout: 5, MaxRetries: 3, DeadLetterQueue: "emails-dlq"}},
	}
	run := func(args ...string) string {
		t.Helper()
		out.Reset()
		if err := Run(ctx, args, env); err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out.String()
	}
	got := run("list")
	for _, want := range []string{"emails      3", "emails-dlq  1", "mailer"} {
		if !strings.Contains(got, want) {
			t.Errorf("list lacks %q:\n%s", want, got)
		}
	}
	got = run("info", "emails")
	for _, want := range []string{"3 (30 bytes): 2 ready, 1 delayed, 0 in flight", "producers: api (EMAILS)", "consumer:  mailer (max_batch_size 10, max_batch_timeout 5s, max_retries 3",
		"dead letters: queue emails-dlq holds 1 message"} {
		if !strings.Contains(got, want) {
			t.Errorf("info lacks %q:\n%s", want, got)
		}
	}
	got = run("peek", "emails", "--limit", "5")
	for _, want := range []string{`{"to":"a@example.com"}`, "(3 bytes)", "delayed 10m0s", "later"} {
		if !strings.Contains(got, want) {
			t.Errorf("peek lacks %q:\n%s", want, got)
		}
	}
	if got := run("info", "emails-dlq"); !strings.Contains(got, "dead-letter queue of: emails") {
		t.Errorf("info of the dead-letter queue:\n%s", got)
	}
	if got := run("purge", "emails-dlq"); got != "Purged 1 message from queue emails-dlq.\n" {
		t.Errorf("purge: %q", got)
	}
	// A claim left behind ends; another worker's claim stays.
	if owner, _ := store.ClaimConsumer(ctx, "emails", "old-mailer"); owner != "old-mailer" {
		t.Fatalf("claim: %q", owner)
	}
	if err := Run(ctx, []string{"consumer", "remove", "emails", "mailer"}, env); err == nil || !strings.Contains(err.Error(), "consumed by worker old-mailer, not mailer") {
		t.Errorf("removing a claim another worker holds: %v", err)
	}
	if got := run("consumer", "remove", "emails", "old-mailer"); !strings.Contains(got, "Worker old-mailer no longer holds queue emails") {
		t.Errorf("consumer remove: %q", got)
	}
	if owner, _ := store.ClaimConsumer(ctx, "emails", "mailer"); owner != "mailer" {
		t.Errorf("after remove, the claim went to %q", owner)
	}
	for _, args := range [][]string{{}, {"peek"}, {"peek", "q", "--limit", "0"}, {"create", "x"}, {"consumer", "add"}, {"consumer", "remove", "q"}, {"nope"}} {
		if err := Run(ctx, args, env); !IsUsage(err) {
			t.Errorf("%v: %v, want a usage error", args, err)
		}
	}
}
