package main

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// sample is one system on one workload in one run.
type sample struct {
	System, Workload string
	Run              int    // which of the -runs
	NA               string // why the system cannot run the workload
	Err              string // why the run failed
	Load             loadResult
	IdleRSS, PeakRSS int64
	IdleAnon         int64         // private (anonymous) part of IdleRSS
	CPUPer1k         time.Duration // CPU time of the server's process tree per 1,000 requests
	Cold             time.Duration
}

// cell is a system's result on a workload over all runs: medians, except
// peak RSS (the maximum) and errors (the sum).
type cell struct {
	NA, Err          string
	Runs             int
	RPS              float64
	P50, P99, Cold   time.Duration
	Requests, Errors int64
	IdleRSS, PeakRSS int64
	IdleAnon         int64
	CPUPer1k         time.Duration
	// Per run (by index), for the spread of ratios between systems.
	RunRPS, RunCPU map[int]float64
}

func (c *cell) ok() bool { return c != nil && c.NA == "" && c.Err == "" && c.Runs > 0 }

// errorShare is the part of requests that failed; past 1 % a result does
// not count.
func (c *cell) errorShare() float64 {
	if c.Requests == 0 {
		return 0
	}
	return float64(c.Errors) / float64(c.Requests)
}

func aggregate(samples []sample) map[[2]string]*cell {
	groups := map[[2]string][]sample{}
	for _, s := range samples {
		k := [2]string{s.Workload, s.System}
		groups[k] = append(groups[k], s)
	}
	out := map[[2]string]*cell{}
	for k, ss := range groups {
		c := &cell{}
		var rps []float64
		var p50, p99, cold []time.Duration
		var idle, anon []int64
		var cpu []time.Duration
		for _, s := range ss {
			switch {
			case s.NA != "":
				c.NA = s.NA
				continue
			case s.Err != "":
				c.Err = s.Err
				continue
			}
			c.Runs++
			if c.RunRPS == nil {
				c.RunRPS, c.RunCPU = map[int]float64{}, map[int]float64{}
			}
			c.RunRPS[s.Run], c.RunCPU[s.Run] = s.Load.RPS, float64(s.CPUPer1k)
			rps = append(rps, s.Load.RPS)
			p50 = append(p50, s.Load.P50)
			p99 = append(p99, s.Load.P99)
			cold = append(cold, s.Cold)
			idle = append(idle, s.IdleRSS)
			anon = append(anon, s.IdleAnon)
			cpu = append(cpu, s.CPUPer1k)
			c.Requests += s.Load.Requests
			c.Errors += s.Load.Errors
			c.PeakRSS = max(c.PeakRSS, s.PeakRSS)
		}
		if c.Runs > 0 {
			c.RPS, c.P50, c.P99, c.Cold, c.IdleRSS = median(rps), median(p50), median(p99), median(cold), median(idle)
			c.IdleAnon, c.CPUPer1k = median(anon), median(cpu)
			if c.errorShare() > 0.01 {
				c.Err = fmt.Sprintf("%.1f%% of %d requests failed (non-2xx or socket errors)", 100*c.errorShare(), c.Requests)
			}
		}
		out[k] = c
	}
	return out
}

func median[T int64 | float64 | time.Duration](xs []T) T {
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// reportHeader is what was measured where.
type reportHeader struct {
	When     time.Time
	Command  string // how the report was made
	Machine  string
	Versions []string
	Load     string
	Runs     int
	Notes    []string
}

// target is one goal the numbers are held to.
type target struct {
	What     string
	Workload string
	Peer     string
	Metric   string // "rps" (Outpost ÷ peer, higher is better); "idle-rss", "idle-anon", "cpu" (Outpost ÷ peer, lower is better)
	Want     float64
}

var targets = []target{
	{"hello world ≥ 1.5× workerd's req/s", "hello", "workerd", "rps", 1.5},
	{"hello world ≥ 50% of bare Go's req/s", "hello", "go", "rps", 0.5},
	{"KV get ≥ 10× wrangler dev's req/s", "kv-get", "wrangler", "rps", 10},
	{"cache hit ≥ 10× wrangler dev's req/s", "cache-hit", "wrangler", "rps", 10},
	{"D1 point query ≥ 10× wrangler dev's req/s", "d1-get", "wrangler", "rps", 10},
	{"D1 insert ≥ 10× wrangler dev's req/s", "d1-put", "wrangler", "rps", 10},
	{"React SSR ≥ 0.7× workerd's req/s", "react", "workerd", "rps", 0.7},
	{"idle RSS per worker below workerd's (hello)", "hello", "workerd", "idle-rss", 1},
	{"idle private memory below workerd's (hello)", "hello", "workerd", "idle-anon", 1},
	{"CPU per request at or below workerd's (hello)", "hello", "workerd", "cpu", 1},
	{"CPU per request at or below workerd's (Hono)", "hono", "workerd", "cpu", 1},
	{"CPU per request at or below workerd's (React SSR)", "react", "workerd", "cpu", 1},
	{"CPU per request at or below workerd's (fetch)", "fetch", "workerd", "cpu", 1},
}

func markdown(h reportHeader, systems []*system, wls []*workload, cells map[[2]string]*cell) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# Outpost benchmarks, %s\n\n", h.When.UTC().Format("2006-01-02 15:04 MST"))
	if h.Command != "" {
		fmt.Fprintf(&b, "- Command: `%s`\n", h.Command)
	}
	fmt.Fprintf(&b, "- Machine: %s\n", h.Machine)
	for _, v := range h.Versions {
		fmt.Fprintf(&b, "- %s\n", v)
	}
	fmt.Fprintf(&b, "- Load: %s\n", h.Load)
	fmt.Fprintf(&b, "- Runs: %d (the order of systems rotates each run; figures are medians, peak RSS the maximum)\n", h.Runs)
	for _, n := range h.Notes {
		fmt.Fprintf(&b, "- %s\n", n)
	}
	b.WriteString("\nRatios are Outpost ÷ the other system: above 1× Outpost serves more requests per second\n" +
		"(for CPU per request, above 1× Outpost uses more). \"runs a–b×\" is the range of the ratio within each run.\n")

	b.WriteString("\n## Targets\n\n| target | measured | met |\n|---|---|---|\n")
	for _, t := range targets {
		o, p := cells[[2]string{t.Workload, "outpost"}], cells[[2]string{t.Workload, t.Peer}]
		measured, met := "not measured", "—"
		switch {
		case o == nil || p == nil:
		case !o.ok():
			measured = "Outpost failed: " + oneLine(o.Err+o.NA)
			met = "no"
		case !p.ok():
			measured = t.Peer + " not measured: " + oneLine(p.Err+p.NA)
		case t.Metric == "rps":
			r := o.RPS / p.RPS
			measured = fmt.Sprintf("%.2f× (%s vs %s req/s)%s", r, num(o.RPS), num(p.RPS), spread(o.RunRPS, p.RunRPS))
			met = yesNo(r >= t.Want)
		case t.Metric == "idle-rss":
			r := float64(o.IdleRSS) / float64(p.IdleRSS)
			measured = fmt.Sprintf("%s vs %s (%.2f×)", mib(o.IdleRSS), mib(p.IdleRSS), r)
			met = yesNo(r < t.Want)
		case t.Metric == "idle-anon":
			r := float64(o.IdleAnon) / float64(p.IdleAnon)
			measured = fmt.Sprintf("%s vs %s (%.2f×)", mib(o.IdleAnon), mib(p.IdleAnon), r)
			met = yesNo(r < t.Want)
		case t.Metric == "cpu":
			r := float64(o.CPUPer1k) / float64(p.CPUPer1k)
			measured = fmt.Sprintf("%s vs %s per 1,000 requests (%.2f×)%s", dur(o.CPUPer1k), dur(p.CPUPer1k), r, spread(o.RunCPU, p.RunCPU))
			met = yesNo(r <= t.Want)
		}
		fmt.Fprintf(&b, "| %s | %s | %s |\n", t.What, measured, met)
	}

	b.WriteString("\n## Results\n")
	var failures []string
	for _, w := range wls {
		fmt.Fprintf(&b, "\n### %s: %s\n\n", w.Name, w.Title)
		b.WriteString("| system | req/s | p50 | p99 | CPU / 1k req | idle RSS | idle private | peak RSS | cold start | Outpost ÷ system |\n|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
		o := cells[[2]string{w.Name, "outpost"}]
		for _, s := range systems {
			c := cells[[2]string{w.Name, s.Name}]
			if c == nil {
				continue
			}
			switch {
			case c.NA != "":
				fmt.Fprintf(&b, "| %s | n/a: %s |||||||||\n", s.Title, c.NA)
			case !c.ok():
				fmt.Fprintf(&b, "| %s | **failed** |||||||||\n", s.Title)
				failures = append(failures, fmt.Sprintf("%s on %s: %s", w.Name, s.Title, c.Err))
			default:
				ratio := "—"
				if s.Name != "outpost" && o.ok() {
					ratio = fmt.Sprintf("%.2f×", o.RPS/c.RPS) + spread(o.RunRPS, c.RunRPS)
				}
				fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", s.Title, num(c.RPS), dur(c.P50), dur(c.P99),
					dur(c.CPUPer1k), mib(c.IdleRSS), mib(c.IdleAnon), mib(c.PeakRSS), dur(c.Cold), ratio)
			}
		}
	}
	if len(failures) > 0 {
		b.WriteString("\n## Failures\n\n")
		for _, f := range failures {
			fmt.Fprintf(&b, "- %s\n", indentBlock(f))
		}
	}
	return b.String()
}

// spread is the range of the per-run ratios a ÷ b, over the runs both
// systems completed, when there are several.
func spread(a, b map[int]float64) string {
	var rs []float64
	for run, x := range a {
		if y, ok := b[run]; ok && y > 0 {
			rs = append(rs, x/y)
		}
	}
	if len(rs) < 2 {
		return ""
	}
	return fmt.Sprintf("; runs %.2f–%.2f×", slices.Min(rs), slices.Max(rs))
}

func yesNo(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}

func num(f float64) string {
	switch {
	case f >= 100:
		return fmt.Sprintf("%.0f", f)
	case f >= 10:
		return fmt.Sprintf("%.1f", f)
	}
	return fmt.Sprintf("%.2f", f)
}

func dur(d time.Duration) string {
	switch {
	case d >= time.Second:
		return fmt.Sprintf("%.2f s", d.Seconds())
	case d >= time.Millisecond:
		return fmt.Sprintf("%.2f ms", float64(d)/float64(time.Millisecond))
	}
	return fmt.Sprintf("%.0f µs", float64(d)/float64(time.Microsecond))
}

func mib(n int64) string { return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20)) }

func oneLine(s string) string {
	s, _, _ = strings.Cut(strings.TrimSpace(s), "\n")
	return s
}

func indentBlock(s string) string {
	s = strings.TrimSpace(s)
	if !strings.Contains(s, "\n") {
		return s
	}
	head, rest, _ := strings.Cut(s, "\n")
	return head + "\n\n  ```\n  " + strings.ReplaceAll(rest, "\n", "\n  ") + "\n  ```"
}

// writeHead starts the report of a mode (-engine, -queues, -serve): its
// title, then a list of the command, the machine, the versions and notes.
func writeHead(b *strings.Builder, title string, versions, notes []string) {
	fmt.Fprintf(b, "# %s\n\n", title)
	fmt.Fprintf(b, "- Command: `%s`\n", strings.Join(append([]string{"go run ./bench"}, os.Args[1:]...), " "))
	fmt.Fprintf(b, "- Machine: %s\n", machineInfo())
	for _, v := range versions {
		fmt.Fprintf(b, "- %s\n", v)
	}
	for _, n := range notes {
		fmt.Fprintf(b, "- %s\n", n)
	}
}

// writeReport prints a report and writes it into the output directory as
// name.
func writeReport(dir, name, report string, log io.Writer) error {
	fmt.Print(report)
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, []byte(report), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(log, "bench: report written to", path)
	return nil
}
