package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/outpost-dev/outpost/internal/config"
	"github.com/outpost-dev/outpost/internal/d1"
	"github.com/outpost-dev/outpost/internal/d1/d1remote"
	"github.com/outpost-dev/outpost/internal/serve"
)

// runD1Remote runs `outpost d1 … --remote` on the databases of a running
// outpost serve, through its admin API (/admin/d1).
func runD1Remote(cmd string, pos []string, admin *adminFlags, f d1RemoteFlags, stdout, stderr io.Writer) error {
	c, err := admin.client()
	if err != nil {
		return err
	}
	if cmd == "list" {
		var dbs []serve.D1Database
		if err := c.do(http.MethodGet, "/admin/d1", nil, &dbs); err != nil {
			return err
		}
		if f.asJSON {
			return writeJSON(stdout, dbs)
		}
		tw := tabwriter.NewWriter(stdout, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "name\tbindings\twhere")
		for _, db := range dbs {
			var refs []string
			for _, b := range db.Bindings {
				refs = append(refs, b.Worker+"."+b.Binding)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\n", db.Name, strings.Join(refs, ","), db.Where)
		}
		return tw.Flush()
	}
	if len(pos) == 0 {
		return fmt.Errorf("outpost d1 %s: name the database (a database_name or binding of [[d1_databases]], or the name the server lists)", cmd)
	}
	// The project's config names the database and its migrations; without
	// one, NAME is the database's name on the server.
	conf := config.D1Database{DatabaseName: pos[0]}
	cfg, cerr := config.Load(config.Options{Dir: ".", ConfigPath: f.configPath, Env: f.env})
	switch {
	case cerr == nil:
		if conf, err = findD1(cfg, pos[0]); err != nil {
			return err
		}
	case strings.HasPrefix(cmd, "migrations") || f.configPath != "":
		return cerr
	}
	if cmd == "migrations create" {
		return errors.New("outpost d1 migrations create works on the project's files: run it without --remote")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	db := (&d1remote.Client{Base: c.url, Prefix: "/admin/d1", Token: c.token, HTTP: &http.Client{Timeout: 10 * time.Minute}}).Database(conf.Name())
	t := d1Target{conf: conf, db: db, where: "remote database " + conf.Name(), file: c.url,
		migrations: d1.Migrations{Dir: conf.MigrationsDir, Pattern: conf.MigrationsPattern, Table: conf.MigrationsTable}}
	return d1Command(ctx, cmd, t, f, stdout, stderr)
}
