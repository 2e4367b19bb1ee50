package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
)

// The engine run: the react workload's page rendered many times inside one
// request (bench/workers/src/react.js, ?renders=N), with the CPU time of
// the server's process tree read from /proc before and after. Outpost and
// workerd run the same bundle of React; what one request costs beyond the
// render (HTTP, the Request and Response, the body's way out) is left
// out, so the figure is the engine's own speed on this code, JIT and
// collector included.

const (
	engineWarmRenders = 4000 // unmeasured, so that the JIT tiers settle
	engineRenders     = 2000 // per measured request
	engineRounds      = 5    // measured requests per run
)

type engineResult struct {
	System string
	Run    int
	PerOp  []time.Duration // CPU per render, one per round
	Length string          // the page's length, the same everywhere
	Err    string
}

func runEngineBench(ctx context.Context, e *env, systems []*system, o options, stamp string, versions, notes []string, log io.Writer) error {
	i := slices.IndexFunc(workloads, func(w *workload) bool { return w.Name == "react" })
	w := workloads[i]
	systems = slices.DeleteFunc(slices.Clone(systems), func(s *system) bool { return s.Name != "outpost" && s.Name != "workerd" })
	var results []engineResult
	for r := range o.runs {
		order := append(slices.Clone(systems[r%len(systems):]), systems[:r%len(systems)]...)
		for _, s := range order {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(log, "run %d/%d: React renders on %s … ", r+1, o.runs, s.Name)
			res := measureRenders(ctx, e, s, w)
			res.Run = r
			if res.Err != "" {
				fmt.Fprintf(log, "failed: %s\n", oneLine(res.Err))
			} else {
				fmt.Fprintf(log, "%s CPU per render (median of %d)\n", dur(median(res.PerOp)), len(res.PerOp))
			}
			results = append(results, res)
		}
	}
	return writeReport(o.out, stamp+"-engine.md", engineReport(results, versions, notes), log)
}

func measureRenders(ctx context.Context, e *env, s *system, w *workload) engineResult {
	res := engineResult{System: s.Name}
	r, _, err := start(ctx, e, s, w)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	defer r.stop()
	renders := func(n int) (string, error) {
		resp, body, err := httpGet(fmt.Sprintf("%s/?renders=%d", r.url, n))
		if err == nil && resp.StatusCode != 200 {
			err = fmt.Errorf("status %s: %s", resp.Status, abbreviate(body))
		}
		return body, err
	}
	if _, err := renders(engineWarmRenders); err != nil {
		res.Err = "warm-up: " + err.Error() + r.tail()
		return res
	}
	for range engineRounds {
		before, _ := treeStat(r.cmd.Process.Pid)
		body, err := renders(engineRenders)
		after, _ := treeStat(r.cmd.Process.Pid)
		if err != nil {
			res.Err = err.Error() + r.tail()
			return res
		}
		res.Length = body
		res.PerOp = append(res.PerOp, (after.CPU-before.CPU)/engineRenders)
	}
	return res
}

func engineReport(results []engineResult, versions, notes []string) string {
	var b strings.Builder
	writeHead(&b, "Engines: React's renderToString alone, Outpost beside workerd", versions, notes)
	fmt.Fprintf(&b, "\nThe react workload's 200-row table rendered %d times inside one request (`GET /?renders=%d`),\n"+
		"after %d unmeasured renders; CPU time of the server's process tree from /proc, divided by the renders.\n"+
		"%d such requests per run; the last column is the length of the page each system rendered.\n\n",
		engineRenders, engineRenders, engineWarmRenders, engineRounds)
	b.WriteString("| system | run | CPU per render, median (range) | page length |\n|---|---|---|---|\n")
	per := map[string][]time.Duration{}
	for _, r := range results {
		if r.Err != "" {
			fmt.Fprintf(&b, "| %s | %d | failed: %s | |\n", r.System, r.Run+1, oneLine(r.Err))
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %s (%s–%s) | %s |\n", r.System, r.Run+1, dur(median(r.PerOp)), dur(slices.Min(r.PerOp)), dur(slices.Max(r.PerOp)), r.Length)
		per[r.System] = append(per[r.System], r.PerOp...)
	}
	if len(per["outpost"]) > 0 && len(per["workerd"]) > 0 {
		o, w := median(per["outpost"]), median(per["workerd"])
		fmt.Fprintf(&b, "\nMedian over all rounds: Outpost %s, workerd %s per render: Outpost ÷ workerd **%.2f×** (CPU, lower is better).\n",
			dur(o), dur(w), float64(o)/float64(w))
	}
	return b.String()
}
