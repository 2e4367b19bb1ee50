package runtime

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// TestPreludeJS runs every prelude/testdata/*.test.js inside a real
// instance, after the prelude, as a worker sees it; each test case in a
// file is a subtest. globalThis.__testOrigin is a local echo server for
// the fetch() cases.
func TestPreludeJS(t *testing.T) {
	origin := httptest.NewServer(echoOrigin())
	defer origin.Close()
	runJSFiles(t, "prelude/testdata/*.test.js", fmt.Sprintf("globalThis.__testOrigin = %q;\n", origin.URL))
}

// runJSFiles runs every file matching glob, after prefix and harness.js,
// as a subtest of its own (see runJSTest).
func runJSFiles(t *testing.T, glob, prefix string, exts ...Extension) {
	t.Helper()
	files, err := filepath.Glob(glob)
	if err != nil || len(files) == 0 {
		t.Fatalf("no tests match %s (%v)", glob, err)
	}
	harness, err := os.ReadFile("prelude/testdata/harness.js")
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".test.js"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			runJSTest(t, prefix+string(harness)+"\n"+string(src), exts...)
		})
	}
}

// echoOrigin answers /echo with the request as JSON ({ method, url,
// headers, body }, headers lower-cased, status from ?status=), /redirect
// with a 302 to /echo?from=redirect, /bytes with the bytes of ?hex=
// ?repeat= times, and /slow after two seconds.
func echoOrigin() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, "/echo?from=redirect", http.StatusFound)
			return
		case "/bytes":
			// ?hex=… repeated ?repeat= times, flushed in pieces so that a
			// long body arrives in several reads.
			b, err := hex.DecodeString(r.URL.Query().Get("hex"))
			if err != nil {
				http.Error(w, err.Error(), 400)
				return
			}
			n, _ := strconv.Atoi(r.URL.Query().Get("repeat"))
			for i := 0; i < max(n, 1); i++ {
				w.Write(b)
				if i%1000 == 999 {
					w.(http.Flusher).Flush()
				}
			}
			return
		case "/slow":
			select {
			case <-time.After(2 * time.Second):
			case <-r.Context().Done():
			}
			io.WriteString(w, "late")
			return
		}
		headers := map[string]string{}
		for k, v := range r.Header {
			headers[strings.ToLower(k)] = strings.Join(v, ", ")
		}
		status := 200
		if s := r.URL.Query().Get("status"); s != "" {
			status, _ = strconv.Atoi(s)
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("X-Echo", "1")
		w.Header()["Set-Cookie"] = []string{"a=1", "b=2"}
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(map[string]any{"method": r.Method, "url": r.URL.RequestURI(), "headers": headers, "body": string(body)})
	})
}

// jsReport is what a test file hands to __report (see harness.js).
type jsReport struct {
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Skipped  int `json:"skipped"`
	Failures []struct {
		Name  string `json:"name"`
		Error string `json:"error"`
	} `json:"failures"`
	Results []struct {
		Name  string  `json:"name"`
		OK    bool    `json:"ok"`
		Skip  *string `json:"skip"`
		Error string  `json:"error"`
	} `json:"results"`
}

// consoleLine is one line of console output, as JavaScript sees it in
// __test.logs().
type consoleLine struct {
	Level string `json:"level"`
	Text  string `json:"text"`
}

// runJSTest runs src — a test file after harness.js — as a service worker
// whose top level registers the cases, and turns each case it reports into
// a subtest. exts are installed on the instance, as Host.Extensions are.
// The script can read the console output so far with __test.logs().
func runJSTest(t *testing.T, src string, exts ...Extension) {
	t.Helper()
	r := runJSReport(t, src, exts...)
	if len(r.Results) == 0 {
		// A hand-written report without per-case results.
		for _, f := range r.Failures {
			t.Errorf("%s: %s", f.Name, f.Error)
		}
		if r.Passed == 0 && r.Failed == 0 {
			t.Error("the file ran no test case")
		}
		return
	}
	for _, c := range r.Results {
		t.Run(c.Name, func(t *testing.T) {
			if c.Skip != nil {
				t.Skip(*c.Skip)
			}
			if !c.OK {
				t.Error(c.Error)
			}
		})
	}
	t.Logf("%d passed, %d failed, %d skipped", r.Passed, r.Failed, r.Skipped)
}

// runJSReport runs src as runJSTest does and returns its report.
func runJSReport(t *testing.T, src string, exts ...Extension) jsReport {
	t.Helper()
	var mu sync.Mutex
	var logs []consoleLine
	reported := make(chan jsReport, 1)
	host := &Host{Console: func(worker, level, text string) {
		if strings.HasPrefix(text, "__report ") {
			var r jsReport
			if err := json.Unmarshal([]byte(strings.TrimPrefix(text, "__report ")), &r); err != nil {
				t.Errorf("bad report %q: %v", text, err)
			}
			reported <- r
			return
		}
		mu.Lock()
		defer mu.Unlock()
		logs = append(logs, consoleLine{level, text})
	}}
	testOps := Extension{Name: "test", Install: func(_ BindingHost, c *jsc.Context, ops jsc.Value) error {
		o := c.Object()
		o.Set("logs", c.Function("logs", func(call *jsc.Call) (jsc.Value, error) {
			mu.Lock()
			b, err := json.Marshal(append([]consoleLine{}, logs...))
			mu.Unlock()
			if err != nil {
				return jsc.Value{}, err
			}
			return call.Ctx.ParseJSON(string(b))
		}))
		return c.Global().Set("__test", o)
	}}
	host.Extensions = append([]Extension{testOps}, exts...)
	// __report prints a line the host above catches.
	script := "globalThis.__report = (r) => console.log('__report ' + JSON.stringify(r));\n" + src +
		"\naddEventListener('fetch', e => e.respondWith(new Response('ok')));\n"
	in, err := NewInstance(&Config{Name: "prelude-test", Script: Script{Code: script, URL: "test.js"}, Host: host, GlobalScopeTimers: true})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	var r jsReport
	select {
	case r = <-reported:
	case <-time.After(60 * time.Second):
		mu.Lock()
		defer mu.Unlock()
		var b strings.Builder
		for _, l := range logs {
			fmt.Fprintf(&b, "%s: %s\n", l.Level, l.Text)
		}
		t.Fatalf("no report within 60s; console:\n%s", b.String())
	}
	return r
}

// The harness itself: failures, rejections, timeouts and skips are
// reported per case, and the console is readable.
func TestJSHarness(t *testing.T) {
	harness, err := os.ReadFile("prelude/testdata/harness.js")
	if err != nil {
		t.Fatal(err)
	}
	r := runJSReport(t, string(harness)+`
test("passes", async () => { await null; assert.deepEqual({ a: [1] }, { a: [1] }); });
test("fails", () => assert.equal(1, 2, "numbers"));
test("rejects", async () => { throw new TypeError("late"); });
test("never settles", () => new Promise(() => {}), { timeout: 50 });
test.skip("skipped", "not yet", () => { throw new Error("ran"); });
test("reads the console", () => { console.warn("w1"); assert.deepEqual(__test.logs().at(-1), { level: "warn", text: "w1" }); });
test("asserts reject", async () => {
  await assert.rejects(Promise.reject(new RangeError("r")), RangeError);
  assert.throws(() => assert.ok(false), { name: "AssertionError" });
  assert.throws(() => assert.match("abc", /x/), /matching/);
});
`)
	if r.Passed != 3 || r.Failed != 3 || r.Skipped != 1 || len(r.Results) != 7 {
		t.Fatalf("report %+v", r)
	}
	want := map[string]string{"fails": "numbers: expected 2, got 1", "rejects": "TypeError", "never settles": "timed out"}
	for _, f := range r.Failures {
		if w, ok := want[f.Name]; !ok || !strings.Contains(f.Error, w) {
			t.Errorf("failure %q: %s", f.Name, f.Error)
		}
	}
	if c := r.Results[4]; c.Name != "skipped" || c.Skip == nil || *c.Skip != "not yet" {
		t.Errorf("skipped case: %+v", c)
	}
}
