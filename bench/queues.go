package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// queueConfig is the queue the queue workload produces to and consumes.
const queueConfig = `
[[queues.producers]]
binding = "Q"
queue = "bench"

[[queues.consumers]]
queue = "bench"
max_batch_size = 100
max_batch_timeout = 0
`

var queueWorkload = &workload{Name: "queue", Title: "Queues: produce and consume", Script: "queue.js", Probe: "/", Queue: true}

// queueCase is one measurement: requests of perRequest messages each,
// sent by conns senders at once.
type queueCase struct {
	Name       string
	Requests   int
	PerRequest int
	Conns      int
}

var queueCases = []queueCase{
	{"sendBatch of 100, one sender", 200, 100, 1},
	{"send() of one", 2000, 1, 32},
}

type queueResult struct {
	System, Case string
	Messages     int
	SendSecs     float64 // until every send() answered
	E2ESecs      float64 // until the consumer received the last message
	Err          string
}

// collector counts what consumers report (GET /consumed?n=N).
type collector struct {
	consumed atomic.Int64
	url      string
	stop     func()
}

func startCollector() (*collector, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	c := &collector{url: "http://" + ln.Addr().String()}
	mux := http.NewServeMux()
	mux.HandleFunc("/consumed", func(w http.ResponseWriter, r *http.Request) {
		var n int64
		fmt.Sscan(r.URL.Query().Get("n"), &n)
		c.consumed.Add(n)
		io.WriteString(w, "ok")
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	c.stop = func() { srv.Close() }
	return c, nil
}

// runQueueBench measures messages per second produced and consumed end to
// end on Outpost and wrangler dev, with the same worker and config.
func runQueueBench(ctx context.Context, e *env, systems []*system, o options, stamp string, versions, notes []string, log io.Writer) error {
	col, err := startCollector()
	if err != nil {
		return err
	}
	defer col.stop()
	e.originURL = col.url
	var results []queueResult
	for r := range o.runs {
		for _, s := range systems {
			if s.Name != "outpost" && s.Name != "wrangler" {
				continue
			}
			for _, qc := range queueCases {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				fmt.Fprintf(log, "run %d/%d: queues (%s) on %s … ", r+1, o.runs, qc.Name, s.Name)
				res := measureQueue(ctx, e, s, qc, col)
				if res.Err != "" {
					fmt.Fprintf(log, "failed: %s\n", oneLine(res.Err))
				} else {
					fmt.Fprintf(log, "%.0f msg/s sent, %.0f msg/s end to end\n", float64(res.Messages)/res.SendSecs, float64(res.Messages)/res.E2ESecs)
				}
				results = append(results, res)
			}
		}
	}
	return writeReport(o.out, stamp+"-queues.md", queueReport(results, versions, notes), log)
}

func measureQueue(ctx context.Context, e *env, s *system, qc queueCase, col *collector) queueResult {
	res := queueResult{System: s.Name, Case: qc.Name, Messages: qc.Requests * qc.PerRequest}
	r, _, err := start(ctx, e, s, queueWorkload)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	defer r.stop()
	// One message first: the consumer is up and reports (not measured).
	before := col.consumed.Load()
	if _, body, err := httpGet(r.url + "/send?n=1"); err != nil || body != "sent" {
		res.Err = fmt.Sprintf("GET /send: %v %s", err, abbreviate(body))
		return res
	}
	if err := waitConsumed(ctx, col, before+1, 60*time.Second); err != nil {
		res.Err = err.Error() + ": " + r.tail()
		return res
	}
	base := col.consumed.Load()
	client := &http.Client{Timeout: 60 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: qc.Conns}}
	var next atomic.Int64
	var failed atomic.Value
	var wg sync.WaitGroup
	t0 := time.Now()
	for range qc.Conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for next.Add(1) <= int64(qc.Requests) {
				resp, err := client.Get(fmt.Sprintf("%s/send?n=%d", r.url, qc.PerRequest))
				if err != nil {
					failed.Store(err.Error())
					return
				}
				b, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 || string(b) != "sent" {
					failed.Store(fmt.Sprintf("GET /send: %d %s", resp.StatusCode, abbreviate(string(b))))
					return
				}
			}
		}()
	}
	wg.Wait()
	res.SendSecs = time.Since(t0).Seconds()
	if f := failed.Load(); f != nil {
		res.Err = f.(string)
		return res
	}
	if err := waitConsumed(ctx, col, base+int64(res.Messages), 5*time.Minute); err != nil {
		res.Err = err.Error()
		return res
	}
	res.E2ESecs = time.Since(t0).Seconds()
	return res
}

func waitConsumed(ctx context.Context, col *collector, want int64, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for col.consumed.Load() < want {
		if time.Now().After(deadline) {
			return fmt.Errorf("consumed %d of %d messages within %s", col.consumed.Load(), want, limit)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(2 * time.Millisecond):
		}
	}
	return nil
}

func queueReport(results []queueResult, versions, notes []string) string {
	var b strings.Builder
	writeHead(&b, "Queues: messages per second, Outpost beside wrangler dev", versions, notes)
	b.WriteString("\nOne worker produces to and consumes queue `bench` (`max_batch_size = 100`, `max_batch_timeout = 0`);\n" +
		"the consumer reports each batch to a Go server in the harness. *sent*: messages per second until every\n" +
		"producer request answered; *end to end*: messages per second until the consumer received the last one.\n\n")
	b.WriteString("| case | system | messages | sent msg/s | end-to-end msg/s | Outpost ÷ wrangler (end to end) |\n|---|---|---|---|---|---|\n")
	best := map[string]float64{}
	for _, r := range results {
		if r.Err == "" {
			k := r.System + "|" + r.Case
			best[k] = max(best[k], float64(r.Messages)/r.E2ESecs)
		}
	}
	for _, r := range results {
		if r.Err != "" {
			fmt.Fprintf(&b, "| %s | %s | %d | failed | %s | |\n", r.Case, r.System, r.Messages, oneLine(r.Err))
			continue
		}
		ratio := ""
		if r.System == "outpost" && best["wrangler|"+r.Case] > 0 {
			ratio = fmt.Sprintf("%.1f×", float64(r.Messages)/r.E2ESecs/best["wrangler|"+r.Case])
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %.0f | %.0f | %s |\n", r.Case, r.System, r.Messages, float64(r.Messages)/r.SendSecs, float64(r.Messages)/r.E2ESecs, ratio)
	}
	return b.String()
}
