// Package runtimetest starts real instances for the tests of the runtime's
// extensions: the prelude with the extensions under test, a script, and
// JavaScript test files that report their cases.
package runtimetest

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/runtime"
)

// Options are what an instance under test gets besides its script.
type Options struct {
	Extensions []runtime.Extension
	Bindings   map[string]runtime.Binding
	Vars       map[string]any
	// Console receives console output; default: the test's log.
	Console func(worker, level, text string)
	// globalScopeTimers lets the script's top level arm timers (RunJS:
	// the harness runs its cases there).
	globalScopeTimers bool
}

// NewInstance starts an instance of a module worker's bundled code (it
// sets __outpost_entry) and closes it when the test ends.
func NewInstance(tb testing.TB, code string, o Options) *runtime.Instance {
	tb.Helper()
	return start(tb, code, true, o)
}

func start(tb testing.TB, code string, modules bool, o Options) *runtime.Instance {
	tb.Helper()
	console := o.Console
	if console == nil {
		console = func(worker, level, text string) { tb.Logf("console.%s: %s", level, text) }
	}
	in, err := runtime.NewInstance(&runtime.Config{
		Name:     "test",
		Script:   runtime.Script{Code: code, URL: "test.js", Modules: modules},
		Bindings: runtime.Bindings{Vars: o.Vars, Objects: o.Bindings},
		Host:     &runtime.Host{Console: console, Extensions: o.Extensions},

		GlobalScopeTimers: o.globalScopeTimers,
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(in.Close)
	return in
}

// Get sends a GET through the instance and reads the whole body.
func Get(in *runtime.Instance, url string) (*runtime.Response, []byte, error) {
	resp, err := in.Fetch(context.Background(), &runtime.Request{Method: "GET", URL: url, Header: http.Header{}})
	if err != nil {
		return nil, nil, err
	}
	var body []byte
	if resp.Body != nil {
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
	}
	return resp, body, err
}

// report is what a test file hands to __report.
type report struct {
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Failures []struct {
		Name  string `json:"name"`
		Error string `json:"error"`
	} `json:"failures"`
}

// RunJS evaluates src as a service-worker script whose top level runs test
// cases and calls __report({passed, failed, failures}) once; each failure
// fails the test.
func RunJS(t *testing.T, src string, o Options) {
	t.Helper()
	var mu sync.Mutex
	var logs []string
	reported := make(chan report, 1)
	o.globalScopeTimers = true
	o.Console = func(worker, level, text string) {
		mu.Lock()
		defer mu.Unlock()
		if rest, ok := strings.CutPrefix(text, "__report "); ok {
			var r report
			if err := json.Unmarshal([]byte(rest), &r); err != nil {
				t.Errorf("bad report %q: %v", text, err)
			}
			reported <- r
			return
		}
		logs = append(logs, level+": "+text)
	}
	script := "globalThis.__report = (r) => console.log('__report ' + JSON.stringify(r));\n" + src +
		"\naddEventListener('fetch', e => e.respondWith(new Response('ok')));\n"
	start(t, script, false, o)
	select {
	case r := <-reported:
		for _, f := range r.Failures {
			t.Errorf("%s: %s", f.Name, f.Error)
		}
		if r.Passed == 0 && r.Failed == 0 {
			t.Error("the file ran no test case")
		}
		t.Logf("%d passed, %d failed", r.Passed, r.Failed)
	case <-time.After(30 * time.Second):
		mu.Lock()
		t.Fatalf("no report within 30s; console:\n%s", strings.Join(logs, "\n"))
	}
}
