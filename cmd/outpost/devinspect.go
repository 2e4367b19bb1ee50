package main

import (
	"fmt"
	"log/slog"
	"net"
	"path/filepath"
	"strconv"

	"github.com/outpost-dev/outpost/internal/bundle"
	"github.com/outpost-dev/outpost/internal/dap"
	"github.com/outpost-dev/outpost/internal/inspector"
	"github.com/outpost-dev/outpost/internal/jsc"
)

// defaultInspectPort is wrangler dev's inspector port.
const defaultInspectPort = 9229

// inspectFlag is --inspect (on, default port) or --inspect=PORT.
type inspectFlag struct {
	on   bool
	port int
}

func (f *inspectFlag) String() string {
	if f == nil || !f.on {
		return "false"
	}
	return strconv.Itoa(f.port)
}

func (f *inspectFlag) Set(v string) error {
	switch v {
	case "true":
		f.on, f.port = true, defaultInspectPort
		return nil
	case "false":
		f.on = false
		return nil
	}
	p, err := strconv.Atoi(v)
	if err != nil || p < 0 || p > 65535 {
		return fmt.Errorf("--inspect=%s: expected a port number", v)
	}
	f.on, f.port = true, p
	return nil
}

func (f *inspectFlag) IsBoolFlag() bool { return true }

// startInspection makes the workers' VMs debug targets: call it before the
// first worker starts. It returns nil (and says why) when the installed
// JavaScriptCore cannot be inspected.
func startInspection(logger *slog.Logger) *inspector.Hub {
	if err := jsc.InspectorAvailable(); err != nil {
		logger.Warn("debugging is off: " + err.Error())
		return nil
	}
	hub, err := inspector.Listen()
	if err == nil {
		err = jsc.EnableInspector(hub.Addr())
	}
	if err != nil {
		logger.Warn("debugging is off: " + err.Error())
		return nil
	}
	jsc.OnInspectorTargets(hub.Refresh)
	return hub
}

// serveInspection opens the debugger port: the Debug Adapter Protocol and
// the WebKit Inspector protocol over WebSocket, on loopback only.
func serveInspection(hub *inspector.Hub, adapter *dap.Server, port int, dev *devServer, logger *slog.Logger) (*inspector.Server, error) {
	adapter.Hub, adapter.Workers = hub, dev.debugWorkers
	srv := &inspector.Server{Hub: hub, DAP: adapter.Serve}
	if err := srv.Listen(net.JoinHostPort("127.0.0.1", strconv.Itoa(port))); err != nil {
		return nil, err
	}
	addr := srv.Addr().String()
	logger.Info(fmt.Sprintf("⎔ Debugger on %s: VS Code attaches with \"debugServer\": %d (see README, Debugging); WebKit inspector targets at http://%s/json/list", addr, srv.Addr().(*net.TCPAddr).Port, addr))
	return srv, nil
}

// teeConsole also shows the workers' console lines in the debugger.
func teeConsole(print func(worker, level, text string), adapter *dap.Server) func(worker, level, text string) {
	return func(worker, level, text string) {
		print(worker, level, text)
		adapter.Console(worker, level, text)
	}
}

// debugWorkers describes the running version of each worker for the debug
// adapter: where its sources are and its source map.
func (d *devServer) debugWorkers() []*dap.Worker {
	var out []*dap.Worker
	for _, dw := range d.workers {
		b := dw.build()
		w := &dap.Worker{Name: dw.name, ScriptURL: "worker.js"}
		w.Dir, _ = filepath.Abs(b.Config.Dir)
		if len(b.Bundle.SourceMap) > 0 {
			w.SourceMap, _ = bundle.ParseSourceMap(b.Bundle.SourceMap)
		}
		out = append(out, w)
	}
	return out
}
