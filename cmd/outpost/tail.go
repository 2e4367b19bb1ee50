package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/outpost-dev/outpost/internal/serve"
)

const tailUsage = `Usage: outpost tail [WORKER] [flags]

Streams a worker's requests, console output and exceptions from a running
'outpost serve' (the node the --url points at), like 'wrangler tail'.

Flags:
`

func runTail(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("outpost tail", tailUsage, stderr)
	var a adminFlags
	a.register(fs)
	format := fs.String("format", "pretty", "pretty or json (one JSON object per line)")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 || (*format != "pretty" && *format != "json") {
		fs.Usage()
		return errUsage
	}
	name, err := workerName(pos)
	if err != nil {
		return err
	}
	client, err := a.client()
	if err != nil {
		return err
	}
	req, err := http.NewRequest("GET", client.url+"/admin/workers/"+name+"/tail", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+client.token)
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sig)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("the server at %s did not answer: %w", client.url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		data, _ := io.ReadAll(resp.Body)
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s (HTTP %d)", e.Error, resp.StatusCode)
		}
		return fmt.Errorf("HTTP %d from %s", resp.StatusCode, client.url)
	}
	go func() { <-sig; resp.Body.Close() }()
	fmt.Fprintf(stderr, "Connected to %s, waiting for events…\n", name)
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() {
		line := sc.Bytes()
		if len(strings.TrimSpace(string(line))) == 0 {
			continue // keep-alive
		}
		if *format == "json" {
			fmt.Fprintf(stdout, "%s\n", line)
			continue
		}
		var ev serve.TailEvent
		if err := json.Unmarshal(line, &ev); err != nil {
			continue
		}
		fmt.Fprintln(stdout, prettyTail(ev))
	}
	return nil
}

// prettyTail renders an event the way wrangler tail's pretty format does.
func prettyTail(ev serve.TailEvent) string {
	at := time.UnixMilli(ev.Timestamp).Local().Format("2006-01-02 15:04:05")
	var sb strings.Builder
	switch ev.Type {
	case "request":
		fmt.Fprintf(&sb, "%s %s - %s (%d) @ %s", ev.Request.Method, ev.Request.URL, outcomeText(ev.Outcome), ev.Status, at)
	case "scheduled":
		fmt.Fprintf(&sb, "\"%s\" @ %s - %s", ev.Message, at, outcomeText(ev.Outcome))
	case "queue":
		fmt.Fprintf(&sb, "Queue %s - %s @ %s", ev.Message, outcomeText(ev.Outcome), at)
	default:
		fmt.Fprintf(&sb, "  (%s) %s", orLog(ev.Level), ev.Message)
	}
	if ev.Exception != nil {
		fmt.Fprintf(&sb, "\n  ✘ %s: %s", ev.Exception.Name, ev.Exception.Message)
		if ev.Exception.Stack != "" {
			for _, l := range strings.Split(ev.Exception.Stack, "\n") {
				fmt.Fprintf(&sb, "\n      %s", strings.TrimSpace(l))
			}
		}
	}
	return sb.String()
}

func outcomeText(o string) string {
	switch o {
	case "ok":
		return "Ok"
	case "exception":
		return "Exception Thrown"
	case "exceededCpu":
		return "Exceeded CPU Limit"
	case "exceededMemory":
		return "Exceeded Memory Limit"
	case "canceled":
		return "Canceled"
	}
	return o
}

func orLog(level string) string {
	if level == "" {
		return "log"
	}
	return level
}
