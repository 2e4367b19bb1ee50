package wpt

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/runtime"
)

var (
	update  = flag.Bool("update", false, "write each area's current failures into its expectations file (new entries get an empty reason, which must be filled in)")
	only    = flag.String("files", "", "run only the test files whose path contains this text")
	workerd = flag.String("workerd", "", "run the files on this workerd binary instead and print its pass counts (no expectations are checked)")
)

const root = "../../testdata/wpt"

// TestWPT runs every vendored *.any.js file inside Outpost and checks each
// area against its expectations: a subtest that fails without being listed,
// or passes while listed, fails the test. It prints pass counts per area.
func TestWPT(t *testing.T) {
	areas, err := filepath.Glob(filepath.Join(root, "expectations", "*.json"))
	if err != nil || len(areas) == 0 {
		t.Fatalf("no expectations files under %s/expectations", root)
	}
	run := runOutpost
	if *workerd != "" {
		wd, err := newWorkerdRunner(*workerd)
		if err != nil {
			t.Fatal(err)
		}
		defer wd.Close()
		run = wd.Run
	}
	var table []string
	var totalPass, totalAll int
	for _, file := range areas {
		exp, err := LoadExpectations(file)
		if err != nil {
			t.Fatal(err)
		}
		files, err := TestFiles(root, exp.Area)
		if err != nil {
			t.Fatal(err)
		}
		for name := range exp.Files {
			if !contains(files, name) {
				t.Errorf("%s lists %s, which is not a test file of the area", file, name)
			}
		}
		type outcome struct {
			results  *Results
			err      error
			duration time.Duration
		}
		outcomes := make([]outcome, len(files))
		var wg sync.WaitGroup
		sem := make(chan struct{}, 2)
		for i, rel := range files {
			fe := exp.Files[rel]
			if (fe != nil && fe.Skip != "") || (*only != "" && !strings.Contains(rel, *only)) {
				continue
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				sem <- struct{}{}
				defer func() { <-sem }()
				start := time.Now()
				f, err := LoadFile(root, rel)
				if err == nil {
					outcomes[i].results, err = run(f)
				}
				outcomes[i].err, outcomes[i].duration = err, time.Since(start)
			}()
		}
		wg.Wait()
		pass, all, skipped := 0, 0, 0
		for i, rel := range files {
			fe := exp.Files[rel]
			if fe != nil && fe.Skip != "" {
				skipped++
				continue
			}
			if *only != "" && !strings.Contains(rel, *only) {
				continue
			}
			o := outcomes[i]
			if o.err != nil {
				// The file did not run to a report: count it as one
				// harness failure.
				o.results = &Results{}
				o.results.Harness.Status = "ERROR"
				msg := o.err.Error()
				o.results.Harness.Message = &msg
			}
			p := 0
			for _, r := range o.results.Tests {
				if r.Status == Pass {
					p++
				}
			}
			pass += p
			all += len(o.results.Tests)
			t.Logf("%s: %d/%d in %v", rel, p, len(o.results.Tests), o.duration.Round(time.Millisecond))
			if *workerd != "" {
				if o.results.Harness.Status != "OK" {
					t.Logf("%s: harness %s: %s", rel, o.results.Harness.Status, deref(o.results.Harness.Message))
				}
				for _, r := range o.results.Tests {
					if r.Status != Pass {
						t.Logf("%s: %q: %s: %s", rel, r.Name, r.Status, deref(r.Message))
					}
				}
				continue
			}
			if *update {
				if fe == nil {
					fe = &FileExpectation{}
				}
				updateExpectation(fe, o.results)
				if fe.Fail == nil && fe.Harness == "" && fe.Skip == "" {
					delete(exp.Files, rel)
				} else {
					exp.Files[rel] = fe
				}
				continue
			}
			for _, p := range Check(rel, fe, o.results) {
				t.Error(p)
			}
		}
		if *update && *only == "" {
			if err := exp.Save(file); err != nil {
				t.Fatal(err)
			}
		}
		totalPass += pass
		totalAll += all
		line := fmt.Sprintf("%-16s %6d / %-6d %6.1f %%", exp.Area, pass, all, percent(pass, all))
		if skipped > 0 {
			line += fmt.Sprintf("   (%d files skipped)", skipped)
		}
		table = append(table, line)
	}
	engine := "Outpost"
	if *workerd != "" {
		engine = "workerd"
	}
	fmt.Printf("WPT on %s, subtests passed per area:\n%s\n%-16s %6d / %-6d %6.1f %%\n",
		engine, strings.Join(table, "\n"), "total", totalPass, totalAll, percent(totalPass, totalAll))
}

func percent(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return 100 * float64(a) / float64(b)
}

func contains(list []string, s string) bool {
	i := sort.SearchStrings(list, s)
	return i < len(list) && list[i] == s
}

// updateExpectation lists the current failures, keeping existing reasons.
func updateExpectation(fe *FileExpectation, r *Results) {
	fail := map[string]string{}
	for _, t := range r.Tests {
		if t.Status != Pass {
			fail[t.Name] = fe.Fail[t.Name]
		}
	}
	if len(fail) == 0 {
		fail = nil
	}
	fe.Fail = fail
	if r.Harness.Status == "OK" {
		fe.Harness = ""
	} else if fe.Harness == "" {
		fe.Harness = " " // to be filled in
	}
}

// runOutpost runs one file in a fresh Outpost instance.
func runOutpost(f *File) (*Results, error) {
	script, err := f.Script(root)
	if err != nil {
		return nil, err
	}
	var mu sync.Mutex
	var console []string
	host := &runtime.Host{
		Console: func(worker, level, text string) {
			mu.Lock()
			defer mu.Unlock()
			if len(console) < 50 {
				console = append(console, level+": "+text)
			}
		},
		Fetch: &runtime.Fetcher{Client: &http.Client{Transport: FileServer{Root: root}}},
	}
	in, err := runtime.NewInstance(&runtime.Config{
		Name:   "wpt",
		Script: runtime.Script{Code: script, URL: f.Path},
		Host:   host,
		// testharness.js arms its timeouts as the file's global scope runs.
		GlobalScopeTimers: true,
	})
	if err != nil {
		return nil, fmt.Errorf("the worker did not start: %w", err)
	}
	defer in.Close()
	ctx, cancel := context.WithTimeout(context.Background(), f.Timeout()+20*time.Second)
	defer cancel()
	type answer struct {
		body []byte
		err  error
	}
	done := make(chan answer, 1)
	go func() {
		resp, err := in.Fetch(ctx, &runtime.Request{Method: "GET", URL: BaseURL + f.Path, Header: http.Header{}})
		if err != nil {
			done <- answer{nil, err}
			return
		}
		if resp.Body == nil {
			done <- answer{nil, fmt.Errorf("status %d with no body", resp.Status)}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		done <- answer{b, err}
	}()
	select {
	case a := <-done:
		if a.err != nil {
			mu.Lock()
			defer mu.Unlock()
			return nil, fmt.Errorf("%w; console: %s", a.err, strings.Join(console, " | "))
		}
		return ParseResults(a.body)
	case <-ctx.Done():
		return nil, fmt.Errorf("no report within %v", f.Timeout()+20*time.Second)
	}
}

func TestMain(m *testing.M) {
	flag.Parse()
	os.Exit(m.Run())
}
