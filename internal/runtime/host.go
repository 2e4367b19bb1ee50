package runtime

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/outpost-dev/outpost/internal/jsc"
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
	// Extensions install more ops on each new instance.
	Extensions []Extension
}

// Extension adds ops to the ops object of a new instance, before the
// prelude runs. Binding kinds (KV, Cache) are installed this way.
type Extension func(in *Instance, c *jsc.Context, ops jsc.Value) error

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
