package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	cdpruntime "github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// seedFood stores the survey data examples/ssr-react reads from KV.
func seedFood(t *testing.T, dir, name string, like, dislike int) {
	t.Helper()
	doc := fmt.Sprintf(`{"name":%q,"like":%d,"dislike":%d}`, name, like, dislike)
	if out, code := outposttest.Run(t, dir, "kv", "key", "put", name, doc, "--binding", "FOOD"); code != 0 {
		t.Fatalf("seeding %s: exit %d: %s", name, code, out)
	}
}

func TestExampleSSRReact(t *testing.T) {
	dir := outposttest.CopyDir(t, example("ssr-react"))
	// The README's seed step.
	if out, code := outposttest.Run(t, dir, "kv", "bulk", "put", "seed.json", "--binding", "FOOD"); code != 0 {
		t.Fatalf("outpost kv bulk put seed.json: exit %d: %s", code, out)
	}
	p := outposttest.DevEnv(t, []string{"OUTPOST_TEST_CLOCK=manual"}, dir)

	// The first HTML already holds the data, rendered and embedded.
	resp, body := p.Get("/")
	for _, want := range []string{
		`<p class="food" id="food">name: <!-- -->potato<br/>like: <!-- -->10<br/>dislike: <!-- -->0</p>`,
		`<script id="initial-food" type="application/json">{"name":"potato","like":10,"dislike":0}</script>`,
		`<script type="module" src="/client.js"></script>`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("GET / lacks %s:\n%s", want, body)
		}
	}
	if resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("GET / Content-Type = %q", resp.Header.Get("Content-Type"))
	}
	// Data is read at request time: a write from outside (here the CLI)
	// shows once the server's KV read cache (cacheTtl, 60 s) lets it.
	seedFood(t, dir, "potato", 11, 0)
	advanceClock(t, p, dir, 61*time.Second)
	if _, body := p.Get("/"); !strings.Contains(body, "like: <!-- -->11") || !strings.Contains(body, `"like":11`) {
		t.Errorf("after the KV update the page still shows old data:\n%s", body)
	}
	if resp, body := p.Get("/api/carrot"); resp.StatusCode != 200 || body != `{"name":"carrot","like":6,"dislike":4}` {
		t.Errorf("GET /api/carrot = %d %s", resp.StatusCode, body)
	}
	if resp, _ := p.Get("/api/onion"); resp.StatusCode != 404 {
		t.Errorf("GET /api/onion = %d, want 404", resp.StatusCode)
	}

	// The client bundle, built by [build] with Outpost's esbuild, is a
	// static asset: served before the worker, revalidated by ETag.
	resp, bundle := p.Get("/client.js")
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/javascript") || len(bundle) < 10000 {
		t.Fatalf("GET /client.js = %d %q, %d bytes", resp.StatusCode, resp.Header.Get("Content-Type"), len(bundle))
	}
	etag := resp.Header.Get("ETag")
	if resp, _ := p.Do("GET", "/client.js", nil, map[string]string{"If-None-Match": etag}); etag == "" || resp.StatusCode != 304 {
		t.Errorf("GET /client.js If-None-Match %s = %d, want 304", etag, resp.StatusCode)
	}

	browserHydrates(t, p.URL+"/")
}

// browserHydrates loads the page in headless Chromium, checks that React
// hydrates it without complaint and that a click updates it, and saves a
// screenshot.
func browserHydrates(t *testing.T, pageURL string) {
	ctx, messages := openInChromium(t, pageURL)
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.ID("food")))
	if err != nil || !strings.Contains(text, "name: potato") || !strings.Contains(text, "like: 11") {
		t.Errorf("after hydration #food = %q (%v); want the server's potato data", text, err)
	}

	// A click fetches /api/carrot and re-renders.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.ID("show-carrot"))); err != nil {
		t.Fatalf("clicking carrot: %v", err)
	}
	changed := `document.getElementById("food").innerText.includes("name: carrot")`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](changed, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("clicking carrot did not change the page: %v; console: %q", err, messages())
	}
	text, _ = chromedp.Run(ctx, chromedp.Text(chromedp.ID("food")))
	if !strings.Contains(text, "like: 6") || !strings.Contains(text, "dislike: 4") {
		t.Errorf("after the click #food = %q, want carrot's numbers", text)
	}

	shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	artifacts := filepath.Join(outposttest.RepoRoot(), "e2e", "artifacts")
	if err := os.MkdirAll(artifacts, 0o755); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(artifacts, "ssr-react.png")
	if err := os.WriteFile(path, shot, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)

	// Nothing in the console: a hydration mismatch shows up there (a
	// warning in development builds, error #418/#425 in production ones).
	for _, m := range messages() {
		t.Errorf("browser console: %s", m)
	}
}

// openInChromium opens pageURL in a headless Chromium that lives as long as
// the test, waits until React has hydrated #food, and returns the tab and
// what the page wrote to the console or threw so far.
func openInChromium(t *testing.T, pageURL string) (context.Context, func() []string) {
	t.Helper()
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(findChromium(t)),
		chromedp.Headless,
		chromedp.NoSandbox, // the tests may run as root
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(900, 600),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(alloc)
	t.Cleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, 60*time.Second)
	t.Cleanup(cancelTimeout)

	var mu sync.Mutex
	var console []string
	if err := chromedp.Listen(ctx, func(ev any) {
		mu.Lock()
		defer mu.Unlock()
		switch e := ev.(type) {
		case *cdpruntime.EventConsoleAPICalled:
			var args []string
			for _, a := range e.Args {
				if a.Value != nil {
					args = append(args, string(a.Value))
				} else {
					args = append(args, a.Description)
				}
			}
			console = append(console, fmt.Sprintf("console.%s: %s", e.Type, strings.Join(args, " ")))
		case *cdpruntime.EventExceptionThrown:
			msg := e.ExceptionDetails.Text
			if e.ExceptionDetails.Exception != nil {
				msg += " " + e.ExceptionDetails.Exception.Description
			}
			console = append(console, "exception: "+msg)
		}
	}); err != nil {
		t.Fatalf("starting Chromium: %v", err)
	}
	messages := func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), console...)
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(pageURL)); err != nil {
		t.Fatalf("navigating to %s: %v", pageURL, err)
	}
	// Hydrated: React has attached its fiber to the server-rendered DOM.
	hydrated := `Object.keys(document.getElementById("food") ?? {}).some((k) => k.startsWith("__reactFiber"))`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](hydrated, chromedp.WithPollingTimeout(20*time.Second))); err != nil {
		t.Fatalf("the page did not hydrate: %v; console: %q", err, messages())
	}
	return ctx, messages
}

// The console check above is what catches broken hydration: a client that
// hydrates with other data than the server rendered must trip it.
func TestExampleSSRReactMismatchIsCaught(t *testing.T) {
	dir := outposttest.CopyDir(t, example("ssr-react"))
	seedFood(t, dir, "potato", 10, 0)
	client := filepath.Join(dir, "src", "client.tsx")
	src, err := os.ReadFile(client)
	if err != nil {
		t.Fatal(err)
	}
	broken := strings.Replace(string(src), "<App initialFood={initialFood} />", "<App initialFood={{ name: \"onion\", like: 1, dislike: 2 }} />", 1)
	if broken == string(src) {
		t.Fatal("src/client.tsx no longer hydrates <App initialFood={initialFood} />")
	}
	if err := os.WriteFile(client, []byte(broken), 0o644); err != nil {
		t.Fatal(err)
	}
	p := outposttest.Dev(t, dir)
	ctx, messages := openInChromium(t, p.URL+"/")
	// React reports the mismatch and renders the client's version.
	changed := `document.getElementById("food").innerText.includes("name: onion")`
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](changed, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
		t.Fatalf("the client did not render its own data: %v", err)
	}
	found := false
	for _, m := range messages() {
		if strings.Contains(m, "418") || strings.Contains(strings.ToLower(m), "hydrat") {
			found = true
		}
	}
	if !found {
		t.Errorf("a hydration mismatch left no trace in the console: %q", messages())
	}
	t.Logf("console after the mismatch: %q", messages())
}

// findChromium is Debian's chromium (scripts/setup.sh installs it).
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("no chromium on PATH: run ./scripts/setup.sh (apt-get install chromium)")
	return ""
}
