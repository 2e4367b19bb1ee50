package dashboard

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/outpost-dev/outpost/internal/cron"
)

// cronsPage shows cron triggers, their next runs, and runs one now.
type cronsPage struct {
	d    *Dashboard
	view *View
}

func newCronsPage(d *Dashboard) (Page, error) {
	p := &cronsPage{d: d}
	v, err := d.NewView(p, files, "templates/crons.html")
	p.view = v
	return p, err
}

func (p *cronsPage) Slug() string  { return "crons" }
func (p *cronsPage) Title() string { return "Crons" }

type cronRow struct {
	Worker, Expr string
	Next         []time.Time
	Error        string
	Last         *CronRun
}

func (p *cronsPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPost && r.URL.Path == "/run" {
		p.run(w, r)
		return
	}
	now := p.d.Node().Clock().Now()
	var rows []cronRow
	for _, wk := range p.d.Workers() {
		for _, expr := range wk.Bundle.Crons {
			row := cronRow{Worker: wk.Name, Expr: expr}
			if s, err := cron.Parse(expr); err != nil {
				row.Error = err.Error()
			} else {
				t := now
				for range 3 {
					t = s.Next(t)
					if t.IsZero() {
						break
					}
					row.Next = append(row.Next, t)
				}
			}
			if run, ok := p.d.opts.Recorder.LastRun(wk.Name, expr); ok {
				row.Last = &run
			}
			rows = append(rows, row)
		}
	}
	p.view.Render(w, r, map[string]any{"Rows": rows, "Now": now})
}

// run fires a worker's scheduled handler now, as the trigger would.
func (p *cronsPage) run(w http.ResponseWriter, r *http.Request) {
	name, expr := r.FormValue("worker"), r.FormValue("cron")
	for _, wk := range p.d.Workers() {
		if wk.Name != name {
			continue
		}
		ctx, cancel := context.WithTimeout(r.Context(), 2*time.Minute)
		defer cancel()
		start := time.Now()
		res, err := p.d.Node().RunScheduled(ctx, wk.Name, wk.Current(), expr, p.d.Node().Clock().Now())
		took := time.Since(start).Round(time.Millisecond)
		if err != nil {
			p.view.Back(w, r, "/", "", fmt.Errorf("%s %q: %w", name, expr, err))
			return
		}
		msg := fmt.Sprintf("ran %s %q: ok in %s", name, expr, took)
		if res.NoRetry {
			msg += " (noRetry)"
		}
		p.view.Back(w, r, "/", msg, nil)
		return
	}
	http.Error(w, fmt.Sprintf("no worker %q", name), http.StatusNotFound)
}
