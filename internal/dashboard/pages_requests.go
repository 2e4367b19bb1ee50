package dashboard

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// requestsPage is the overview: charts of the last minutes and the live
// request log.
type requestsPage struct {
	d    *Dashboard
	view *View
}

func newRequestsPage(d *Dashboard) (Page, error) {
	p := &requestsPage{d: d}
	v, err := d.NewView(p, files, "templates/requests.html")
	p.view = v
	return p, err
}

func (p *requestsPage) Slug() string  { return "requests" }
func (p *requestsPage) Title() string { return "Requests" }

// logEntry is one row of the log: a request, or a console line of none.
type logEntry struct {
	Request *Request
	Line    *Line
	Worker  string
	Key     string // element id
}

func (p *requestsPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rc := p.d.opts.Recorder
	switch r.URL.Path {
	case "/":
		reqs, lines := rc.Recent()
		var entries []logEntry
		for i := range reqs {
			entries = append(entries, logEntry{Request: &reqs[i], Key: fmt.Sprint("req-", reqs[i].ID)})
		}
		for i, ev := range lines {
			entries = append(entries, logEntry{Line: ev.Line, Worker: ev.Worker, Key: fmt.Sprint("line-", ev.Line.Time.UnixNano(), "-", i)})
		}
		sortEntries(entries)
		var workers []string
		for _, w := range p.d.Workers() {
			workers = append(workers, w.Name)
		}
		p.view.Render(w, r, map[string]any{"Entries": entries, "Workers": workers, "StateDir": p.d.opts.StateDir})
	case "/series":
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		json.NewEncoder(w).Encode(rc.Series(chartWindow))
	case "/events":
		p.events(w, r)
	case "/requests.json":
		// The log as data, for scripts and tests.
		reqs, _ := rc.Recent()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(reqs)
	default:
		http.NotFound(w, r)
	}
}

// chartWindow is how many seconds the charts show.
const chartWindow = 180

// events streams rendered log rows as Server-Sent Events: each event's
// data is the HTML of one row, its id the row's element id.
func (p *requestsPage) events(w http.ResponseWriter, r *http.Request) {
	rc := p.d.opts.Recorder
	ch, cancel := rc.subscribe()
	defer cancel()
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	ctl := http.NewResponseController(w)
	fmt.Fprint(w, "retry: 1000\n\n")
	ctl.Flush()
	keepAlive := time.NewTicker(15 * time.Second)
	defer keepAlive.Stop()
	var seq int
	for {
		select {
		case <-r.Context().Done():
			return
		case <-keepAlive.C:
			fmt.Fprint(w, ": keep-alive\n\n")
		case b := <-ch:
			var ev Event
			if json.Unmarshal(b, &ev) != nil {
				continue
			}
			e := logEntry{Request: ev.Request, Line: ev.Line, Worker: ev.Worker}
			if ev.Request != nil {
				e.Key = fmt.Sprint("req-", ev.Request.ID)
			} else {
				seq++
				e.Key = fmt.Sprint("live-", seq)
			}
			var buf bytes.Buffer
			if err := p.view.t.ExecuteTemplate(&buf, "entry", e); err != nil {
				continue
			}
			fmt.Fprintf(w, "event: row\nid: %s\n", e.Key)
			for _, line := range strings.Split(buf.String(), "\n") {
				fmt.Fprintf(w, "data: %s\n", line)
			}
			fmt.Fprint(w, "\n")
		}
		if ctl.Flush() != nil {
			return
		}
	}
}

// sortEntries orders the log newest first.
func sortEntries(es []logEntry) {
	at := func(e logEntry) time.Time {
		if e.Request != nil {
			return e.Request.Time
		}
		return e.Line.Time
	}
	for i := 1; i < len(es); i++ {
		for j := i; j > 0 && at(es[j]).After(at(es[j-1])); j-- {
			es[j], es[j-1] = es[j-1], es[j]
		}
	}
}
