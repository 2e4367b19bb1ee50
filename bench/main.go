// Command bench measures Outpost side by side with workerd, wrangler dev and
// a bare Go server on the same worker scripts, and writes a Markdown report.
//
//	go run ./bench            # full run (installs the peers and wrk first)
//	go run ./bench -smoke     # a few seconds: Outpost vs bare Go on hello world
//
// See bench/README.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"

	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"time"
)

type options struct {
	runs             int
	duration, warmup time.Duration
	threads, conns   int
	systems, wls     string
	peers, out       string
	smoke, noInstall bool
	cpuprofile       bool
	compatDate       string
	queues           bool
	serve            bool
	engine           bool
	density          int
	serveVariants    string
	builds           string          // -builds PATH_A,PATH_B
	set              map[string]bool // the flags given on the command line
}

func main() {
	var o options
	var serveHelloAddr, serveProxyArgs string
	flag.IntVar(&o.runs, "runs", 1, "how many times to measure everything; systems alternate order between runs")
	flag.DurationVar(&o.duration, "duration", 10*time.Second, "load per system and workload")
	flag.DurationVar(&o.warmup, "warmup", 3*time.Second, "unmeasured load before each measurement")
	flag.IntVar(&o.threads, "threads", 2, "wrk threads")
	flag.IntVar(&o.conns, "conns", 32, "wrk connections")
	flag.StringVar(&o.systems, "systems", "outpost,workerd,wrangler,go", "systems to measure")
	flag.StringVar(&o.wls, "workloads", "", "workloads to run (default all): "+workloadNames())
	flag.StringVar(&o.peers, "peers", "", "directory for the npm peers (default bench/.peers)")
	flag.StringVar(&o.out, "out", "", "directory for the report (default bench/results)")
	flag.BoolVar(&o.smoke, "smoke", false, "a few seconds: hello world on Outpost and bare Go (plus peers already installed), nothing installed")
	flag.BoolVar(&o.noInstall, "no-install", false, "install nothing; measure only what is already there")
	flag.BoolVar(&o.cpuprofile, "cpuprofile", false, "have Outpost write a CPU profile per workload next to the report (OUTPOST_CPUPROFILE)")
	flag.StringVar(&o.compatDate, "compatibility-date", "2025-09-01", "compatibility_date of the bench workers")
	flag.BoolVar(&o.queues, "queues", false, "measure Queues instead: messages per second produced and consumed end to end, Outpost beside wrangler dev")
	flag.BoolVar(&o.serve, "serve", false, "measure outpost serve instead: -workers hello-world workers in one process beside one workerd config of as many services (memory per worker, req/s across them), and hello world with 1 and 2 instances")
	flag.BoolVar(&o.engine, "engine", false, "measure the engines alone instead: the react workload's page rendered many times inside one request, CPU per render, Outpost beside workerd")
	flag.IntVar(&o.density, "workers", 1000, "how many workers -serve runs in one process")
	flag.StringVar(&o.serveVariants, "serve-variants", "outpost,outpost-lazy,outpost-release", "the outpost serve configurations -serve's density run measures: outpost (instances start at start-up), outpost-lazy (start_instances = \"on_request\"), outpost-release (release_idle_after)")
	flag.StringVar(&o.builds, "builds", "", "compare two outpost binaries instead, PATH_A,PATH_B: both serve each workload at once and are loaded at the same moment, round after round; "+
		"the report gives B ÷ A per round of CPU per request and req/s. Here -runs is the rounds (default 10), -duration per round (default 3s), "+
		"-conns per build (default 16), -threads per wrk (default 1), -workloads defaults to hello,hono")
	flag.StringVar(&serveHelloAddr, "serve-hello", "", "internal: serve the bare Go hello world on this address")
	flag.StringVar(&serveProxyArgs, "serve-proxy", "", "internal: ADDR,ORIGIN: serve the bare Go fetch workload on ADDR, fetching from ORIGIN")
	flag.Parse()
	o.set = map[string]bool{}
	flag.Visit(func(f *flag.Flag) { o.set[f.Name] = true })
	if serveHelloAddr != "" {
		if err := serveHello(serveHelloAddr); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	if serveProxyArgs != "" {
		addr, origin, _ := strings.Cut(serveProxyArgs, ",")
		if err := serveProxy(addr, origin); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		return
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, o); err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

func workloadNames() string {
	var names []string
	for _, w := range workloads {
		names = append(names, w.Name)
	}
	return strings.Join(names, ",")
}

func run(ctx context.Context, o options) error {
	if runtime.GOOS != "linux" {
		return errors.New("the benchmark reads memory from /proc and runs on Linux only")
	}
	root, err := repoRoot()
	if err != nil {
		return err
	}
	log := os.Stderr
	var builds [2]string
	if o.builds != "" {
		if builds, err = setupBuilds(&o); err != nil {
			return err
		}
	}
	if o.smoke {
		o.duration, o.warmup, o.runs, o.noInstall = 2*time.Second, 500*time.Millisecond, 1, true
		if o.wls == "" {
			o.wls = "hello"
		}
	}
	if o.peers == "" {
		o.peers = filepath.Join(root, "bench", ".peers")
	}
	if o.out == "" {
		o.out = filepath.Join(root, "bench", "results")
	}
	if o.engine {
		o.wls = "react"
	}
	if (o.queues || o.serve) && o.wls == "" {
		o.wls = "hello" // the queue mode needs no npm packages for its worker
	}
	wls, err := pick(workloads, o.wls, func(w *workload) string { return w.Name })
	if err != nil {
		return fmt.Errorf("-workloads: %w", err)
	}
	systems, err := pick(allSystems(), o.systems, func(s *system) string { return s.Name })
	if err != nil {
		return fmt.Errorf("-systems: %w", err)
	}
	var notes []string

	// What the peers and the worker scripts need from npm.
	needNPMDeps := slices.ContainsFunc(wls, func(w *workload) bool { return w.Script == "hono.js" || w.Script == "react.js" })
	if needNPMDeps {
		if o.noInstall {
			if _, err := os.Stat(filepath.Join(root, "bench", "workers", "node_modules")); err != nil {
				return errors.New("bench/workers/node_modules is missing: run without -no-install/-smoke, or npm ci in bench/workers")
			}
		} else if err := installWorkerDeps(root, log); err != nil {
			return err
		}
	}
	peersWanted := slices.ContainsFunc(systems, func(s *system) bool { return s.Name == "workerd" || s.Name == "wrangler" })
	if peersWanted {
		var perr error
		if o.noInstall {
			if _, err := os.Stat(filepath.Join(o.peers, "node_modules", "workerd", "bin", "workerd")); err != nil {
				perr = fmt.Errorf("not installed in %s", o.peers)
			}
		} else {
			perr = installPeers(root, o.peers, log)
		}
		if perr != nil {
			msg := fmt.Sprintf("workerd and wrangler are not measured (%v): Outpost is compared with the bare Go server only", perr)
			fmt.Fprintln(log, "bench:", msg)
			notes = append(notes, msg)
			systems = slices.DeleteFunc(systems, func(s *system) bool { return s.Name == "workerd" || s.Name == "wrangler" })
		}
	}

	var gen loadGen
	if wrk, err := findWrk(!o.noInstall, log); err == nil {
		gen = &wrkGen{path: wrk, threads: o.threads, conns: o.conns, version: wrkVersion(wrk)}
	} else {
		fmt.Fprintf(log, "bench: %v; using the built-in Go load generator\n", err)
		gen = &goGen{conns: o.conns}
	}

	scratch := filepath.Join(o.peers, "run")
	if err := os.MkdirAll(scratch, 0o755); err != nil {
		return err
	}
	e := &env{root: root, scratch: scratch, peers: o.peers, compatDate: o.compatDate,
		outpostBin: filepath.Join(scratch, "outpost")}
	if e.self, err = os.Executable(); err != nil {
		return err
	}
	if o.builds == "" { // the builds run measures the binaries it is given
		if err := buildOutpost(root, e.outpostBin, log); err != nil {
			return err
		}
	}
	originURL, stopOrigin, err := startOrigin()
	if err != nil {
		return err
	}
	defer stopOrigin()
	e.originURL = originURL

	when := time.Now()
	stamp := when.UTC().Format("2006-01-02-150405")

	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	if o.cpuprofile {
		e.profileDir = filepath.Join(o.out, stamp+"-profiles")
		if err := os.MkdirAll(e.profileDir, 0o755); err != nil {
			return err
		}
		notes = append(notes, "Outpost ran with OUTPOST_CPUPROFILE: CPU profiles in "+e.profileDir)
	}

	var versions []string
	if o.builds != "" {
		versions = buildVersions(builds)
	} else {
		versions = []string{"Outpost: " + commandVersion(e.outpostBin, "version") + " (" + runtime.Version() + ")"}
	}
	for _, s := range systems {
		switch s.Name {
		case "workerd":
			versions = append(versions, "workerd: "+commandVersion(filepath.Join(o.peers, "node_modules", "workerd", "bin", "workerd"), "--version")+
				" (npm workerd "+npmVersion(filepath.Join(o.peers, "node_modules"), "workerd")+")")
		case "wrangler":
			versions = append(versions, "wrangler: "+npmVersion(filepath.Join(o.peers, "node_modules"), "wrangler")+
				" on Node.js "+commandVersion("node", "--version")+", its workerd "+wranglerWorkerd(o.peers))
		}
	}
	nm := filepath.Join(root, "bench", "workers", "node_modules")
	versions = append(versions, fmt.Sprintf("worker packages: hono %s, react %s, react-dom %s; compatibility_date %s",
		npmVersion(nm, "hono"), npmVersion(nm, "react"), npmVersion(nm, "react-dom"), o.compatDate))
	loadDesc := fmt.Sprintf("%s, %s per measurement after %s of warm-up", gen.Name(), o.duration, o.warmup)
	if o.builds != "" {
		return runBuildsBench(ctx, e, builds, wls, o, gen, stamp, versions, notes, log)
	}
	if o.serve {
		return runServeBench(ctx, e, systems, o, gen, stamp, versions, notes, log)
	}
	if o.engine {
		return runEngineBench(ctx, e, systems, o, stamp, versions, notes, log)
	}
	if o.queues {
		return runQueueBench(ctx, e, systems, o, stamp, versions, notes, log)
	}

	var samples []sample
	for r := range o.runs {
		// Rotate the order so that drift on a shared machine hits every
		// system alike.
		order := append(slices.Clone(systems[r%len(systems):]), systems[:r%len(systems)]...)
		for _, w := range wls {
			for _, s := range order {
				if ctx.Err() != nil {
					return ctx.Err()
				}
				ok, reason := s.Supports(w)
				if !ok {
					if reason != "" {
						samples = append(samples, sample{System: s.Name, Workload: w.Name, NA: reason})
					}
					continue
				}
				fmt.Fprintf(log, "run %d/%d: %s on %s … ", r+1, o.runs, w.Name, s.Name)
				smp := measure(ctx, e, s, w, gen, o)
				smp.Run = r
				if smp.Err != "" {
					fmt.Fprintf(log, "failed: %s\n", oneLine(smp.Err))
				} else {
					fmt.Fprintf(log, "%s req/s, p99 %s, CPU %s per 1k requests, cold start %s\n",
						num(smp.Load.RPS), dur(smp.Load.P99), dur(smp.CPUPer1k), dur(smp.Cold))
				}
				samples = append(samples, smp)
			}
		}
	}

	cells := aggregate(samples)
	md := markdown(reportHeader{When: when, Command: strings.Join(append([]string{"go run ./bench"}, os.Args[1:]...), " "),
		Machine: machineInfo(), Versions: versions, Load: loadDesc, Runs: o.runs, Notes: notes},
		systems, wls, cells)
	fmt.Println(md)
	path := filepath.Join(o.out, stamp+".md")
	if o.smoke {
		path = filepath.Join(o.out, stamp+"-smoke.md")
	}
	if err := os.WriteFile(path, []byte(md), 0o644); err != nil {
		return err
	}
	fmt.Fprintln(log, "report written to", path)
	if o.smoke {
		// The smoke run guards that Outpost serves at all under load.
		for _, w := range wls {
			if c := cells[[2]string{w.Name, "outpost"}]; c == nil || !c.ok() {
				return fmt.Errorf("smoke: Outpost failed %s", w.Name)
			}
		}
	}
	return nil
}

// measure starts s on w, checks the answer, and loads it.
func measure(ctx context.Context, e *env, s *system, w *workload, gen loadGen, o options) sample {
	smp := sample{System: s.Name, Workload: w.Name}
	r, cold, err := start(ctx, e, s, w)
	if err != nil {
		smp.Err = err.Error()
		return smp
	}
	defer r.stop()
	smp.Cold = cold
	if err := w.Check(func(path string) (*http.Response, string, error) { return httpGet(r.url + path) }); err != nil {
		smp.Err = err.Error()
		return smp
	}
	// Idle memory once the first requests are done and start-up work has
	// settled.
	time.Sleep(time.Second)
	if st, err := treeStat(r.cmd.Process.Pid); err == nil {
		smp.IdleRSS, smp.IdleAnon = st.RSS, st.Anon
	}
	url := r.url + w.Path
	if _, err := gen.Run(ctx, url, o.warmup); err != nil {
		smp.Err = "warm-up: " + err.Error() + r.tail()
		return smp
	}
	sampler := sampleRSS(r.cmd.Process.Pid, 100*time.Millisecond)
	before, _ := treeStat(r.cmd.Process.Pid)
	res, err := gen.Run(ctx, url, o.duration)
	after, _ := treeStat(r.cmd.Process.Pid)
	smp.PeakRSS = sampler.Stop()
	if err != nil {
		smp.Err = err.Error()
		return smp
	}
	smp.Load = res
	if res.Requests > 0 {
		smp.CPUPer1k = (after.CPU - before.CPU) * 1000 / time.Duration(res.Requests)
	}
	select {
	case <-r.exited:
		smp.Err = s.Name + " exited during the load" + r.tail()
	default:
	}
	return smp
}

// wranglerWorkerd is the workerd version wrangler's Miniflare runs.
func wranglerWorkerd(peers string) string {
	for _, nm := range []string{
		filepath.Join(peers, "node_modules", "wrangler", "node_modules"),
		filepath.Join(peers, "node_modules", "miniflare", "node_modules"),
		filepath.Join(peers, "node_modules"),
	} {
		if v := npmVersion(nm, "workerd"); v != "not installed" {
			return v
		}
	}
	return "unknown"
}

func pick[T any](all []T, list string, name func(T) string) ([]T, error) {
	if list == "" {
		return all, nil
	}
	var out []T
	for _, n := range strings.Split(list, ",") {
		n = strings.TrimSpace(n)
		i := slices.IndexFunc(all, func(x T) bool { return name(x) == n })
		if i < 0 {
			var names []string
			for _, x := range all {
				names = append(names, name(x))
			}
			return nil, fmt.Errorf("unknown name %q (known: %s)", n, strings.Join(names, ", "))
		}
		out = append(out, all[i])
	}
	return out, nil
}

// repoRoot is the directory of go.mod above the working directory.
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(filepath.Join(dir, "bench", "workers")); err == nil {
				return dir, nil
			}
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("run the benchmark from the Outpost repository (go run ./bench)")
		}
		dir = parent
	}
}
