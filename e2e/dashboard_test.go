package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

const explorer = "/cdn-cgi/local/explorer"

// The explorer in headless Chromium: a request to the worker appears in
// the live log, a KV key created and edited in the browser is what the
// worker reads, and the page is saved as a screenshot (docs/dashboard.png).
func TestDashboardInChromium(t *testing.T) {
	dir := outposttest.CopyDir(t, filepath.Join(outposttest.RepoRoot(), "testdata", "dashboard"))
	p := outposttest.Dev(t, dir)
	ctx, problems := openDashboard(t, p.URL+explorer+"/")

	// The live log is connected before the request is sent, so the row
	// can only come from the Server-Sent Events stream.
	waitJS(t, ctx, problems, `document.getElementById("live").classList.contains("on")`, "the live log to connect")
	if resp, body := p.Get("/note?name=greeting"); resp.StatusCode != 404 || body != "(none)" {
		t.Fatalf("GET /note before the edit = %d %q", resp.StatusCode, body)
	}
	waitJS(t, ctx, problems, `[...document.querySelectorAll("#log tbody.req")].some(b => b.textContent.includes("/note?name=greeting") && b.textContent.includes("404") && b.textContent.includes("reading note greeting"))`,
		"the request, with its status and console line, in the live log")

	// Create the key in the browser.
	run(t, ctx, problems, "creating a key",
		chromedp.Navigate(p.URL+explorer+"/kv/?ns=notes&new"),
		chromedp.SetValue(chromedp.CSS(`input[name=key]`), "greeting"),
		chromedp.SetValue(chromedp.CSS(`textarea[name=value]`), "hello from the browser"),
		chromedp.Submit(chromedp.CSS(`textarea[name=value]`)),
	)
	waitJS(t, ctx, problems, `document.querySelector(".flash")?.textContent.includes("saved")`, "the save to be confirmed")
	if resp, body := p.Get("/note?name=greeting"); resp.StatusCode != 200 || body != "hello from the browser" {
		t.Fatalf("GET /note after creating the key = %d %q", resp.StatusCode, body)
	}

	// Edit it: the worker reads the new value at once (the dashboard
	// writes through the node's KV, the one the worker reads).
	run(t, ctx, problems, "editing the key",
		chromedp.Navigate(p.URL+explorer+"/kv/?ns=notes&q=greet"),
		chromedp.WaitVisible(chromedp.CSS(`#kv-keys a[href$="key=greeting"]`)),
		chromedp.Navigate(p.URL+explorer+"/kv/?ns=notes&key=greeting"),
		chromedp.WaitVisible(chromedp.CSS(`#kv-value`)),
		chromedp.SetValue(chromedp.CSS(`#kv-value`), "edited in the explorer"),
		chromedp.Submit(chromedp.CSS(`#kv-value`)),
	)
	waitJS(t, ctx, problems, `document.querySelector(".flash")?.textContent.includes("saved")`, "the edit to be confirmed")
	if resp, body := p.Get("/note?name=greeting"); resp.StatusCode != 200 || body != "edited in the explorer" {
		t.Fatalf("GET /note after the edit = %d %q", resp.StatusCode, body)
	}

	// A D1 query from the console: the worker reads what it wrote.
	run(t, ctx, problems, "running a D1 query",
		chromedp.Navigate(p.URL+explorer+"/d1/"),
		chromedp.SetValue(chromedp.CSS(`#d1-sql`), "CREATE TABLE items (name TEXT); INSERT INTO items VALUES ('from the console'); SELECT name, length(name) AS n FROM items"),
		chromedp.Submit(chromedp.CSS(`#d1-sql`)),
	)
	waitJS(t, ctx, problems, `[...document.querySelectorAll(".d1-result td")].some(td => td.textContent === "from the console")`, "the query's rows")
	waitJS(t, ctx, problems, `document.querySelector("#d1-tables")?.textContent.includes("items")`, "the new table in the list")
	saveShot(t, ctx, "dashboard-d1.png")
	if resp, body := p.Get("/items"); resp.StatusCode != 200 || body != `["from the console"]` {
		t.Errorf("GET /items after the D1 query = %d %s", resp.StatusCode, body)
	}

	// Upload a file into R2 in the browser; the worker serves it from the
	// bucket; the explorer deletes it and the worker no longer finds it.
	upload := filepath.Join(t.TempDir(), "hello.txt")
	if err := os.WriteFile(upload, []byte("uploaded from the browser\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	run(t, ctx, problems, "uploading a file",
		chromedp.Navigate(p.URL+explorer+"/r2/?bucket=explorer-files&prefix=docs/"),
		chromedp.SetValue(chromedp.CSS(`#r2-upload input[name=customMetadata]`), `{"from":"chromium"}`),
		chromedp.SetUploadFiles(chromedp.CSS(`#r2-upload input[type=file]`), []string{upload}),
		chromedp.Click(chromedp.CSS(`#r2-upload button`)),
	)
	waitJS(t, ctx, problems, `document.querySelector(".flash")?.textContent.includes("uploaded \"docs/hello.txt\"")`, "the upload to be confirmed")
	waitJS(t, ctx, problems, `document.querySelector("#r2-object")?.textContent.includes("chromium") && document.querySelector("#r2-object").textContent.includes("text/plain")`, "the object's metadata")
	if resp, body := p.Get("/files/docs/hello.txt"); resp.StatusCode != 200 || body != "uploaded from the browser\n" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("GET /files/docs/hello.txt after the upload = %d %q %v", resp.StatusCode, body, resp.Header)
	}
	downloaded, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.querySelector("#r2-download").getAttribute("href")`))
	if err != nil {
		t.Fatalf("reading the download link: %v", err)
	}
	if resp, body := p.Get(downloaded); resp.StatusCode != 200 || body != "uploaded from the browser\n" {
		t.Errorf("GET %s = %d %q", downloaded, resp.StatusCode, body)
	}
	run(t, ctx, problems, "listing the folder", chromedp.Navigate(p.URL+explorer+"/r2/?bucket=explorer-files"))
	waitJS(t, ctx, problems, `document.querySelector("#r2-objects tr.folder a")?.textContent === "docs/"`, "the docs/ folder in the bucket")
	saveShot(t, ctx, "dashboard-r2.png")
	run(t, ctx, problems, "opening the file", chromedp.Navigate(p.URL+explorer+"/r2/?bucket=explorer-files&key=docs/hello.txt"))
	// The delete form asks for a confirmation; the test says yes.
	waitJS(t, ctx, problems, `(window.confirm = () => true, true)`, "the confirmation to be answered")
	run(t, ctx, problems, "deleting the file", chromedp.Click(chromedp.CSS(`#r2-delete`)))
	waitJS(t, ctx, problems, `document.querySelector(".flash")?.textContent.includes("deleted \"docs/hello.txt\"")`, "the delete to be confirmed")
	if resp, body := p.Get("/files/docs/hello.txt"); resp.StatusCode != 404 {
		t.Errorf("GET /files/docs/hello.txt after the delete = %d %q", resp.StatusCode, body)
	}

	// More traffic for the picture: an exception with its source-mapped
	// stack, a Durable Object, a queued message.
	p.Get("/boom")
	p.Get("/count")
	p.Get("/job")
	p.Get("/")

	// The other pages show that state.
	for _, c := range []struct{ page, want string }{
		{"/bindings", "D1Database"},
		{"/objects/", "Counter"},
		{"/queues/?queue=jobs", `"at":`},
		{"/crons", "*/5 * * * *"},
	} {
		run(t, ctx, problems, "opening "+c.page, chromedp.Navigate(p.URL+explorer+c.page))
		waitJS(t, ctx, problems, fmt.Sprintf(`document.body.textContent.includes(%q)`, c.want), c.page+" to show "+c.want)
	}

	// Run the cron now: the scheduled handler's console line reaches the log.
	run(t, ctx, problems, "running the cron", chromedp.Submit(chromedp.CSS(`#crons form button`)))
	waitJS(t, ctx, problems, `document.querySelector(".flash")?.textContent.includes("ran explorer-demo \"*/5 * * * *\": ok")`, "the cron run to be confirmed")
	waitJS(t, ctx, problems, `document.querySelector("#crons .outcome.ok") !== null`, "the cron's last run")

	run(t, ctx, problems, "opening the log", chromedp.Navigate(p.URL+explorer+"/"))
	waitJS(t, ctx, problems, `[...document.querySelectorAll("#log tbody.line")].some(b => b.textContent.includes("cron */5 * * * *"))`, "the cron's console line in the log")
	waitJS(t, ctx, problems, `document.querySelectorAll("#log tbody.req").length >= 6`, "the log to list the requests")
	// Open the failed request to show its exception.
	// (a script click: a pointer click would land on the sticky header
	// once the row is scrolled to the top)
	waitJS(t, ctx, problems, `(document.querySelector("#log tbody.failed tr.summary td").click(), true)`, "a click on the failed request")
	waitJS(t, ctx, problems, `document.querySelector("#log tbody.open .exc")?.textContent.includes("src/index.js:")`, "the exception's stack to point into the sources")
	time.Sleep(1500 * time.Millisecond) // the charts redraw once a second
	saveShot(t, ctx, "dashboard.png")

	// The log as data agrees with what the page showed.
	_, body := p.Get(explorer + "/requests/requests.json")
	var reqs []struct {
		Path, Outcome string
		Exception     *struct{ Name, Stack string }
	}
	if err := json.Unmarshal([]byte(body), &reqs); err != nil {
		t.Fatalf("requests.json: %v\n%s", err, body)
	}
	found := false
	for _, r := range reqs {
		if r.Path == "/boom" {
			found = r.Outcome == "exception" && r.Exception != nil && r.Exception.Name == "TypeError" && strings.Contains(r.Exception.Stack, "src/index.js:")
		}
	}
	if !found {
		t.Errorf("requests.json lacks /boom with its TypeError and mapped stack:\n%s", body)
	}
	for _, m := range problems() {
		t.Errorf("browser: %s", m)
	}
}

// saveShot saves the page as e2e/artifacts/NAME (a PNG).
func saveShot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	// A page still loading after a form's navigation has no size yet
	// ("Cannot take screenshot with 0 width"): wait until it has loaded.
	var shot []byte
	var err error
	for deadline := time.Now().Add(15 * time.Second); time.Now().Before(deadline); time.Sleep(100 * time.Millisecond) {
		var ready bool
		if ready, err = chromedp.Run(ctx, chromedp.Evaluate[bool](`document.readyState === "complete" && document.documentElement.scrollWidth > 0`)); err != nil || !ready {
			continue
		}
		if shot, err = chromedp.Run(ctx, chromedp.FullScreenshot(100)); err == nil {
			break
		}
	}
	if err != nil || shot == nil {
		t.Fatalf("screenshot: %v", err)
	}
	artifacts := filepath.Join(outposttest.RepoRoot(), "e2e", "artifacts")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifacts, name)
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}

// --no-dashboard gives the path back to the worker.
func TestDashboardOff(t *testing.T) {
	dir := outposttest.CopyDir(t, filepath.Join(outposttest.RepoRoot(), "testdata", "dashboard"))
	p := outposttest.Dev(t, dir, "--no-dashboard")
	if resp, body := p.Get(explorer + "/"); resp.StatusCode != 200 || body != "hello from the explorer demo" {
		t.Errorf("GET %s/ with --no-dashboard = %d %q, want the worker's answer", explorer, resp.StatusCode, body)
	}
}

// The dashboard refuses what a page on another site could send it.
func TestDashboardRefusesOtherSites(t *testing.T) {
	dir := outposttest.CopyDir(t, filepath.Join(outposttest.RepoRoot(), "testdata", "dashboard"))
	p := outposttest.Dev(t, dir)
	resp, _ := p.Do("POST", explorer+"/kv/delete?ns=notes", strings.NewReader("key=greeting"),
		map[string]string{"Origin": "https://evil.example", "Content-Type": "application/x-www-form-urlencoded"})
	if resp.StatusCode != 403 {
		t.Errorf("cross-site POST = %d, want 403", resp.StatusCode)
	}
	req, _ := http.NewRequest("GET", p.URL+explorer+"/kv/", nil)
	req.Host = "rebound.example:8787"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 403 {
		t.Errorf("GET with a DNS name in Host = %d, want 403", resp.StatusCode)
	}
}

// openDashboard opens pageURL in a headless Chromium that lives as long
// as the test and collects what the page throws or logs as an error.
func openDashboard(t *testing.T, pageURL string) (context.Context, func() []string) {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(findChromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1280, 900),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 90*time.Second)
	t.Cleanup(cancelTimeout)
	var problems []string
	mu := make(chan struct{}, 1)
	if err := chromedp.Listen(ctx, func(ev any) {
		mu <- struct{}{}
		defer func() { <-mu }()
		switch e := ev.(type) {
		case *cdpruntime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			problems = append(problems, "exception: "+msg)
		case *cdpruntime.EventConsoleAPICalled:
			if e.Type == "error" {
				var args []string
				for _, a := range e.Args {
					args = append(args, string(a.Value)+a.Description)
				}
				problems = append(problems, "console.error: "+strings.Join(args, " "))
			}
		}
	}); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	get := func() []string {
		mu <- struct{}{}
		defer func() { <-mu }()
		return append([]string(nil), problems...)
	}
	run(t, ctx, get, "opening "+pageURL, chromedp.Navigate(pageURL))
	return ctx, get
}

func run(t *testing.T, ctx context.Context, problems func() []string, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	if err := chromedp.Do(ctx, actions...); err != nil {
		t.Fatalf("%s: %v; browser: %q", what, err, problems())
	}
}

func waitJS(t *testing.T, ctx context.Context, problems func() []string, expr, what string) {
	t.Helper()
	// Evaluated again until true: a navigation in progress makes single
	// evaluations fail, which is no answer yet.
	deadline := time.Now().Add(15 * time.Second)
	var err error
	for time.Now().Before(deadline) {
		var ok bool
		if ok, err = chromedp.Run(ctx, chromedp.Evaluate[bool](expr)); err == nil && ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body.innerText.slice(0, 2000)`))
	t.Fatalf("waiting for %s: %v; page:\n%s\nbrowser: %q", what, err, text, problems())
}

// With two requests of one worker in flight, each request's console
// lines and subrequests are its own: /fetch waits on an upstream that
// answers only after /note, started meanwhile, has finished.
func TestDashboardAttributesConcurrentRequests(t *testing.T) {
	arrived, release := make(chan struct{}), make(chan struct{})
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		close(arrived)
		<-release
		w.WriteHeader(204)
	}))
	defer upstream.Close()
	dir := outposttest.CopyDir(t, filepath.Join(outposttest.RepoRoot(), "testdata", "dashboard"))
	p := outposttest.Dev(t, dir)

	slow := make(chan string, 1)
	go func() {
		_, body := p.Get("/fetch?url=" + url.QueryEscape(upstream.URL+"/slow"))
		slow <- body
	}()
	<-arrived // /fetch is in flight
	if resp, body := p.Get("/note?name=meanwhile"); resp.StatusCode != 404 {
		t.Fatalf("GET /note = %d %q", resp.StatusCode, body)
	}
	close(release)
	if body := <-slow; body != "upstream said 204" {
		t.Fatalf("GET /fetch = %q", body)
	}

	_, body := p.Get(explorer + "/requests/requests.json")
	var reqs []struct {
		Path        string
		Console     []struct{ Text string }
		Subrequests []struct{ URL string }
	}
	if err := json.Unmarshal([]byte(body), &reqs); err != nil {
		t.Fatalf("requests.json: %v\n%s", err, body)
	}
	var note, fetch bool
	for _, r := range reqs {
		switch {
		case strings.HasPrefix(r.Path, "/note"):
			note = len(r.Console) == 1 && r.Console[0].Text == "reading note meanwhile" && len(r.Subrequests) == 0
		case strings.HasPrefix(r.Path, "/fetch"):
			fetch = len(r.Console) == 0 && len(r.Subrequests) == 1 && strings.HasSuffix(r.Subrequests[0].URL, "/slow")
		}
	}
	if !note || !fetch {
		t.Errorf("console lines or subrequests on the wrong request:\n%s", body)
	}
}
