package server

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/logging"
	"github.com/outpost-dev/outpost/internal/outposttest"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// waiting is a target that answers only when its request's context ends.
type waiting struct{ started chan struct{} }

func (t waiting) Fetch(ctx context.Context, req *runtime.Request) (*runtime.Response, error) {
	close(t.started)
	<-ctx.Done()
	return nil, ctx.Err()
}

// A client that leaves before the response is logged as such, not as a
// failure of the worker.
func TestClientGoneIsNotAnError(t *testing.T) {
	var out outposttest.SyncBuffer
	target := waiting{started: make(chan struct{})}
	h := &Handler{Target: func() (Target, error) { return target, nil }, Dev: true,
		Logger: slog.New(logging.NewDev(&out, slog.LevelInfo))}
	served := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h.ServeHTTP(w, r)
		close(served)
	}))
	defer srv.Close()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-target.started
		cancel()
	}()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/slow", nil)
	if resp, err := http.DefaultClient.Do(req); err == nil {
		resp.Body.Close()
		t.Fatal("the request was answered after its client left")
	}
	select {
	case <-served:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not return after its client left")
	}
	log := out.String()
	if !strings.Contains(log, "GET /slow 499 Client Closed Request") || !strings.Contains(log, "(canceled: the client disconnected)") {
		t.Errorf("access log: %q", log)
	}
	if strings.Contains(log, "ERROR") {
		t.Errorf("a client that left was logged as an error: %q", log)
	}
}
