// Package logging holds Outpost's log handlers: a compact human format for
// `outpost dev` and slog's JSON for `outpost serve`.
package logging

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
)

// Dev is a slog handler that writes one readable line per record:
// "19:04:05 GET / 200 OK (3ms)", warnings and errors marked.
type Dev struct {
	mu    *sync.Mutex
	w     io.Writer
	attrs []slog.Attr
	level slog.Level
}

// NewDev returns a Dev handler writing to w.
func NewDev(w io.Writer, level slog.Level) *Dev {
	return &Dev{mu: &sync.Mutex{}, w: w, level: level}
}

func (h *Dev) Enabled(_ context.Context, l slog.Level) bool { return l >= h.level }

func (h *Dev) Handle(_ context.Context, r slog.Record) error {
	var sb strings.Builder
	sb.WriteString(r.Time.Format("15:04:05"))
	sb.WriteByte(' ')
	switch {
	case r.Level >= slog.LevelError:
		sb.WriteString("✘ [ERROR] ")
	case r.Level >= slog.LevelWarn:
		sb.WriteString("▲ [WARNING] ")
	}
	sb.WriteString(r.Message)
	write := func(a slog.Attr) {
		if a.Key == "worker" {
			return // one worker per dev server: the name adds nothing
		}
		fmt.Fprintf(&sb, " %s=%v", a.Key, a.Value)
	}
	for _, a := range h.attrs {
		write(a)
	}
	r.Attrs(func(a slog.Attr) bool { write(a); return true })
	sb.WriteByte('\n')
	h.mu.Lock()
	defer h.mu.Unlock()
	_, err := io.WriteString(h.w, sb.String())
	return err
}

func (h *Dev) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.attrs = append(append([]slog.Attr(nil), h.attrs...), attrs...)
	return &c
}

func (h *Dev) WithGroup(string) slog.Handler { return h }

// Console prints a worker's console output as it is, the way wrangler dev
// does, serialised with the log lines.
type Console struct {
	mu *sync.Mutex
	w  io.Writer
}

// NewConsole returns a console printer writing to w.
func NewConsole(w io.Writer) *Console { return &Console{mu: &sync.Mutex{}, w: w} }

// Print writes one console line.
func (c *Console) Print(worker, level, text string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	prefix := ""
	switch level {
	case "error":
		prefix = "✘ [ERROR] "
	case "warn":
		prefix = "▲ [WARNING] "
	}
	fmt.Fprintf(c.w, "%s%s\n", prefix, text)
}
