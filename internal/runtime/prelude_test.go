package runtime

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestPreludeJS runs every prelude/testdata/*.test.js inside a real
// instance after the prelude: each file reports its cases with __report.
func TestPreludeJS(t *testing.T) {
	files, err := filepath.Glob("prelude/testdata/*.test.js")
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no prelude tests found")
	}
	harness, _ := os.ReadFile("prelude/testdata/harness.js")
	for _, file := range files {
		t.Run(strings.TrimSuffix(filepath.Base(file), ".test.js"), func(t *testing.T) {
			src, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			runJSTest(t, string(harness)+"\n"+string(src))
		})
	}
}

// jsReport is what a test file hands to __report.
type jsReport struct {
	Passed   int `json:"passed"`
	Failed   int `json:"failed"`
	Failures []struct {
		Name  string `json:"name"`
		Error string `json:"error"`
	} `json:"failures"`
}

// exts are installed on the instance, as Host.Extensions are.
func runJSTest(t *testing.T, src string, exts ...Extension) {
	var mu sync.Mutex
	var logs []string
	reported := make(chan jsReport, 1)
	host := &Host{Console: func(worker, level, text string) {
		mu.Lock()
		defer mu.Unlock()
		if strings.HasPrefix(text, "__report ") {
			var r jsReport
			if err := json.Unmarshal([]byte(strings.TrimPrefix(text, "__report ")), &r); err != nil {
				t.Errorf("bad report %q: %v", text, err)
			}
			reported <- r
			return
		}
		logs = append(logs, level+": "+text)
	}, Extensions: exts}
	// The test script is a service worker whose top level runs the cases;
	// __report prints a line the host above catches.
	script := "globalThis.__report = (r) => console.log('__report ' + JSON.stringify(r));\n" + src +
		"\naddEventListener('fetch', e => e.respondWith(new Response('ok')));\n"
	in, err := NewInstance(&Config{Name: "prelude-test", Script: Script{Code: script, URL: "test.js"}, Host: host})
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
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
	_ = context.Background
}
