package e2e

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// twoWorkers is a server config with api and auth (api binds auth as a
// service) and a CPU-hogging worker; %DIR% is testdata/serve.
const twoWorkers = `
state_dir = "state"
instances = 1

[ops]
listen = "%OPS%"

[limits]
cpu_ms = 2000
request_body = "1KB"

[security]
deny_private_subrequests = true

[[workers]]
name = "api"
dir = "%DIR%/api"
routes = ["api.test/*", "*.example.test/api/*"]

[[workers]]
name = "auth"
dir = "%DIR%/auth"
routes = ["auth.test/*"]

[[workers]]
name = "hog"
dir = "%DIR%/hog"
routes = ["hog.test/*"]
limits = { cpu_ms = 50 }
`

func startTwoWorkers(t *testing.T) *serveNode {
	return startServe(t, t.TempDir(), strings.ReplaceAll(twoWorkers, "%DIR%", serveProject("")))
}

func TestServeRoutesAndServiceBinding(t *testing.T) {
	n := startTwoWorkers(t)

	if code, body := n.hostGet("api.test", "/"); code != 200 || body != "api here" {
		t.Errorf("api.test/ = %d %q", code, body)
	}
	// *.example.test/api/* reaches the api worker (whose own router 404s).
	if code, body := n.hostGet("shop.example.test", "/api/"); code != 404 || body != "not found" {
		t.Errorf("wildcard host route = %d %q", code, body)
	}
	if code, _ := n.hostGet("shop.example.test", "/other"); code != 404 {
		t.Errorf("unrouted path = %d, want 404", code)
	}
	if code, body := n.hostGet("nobody.test", "/"); code != 404 || !strings.Contains(body, "No worker is routed") {
		t.Errorf("unrouted host = %d %q", code, body)
	}

	// env.AUTH.fetch() runs the auth worker in process: method, body,
	// headers and the URL arrive, and the response comes back.
	code, body := n.hostGet("api.test", "/whoami")
	var who struct {
		Status int    `json:"status"`
		Header string `json:"header"`
		User   string `json:"user"`
		Caller string `json:"caller"`
		Body   string `json:"body"`
		Method string `json:"method"`
	}
	if err := json.Unmarshal([]byte(body), &who); err != nil || code != 200 {
		t.Fatalf("/whoami = %d %q (%v)", code, body, err)
	}
	if who.Status != 200 || who.Header != "ok" || who.User != "ada" || who.Caller != "api" || who.Body != "token-123" || who.Method != "POST" {
		t.Errorf("/whoami = %+v", who)
	}
	// An exception in the bound worker rejects the caller's fetch().
	if code, body := n.hostGet("api.test", "/auth-throws"); code != 502 || !strings.Contains(body, "auth is broken") {
		t.Errorf("/auth-throws = %d %q", code, body)
	}
	// The auth worker has its own route too.
	if code, body := n.hostGet("auth.test", "/?user=bob"); code != 200 || !strings.Contains(body, `"user":"bob"`) {
		t.Errorf("auth.test = %d %q", code, body)
	}

	// deny_private_subrequests: fetch() to a loopback origin is refused.
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "private") }))
	defer origin.Close()
	if code, body := n.hostGet("api.test", "/fetch?target="+origin.URL); code != 502 || !strings.Contains(body, "private addresses are denied") {
		t.Errorf("fetch to loopback = %d %q", code, body)
	}

	// request_body = "1KB": a larger body is refused before the worker runs.
	if code, body := n.hostDo("POST", "api.test", "/echo-size", strings.NewReader(strings.Repeat("x", 2048))); code != 413 || !strings.Contains(body, "1024 bytes") {
		t.Errorf("2 KiB body = %d %q", code, body)
	}
	if code, body := n.hostDo("POST", "api.test", "/echo-size", strings.NewReader(strings.Repeat("x", 1000))); code != 200 || body != "1000" {
		t.Errorf("1000-byte body = %d %q", code, body)
	}

	// Health and readiness, on the ops listener and under /cdn-cgi/.
	for _, u := range []string{n.ops + "/healthz", n.ops + "/readyz", n.URL + "/cdn-cgi/outpost/readyz"} {
		resp, err := client.Get(u)
		if err != nil || resp.StatusCode != 200 {
			t.Errorf("GET %s: %v %v", u, err, resp)
		}
		if resp != nil {
			resp.Body.Close()
		}
	}

	m := n.metrics()
	for _, want := range []string{
		`outpost_requests_total{worker="api",route="api.test/*",status="200"}`,
		`outpost_requests_total{worker="api",route="*.example.test/api/*",status="404"}`,
		`outpost_requests_total{worker="api",route="api.test/*",status="413"}`,
		`outpost_requests_total{worker="auth",route="auth.test/*",status="200"}`,
		`outpost_subrequests_total{worker="api",kind="service"}`,
		`outpost_instances{worker="api"}`,
		`outpost_ready`,
	} {
		if v, ok := metric(m, want); !ok || v < 1 {
			t.Errorf("metrics: %s = %v, %v\n%s", want, v, ok, m)
		}
	}
	if v, _ := metric(m, `outpost_requests_total{worker="api",route="api.test/*",status="200"}`); v != 3 {
		t.Errorf("api 200s = %v, want 3", v)
	}
	if !strings.Contains(m, "# TYPE outpost_request_duration_seconds histogram") {
		t.Error("no latency histogram")
	}

	// Structured logs: one JSON object per request.
	if !n.WaitOutput(`"msg":"request","worker":"api","route":"api.test/*","method":"GET","host":"api.test","path":"/whoami","status":200`, 5*time.Second) {
		t.Error("no JSON request log line for /whoami")
	}
}

func TestServeCPUHogNextToHealthyWorker(t *testing.T) {
	n := startTwoWorkers(t)
	var wg sync.WaitGroup
	var hogCodes sync.Map
	// Keep the hog busy from several clients at once.
	stop := make(chan struct{})
	for i := 0; i < 3; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				code, _ := n.hostGet("hog.test", "/")
				v, _ := hogCodes.LoadOrStore(code, new(atomic.Int64))
				v.(*atomic.Int64).Add(1)
			}
		}()
	}
	// Meanwhile the healthy worker answers, and quickly.
	var slowest time.Duration
	for i := 0; i < 40; i++ {
		start := time.Now()
		code, body := n.hostGet("api.test", "/")
		if code != 200 || body != "api here" {
			t.Errorf("healthy worker: %d %q", code, body)
		}
		slowest = max(slowest, time.Since(start))
		time.Sleep(20 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if slowest > time.Second {
		t.Errorf("the healthy worker took %s next to the hog", slowest)
	}
	var hogged int64
	hogCodes.Range(func(k, v any) bool {
		if k.(int) != 503 {
			t.Errorf("hog answered %d", k)
		}
		hogged += v.(*atomic.Int64).Load()
		return true
	})
	if hogged == 0 {
		t.Fatal("no hog request finished")
	}
	m := n.metrics()
	if v, _ := metric(m, `outpost_cpu_limit_exceeded_total{worker="hog"}`); v < 1 {
		t.Errorf("cpu limit counter = %v\n%s", v, m)
	}
	// CPU time per worker: 0.8 s of busy work in the healthy worker shows
	// up (much less than all of it on a machine busy with other processes:
	// the loop counts wall-clock time).
	before, _ := metric(n.metrics(), `outpost_cpu_seconds_total{worker="api"}`)
	for i := 0; i < 2; i++ {
		if code, body := n.hostGet("api.test", "/burn?ms=400"); code != 200 || body != "burned true" {
			t.Fatalf("/burn = %d %q", code, body)
		}
	}
	var after float64
	if !waitFor(6*time.Second, func() bool {
		after, _ = metric(n.metrics(), `outpost_cpu_seconds_total{worker="api"}`)
		return after-before >= 0.1
	}) {
		t.Errorf("outpost_cpu_seconds_total{worker=\"api\"} went from %v to %v after 0.8 s of busy work", before, after)
	}
	if v, ok := metric(n.metrics(), `outpost_cpu_seconds_total{worker="hog"}`); !ok || v <= 0 {
		t.Errorf("hog CPU seconds = %v", v)
	}
	if !n.WaitOutput(`"outcome":"exceededCpu"`, 5*time.Second) {
		t.Error("no exceededCpu log line")
	}
}

func TestServeTail(t *testing.T) {
	n := startServe(t, t.TempDir(), strings.ReplaceAll(`
state_dir = "state"
instances = 1
[admin]
listen = "%ADMIN%"
token = "`+adminToken+`"
[[workers]]
name = "api"
dir = "%DIR%/api"
routes = ["api.test/*"]
[[workers]]
name = "auth"
dir = "%DIR%/auth"
`, "%DIR%", serveProject("")))

	cmd := exec.Command(outposttest.Binary(t), "tail", "api", "--format", "json", "--url", n.admin)
	cmd.Env = append(cmd.Environ(), "OUTPOST_ADMIN_TOKEN="+adminToken)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr := &strings.Builder{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cmd.Process.Signal(syscall.SIGTERM); cmd.Wait() }()
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	// The session is open once the CLI says so.
	if !waitFor(10*time.Second, func() bool { return strings.Contains(stderr.String(), "Connected to api") }) {
		t.Fatalf("tail did not connect: %s", stderr.String())
	}
	n.hostGet("api.test", "/log?n=42")
	n.hostGet("api.test", "/throw")

	var sawLog, sawRequest, sawException bool
	timeout := time.After(10 * time.Second)
	for !(sawLog && sawRequest && sawException) {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("tail ended; stderr: %s", stderr.String())
			}
			var ev struct {
				Type      string `json:"type"`
				Worker    string `json:"worker"`
				Message   string `json:"message"`
				Outcome   string `json:"outcome"`
				Status    int    `json:"status"`
				Request   struct{ URL string }
				Exception *struct{ Name, Message, Stack string }
			}
			if err := json.Unmarshal([]byte(l), &ev); err != nil {
				t.Fatalf("tail line %q: %v", l, err)
			}
			switch {
			case ev.Type == "log" && ev.Message == "hello from api 42":
				sawLog = true
			case ev.Type == "request" && ev.Outcome == "ok" && strings.HasSuffix(ev.Request.URL, "/log?n=42") && ev.Status == 200:
				sawRequest = true
			case ev.Type == "request" && ev.Outcome == "exception" && ev.Exception != nil &&
				ev.Exception.Message == "api failed on purpose" && strings.Contains(ev.Exception.Stack, "src/index.ts"):
				sawException = true
			}
		case <-timeout:
			t.Fatalf("tail events: log %v, request %v, exception %v", sawLog, sawRequest, sawException)
		}
	}
	// A wrong token is refused.
	cmd2 := exec.Command(outposttest.Binary(t), "tail", "api", "--url", n.admin, "--token", "wrong-token-wrong-token")
	b, err := cmd2.CombinedOutput()
	if err == nil || !strings.Contains(string(b), "admin token") {
		t.Errorf("tail with a wrong token: %v %s", err, b)
	}
}

func TestServeGracefulShutdown(t *testing.T) {
	reports := make(chan string, 1)
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reports <- string(b)
	}))
	defer origin.Close()
	n := startServe(t, t.TempDir(), strings.ReplaceAll(`
state_dir = "state"
instances = 1
shutdown_timeout = "20s"
drain_delay = "1s"
[[workers]]
name = "api"
dir = "%DIR%/api"
routes = ["api.test/*"]
[[workers]]
name = "auth"
dir = "%DIR%/auth"
`, "%DIR%", serveProject("")))

	// A request whose waitUntil work outlives its response, and one still
	// running when SIGTERM arrives.
	if code, _ := n.hostGet("api.test", "/wait-until?report="+origin.URL); code != 202 {
		t.Fatalf("/wait-until = %d", code)
	}
	slow := make(chan string, 1)
	go func() {
		code, body := n.hostGet("api.test", "/slow?ms=1500")
		slow <- fmt.Sprintf("%d %s", code, body)
	}()
	time.Sleep(300 * time.Millisecond) // the slow request is in flight
	if err := n.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if !n.WaitOutput(`"msg":"shutting down"`, 5*time.Second) {
		t.Fatal("no shutdown log")
	}
	// During the drain delay the node still answers, but is not ready.
	resp, err := client.Get(n.URL + "/cdn-cgi/outpost/readyz")
	if err != nil {
		t.Fatalf("readyz during the drain delay: %v", err)
	}
	resp.Body.Close()
	if resp.StatusCode != 503 {
		t.Errorf("readyz during the drain delay = %d", resp.StatusCode)
	}
	// Then new connections are refused while the old work finishes.
	if waitFor(3*time.Second, func() bool {
		_, err := (&http.Client{Timeout: time.Second}).Get(n.URL + "/")
		return err != nil
	}) == false {
		t.Error("the server still accepts connections after SIGTERM")
	}
	select {
	case got := <-slow:
		if got != "200 slow done" {
			t.Errorf("in-flight request = %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the in-flight request did not finish")
	}
	select {
	case got := <-reports:
		if got != "waitUntil finished" {
			t.Errorf("waitUntil report = %q", got)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the waitUntil work did not run to completion")
	}
	if !n.Exited(15 * time.Second) {
		t.Fatal("outpost serve did not exit after SIGTERM")
	}
	if code := n.ExitCode(); code != 0 {
		t.Errorf("exit code %d\n%s", code, n.Output())
	}
	if !strings.Contains(n.Output(), `"msg":"stopped"`) {
		t.Error("no stopped log line")
	}
}

func TestServeMemoryLimitRecyclesInstance(t *testing.T) {
	n := startServe(t, t.TempDir(), strings.ReplaceAll(`
state_dir = "state"
instances = 1
[ops]
listen = "%OPS%"
[[workers]]
name = "api"
dir = "%DIR%/api"
routes = ["api.test/*"]
limits = { memory = "24MB" }
[[workers]]
name = "auth"
dir = "%DIR%/auth"
`, "%DIR%", serveProject("")))
	// 32 MB over a 24 MB ceiling: either the check made while a script
	// runs stops the request that crosses it (when that request runs long
	// enough to be checked), or the watcher sees the idle instance above
	// it; both replace the instance.
	stopped := false
	for i := 1; i <= 4 && !stopped; i++ {
		code, body := n.hostGet("api.test", "/grow?mb=8")
		switch {
		case code == 503:
			stopped = true
		case code != 200 || body != fmt.Sprintf("hoarding %d chunks", i):
			t.Fatalf("grow %d: %d %q", i, code, body)
		}
	}
	if stopped {
		if !n.WaitOutput(`"outcome":"exceededMemory"`, 5*time.Second) {
			t.Error("no exceededMemory log line for the request that was stopped")
		}
	} else {
		if !waitFor(10*time.Second, func() bool {
			v, _ := metric(n.metrics(), `outpost_instances_recycled_total{worker="api",reason="memory"}`)
			return v >= 1
		}) {
			t.Fatalf("the instance was not recycled\n%s", n.metrics())
		}
		if !n.WaitOutput(`"msg":"instance exceeded the memory limit and is being replaced"`, time.Second) {
			t.Error("no log line for the recycled instance")
		}
	}
	// Module state starts again on the fresh instance.
	if code, body := n.hostGet("api.test", "/grow?mb=1"); code != 200 || body != "hoarding 1 chunks" {
		t.Errorf("after recycling: %d %q", code, body)
	}
}
