package main

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// loadResult is what one load run measured.
type loadResult struct {
	Requests int64
	Errors   int64 // non-2xx/3xx answers and socket errors
	RPS      float64
	P50, P99 time.Duration
}

// loadGen drives HTTP load at one URL with fixed connections for a while.
type loadGen interface {
	Run(ctx context.Context, url string, d time.Duration) (loadResult, error)
	Name() string
}

// wrkGen runs wrk --latency.
type wrkGen struct {
	path           string
	threads, conns int
	version        string
}

func (w *wrkGen) Name() string {
	return fmt.Sprintf("%s (-t%d -c%d --latency)", w.version, w.threads, w.conns)
}

func (w *wrkGen) Run(ctx context.Context, url string, d time.Duration) (loadResult, error) {
	secs := max(1, int(d.Round(time.Second)/time.Second))
	cmd := exec.CommandContext(ctx, w.path, "-t"+strconv.Itoa(w.threads), "-c"+strconv.Itoa(w.conns),
		"-d"+strconv.Itoa(secs)+"s", "--timeout", "5s", "--latency", url)
	out, err := cmd.CombinedOutput()
	if err != nil {
		return loadResult{}, fmt.Errorf("wrk %s: %v\n%s", url, err, out)
	}
	return parseWrk(string(out))
}

var (
	wrkRPS    = regexp.MustCompile(`(?m)^Requests/sec:\s+([0-9.]+)`)
	wrkTotal  = regexp.MustCompile(`(?m)^\s*(\d+) requests in`)
	wrkPct    = regexp.MustCompile(`(?m)^\s+(50|99)(?:\.000)?%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkNon2xx = regexp.MustCompile(`(?m)Non-2xx or 3xx responses:\s+(\d+)`)
	wrkSocket = regexp.MustCompile(`(?m)Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)`)
)

// parseWrk reads the summary wrk --latency prints.
func parseWrk(out string) (loadResult, error) {
	var r loadResult
	m := wrkRPS.FindStringSubmatch(out)
	if m == nil {
		return r, fmt.Errorf("no Requests/sec in wrk's output:\n%s", out)
	}
	r.RPS, _ = strconv.ParseFloat(m[1], 64)
	if m := wrkTotal.FindStringSubmatch(out); m != nil {
		r.Requests, _ = strconv.ParseInt(m[1], 10, 64)
	}
	for _, m := range wrkPct.FindAllStringSubmatch(out, -1) {
		v, _ := strconv.ParseFloat(m[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[m[3]]
		d := time.Duration(v * float64(unit))
		if m[1] == "50" {
			r.P50 = d
		} else {
			r.P99 = d
		}
	}
	if r.P50 == 0 || r.P99 == 0 {
		return r, fmt.Errorf("no latency distribution in wrk's output (was --latency given?):\n%s", out)
	}
	if m := wrkNon2xx.FindStringSubmatch(out); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		r.Errors += n
	}
	if m := wrkSocket.FindStringSubmatch(out); m != nil {
		// Connect, read and write errors and timeouts (past --timeout)
		// are all requests that failed.
		for _, s := range m[1:] {
			n, _ := strconv.ParseInt(s, 10, 64)
			r.Errors += n
		}
	}
	return r, nil
}

// goGen is the fallback when wrk cannot be installed: keep-alive
// connections from goroutines, every latency recorded. Its numbers are not
// comparable with wrk's (the Go client costs more CPU), only with each other.
type goGen struct{ conns int }

func (g *goGen) Name() string {
	return fmt.Sprintf("built-in Go client (%d connections; wrk not available)", g.conns)
}

func (g *goGen) Run(ctx context.Context, url string, d time.Duration) (loadResult, error) {
	tr := &http.Transport{MaxIdleConnsPerHost: g.conns, MaxConnsPerHost: g.conns, DisableCompression: true}
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	deadline := time.Now().Add(d)
	var (
		mu        sync.Mutex
		latencies []time.Duration
		errs      int64 // answers outside 2xx/3xx
		netErrs   int64 // requests with no answer
		wg        sync.WaitGroup
	)
	start := time.Now()
	for range g.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var local []time.Duration
			var localErrs, localNetErrs int64
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t := time.Now()
				resp, err := client.Get(url)
				if err != nil {
					localNetErrs++
					continue
				}
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				// Like wrk: every answer counts for latency and rate, and
				// those outside 2xx/3xx count as errors too.
				if resp.StatusCode >= 400 {
					localErrs++
				}
				local = append(local, time.Since(t))
			}
			mu.Lock()
			latencies = append(latencies, local...)
			errs += localErrs
			netErrs += localNetErrs
			mu.Unlock()
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if len(latencies) == 0 {
		return loadResult{}, fmt.Errorf("no request to %s succeeded", url)
	}
	slices.Sort(latencies)
	pct := func(p float64) time.Duration { return latencies[min(len(latencies)-1, int(p*float64(len(latencies))))] }
	return loadResult{
		Requests: int64(len(latencies)) + netErrs,
		Errors:   errs + netErrs,
		RPS:      float64(len(latencies)) / elapsed.Seconds(),
		P50:      pct(0.50),
		P99:      pct(0.99),
	}, nil
}

// wrkVersion is wrk's first line of -v ("wrk 4.1.0 [epoll] ...").
func wrkVersion(path string) string {
	out, _ := exec.Command(path, "-v").CombinedOutput()
	line, _, _ := strings.Cut(string(out), "\n")
	if f := strings.Fields(line); len(f) >= 2 {
		return f[0] + " " + f[1]
	}
	return "wrk"
}
