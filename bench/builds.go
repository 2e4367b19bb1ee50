package main

import (
	"context"
	"debug/buildinfo"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// The builds run (-builds A,B): two outpost binaries serve the same
// workload side by side and are loaded at the same moment, round after
// round. On a shared machine whose speed drifts from minute to minute, runs
// one after the other differ by ±20 %; within a round both builds see the
// same host, so the ratio B ÷ A holds much steadier than either build's own
// figures, and its median over the rounds is what a change is judged by.

var buildLabels = [2]string{"A", "B"}

// parseBuilds reads -builds: two executable files, comma-separated.
func parseBuilds(list string) ([2]string, error) {
	var bins [2]string
	parts := strings.Split(list, ",")
	if len(parts) != 2 {
		return bins, fmt.Errorf("-builds wants two outpost binaries, PATH_A,PATH_B; got %q", list)
	}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == "" {
			return bins, fmt.Errorf("-builds wants two outpost binaries, PATH_A,PATH_B; build %s is empty in %q", buildLabels[i], list)
		}
		// Absolute, so that exec never looks a bare name up in PATH.
		abs, err := filepath.Abs(p)
		if err != nil {
			return bins, fmt.Errorf("-builds: %w", err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return bins, fmt.Errorf("-builds: build %s: %w", buildLabels[i], err)
		}
		if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
			return bins, fmt.Errorf("-builds: build %s, %s, is not an executable file", buildLabels[i], abs)
		}
		bins[i] = abs
	}
	return bins, nil
}

// setupBuilds checks -builds and fits the flags left at their defaults to
// the builds run: two servers and two wrk share the machine, and many short
// rounds tell more than a few long ones.
func setupBuilds(o *options) ([2]string, error) {
	if o.smoke || o.engine || o.queues || o.serve {
		return [2]string{}, errors.New("-builds cannot be combined with -smoke, -engine, -queues or -serve")
	}
	bins, err := parseBuilds(o.builds)
	if err != nil {
		return bins, err
	}
	if !o.set["workloads"] {
		o.wls = "hello,hono"
	}
	if !o.set["runs"] {
		o.runs = 10
	}
	if !o.set["duration"] {
		o.duration = 3 * time.Second
	}
	if !o.set["conns"] {
		o.conns = 16
	}
	if !o.set["threads"] {
		o.threads = 1
	}
	o.systems = "outpost" // no peers to install or describe
	return bins, nil
}

// buildVersions names each build: its path, what outpost version prints,
// and the Go release and commit it was built from, when it records them.
func buildVersions(bins [2]string) []string {
	var vs []string
	for i, bin := range bins {
		v := fmt.Sprintf("Build %s: `%s`: %s", buildLabels[i], bin, commandVersion(bin, "version"))
		if bi, err := buildinfo.ReadFile(bin); err == nil {
			v += " (" + bi.GoVersion
			settings := map[string]string{}
			for _, s := range bi.Settings {
				settings[s.Key] = s.Value
			}
			if rev := settings["vcs.revision"]; rev != "" {
				v += ", commit " + rev[:min(len(rev), 12)]
				if settings["vcs.modified"] == "true" {
					v += " with uncommitted changes"
				}
			}
			v += ")"
		}
		if st, err := os.Stat(bin); err == nil {
			v += ", file of " + st.ModTime().UTC().Format("2006-01-02 15:04:05 MST")
		}
		vs = append(vs, v)
	}
	return vs
}

// buildsRound is one round: both builds under load at once.
type buildsRound struct {
	First    int // the build whose load started first
	Load     [2]loadResult
	CPUPer1k [2]time.Duration // CPU time of each server's process tree per 1,000 requests
	Err      string
}

// buildsResult is one workload's rounds, or why it could not run.
type buildsResult struct {
	Workload *workload
	Rounds   []buildsRound
	Err      string
}

func runBuildsBench(ctx context.Context, e *env, bins [2]string, wls []*workload, o options, gen loadGen, stamp string, versions, notes []string, log io.Writer) error {
	var results []buildsResult
	for _, w := range wls {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		results = append(results, measureBuilds(ctx, e, bins, w, gen, o, log))
	}
	if err := writeReport(o.out, stamp+"-builds.md", buildsReport(results, gen, o, versions, notes), log); err != nil {
		return err
	}
	fmt.Print("\n" + buildsSummaryLines(results))
	// A script that compares builds must not take a failure for a result.
	var failed []string
	for _, res := range results {
		if res.Err != "" || summarizeBuilds(res.Rounds).Rounds == 0 {
			failed = append(failed, res.Workload.Name)
		}
	}
	if len(failed) > 0 {
		return fmt.Errorf("builds: no result for %s (see the report)", strings.Join(failed, ", "))
	}
	return nil
}

// measureBuilds starts both builds on w, warms them together and measures
// o.runs rounds, alternating whose load starts first.
func measureBuilds(ctx context.Context, e *env, bins [2]string, w *workload, gen loadGen, o options, log io.Writer) buildsResult {
	res := buildsResult{Workload: w}
	var rs [2]*running
	for i, bin := range bins {
		r, err := startBuild(ctx, e, bin, i, w)
		if err != nil {
			res.Err = fmt.Sprintf("build %s: %v", buildLabels[i], err)
			return res
		}
		defer r.stop()
		rs[i] = r
	}
	fmt.Fprintf(log, "%s: warming both builds for %s\n", w.Name, o.warmup)
	if warm := loadBoth(ctx, gen, rs, w.Path, o.warmup, 0); warm.Err != "" {
		res.Err = "warm-up: " + warm.Err
		return res
	}
	for round := range o.runs {
		if ctx.Err() != nil {
			res.Err = ctx.Err().Error()
			return res
		}
		rd := loadBoth(ctx, gen, rs, w.Path, o.duration, round%2)
		res.Rounds = append(res.Rounds, rd)
		fmt.Fprintf(log, "%s round %d/%d (%s first): ", w.Name, round+1, o.runs, buildLabels[rd.First])
		if rd.Err != "" {
			fmt.Fprintf(log, "failed: %s\n", oneLine(rd.Err))
			continue
		}
		fmt.Fprintf(log, "A %s req/s, %s CPU per 1k; B %s req/s, %s CPU per 1k; CPU B ÷ A %.3f\n",
			num(rd.Load[0].RPS), dur(rd.CPUPer1k[0]), num(rd.Load[1].RPS), dur(rd.CPUPer1k[1]),
			float64(rd.CPUPer1k[1])/float64(rd.CPUPer1k[0]))
	}
	return res
}

// startBuild starts outpost dev from bin on w, in a project directory of
// the build's own, and checks its answer.
func startBuild(ctx context.Context, e *env, bin string, i int, w *workload) (*running, error) {
	be := *e
	be.outpostBin = bin
	name := "outpost-" + strings.ToLower(buildLabels[i])
	if e.profileDir != "" {
		// Both builds would write the same profile file otherwise.
		be.profileDir = filepath.Join(e.profileDir, name)
		if err := os.MkdirAll(be.profileDir, 0o755); err != nil {
			return nil, err
		}
	}
	r, _, err := start(ctx, &be, &system{Name: name, Command: outpostCommand}, w)
	if err != nil {
		return nil, err
	}
	if err := w.Check(func(path string) (*http.Response, string, error) { return httpGet(r.url + path) }); err != nil {
		r.stop()
		return nil, err
	}
	return r, nil
}

// loadBoth loads both servers for d at once, first's load started just
// before the other's. Each server's CPU time is read before either load
// starts and as soon as its own load ends, so that neither counts idle
// time the other's longer tail might leave.
func loadBoth(ctx context.Context, gen loadGen, rs [2]*running, path string, d time.Duration, first int) buildsRound {
	rd := buildsRound{First: first}
	var before, after [2]procStat
	for i, r := range rs {
		before[i], _ = treeStat(r.cmd.Process.Pid)
	}
	var errs [2]error
	var wg sync.WaitGroup
	started := make(chan struct{})
	for _, i := range []int{first, 1 - first} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if i == first {
				close(started)
			} else {
				<-started
			}
			rd.Load[i], errs[i] = gen.Run(ctx, rs[i].url+path, d)
			after[i], _ = treeStat(rs[i].cmd.Process.Pid)
		}()
	}
	wg.Wait()
	var failed []string
	for i, r := range rs {
		l := rd.Load[i]
		select {
		case <-r.exited:
			failed = append(failed, fmt.Sprintf("build %s exited during the load%s", buildLabels[i], r.tail()))
			continue
		default:
		}
		switch {
		case errs[i] != nil:
			failed = append(failed, fmt.Sprintf("build %s: %v", buildLabels[i], errs[i]))
		case l.Requests == 0:
			failed = append(failed, fmt.Sprintf("build %s answered no request", buildLabels[i]))
		case l.Errors*100 > l.Requests:
			// Past 1 %, as in the other modes, a result does not count.
			failed = append(failed, fmt.Sprintf("build %s: %d of %d requests failed (non-2xx or socket errors)", buildLabels[i], l.Errors, l.Requests))
		default:
			rd.CPUPer1k[i] = (after[i].CPU - before[i].CPU) * 1000 / time.Duration(l.Requests)
		}
	}
	rd.Err = strings.Join(failed, "; ")
	return rd
}

// ratioRange is a ratio's median over rounds and its range.
type ratioRange struct{ Median, Min, Max float64 }

// buildsSummary is a workload's rounds boiled down: ratios B ÷ A per round,
// and each build's medians.
type buildsSummary struct {
	Rounds   int // rounds both builds completed
	CPURatio ratioRange
	RPSRatio ratioRange
	CPUPer1k [2]time.Duration
	RPS      [2]float64
}

func summarizeBuilds(rounds []buildsRound) buildsSummary {
	var s buildsSummary
	var cpuRatios, rpsRatios []float64
	var cpu [2][]time.Duration
	var rps [2][]float64
	for _, r := range rounds {
		// A round counts whole or not at all: the ratio needs both.
		if r.Err != "" || r.CPUPer1k[0] <= 0 || r.CPUPer1k[1] <= 0 || r.Load[0].RPS <= 0 || r.Load[1].RPS <= 0 {
			continue
		}
		cpuRatios = append(cpuRatios, float64(r.CPUPer1k[1])/float64(r.CPUPer1k[0]))
		rpsRatios = append(rpsRatios, r.Load[1].RPS/r.Load[0].RPS)
		for i := range 2 {
			cpu[i] = append(cpu[i], r.CPUPer1k[i])
			rps[i] = append(rps[i], r.Load[i].RPS)
		}
	}
	s.Rounds = len(cpuRatios)
	if s.Rounds == 0 {
		return s
	}
	s.CPURatio = ratioRange{median(cpuRatios), slices.Min(cpuRatios), slices.Max(cpuRatios)}
	s.RPSRatio = ratioRange{median(rpsRatios), slices.Min(rpsRatios), slices.Max(rpsRatios)}
	for i := range 2 {
		s.CPUPer1k[i], s.RPS[i] = median(cpu[i]), median(rps[i])
	}
	return s
}

func (r ratioRange) String() string {
	return fmt.Sprintf("%.2f (%.2f–%.2f)", r.Median, r.Min, r.Max)
}

func buildsReport(results []buildsResult, gen loadGen, o options, versions, notes []string) string {
	var b strings.Builder
	writeHead(&b, "Two builds of Outpost under the same load at the same time", versions, notes)
	fmt.Fprintf(&b, "\nEach workload runs in two `outpost dev` processes at once, one per build, each in its own project directory.\n"+
		"After %s of warm-up of both together, each round loads both at the same moment for %s, with %s per build;\n"+
		"which build's load starts first alternates. CPU is the user and system time of each server's process tree from /proc,\n"+
		"from just before the round to just after its own load, divided by the requests it answered.\n\n"+
		"How to read it: ratios are B ÷ A within each round, median over the rounds (range in brackets). For CPU per request,\n"+
		"below 1.00 means B uses less CPU per request than A; for req/s, above 1.00 means B serves more. Both builds see the\n"+
		"same host in a round, so the ratios hold steadier than either build's own figures, which move with the host.\n",
		o.warmup, o.duration, gen.Name())
	b.WriteString("\n## Summary\n\n| workload | rounds | CPU per request B ÷ A | req/s B ÷ A | A: CPU / 1k req | B: CPU / 1k req | A: req/s | B: req/s |\n|---|--:|--:|--:|--:|--:|--:|--:|\n")
	var failures []string
	for _, res := range results {
		s := summarizeBuilds(res.Rounds)
		switch {
		case res.Err != "":
			fmt.Fprintf(&b, "| %s | %d | **failed** ||||||\n", res.Workload.Name, s.Rounds)
			failures = append(failures, res.Workload.Name+": "+res.Err)
		case s.Rounds == 0:
			fmt.Fprintf(&b, "| %s | 0 | **no round completed** ||||||\n", res.Workload.Name)
		default:
			fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %s |\n", res.Workload.Name, s.Rounds, s.CPURatio, s.RPSRatio,
				dur(s.CPUPer1k[0]), dur(s.CPUPer1k[1]), num(s.RPS[0]), num(s.RPS[1]))
		}
	}
	b.WriteString("\n## Rounds\n")
	for _, res := range results {
		if len(res.Rounds) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### %s: %s\n\n", res.Workload.Name, res.Workload.Title)
		b.WriteString("| round | first | A: req/s | B: req/s | A: CPU / 1k req | B: CPU / 1k req | CPU per request B ÷ A | req/s B ÷ A |\n|--:|---|--:|--:|--:|--:|--:|--:|\n")
		for i, r := range res.Rounds {
			if r.Err != "" {
				fmt.Fprintf(&b, "| %d | %s | failed: %s |||||\n", i+1, buildLabels[r.First], oneLine(r.Err))
				failures = append(failures, fmt.Sprintf("%s, round %d: %s", res.Workload.Name, i+1, r.Err))
				continue
			}
			fmt.Fprintf(&b, "| %d | %s | %s | %s | %s | %s | %.3f | %.3f |\n", i+1, buildLabels[r.First],
				num(r.Load[0].RPS), num(r.Load[1].RPS), dur(r.CPUPer1k[0]), dur(r.CPUPer1k[1]),
				float64(r.CPUPer1k[1])/float64(r.CPUPer1k[0]), r.Load[1].RPS/r.Load[0].RPS)
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

// buildsSummaryLines is the summary as plain lines, one per workload, for
// the end of the output.
func buildsSummaryLines(results []buildsResult) string {
	var b strings.Builder
	for _, res := range results {
		s := summarizeBuilds(res.Rounds)
		switch {
		case res.Err != "":
			fmt.Fprintf(&b, "%s: failed: %s\n", res.Workload.Name, oneLine(res.Err))
		case s.Rounds == 0:
			fmt.Fprintf(&b, "%s: no round completed\n", res.Workload.Name)
		default:
			fmt.Fprintf(&b, "%s: %d rounds; CPU per request B ÷ A %s; req/s B ÷ A %s; CPU per 1k requests A %s, B %s; req/s A %s, B %s\n",
				res.Workload.Name, s.Rounds, s.CPURatio, s.RPSRatio, dur(s.CPUPer1k[0]), dur(s.CPUPer1k[1]), num(s.RPS[0]), num(s.RPS[1]))
		}
	}
	return b.String()
}
