package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	goruntime "runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

const wrkOutput = `Running 10s test @ http://127.0.0.1:8787/
  2 threads and 32 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency   635.91us    0.89ms  12.92ms   93.69%
    Req/Sec    28.39k     2.10k   33.10k    72.00%
  Latency Distribution
     50%  426.00us
     75%  629.00us
     90%    1.10ms
     99%    4.19ms
  566190 requests in 10.10s, 69.65MB read
  Socket errors: connect 0, read 3, write 0, timeout 7
  Non-2xx or 3xx responses: 12
Requests/sec:  56058.62
Transfer/sec:      6.90MB
`

func TestParseWrk(t *testing.T) {
	r, err := parseWrk(wrkOutput)
	if err != nil {
		t.Fatal(err)
	}
	want := loadResult{Requests: 566190, Errors: 22, RPS: 56058.62, P50: 426 * time.Microsecond, P99: 4190 * time.Microsecond}
	if r != want {
		t.Fatalf("parseWrk = %+v, want %+v", r, want)
	}
	if _, err := parseWrk("unable to connect to 127.0.0.1:1 Connection refused"); err == nil {
		t.Fatal("parseWrk accepted output with no summary")
	}
	noLatency := strings.Replace(wrkOutput, "     99%    4.19ms\n", "", 1)
	if _, err := parseWrk(noLatency); err == nil || !strings.Contains(err.Error(), "--latency") {
		t.Fatalf("missing p99: err = %v", err)
	}
}

func TestAggregateMediansAndFailures(t *testing.T) {
	ms := time.Millisecond
	cells := aggregate([]sample{
		{System: "outpost", Workload: "hello", Load: loadResult{Requests: 1000, RPS: 100, P50: 1 * ms, P99: 9 * ms}, IdleRSS: 10, PeakRSS: 30, IdleAnon: 4, CPUPer1k: 90 * ms, Cold: 5 * ms},
		{System: "outpost", Workload: "hello", Run: 1, Load: loadResult{Requests: 1000, RPS: 300, P50: 3 * ms, P99: 7 * ms}, IdleRSS: 30, PeakRSS: 50, IdleAnon: 6, CPUPer1k: 70 * ms, Cold: 7 * ms},
		{System: "outpost", Workload: "hello", Run: 2, Load: loadResult{Requests: 1000, RPS: 200, P50: 2 * ms, P99: 8 * ms}, IdleRSS: 20, PeakRSS: 40, IdleAnon: 5, CPUPer1k: 80 * ms, Cold: 6 * ms},
		{System: "wrangler", Workload: "hello", Load: loadResult{Requests: 100, Errors: 5, RPS: 10, P50: ms, P99: ms}},
		{System: "workerd", Workload: "kv-get", NA: "no KV"},
		{System: "outpost", Workload: "kv-get", Err: "exited"},
	})
	if o := cells[[2]string{"hello", "outpost"}]; spread(o.RunRPS, map[int]float64{0: 100, 1: 100, 2: 100}) != "; runs 1.00–3.00×" {
		t.Errorf("spread = %q", spread(o.RunRPS, map[int]float64{0: 100, 1: 100, 2: 100}))
	}
	o := cells[[2]string{"hello", "outpost"}]
	if !o.ok() || o.RPS != 200 || o.P50 != 2*ms || o.P99 != 8*ms || o.IdleRSS != 20 || o.PeakRSS != 50 || o.Cold != 6*ms || o.Runs != 3 ||
		o.IdleAnon != 5 || o.CPUPer1k != 80*ms {
		t.Fatalf("outpost hello = %+v", o)
	}
	if w := cells[[2]string{"hello", "wrangler"}]; w.ok() || !strings.Contains(w.Err, "5.0% of 100 requests failed") {
		t.Fatalf("wrangler with 5%% errors = %+v, want failed", w)
	}
	if c := cells[[2]string{"kv-get", "workerd"}]; c.ok() || c.NA != "no KV" {
		t.Fatalf("n/a cell = %+v", c)
	}
	if c := cells[[2]string{"kv-get", "outpost"}]; c.ok() || c.Err != "exited" {
		t.Fatalf("failed cell = %+v", c)
	}
}

func TestMarkdownTargets(t *testing.T) {
	cells := map[[2]string]*cell{
		{"hello", "outpost"}: {Runs: 1, RPS: 3000, IdleRSS: 40 << 20, IdleAnon: 20 << 20, CPUPer1k: 120 * time.Millisecond},
		{"hello", "workerd"}: {Runs: 1, RPS: 1000, IdleRSS: 50 << 20, IdleAnon: 10 << 20, CPUPer1k: 100 * time.Millisecond},
		{"hello", "go"}:      {Runs: 1, RPS: 10000},
		{"react", "outpost"}: {Err: "exited before answering\nstack"},
		{"react", "workerd"}: {Runs: 1, RPS: 100},
	}
	md := markdown(reportHeader{When: time.Unix(0, 0), Machine: "test machine", Runs: 1}, allSystems(), workloads, cells)
	for _, want := range []string{
		"| hello world ≥ 1.5× workerd's req/s | 3.00× (3000 vs 1000 req/s) | yes |",
		"| hello world ≥ 50% of bare Go's req/s | 0.30× (3000 vs 10000 req/s) | **no** |",
		"| React SSR ≥ 0.7× workerd's req/s | Outpost failed: exited before answering | no |",
		"| idle RSS per worker below workerd's (hello) | 40.0 MiB vs 50.0 MiB (0.80×) | yes |",
		"| idle private memory below workerd's (hello) | 20.0 MiB vs 10.0 MiB (2.00×) | **no** |",
		"| CPU per request at or below workerd's (hello) | 120.00 ms vs 100.00 ms per 1,000 requests (1.20×) | **no** |",
		"| 120.00 ms | 40.0 MiB | 20.0 MiB |",
		"| KV get ≥ 10× wrangler dev's req/s | not measured | — |",
		"| workerd | 1000 |",
		"| 3.00× |",
		"- react on Outpost (outpost dev): exited before answering",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q:\n%s", want, md)
		}
	}
}

func TestConfigs(t *testing.T) {
	e := &env{root: "/repo", originURL: "http://127.0.0.1:9", compatDate: "2025-09-01"}
	kv := wranglerConfig(e, workloads[2])
	for _, want := range []string{`main = "/repo/bench/workers/src/kv.js"`, `compatibility_date = "2025-09-01"`,
		`ORIGIN = "http://127.0.0.1:9"`, "[[kv_namespaces]]\nbinding = \"KV\""} {
		if !strings.Contains(kv, want) {
			t.Errorf("wrangler.toml lacks %q:\n%s", want, kv)
		}
	}
	if strings.Contains(wranglerConfig(e, workloads[0]), "kv_namespaces") {
		t.Error("hello's config binds KV")
	}
	capnp := workerdConfig(8123, "2025-09-01", "http://127.0.0.1:9")
	for _, want := range []string{`address = "127.0.0.1:8123"`, `compatibilityDate = "2025-09-01"`,
		`esModule = embed "worker.js"`, `(name = "ORIGIN", text = "http://127.0.0.1:9")`, `globalOutbound = "internet"`} {
		if !strings.Contains(capnp, want) {
			t.Errorf("workerd config lacks %q:\n%s", want, capnp)
		}
	}
}

func TestTreeRSSCountsThisProcess(t *testing.T) {
	if goruntime.GOOS != "linux" {
		t.Skip("reads /proc")
	}
	rss, err := treeRSS(os.Getpid())
	if err != nil || rss <= 0 {
		t.Fatalf("treeRSS(self) = %d, %v", rss, err)
	}
	// Burn some CPU so that this process has used at least a clock tick.
	for start := time.Now(); time.Since(start) < 50*time.Millisecond; {
	}
	st, err := treeStat(os.Getpid())
	if err != nil || st.Anon <= 0 || st.Anon > st.RSS || st.CPU <= 0 {
		t.Fatalf("treeStat(self) = %+v, %v", st, err)
	}
	s := sampleRSS(os.Getpid(), time.Millisecond)
	time.Sleep(10 * time.Millisecond)
	if peak := s.Stop(); peak <= 0 {
		t.Fatalf("peak = %d", peak)
	}
}

func TestGoGenCountsRequestsAndErrors(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%10 == 0 {
			http.Error(w, "every tenth fails", http.StatusInternalServerError)
			return
		}
		w.Write([]byte("ok"))
	}))
	defer srv.Close()
	r, err := (&goGen{conns: 4}).Run(context.Background(), srv.URL, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests < 10 || r.Requests != n.Load() || r.Errors != r.Requests/10 || r.RPS <= 0 || r.P50 <= 0 || r.P99 < r.P50 {
		t.Fatalf("goGen = %+v after %d requests served", r, n.Load())
	}
}

func TestParseBuilds(t *testing.T) {
	dir := t.TempDir()
	exe, plain := dir+"/outpost-a", dir+"/plain"
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	bins, err := parseBuilds(exe + ", " + exe)
	if err != nil || bins != [2]string{exe, exe} {
		t.Fatalf("parseBuilds(two executables) = %v, %v", bins, err)
	}
	for _, bad := range []string{exe, exe + "," + exe + "," + exe, exe + ",", exe + "," + plain, exe + "," + dir, exe + "," + dir + "/missing"} {
		if _, err := parseBuilds(bad); err == nil || !strings.Contains(err.Error(), "-builds") {
			t.Errorf("parseBuilds(%q) = %v, want an error naming -builds", bad, err)
		}
	}
}

func TestSummarizeBuilds(t *testing.T) {
	ms := time.Millisecond
	round := func(cpuA, cpuB time.Duration, rpsA, rpsB float64) buildsRound {
		return buildsRound{Load: [2]loadResult{{Requests: 1000, RPS: rpsA}, {Requests: 1000, RPS: rpsB}}, CPUPer1k: [2]time.Duration{cpuA, cpuB}}
	}
	s := summarizeBuilds([]buildsRound{
		round(100*ms, 90*ms, 1000, 1100),        // CPU 0.90, req/s 1.10
		round(200*ms, 220*ms, 500, 450),         // CPU 1.10, req/s 0.90
		round(100*ms, 95*ms, 800, 840),          // CPU 0.95, req/s 1.05
		round(120*ms, 120*ms, 900, 900),         // CPU 1.00, req/s 1.00
		{Err: "build B exited during the load"}, // left out
		round(100*ms, 0, 1000, 1000),            // no CPU read for B: left out
	})
	near := func(got, want float64) bool { return got > want-1e-9 && got < want+1e-9 }
	if s.Rounds != 4 {
		t.Fatalf("rounds = %d, want 4", s.Rounds)
	}
	if !near(s.CPURatio.Median, 0.975) || !near(s.CPURatio.Min, 0.90) || !near(s.CPURatio.Max, 1.10) {
		t.Errorf("CPU ratio = %+v, want median 0.975 in 0.90–1.10", s.CPURatio)
	}
	if !near(s.RPSRatio.Median, 1.025) || !near(s.RPSRatio.Min, 0.90) || !near(s.RPSRatio.Max, 1.10) {
		t.Errorf("req/s ratio = %+v, want median 1.025 in 0.90–1.10", s.RPSRatio)
	}
	if s.CPUPer1k != [2]time.Duration{110 * ms, 107500 * time.Microsecond} || s.RPS != [2]float64{850, 870} {
		t.Errorf("medians = %v CPU, %v req/s", s.CPUPer1k, s.RPS)
	}
	if got := (ratioRange{0.9, 0.85, 1.2}).String(); got != "0.90 (0.85–1.20)" {
		t.Errorf("ratio printed as %q", got)
	}
	if none := summarizeBuilds([]buildsRound{{Err: "failed"}}); none.Rounds != 0 || none.CPURatio != (ratioRange{}) {
		t.Errorf("no completed round = %+v", none)
	}
}
