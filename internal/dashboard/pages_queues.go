package dashboard

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"time"
	"unicode/utf8"

	"github.com/outpost-dev/outpost/internal/queue"
)

// queuesPage shows queue backlogs and dead letters.
type queuesPage struct {
	d    *Dashboard
	view *View
}

func newQueuesPage(d *Dashboard) (Page, error) {
	p := &queuesPage{d: d}
	v, err := d.NewView(p, files, "templates/queues.html")
	p.view = v
	return p, err
}

func (p *queuesPage) Slug() string  { return "queues" }
func (p *queuesPage) Title() string { return "Queues" }

type queueRow struct {
	queue.Stats
	Producers  []string // worker.BINDING
	Consumer   string   // worker consuming it
	DeadLetter string   // the queue its failures go to
	DeadFor    []string // queues whose failures come here
}

type queueMessage struct {
	ID          string
	Body        string
	ContentType string
	Sent        time.Time
	Visible     time.Time
	Attempts    int
	Leased      bool
}

type queuesView struct {
	Queues   []queueRow
	Queue    *queueRow
	Messages []queueMessage
	Where    string
}

func (p *queuesPage) rows(r *http.Request) ([]queueRow, error) {
	byName := map[string]*queueRow{}
	get := func(name string) *queueRow {
		if q := byName[name]; q != nil {
			return q
		}
		q := &queueRow{Stats: queue.Stats{Queue: name}}
		byName[name] = q
		return q
	}
	for _, w := range p.d.Workers() {
		for _, pr := range w.Bundle.QueueProducers {
			q := get(pr.Queue)
			q.Producers = append(q.Producers, w.Name+"."+pr.Binding)
		}
		for _, c := range w.Bundle.QueueConsumers {
			q := get(c.Queue)
			q.Consumer, q.DeadLetter = w.Name, c.DeadLetterQueue
			if c.DeadLetterQueue != "" {
				dl := get(c.DeadLetterQueue)
				dl.DeadFor = append(dl.DeadFor, c.Queue)
			}
		}
	}
	b := p.d.Node().Queues()
	stats, err := b.Store().Stats(r.Context(), "", b.Now())
	if err != nil {
		return nil, err
	}
	for _, s := range stats {
		get(s.Queue).Stats = s
	}
	var out []queueRow
	for _, q := range byName {
		out = append(out, *q)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Queue < out[j].Queue })
	return out, nil
}

func (p *queuesPage) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	b := p.d.Node().Queues()
	name := r.URL.Query().Get("queue")
	if r.Method == http.MethodPost && r.URL.Path == "/purge" {
		n, err := b.Store().Purge(r.Context(), name)
		p.view.Back(w, r, "/?queue="+url.QueryEscape(name), fmt.Sprintf("purged %d messages from %s", n, name), err)
		return
	}
	rows, err := p.rows(r)
	if err != nil {
		r = withError(r, err)
	}
	v := queuesView{Queues: rows, Where: p.d.Node().QueuesWhere()}
	for i := range rows {
		if rows[i].Queue == name {
			v.Queue = &rows[i]
		}
	}
	if v.Queue != nil {
		msgs, err := b.Store().Peek(r.Context(), name, 100)
		if err != nil {
			r = withError(r, err)
		}
		for _, m := range msgs {
			v.Messages = append(v.Messages, queueMessage{ID: m.ID, Body: describeBody(m.Body, m.ContentType), ContentType: m.ContentType,
				Sent: m.Timestamp, Visible: m.VisibleAt, Attempts: m.Attempts, Leased: m.Leased})
		}
	}
	p.view.Render(w, r, v)
}

// describeBody shows a message body as text where it is text.
func describeBody(b []byte, contentType string) string {
	switch {
	case (contentType == queue.ContentJSON || contentType == queue.ContentText) && utf8.Valid(b):
		return string(b)
	case contentType == queue.ContentBytes:
		s := base64.StdEncoding.EncodeToString(b)
		if len(s) > 200 {
			s = s[:200] + "…"
		}
		return fmt.Sprintf("%d bytes, base64 %s", len(b), s)
	}
	return fmt.Sprintf("%d bytes (%s)", len(b), contentType)
}
