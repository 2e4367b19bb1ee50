package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/outpost-dev/outpost/internal/project"
)

// devClient finds the dev server running for a project (through the state
// file it writes) and calls its local endpoints.
type devClient struct {
	url, token string
}

func findDevServer(dir, persistTo string) (*devClient, error) {
	stateDir, err := project.StateDir(dir, persistTo)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(stateDir, devStateFile)
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("no running `outpost dev` found for %s (looked for %s); start one first, or pass --persist-to", dir, path)
	}
	if err != nil {
		return nil, err
	}
	var st devState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return &devClient{url: st.URL, token: st.Token}, nil
}

func (d *devClient) call(method, path string, body []byte) (string, error) {
	req, err := http.NewRequest(method, d.url+path, bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := (&http.Client{Timeout: 15 * time.Minute}).Do(req)
	if err != nil {
		return "", fmt.Errorf("the dev server at %s did not answer: %w", d.url, err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return "", fmt.Errorf("%s: %s", resp.Status, strings.TrimSpace(string(out)))
	}
	return strings.TrimSpace(string(out)), nil
}

// parseDevCommand parses the flags of a command that talks to the dev
// server of the project in [DIR], checks them with check (optional), and
// finds the server.
func parseDevCommand(fs *flag.FlagSet, args []string, check func() error) (*devClient, error) {
	persist := fs.String("persist-to", "", "the dev server's --persist-to directory, if it used one")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return nil, err
	}
	if check != nil {
		if err := check(); err != nil {
			return nil, err
		}
	}
	dir := "."
	if len(pos) > 0 {
		dir = pos[0]
	}
	return findDevServer(dir, *persist)
}

const cronUsage = `Usage: outpost cron trigger [--cron EXPR] [--time MILLIS] [DIR]

Fires one scheduled event on the outpost dev server running for the project
in DIR (default: the current directory), as its cron trigger would.

Flags:
`

func runCron(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "trigger" {
		fmt.Fprint(stderr, cronUsage)
		return errUsage
	}
	fs := newFlagSet("outpost cron trigger", cronUsage, stderr)
	cron := fs.String("cron", "", "the cron expression to report in controller.cron")
	at := fs.String("time", "", "scheduledTime in milliseconds since the epoch (default: now)")
	d, err := parseDevCommand(fs, args[1:], nil)
	if err != nil {
		return err
	}
	q := url.Values{"cron": {*cron}}
	if *at != "" {
		q.Set("time", *at)
	}
	out, err := d.call("POST", "/cdn-cgi/outpost/scheduled?"+q.Encode(), nil)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, out)
	return nil
}

const cacheUsage = `Usage: outpost cache purge [--url URL]... [--prefix PREFIX]... [--tag TAG]... [--everything] [DIR]

Purges the Cache API (caches.default and every named cache) of the outpost
dev server running for the project in DIR, as Cloudflare's purge does: by
URL, by URL prefix (without the scheme: example.com/assets/), by Cache-Tag,
or everything.

Flags:
`

func runCache(args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "purge" {
		fmt.Fprint(stderr, cacheUsage)
		return errUsage
	}
	fs := newFlagSet("outpost cache purge", cacheUsage, stderr)
	var urls, prefixes, tags multiFlag
	fs.Var(&urls, "url", "purge this URL (repeatable)")
	fs.Var(&prefixes, "prefix", "purge URLs starting with this host/path prefix (repeatable)")
	fs.Var(&tags, "tag", "purge responses with this Cache-Tag (repeatable)")
	all := fs.Bool("everything", false, "purge everything")
	d, err := parseDevCommand(fs, args[1:], func() error {
		if len(urls)+len(prefixes)+len(tags) == 0 && !*all {
			fs.Usage()
			return errUsage
		}
		return nil
	})
	if err != nil {
		return err
	}
	body, _ := json.Marshal(purgeRequest{URLs: urls, Prefixes: prefixes, Tags: tags, All: *all})
	out, err := d.call("POST", "/cdn-cgi/outpost/cache/purge", body)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, out)
	return nil
}

type purgeRequest struct {
	URLs     []string `json:"urls,omitempty"`
	Prefixes []string `json:"prefixes,omitempty"`
	Tags     []string `json:"tags,omitempty"`
	All      bool     `json:"everything,omitempty"`
}
