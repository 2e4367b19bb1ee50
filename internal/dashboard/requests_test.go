package dashboard

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/runtime"
)

// A console line and a subrequest go to the request whose context they
// carry, though two of the worker's requests are in flight.
func TestRecorderAttributesByTag(t *testing.T) {
	rec := NewRecorder(10)
	first := rec.Begin("shop", httptest.NewRequest("GET", "/a", nil))
	second := rec.Begin("shop", httptest.NewRequest("GET", "/b", nil))
	ctx := runtime.WithEventTag(context.Background(), second)
	rec.ConsoleContext(ctx, "shop", "log", "from b")
	sub := httptest.NewRequest("GET", "http://upstream.example/x", nil).WithContext(ctx)
	rec.Subrequest("shop", sub, &http.Response{StatusCode: 200}, nil, time.Millisecond)
	// Untagged, with two in flight, a line belongs to neither.
	rec.Console("shop", "log", "from nobody")
	rec.End(first, 200, time.Millisecond)
	rec.End(second, 200, time.Millisecond)
	// After the response, a tagged line (waitUntil work) is the log's own.
	rec.ConsoleContext(ctx, "shop", "log", "after b")
	reqs, lines := rec.Recent()
	if len(reqs) != 2 || len(reqs[0].Console) != 0 || len(reqs[0].Subrequests) != 0 {
		t.Fatalf("first request got work: %+v", reqs)
	}
	if b := reqs[1]; len(b.Console) != 1 || b.Console[0].Text != "from b" || len(b.Subrequests) != 1 || b.Subrequests[0].Status != 200 {
		t.Errorf("second request: %+v", b)
	}
	if len(lines) != 2 || lines[0].Line.Text != "from nobody" || lines[1].Line.Text != "after b" {
		t.Errorf("lines of no request: %+v", lines)
	}
}
