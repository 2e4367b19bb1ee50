package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// The serve benchmark (-serve): many small workers in one process, and one
// worker in outpost serve with 1 and 2 instances.
//
// Density: N hello-world workers in one `outpost serve` (one route host
// each) and in one workerd process (one config with N services, one
// loopback socket each). It reports the memory of the process tree once it
// answers (only the first worker has been requested), after every worker
// answered once, and at peak under load across all of them, per worker; and
// the requests per second of that load.

// densityResult is one system's density measurement.
type densityResult struct {
	System  string
	Run     int
	Err     string
	Workers int
	Start   time.Duration // process start to every worker answering
	Idle    procStat      // after the first worker's answer (the others never requested)
	First   time.Duration // the first request to a worker never requested (outpost-release: released)
	Touched procStat      // after every worker answered once
	// Each worker's first request, 8 at a time (a cold start each for
	// outpost-lazy and outpost-release): median and slowest, and how many
	// outlasted the client's timeout (then tried once more).
	TouchP50, TouchMax time.Duration
	TouchSlow          int64
	Peak               int64    // RSS sampled during the load
	After              procStat // idle again after the load (outpost-release: once released)
	RPS                float64
	Errors             int64
	CPUPer1k           time.Duration
}

// instancesResult is hello world in outpost serve with k instances.
type instancesResult struct {
	Instances int
	Run       int
	Err       string
	Load      loadResult
	CPUPer1k  time.Duration
}

func runServeBench(ctx context.Context, e *env, systems []*system, o options, gen loadGen, stamp string, versions, notes []string, log io.Writer) error {
	hello := filepath.Join(e.workersDir(), "src", "hello.js")
	var dens []densityResult
	var insts []instancesResult
	names := []string{}
	for _, s := range systems {
		switch s.Name {
		case "outpost":
			for _, v := range strings.Split(o.serveVariants, ",") {
				if v = strings.TrimSpace(v); v != "" {
					names = append(names, v)
				}
			}
		case "workerd":
			names = append(names, s.Name)
		}
	}
	for r := range o.runs {
		order := append(slices.Clone(names[r%len(names):]), names[:r%len(names)]...)
		for _, name := range order {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			fmt.Fprintf(log, "run %d/%d: %d workers on %s … ", r+1, o.runs, o.density, name)
			res := measureDensity(ctx, e, name, hello, o)
			res.Run = r
			if res.Err != "" {
				fmt.Fprintf(log, "failed: %s\n", oneLine(res.Err))
			} else {
				fmt.Fprintf(log, "%s req/s, %s per worker idle, %s once all answered\n", num(res.RPS), mib(res.Idle.RSS/int64(res.Workers)), mib(res.Touched.RSS/int64(res.Workers)))
			}
			dens = append(dens, res)
		}
		for _, k := range []int{1, 2} {
			fmt.Fprintf(log, "run %d/%d: hello on outpost serve, instances = %d … ", r+1, o.runs, k)
			res := measureInstances(ctx, e, hello, k, gen, o)
			res.Run = r
			if res.Err != "" {
				fmt.Fprintf(log, "failed: %s\n", oneLine(res.Err))
			} else {
				fmt.Fprintf(log, "%s req/s\n", num(res.Load.RPS))
			}
			insts = append(insts, res)
		}
	}
	return writeReport(o.out, stamp+"-serve.md", serveReport(o, dens, insts, versions, notes, gen)+"\n", log)
}

// releaseAfter is outpost-release's release_idle_after.
const releaseAfter = 10 * time.Second

// restAfter is how long after the load the memory is measured again: past
// outpost serve's default discard_code_after (30 s) and two of its
// instance checks (every 2 s).
const restAfter = 34 * time.Second

// densityTargets are the URLs and Host headers of the N workers.
type densityTarget struct{ url, host string }

func measureDensity(ctx context.Context, e *env, system, hello string, o options) densityResult {
	res := densityResult{System: system, Workers: o.density}
	dir := filepath.Join(e.scratch, system+"-density")
	os.RemoveAll(dir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		res.Err = err.Error()
		return res
	}
	var cmd *exec.Cmd
	var targets []densityTarget
	var err error
	switch system {
	case "outpost":
		cmd, targets, err = outpostDensity(e, dir, hello, o.density, 0, false)
	case "outpost-lazy":
		cmd, targets, err = outpostDensity(e, dir, hello, o.density, 0, true)
	case "outpost-release":
		cmd, targets, err = outpostDensity(e, dir, hello, o.density, releaseAfter, false)
	case "workerd":
		cmd, targets, err = workerdDensity(e, dir, hello, o.density)
	default:
		err = fmt.Errorf("unknown -serve-variants entry %q (outpost, outpost-lazy or outpost-release)", system)
	}
	if err != nil {
		res.Err = err.Error()
		return res
	}
	r, err := startProcess(ctx, cmd, dir)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	defer r.stop()
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		MaxIdleConns: 256, MaxIdleConnsPerHost: 4, DisableCompression: true}}
	defer client.CloseIdleConnections()
	// The server answers once its last worker does (outpost serve starts
	// or checks the workers of its config before it listens; workerd opens
	// every socket at once).
	if err := waitAnswer(ctx, client, targets[len(targets)-1], r, 180*time.Second); err != nil {
		res.Err = err.Error()
		return res
	}
	res.Start = time.Since(r.started)
	if err := waitAnswer(ctx, client, targets[0], r, 10*time.Second); err != nil {
		res.Err = err.Error()
		return res
	}
	settle := 2 * time.Second
	if system == "outpost-release" {
		settle += releaseAfter
	}
	time.Sleep(settle)
	res.Idle, _ = treeStat(r.cmd.Process.Pid)
	t0 := time.Now()
	if err := get(client, targets[len(targets)/2]); err != nil {
		res.Err = err.Error()
		return res
	}
	res.First = time.Since(t0)
	// Every worker once.
	var failed, slow atomic.Int64
	var firstErr atomic.Value
	var latMu sync.Mutex
	var lats []time.Duration
	eachParallel(targets, 8, func(t densityTarget) {
		t0 := time.Now()
		err := get(client, t)
		if err != nil {
			// A cold start queued behind others on a loaded machine may
			// outlast the client's timeout: counted, and tried again.
			slow.Add(1)
			err = get(client, t)
		}
		if err != nil {
			failed.Add(1)
			firstErr.CompareAndSwap(nil, err.Error())
			return
		}
		latMu.Lock()
		lats = append(lats, time.Since(t0))
		latMu.Unlock()
	})
	res.TouchSlow = slow.Load()
	if len(lats) > 0 {
		slices.Sort(lats)
		res.TouchP50, res.TouchMax = lats[len(lats)/2], lats[len(lats)-1]
	}
	if failed.Load() > 0 {
		res.Err = fmt.Sprintf("%d of %d workers failed their first request: %v%s", failed.Load(), len(targets), firstErr.Load(), r.tail())
		return res
	}
	// Measured before outpost-release's workers go idle again.
	time.Sleep(time.Second)
	res.Touched, _ = treeStat(r.cmd.Process.Pid)
	if system == "outpost-release" {
		// Under load its workers stay warm and it is outpost; what
		// differs is the memory once they went idle again.
		time.Sleep(releaseAfter + 2*time.Second)
		res.After, _ = treeStat(r.cmd.Process.Pid)
		return res
	}
	// Load across all of them: o.conns clients, each taking the next
	// worker in turn.
	sampler := sampleRSS(r.cmd.Process.Pid, 100*time.Millisecond)
	before, _ := treeStat(r.cmd.Process.Pid)
	var next, done, errs atomic.Int64
	deadline := time.Now().Add(o.duration)
	start := time.Now()
	var wg sync.WaitGroup
	for range o.conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) && ctx.Err() == nil {
				t := targets[int(next.Add(1))%len(targets)]
				if err := get(client, t); err != nil {
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
				}
				done.Add(1)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	after, _ := treeStat(r.cmd.Process.Pid)
	res.Peak = sampler.Stop()
	res.RPS = float64(done.Load()-errs.Load()) / elapsed.Seconds()
	res.Errors = errs.Load()
	if n := done.Load(); n > 0 {
		res.CPUPer1k = (after.CPU - before.CPU) * 1000 / time.Duration(n)
	}
	if n := done.Load(); n == 0 || float64(errs.Load()) > 0.01*float64(n) {
		res.Err = fmt.Sprintf("%d of %d requests failed (%v)%s", errs.Load(), n, firstErr.Load(), r.tail())
		return res
	}
	time.Sleep(restAfter)
	res.After, _ = treeStat(r.cmd.Process.Pid)
	return res
}

// eachParallel runs f over items with n goroutines.
func eachParallel[T any](items []T, n int, f func(T)) {
	var i atomic.Int64
	var wg sync.WaitGroup
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				k := int(i.Add(1)) - 1
				if k >= len(items) {
					return
				}
				f(items[k])
			}
		}()
	}
	wg.Wait()
}

func get(client *http.Client, t densityTarget) error {
	req, err := http.NewRequest("GET", t.url, nil)
	if err != nil {
		return err
	}
	req.Host = t.host
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return err
	}
	if resp.StatusCode != 200 || string(body) != "Hello World!" {
		return fmt.Errorf("%s (Host %s): %d %s", t.url, t.host, resp.StatusCode, abbreviate(string(body)))
	}
	return nil
}

func waitAnswer(ctx context.Context, client *http.Client, t densityTarget, r *running, limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		err := get(client, t)
		if err == nil {
			return nil
		}
		select {
		case <-r.exited:
			return fmt.Errorf("exited before answering: %s", r.tail())
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("no answer from %s within %s (%v): %s", t.host, limit, err, r.tail())
		}
	}
}

// startProcess starts cmd in its own process group with its output in dir.
func startProcess(ctx context.Context, cmd *exec.Cmd, dir string) (*running, error) {
	logPath := filepath.Join(dir, "output.log")
	logFile, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	defer logFile.Close()
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	r := &running{cmd: cmd, log: logPath, exited: make(chan struct{}), started: time.Now()}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { cmd.Wait(); close(r.exited) }()
	return r, nil
}

// outpostDensity writes n hello-world projects and one outpost.toml routing
// wI.bench to worker wI; lazy sets start_instances = "on_request".
func outpostDensity(e *env, dir, hello string, n int, release time.Duration, lazy bool) (*exec.Cmd, []densityTarget, error) {
	port, err := freePort()
	if err != nil {
		return nil, nil, err
	}
	var conf strings.Builder
	fmt.Fprintf(&conf, "listen = \"127.0.0.1:%d\"\nstate_dir = %s\ninstances = 1\n", port, strconv.Quote(filepath.Join(dir, "state")))
	if release > 0 {
		fmt.Fprintf(&conf, "release_idle_after = %q\n", release.String())
	}
	if lazy {
		conf.WriteString("start_instances = \"on_request\"\n")
	}
	var targets []densityTarget
	for i := range n {
		name := fmt.Sprintf("w%d", i)
		pdir := filepath.Join(dir, name)
		if err := os.MkdirAll(pdir, 0o755); err != nil {
			return nil, nil, err
		}
		toml := fmt.Sprintf("name = %q\nmain = %s\ncompatibility_date = %q\n", name, strconv.Quote(hello), e.compatDate)
		if err := os.WriteFile(filepath.Join(pdir, "wrangler.toml"), []byte(toml), 0o644); err != nil {
			return nil, nil, err
		}
		fmt.Fprintf(&conf, "\n[[workers]]\nname = %q\ndir = %s\nroutes = [\"%s.bench/*\"]\n", name, strconv.Quote(pdir), name)
		targets = append(targets, densityTarget{url: fmt.Sprintf("http://127.0.0.1:%d/", port), host: name + ".bench"})
	}
	path := filepath.Join(dir, "outpost.toml")
	if err := os.WriteFile(path, []byte(conf.String()), 0o644); err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(e.outpostBin, "serve", "--config", path, "--log-level", "warn")
	cmd.Dir = dir
	return cmd, targets, nil
}

// workerdDensity writes one workerd config with n services of the same
// hello-world module, each on its own loopback socket.
func workerdDensity(e *env, dir, hello string, n int) (*exec.Cmd, []densityTarget, error) {
	if err := bundleForWorkerd(hello, filepath.Join(dir, "worker.js")); err != nil {
		return nil, nil, err
	}
	ports, err := freePorts(n)
	if err != nil {
		return nil, nil, err
	}
	var services, sockets, workers strings.Builder
	var targets []densityTarget
	for i, port := range ports {
		fmt.Fprintf(&services, "    (name = \"w%d\", worker = .w%d),\n", i, i)
		fmt.Fprintf(&sockets, "    (name = \"s%d\", address = \"127.0.0.1:%d\", http = (), service = \"w%d\"),\n", i, port, i)
		fmt.Fprintf(&workers, "const w%d :Workerd.Worker = (modules = [(name = \"worker.js\", esModule = embed \"worker.js\")], compatibilityDate = %q);\n", i, e.compatDate)
		targets = append(targets, densityTarget{url: fmt.Sprintf("http://127.0.0.1:%d/", port), host: fmt.Sprintf("w%d.bench", i)})
	}
	conf := fmt.Sprintf("using Workerd = import \"/workerd/workerd.capnp\";\n\nconst config :Workerd.Config = (\n  services = [\n%s  ],\n  sockets = [\n%s  ],\n);\n\n%s",
		services.String(), sockets.String(), workers.String())
	if err := os.WriteFile(filepath.Join(dir, "config.capnp"), []byte(conf), 0o644); err != nil {
		return nil, nil, err
	}
	cmd := exec.Command(filepath.Join(e.peers, "node_modules", "workerd", "bin", "workerd"), "serve", "config.capnp")
	cmd.Dir = dir
	return cmd, targets, nil
}

// freePorts finds n distinct free loopback ports (all held open until
// every one is found, so none is handed out twice).
func freePorts(n int) ([]int, error) {
	var ports []int
	var lns []net.Listener
	defer func() {
		for _, ln := range lns {
			ln.Close()
		}
	}()
	for range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, err
		}
		lns = append(lns, ln)
		ports = append(ports, ln.Addr().(*net.TCPAddr).Port)
	}
	return ports, nil
}

// measureInstances loads hello world in outpost serve with k instances.
func measureInstances(ctx context.Context, e *env, hello string, k int, gen loadGen, o options) instancesResult {
	res := instancesResult{Instances: k}
	dir := filepath.Join(e.scratch, fmt.Sprintf("outpost-instances-%d", k))
	os.RemoveAll(dir)
	pdir := filepath.Join(dir, "hello")
	if err := os.MkdirAll(pdir, 0o755); err != nil {
		res.Err = err.Error()
		return res
	}
	port, err := freePort()
	if err != nil {
		res.Err = err.Error()
		return res
	}
	toml := fmt.Sprintf("name = \"hello\"\nmain = %s\ncompatibility_date = %q\n", strconv.Quote(hello), e.compatDate)
	conf := fmt.Sprintf("listen = \"127.0.0.1:%d\"\nstate_dir = %s\n\n[[workers]]\nname = \"hello\"\ndir = %s\nroutes = [\"*/*\"]\ninstances = %d\n",
		port, strconv.Quote(filepath.Join(dir, "state")), strconv.Quote(pdir), k)
	for p, text := range map[string]string{filepath.Join(pdir, "wrangler.toml"): toml, filepath.Join(dir, "outpost.toml"): conf} {
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			res.Err = err.Error()
			return res
		}
	}
	cmd := exec.Command(e.outpostBin, "serve", "--config", filepath.Join(dir, "outpost.toml"), "--log-level", "warn")
	cmd.Dir = dir
	r, err := startProcess(ctx, cmd, dir)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	defer r.stop()
	t := densityTarget{url: fmt.Sprintf("http://127.0.0.1:%d/", port), host: "hello.bench"}
	if err := waitAnswer(ctx, http.DefaultClient, t, r, 90*time.Second); err != nil {
		res.Err = err.Error()
		return res
	}
	if _, err := gen.Run(ctx, t.url, o.warmup); err != nil {
		res.Err = "warm-up: " + err.Error()
		return res
	}
	before, _ := treeStat(r.cmd.Process.Pid)
	load, err := gen.Run(ctx, t.url, o.duration)
	after, _ := treeStat(r.cmd.Process.Pid)
	if err != nil {
		res.Err = err.Error()
		return res
	}
	res.Load = load
	if load.Requests > 0 {
		res.CPUPer1k = (after.CPU - before.CPU) * 1000 / time.Duration(load.Requests)
	}
	return res
}

func serveReport(o options, dens []densityResult, insts []instancesResult, versions, notes []string, gen loadGen) string {
	var b strings.Builder
	writeHead(&b, "Outpost serve benchmarks, "+time.Now().UTC().Format("2006-01-02 15:04 UTC"), versions, notes)
	fmt.Fprintf(&b, "- Runs: %d (the order of systems rotates each run); every run is listed\n\n", o.runs)
	fmt.Fprintf(&b, "## Density: %d hello-world workers in one process\n\n", o.density)
	fmt.Fprintf(&b, "Memory of the process tree: *idle* once the first worker answered (the others never requested), *all once* after every worker answered one request, *peak* during %s of load from %d connections taking the workers in turn (Go client in the harness), *after* %s past the load (outpost serve's workers have then dropped their compiled code: `discard_code_after`, 30 s by default). Per worker = the figure ÷ %d. `outpost-release` is outpost serve with `release_idle_after = \"%s\"`: its idle figure is taken once that time has passed, *after* %s after every worker answered once, and it is not loaded (warm, it is outpost; a load that reaches each worker less often than that pays a cold start per request).\n\n",
		o.duration, o.conns, restAfter, o.density, releaseAfter, releaseAfter+2*time.Second)
	b.WriteString("`outpost-lazy` is outpost serve with `start_instances = \"on_request\"`: a worker holds no VM until its first request (the two workers requested to see that the server answers are the only ones started when *idle* is taken).\n\n")
	b.WriteString("*first request* is the latency of the first request to a worker not requested before (for outpost-release, one whose instance was released; for outpost-lazy, one never started: a cold start either way).\n\n")
	b.WriteString("*each once* is the latency of every worker's first request, 8 at a time: median / slowest, and how many outlasted the harness's 10 s timeout (each then answered a second try).\n\n")
	b.WriteString("| run | system | ready after | idle RSS (private) | per worker | first request | each once: p50 / max (> 10 s) | all once RSS (private) | per worker | peak RSS | req/s | CPU / 1k req | after RSS (private) |\n|--:|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|\n")
	for _, d := range dens {
		if d.Err != "" {
			fmt.Fprintf(&b, "| %d | %s | failed: %s | | | | | | | | | | |\n", d.Run+1, d.System, oneLine(d.Err))
			continue
		}
		n := int64(d.Workers)
		peak, rps, cpu := mib(d.Peak), num(d.RPS), dur(d.CPUPer1k)
		if d.RPS == 0 {
			peak, rps, cpu = "—", "—", "—"
		}
		fmt.Fprintf(&b, "| %d | %s | %s | %s (%s) | %s | %s | %s / %s (%d) | %s (%s) | %s | %s | %s | %s | %s (%s) |\n", d.Run+1, d.System, dur(d.Start),
			mib(d.Idle.RSS), mib(d.Idle.Anon), mib(d.Idle.RSS/n), dur(d.First), dur(d.TouchP50), dur(d.TouchMax), d.TouchSlow,
			mib(d.Touched.RSS), mib(d.Touched.Anon), mib(d.Touched.RSS/n),
			peak, rps, cpu, mib(d.After.RSS), mib(d.After.Anon))
	}
	fmt.Fprintf(&b, "\n## Instances: hello world in outpost serve\n\nLoad: %s, %s after %s of warm-up.\n\n", gen.Name(), o.duration, o.warmup)
	b.WriteString("| run | instances | req/s | p50 | p99 | CPU / 1k req |\n|--:|--:|--:|--:|--:|--:|\n")
	for _, in := range insts {
		if in.Err != "" {
			fmt.Fprintf(&b, "| %d | %d | failed: %s | | | |\n", in.Run+1, in.Instances, oneLine(in.Err))
			continue
		}
		fmt.Fprintf(&b, "| %d | %d | %s | %s | %s | %s |\n", in.Run+1, in.Instances, num(in.Load.RPS), dur(in.Load.P50), dur(in.Load.P99), dur(in.CPUPer1k))
	}
	return b.String()
}
