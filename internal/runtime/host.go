package runtime

import (
	"context"
	"fmt"
	"log/slog"
	"os"
)

// Host is what the process around the workers provides them: logging,
// outbound fetch and extra ops (KV, cache) installed by other packages.
type Host struct {
	// Logger receives Outpost's own structured logs.
	Logger *slog.Logger
	// Console receives the workers' console output and uncaught errors,
	// one line at a time. Default: stderr.
	Console func(worker, level, text string)
	// ConsoleContext, when set, receives the console lines instead, with
	// the context of the invocation that wrote them (EventTag names the
	// event it serves).
	ConsoleContext func(ctx context.Context, worker, level, text string)
	// Fetch performs workers' subrequests. Default: a Fetcher with no
	// origin.
	Fetch *Fetcher
	// Extensions add API families (KV, Cache, services, assets …) to
	// every instance: their modules join the prelude.
	Extensions []Extension
	// ObserveOp, when set, is told of every extension operation (for
	// metrics): worker, family ("kv"), op ("get"), result ("hit", "miss",
	// "ok", "error").
	ObserveOp func(worker, family, op, result string)
}

func (h *Host) init() {
	if h.Logger == nil {
		h.Logger = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	if h.Console == nil {
		h.Console = func(worker, level, text string) {
			fmt.Fprintf(os.Stderr, "[%s] %s\n", worker, text)
		}
	}
	if h.Fetch == nil {
		h.Fetch = &Fetcher{}
	}
}

// Log writes a console line for a worker.
func (h *Host) Log(worker, level, text string) { h.Console(worker, level, text) }

// LogContext writes a console line of the invocation whose context is ctx.
func (h *Host) LogContext(ctx context.Context, worker, level, text string) {
	if h.ConsoleContext != nil {
		h.ConsoleContext(ctx, worker, level, text)
		return
	}
	h.Console(worker, level, text)
}

type eventTagKey struct{}

// WithEventTag marks the context an event is dispatched with; the
// invocation that serves it carries the tag in its own context (and so
// in its fetch() requests' and its console lines'), which lets the host
// tell apart the work of events in flight at once.
func WithEventTag(ctx context.Context, tag any) context.Context {
	return context.WithValue(ctx, eventTagKey{}, tag)
}

// EventTag is the tag of the event ctx belongs to, or nil.
func EventTag(ctx context.Context) any { return ctx.Value(eventTagKey{}) }
