package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

type cronRuns struct {
	Runs []struct {
		Cron          string `json:"cron"`
		ScheduledTime int64  `json:"scheduledTime"`
		Type          string `json:"type"`
	} `json:"runs"`
	CleanedUp int `json:"cleanedUp"`
}

func getRuns(t *testing.T, p *outposttest.Proc, path string) cronRuns {
	t.Helper()
	_, body := p.Get(path)
	var r cronRuns
	if err := json.Unmarshal([]byte(body), &r); err != nil {
		t.Fatalf("%s: %v: %s", path, err, body)
	}
	return r
}

func TestScheduledTestEndpoints(t *testing.T) {
	p := outposttest.Dev(t, project("cron-module"), "--test-scheduled", "--crons=false")
	resp, body := p.Get("/__scheduled?cron=*+*+*+*+*")
	if resp.StatusCode != 200 || !strings.HasPrefix(body, "ok") {
		t.Fatalf("/__scheduled = %d %q", resp.StatusCode, body)
	}
	resp, _ = p.Get("/cdn-cgi/handler/scheduled?cron=30+4+*+*+MON&time=1700000000000")
	if resp.StatusCode != 200 {
		t.Fatalf("/cdn-cgi/handler/scheduled = %d", resp.StatusCode)
	}
	r := getRuns(t, p, "/runs")
	if len(r.Runs) != 2 || r.Runs[0].Cron != "* * * * *" || r.Runs[1].Cron != "30 4 * * MON" ||
		r.Runs[1].ScheduledTime != 1700000000000 || r.Runs[0].Type != "scheduled" {
		t.Errorf("runs = %+v", r)
	}
	// The invocation lasts until its waitUntil work is done.
	if r.CleanedUp != 2 {
		t.Errorf("waitUntil work not awaited: cleanedUp = %d", r.CleanedUp)
	}
	// A failing handler: a 500, the error with its source position logged.
	resp, body = p.Get("/__scheduled?cron=0+0+1+1+*")
	if resp.StatusCode != 500 || !strings.Contains(body, "the yearly job failed") {
		t.Errorf("failing handler = %d %q", resp.StatusCode, body)
	}
	if !p.WaitOutput("src/index.ts:13", 5*time.Second) {
		t.Error("no source-mapped stack for the failed scheduled handler")
	}
	// `outpost cron trigger` against the running dev server.
	out, code := outposttest.Run(t, project("cron-module"), "cron", "trigger", "--cron", "30 4 * * MON")
	if code != 0 || !strings.Contains(out, "ok") {
		t.Fatalf("outpost cron trigger: exit %d: %s", code, out)
	}
	if r := getRuns(t, p, "/runs"); len(r.Runs) != 3 {
		t.Errorf("after cron trigger: %+v", r)
	}
}

func TestCronsFireOnSchedule(t *testing.T) {
	for _, tc := range []struct {
		project, cron string
		advance       time.Duration
		path          string
	}{
		{"cron-module", "* * * * *", 61 * time.Second, "/runs"},
		{"cron-sw", "*/5 * * * *", 5*time.Minute + time.Second, "/"},
	} {
		t.Run(tc.project, func(t *testing.T) {
			dir := outposttest.CopyDir(t, project(tc.project))
			p := outposttest.DevEnv(t, []string{"OUTPOST_TEST_CLOCK=manual"}, dir)
			if r := getRuns(t, p, tc.path); len(r.Runs) != 0 {
				t.Fatalf("ran before its time: %+v", r)
			}
			out, code := outposttest.Run(t, dir, "cron", "trigger", "--cron", "ignored") // proves the CLI finds the server
			if code != 0 {
				t.Fatalf("cron trigger: %s", out)
			}
			before := len(getRuns(t, p, tc.path).Runs)
			advanceClock(t, p, dir, tc.advance)
			deadline := time.Now().Add(10 * time.Second)
			for time.Now().Before(deadline) {
				r := getRuns(t, p, tc.path)
				for _, run := range r.Runs[before:] {
					if run.Cron == tc.cron {
						if run.ScheduledTime%60000 != 0 {
							t.Errorf("scheduledTime %d is not on a minute boundary", run.ScheduledTime)
						}
						if !p.WaitOutput(fmt.Sprintf("cron %q at", tc.cron), 5*time.Second) {
							t.Error("no log line for the run")
						}
						return
					}
				}
				time.Sleep(50 * time.Millisecond)
			}
			t.Fatalf("the cron did not fire; runs = %+v", getRuns(t, p, tc.path))
		})
	}
}

// advanceClock moves the dev server's manual clock forward.
func advanceClock(t *testing.T, p *outposttest.Proc, dir string, d time.Duration) {
	t.Helper()
	token := devToken(t, dir)
	req, _ := http.NewRequest("POST", p.URL+"/cdn-cgi/outpost/clock?advance="+d.String(), nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("advancing the clock: %s", resp.Status)
	}
}
