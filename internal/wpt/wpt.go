// Package wpt runs the Web Platform Tests' *.any.js files (vendored under
// testdata/wpt) inside a worker, with a testharness.js-compatible harness,
// and checks the results against a per-area expectations file.
//
// Each test file becomes one service-worker script: the harness, then the
// file's META scripts and the file itself inside one function, then a fetch
// listener that runs that function and answers with the results as JSON.
// Resources the files fetch are served from the same directory under
// http://wpt.test/ (BaseURL).
package wpt

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"mime"
	"net/http"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"
)

//go:embed harness.js
var harnessJS string

// BaseURL is where the test files and their resources are served from.
const BaseURL = "http://wpt.test/"

// Statuses of a subtest, as testharness.js names them.
const (
	Pass                = "PASS"
	Fail                = "FAIL"
	Timeout             = "TIMEOUT"
	NotRun              = "NOTRUN"
	PreconditionFailed  = "PRECONDITION_FAILED"
	harnessSubtestLabel = "(harness)"
)

// File is one test file with what its META comments ask for.
type File struct {
	Path    string   // relative to the WPT root, e.g. "encoding/api-basics.any.js"
	Title   string   // META: title
	Long    bool     // META: timeout=long
	Scripts []string // META: script, resolved to paths relative to the root
	Source  string
}

// Timeout is how long the harness waits for the file's tests.
func (f *File) Timeout() time.Duration {
	if f.Long {
		return 30 * time.Second
	}
	return 10 * time.Second
}

// LoadFile reads a test file and its META lines.
func LoadFile(root, rel string) (*File, error) {
	src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	if err != nil {
		return nil, err
	}
	f := &File{Path: rel, Source: string(src)}
	for _, line := range strings.Split(f.Source, "\n") {
		line = strings.TrimSpace(line)
		if !strings.HasPrefix(line, "//") {
			if line == "" {
				continue
			}
			break // META lines come first
		}
		line = strings.TrimSpace(strings.TrimPrefix(line, "//"))
		if !strings.HasPrefix(line, "META:") {
			continue
		}
		key, value, ok := strings.Cut(strings.TrimSpace(strings.TrimPrefix(line, "META:")), "=")
		if !ok {
			return nil, fmt.Errorf("%s: bad META line %q", rel, line)
		}
		switch strings.TrimSpace(key) {
		case "title":
			f.Title = strings.TrimSpace(value)
		case "timeout":
			f.Long = strings.TrimSpace(value) == "long"
		case "script":
			s := strings.TrimSpace(value)
			if strings.HasPrefix(s, "/") {
				s = path.Clean(strings.TrimPrefix(s, "/"))
			} else {
				s = path.Join(path.Dir(rel), s)
			}
			f.Scripts = append(f.Scripts, s)
		}
	}
	return f, nil
}

// Script is the worker script that runs f: harness, META scripts, the file.
func (f *File) Script(root string) (string, error) {
	var sb strings.Builder
	sb.WriteString(harnessJS)
	title, _ := json.Marshal(f.Title)
	fmt.Fprintf(&sb, "\nglobalThis.__wpt_title = %s;\nfunction __wpt_main() {\n", title)
	for _, s := range f.Scripts {
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(s)))
		if err != nil {
			return "", fmt.Errorf("%s: META script: %w", f.Path, err)
		}
		fmt.Fprintf(&sb, "// --- %s ---\n%s\n;\n", s, src)
	}
	fmt.Fprintf(&sb, "// --- %s ---\n%s\n}\n", f.Path, f.Source)
	url, _ := json.Marshal(BaseURL + f.Path)
	fmt.Fprintf(&sb, "addEventListener(\"fetch\", (event) => {\n"+
		"  event.respondWith(__wpt_run(%s, %d, __wpt_main).then(__wpt_respond));\n"+
		"});\n", url, f.Timeout().Milliseconds())
	return sb.String(), nil
}

// Result is one subtest's outcome.
type Result struct {
	Name    string  `json:"name"`
	Status  string  `json:"status"`
	Message *string `json:"message"`
}

// Results is what the harness reports for one file.
type Results struct {
	Harness struct {
		Status  string  `json:"status"`
		Message *string `json:"message"`
	} `json:"harness"`
	Tests []Result `json:"tests"`
}

// ParseResults decodes the harness's report and gives repeated subtest
// names a " (2)", " (3)"… suffix so that each can be listed on its own.
func ParseResults(b []byte) (*Results, error) {
	var r Results
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("the harness's report is not JSON: %w (%.200q)", err, b)
	}
	seen := map[string]int{}
	for i := range r.Tests {
		n := r.Tests[i].Name
		seen[n]++
		if seen[n] > 1 {
			r.Tests[i].Name = fmt.Sprintf("%s (%d)", n, seen[n])
		}
	}
	return &r, nil
}

// Expectations list, per file of one area, what is expected not to pass.
type Expectations struct {
	// Area is the directory under the WPT root that this file covers.
	Area  string                      `json:"area"`
	Files map[string]*FileExpectation `json:"files"`
}

// FileExpectation is what one file is expected to do.
type FileExpectation struct {
	// Skip, when set, is why the file is not run at all.
	Skip string `json:"skip,omitempty"`
	// Harness, when set, is why the harness is expected to report an
	// error (or time out) for the file as a whole.
	Harness string `json:"harness,omitempty"`
	// Fail maps each subtest expected not to pass to the reason.
	Fail map[string]string `json:"fail,omitempty"`
}

// LoadExpectations reads an expectations file.
func LoadExpectations(file string) (*Expectations, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	var e Expectations
	dec := json.NewDecoder(strings.NewReader(string(b)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	if e.Area == "" {
		return nil, fmt.Errorf("%s: no \"area\"", file)
	}
	if e.Files == nil {
		e.Files = map[string]*FileExpectation{}
	}
	for name, fe := range e.Files {
		if fe == nil {
			return nil, fmt.Errorf("%s: %s: null entry", file, name)
		}
		for sub, reason := range fe.Fail {
			if strings.TrimSpace(reason) == "" {
				return nil, fmt.Errorf("%s: %s: subtest %q is listed without a reason", file, name, sub)
			}
		}
	}
	return &e, nil
}

// Save writes the expectations back, sorted, for -update.
func (e *Expectations) Save(file string) error {
	b, err := json.MarshalIndent(e, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(file, append(b, '\n'), 0o644)
}

// TestFiles lists the *.any.js files of an area, relative to the root.
func TestFiles(root, area string) ([]string, error) {
	var files []string
	err := filepath.WalkDir(filepath.Join(root, filepath.FromSlash(area)), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() && d.Name() == "resources" {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(d.Name(), ".any.js") {
			rel, err := filepath.Rel(root, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	sort.Strings(files)
	return files, err
}

// Check compares a file's results with its expectations: every problem is
// one line (a regression, an unexpected pass, a stale entry).
func Check(file string, fe *FileExpectation, r *Results) []string {
	var problems []string
	expectFail := map[string]string{}
	harnessReason := ""
	if fe != nil {
		expectFail = fe.Fail
		harnessReason = fe.Harness
	}
	if r.Harness.Status != "OK" && harnessReason == "" {
		problems = append(problems, fmt.Sprintf("%s: harness %s: %s", file, r.Harness.Status, deref(r.Harness.Message)))
	}
	if r.Harness.Status == "OK" && harnessReason != "" {
		problems = append(problems, fmt.Sprintf("%s: the harness is expected to fail (%s) but reported OK: remove \"harness\"", file, harnessReason))
	}
	seen := map[string]bool{}
	for _, t := range r.Tests {
		seen[t.Name] = true
		_, listed := expectFail[t.Name]
		switch {
		case t.Status != Pass && !listed:
			problems = append(problems, fmt.Sprintf("%s: %q: %s: %s", file, t.Name, t.Status, deref(t.Message)))
		case t.Status == Pass && listed:
			problems = append(problems, fmt.Sprintf("%s: %q passes now: remove it from the expectations", file, t.Name))
		}
	}
	for name := range expectFail {
		if !seen[name] {
			problems = append(problems, fmt.Sprintf("%s: %q is in the expectations but the file has no such subtest", file, name))
		}
	}
	sort.Strings(problems)
	return problems
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

// FileServer serves the WPT root at BaseURL, for the files' fetch() calls.
type FileServer struct{ Root string }

// RoundTrip answers from the files under Root; anything else is a 404.
func (s FileServer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		req.Body.Close()
	}
	resp := &http.Response{
		Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header:  http.Header{},
		Request: req,
	}
	if req.URL.Host != strings.TrimSuffix(strings.TrimPrefix(BaseURL, "http://"), "/") {
		return nil, fmt.Errorf("the WPT runner serves only %s, not %s", BaseURL, req.URL)
	}
	p := path.Clean("/" + req.URL.Path)
	b, err := os.ReadFile(filepath.Join(s.Root, filepath.FromSlash(strings.TrimPrefix(p, "/"))))
	if err != nil {
		resp.StatusCode, resp.Status = 404, "404 Not Found"
		resp.Body = http.NoBody
		return resp, nil
	}
	ct := mime.TypeByExtension(path.Ext(p))
	if ct == "" {
		ct = "application/octet-stream"
	}
	resp.StatusCode, resp.Status = 200, "200 OK"
	resp.Header.Set("Content-Type", ct)
	resp.ContentLength = int64(len(b))
	resp.Body = io.NopCloser(bytes.NewReader(b))
	return resp, nil
}
