package server

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/logging"
	"github.com/outpost-dev/outpost/internal/runtime"
)

// answer is a target that answers every request with the same small
// response at once: what is left is the handler's own work around a
// worker (the request's headers and request.cf, the response's headers,
// the compression decision, the access log).
type answer struct{}

func (answer) Fetch(ctx context.Context, req *runtime.Request) (*runtime.Response, error) {
	return &runtime.Response{Status: 200, Header: http.Header{"Content-Type": {"text/plain;charset=UTF-8"}},
		Body: io.NopCloser(strings.NewReader("Hello World!")), ContentLength: 12}, nil
}

// BenchmarkHandler is one request through the handler as `outpost dev`
// sets it up, the worker left out.
func BenchmarkHandler(b *testing.B) {
	h := &Handler{
		Target:   func() (Target, error) { return answer{}, nil },
		Dev:      true,
		Logger:   slog.New(logging.NewDev(io.Discard, slog.LevelInfo)),
		Compress: true,
	}
	req := httptest.NewRequest("GET", "http://localhost:8787/", nil)
	req.Header.Set("User-Agent", "wrk")
	req.Header.Set("Accept-Encoding", "gzip")
	req.RemoteAddr = "127.0.0.1:40000"
	b.ReportAllocs()
	for b.Loop() {
		h.ServeHTTP(httptest.NewRecorder(), req)
	}
}
