package runtime

import (
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
