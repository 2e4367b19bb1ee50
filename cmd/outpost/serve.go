package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"

	"github.com/outpost-dev/outpost/internal/platform"
	"github.com/outpost-dev/outpost/internal/serve"
)

const serveUsage = `Usage: outpost serve [--config outpost.toml] [flags]

Runs the workers listed in a server config in one process, for production:
routes, service bindings, deployments (outpost deploy), limits, metrics,
health endpoints, live tail and a graceful shutdown on SIGTERM. Logs are
JSON lines on stdout.

Flags:
`

func runServe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("outpost serve", serveUsage, stderr)
	configPath := fs.String("config", "outpost.toml", "server config file")
	listen := fs.String("listen", "", "address for worker traffic (default: the config's listen)")
	logLevel := fs.String("log-level", "info", "debug, info, warn or error")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fs.Usage()
		return errUsage
	}
	platform.KeepSpare()
	var level slog.Level
	if err := level.UnmarshalText([]byte(*logLevel)); err != nil {
		return fmt.Errorf("--log-level %q: expected debug, info, warn or error", *logLevel)
	}
	logger := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: level}))

	cfg, err := serve.LoadConfig(*configPath)
	if err != nil {
		return err
	}
	if *listen != "" {
		cfg.Listen = *listen
	}
	if cfg.Admin.Token == "" {
		logger.Info("the admin API is off: set [admin] token_env or OUTPOST_ADMIN_TOKEN to deploy to this server")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	srv, err := serve.New(ctx, cfg, serve.Options{Logger: logger})
	if err != nil {
		return err
	}
	return srv.Run(ctx, func(addrs map[string]string) {
		var parts []string
		for _, name := range []string{"workers", "admin", "ops"} {
			if a, ok := addrs[name]; ok {
				parts = append(parts, name+"=http://"+a)
			}
		}
		logger.Info("ready: " + strings.Join(parts, " "))
	})
}
