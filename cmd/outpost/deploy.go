package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/outpost-dev/outpost/internal/project"
	"github.com/outpost-dev/outpost/internal/serve"
)

// adminFlags locate a server's admin API: --url/OUTPOST_URL and
// --token/OUTPOST_ADMIN_TOKEN (the environment keeps the token out of ps).
type adminFlags struct {
	url, token string
}

func (a *adminFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&a.url, "url", "", "the server's admin API, e.g. http://10.0.0.5:8788 (default $OUTPOST_URL)")
	fs.StringVar(&a.token, "token", "", "the admin token (default $OUTPOST_ADMIN_TOKEN)")
}

func (a *adminFlags) client() (*adminClient, error) {
	u := firstNonEmpty(a.url, os.Getenv("OUTPOST_URL"))
	t := firstNonEmpty(a.token, os.Getenv("OUTPOST_ADMIN_TOKEN"))
	if u == "" {
		return nil, fmt.Errorf("no server given: pass --url http://HOST:PORT of the server's [admin] listen, or set OUTPOST_URL")
	}
	if t == "" {
		return nil, fmt.Errorf("no admin token: set OUTPOST_ADMIN_TOKEN (or pass --token) to the server's [admin] token")
	}
	if !strings.HasPrefix(u, "http://") && !strings.HasPrefix(u, "https://") {
		u = "http://" + u
	}
	return &adminClient{url: strings.TrimRight(u, "/"), token: t}, nil
}

type adminClient struct{ url, token string }

// do calls the admin API and decodes a JSON answer into out.
func (c *adminClient) do(method, path string, body any, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.url+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 5 * time.Minute}).Do(req)
	if err != nil {
		return fmt.Errorf("the server at %s did not answer: %w", c.url, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		var e struct {
			Error string `json:"error"`
		}
		if json.Unmarshal(data, &e) == nil && e.Error != "" {
			return fmt.Errorf("%s (HTTP %d from %s)", e.Error, resp.StatusCode, c.url)
		}
		return fmt.Errorf("HTTP %d from %s: %s", resp.StatusCode, c.url, strings.TrimSpace(string(data)))
	}
	if out != nil {
		return json.Unmarshal(data, out)
	}
	return nil
}

const deployUsage = `Usage: outpost deploy [DIR] [flags]

Bundles the Workers project in DIR (default: the current directory) and
uploads it to a running 'outpost serve'. The new version takes traffic at
once on every node; requests in flight finish on the old one. Local
secrets (.dev.vars) are not uploaded: set them in the server's config.

Flags:
`

func runDeploy(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("outpost deploy", deployUsage, stderr)
	var a adminFlags
	a.register(fs)
	name := fs.String("name", "", "worker name (default: the config's name)")
	env := fs.String("env", "", "environment from the config's [env.NAME] to use")
	configPath := fs.String("config", "", "config file (default: wrangler.json, wrangler.jsonc or wrangler.toml in DIR)")
	message := fs.String("message", "", "a note kept with the version")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
		fs.Usage()
		return errUsage
	}
	dir := "."
	if len(pos) == 1 {
		dir = pos[0]
	}
	client, err := a.client()
	if err != nil {
		return err
	}
	b, err := project.Load(project.Options{Dir: dir, ConfigPath: *configPath, Env: *env})
	if err != nil {
		return err
	}
	for _, w := range b.Warnings {
		fmt.Fprintf(stderr, "▲ [WARNING] %s\n", w)
	}
	bundle := b.Bundle
	if *name != "" {
		bundle.Name = *name
	}
	var v serve.Version
	start := time.Now()
	if err := client.do("POST", "/admin/workers/"+bundle.Name+"/deployments", serve.DeployRequest{Bundle: bundle, Message: *message}, &v); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Deployed %s version %d (%s, %d KiB) in %s\n", v.Worker, v.Version, v.SHA256[:12],
		(len(bundle.Code)+1023)/1024, time.Since(start).Round(time.Millisecond))
	return nil
}

const rollbackUsage = `Usage: outpost rollback [WORKER] [--version N] [flags]

Makes an earlier version of WORKER (default: the name in the current
directory's wrangler config) active again on every node: the version
before the active one, or --version N. With --list, shows the versions.

Flags:
`

func runRollback(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("outpost rollback", rollbackUsage, stderr)
	var a adminFlags
	a.register(fs)
	version := fs.Int("version", 0, "the version to restore (default: the one before the active version)")
	list := fs.Bool("list", false, "list the versions instead")
	pos, err := parseInterspersed(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 1 {
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
	if *list {
		var vs []serve.Version
		if err := client.do("GET", "/admin/workers/"+name+"/deployments", nil, &vs); err != nil {
			return err
		}
		for _, v := range vs {
			mark := " "
			if v.Active {
				mark = "*"
			}
			fmt.Fprintf(stdout, "%s %4d  %s  %s  %s\n", mark, v.Version, v.Created.Local().Format("2006-01-02 15:04:05"), v.SHA256[:12], v.Message)
		}
		return nil
	}
	var v serve.Version
	if err := client.do("POST", "/admin/workers/"+name+"/rollback", serve.RollbackRequest{Version: *version}, &v); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "Rolled back %s to version %d (%s)\n", v.Worker, v.Version, v.SHA256[:12])
	return nil
}

// workerName is the positional worker name, else the name in the current
// directory's wrangler config.
func workerName(pos []string) (string, error) {
	if len(pos) == 1 {
		return pos[0], nil
	}
	b, err := project.Load(project.Options{Dir: "."})
	if err != nil {
		return "", fmt.Errorf("no worker named and no project here to take the name from: %w", err)
	}
	return b.Name(), nil
}
