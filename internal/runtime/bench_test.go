package runtime

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime/metrics"
	"syscall"
	"testing"
	"time"
)

// Micro-benchmarks of the request path inside one instance; the side-by-side
// numbers against workerd and wrangler dev come from go run ./bench.

func newBenchInstance(b *testing.B, code string) *Instance {
	b.Helper()
	in, err := NewInstance(&Config{
		Name:   "bench",
		Script: Script{Code: code, URL: "bench.js", Modules: true},
		Host: &Host{
			Console: func(worker, level, text string) { b.Logf("console.%s: %s", level, text) },
		},
	})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(in.Close)
	return in
}

// benchFetch sends one GET through the instance and reads the whole body.
func benchFetch(in *Instance, url string) (*Response, []byte, error) {
	resp, err := in.Fetch(context.Background(), &Request{Method: "GET", URL: url, Header: http.Header{}})
	if err != nil {
		return nil, nil, err
	}
	if resp.Body == nil {
		return resp, nil, nil
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, body, err
}

const benchHello = `var __outpost_entry = { default: {
	fetch() { return new Response("Hello World!", { headers: { "content-type": "text/plain;charset=UTF-8" } }); },
} };`

// BenchmarkFetchHello is one request dispatched into JavaScript and its
// response read back: the floor under every worker.
func BenchmarkFetchHello(b *testing.B) {
	in := newBenchInstance(b, benchHello)
	b.ReportAllocs()
	for b.Loop() {
		resp, body, err := benchFetch(in, "http://bench.example/")
		if err != nil || resp.Status != 200 || string(body) != "Hello World!" {
			b.Fatalf("fetch = %+v %q %v", resp, body, err)
		}
	}
}

// BenchmarkFetchHelloParallel interleaves requests from many goroutines on
// the one event loop, as concurrent connections do.
func BenchmarkFetchHelloParallel(b *testing.B) {
	in := newBenchInstance(b, benchHello)
	b.ReportAllocs()
	b.SetParallelism(8)
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, body, err := benchFetch(in, "http://bench.example/")
			if err != nil || resp.Status != 200 || string(body) != "Hello World!" {
				b.Errorf("fetch = %+v %q %v", resp, body, err)
				return
			}
		}
	})
}

const streamChunks, streamChunkSize = 16, 1024

var benchStream = fmt.Sprintf(`var __outpost_entry = { default: {
	fetch() {
		const chunk = new Uint8Array(%d).fill(120);
		let i = 0;
		return new Response(new ReadableStream({
			pull(c) { if (i++ < %d) c.enqueue(chunk); else c.close(); },
		}));
	},
} };`, streamChunkSize, streamChunks)

// BenchmarkFetchStreamed is a response body produced chunk by chunk by a
// ReadableStream and pulled from Go.
func BenchmarkFetchStreamed(b *testing.B) {
	in := newBenchInstance(b, benchStream)
	b.ReportAllocs()
	b.SetBytes(streamChunks * streamChunkSize)
	for b.Loop() {
		resp, body, err := benchFetch(in, "http://bench.example/")
		if err != nil || resp.Status != 200 || len(body) != streamChunks*streamChunkSize {
			b.Fatalf("fetch = %+v, %d bytes, %v", resp, len(body), err)
		}
	}
}

// BenchmarkThreadCPU is one read of the thread's CPU clock: a system call
// (the monotonic clock, for comparison, is read in user space). The engine's
// watchdog reads it at every entry into JavaScript.
func BenchmarkThreadCPU(b *testing.B) {
	for b.Loop() {
		threadCPU()
	}
}

func BenchmarkMonotonicClock(b *testing.B) {
	for b.Loop() {
		monoNow()
	}
}

// BenchmarkFetchSubrequest is a request whose worker fetches a local origin
// and answers its body, run from many goroutines at once as concurrent
// connections do; cpu-ns/op is the process's CPU time (user and system)
// per request, origin included.
func BenchmarkFetchSubrequest(b *testing.B) {
	in := newFetchingInstance(b, "origin data origin data origin data", `var __outpost_entry = { default: {
	async fetch(req, env) {
		const res = await fetch(env.ORIGIN + "/data");
		return new Response(await res.text(), { status: res.status, headers: { "content-type": "text/plain" } });
	},
} };`)
	b.ReportAllocs()
	b.SetParallelism(8)
	start, started := processCPU(), goroutinesCreated()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, body, err := benchFetch(in, "http://bench.example/")
			if err != nil || resp.Status != 200 || len(body) != 35 {
				b.Errorf("fetch = %+v %q %v", resp, body, err)
				return
			}
		}
	})
	b.ReportMetric(float64(processCPU()-start)/float64(b.N), "cpu-ns/op")
	b.ReportMetric(float64(goroutinesCreated()-started)/float64(b.N), "goroutines/op")
}

// goroutinesCreated is how many goroutines the process has started: each
// costs a scheduling, and often the wake of an idle thread to run it.
func goroutinesCreated() uint64 {
	s := []metrics.Sample{{Name: "/sched/goroutines-created:goroutines"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// newFetchingInstance runs code (a module worker) with a real Fetcher and
// env.ORIGIN, a local origin that answers every request with body.
func newFetchingInstance(tb testing.TB, body, code string) *Instance {
	tb.Helper()
	origin := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		io.WriteString(w, body)
	}))
	tb.Cleanup(origin.Close)
	in, err := NewInstance(&Config{
		Name:     "fetching",
		Script:   Script{Code: code, URL: "fetching.js", Modules: true},
		Bindings: Bindings{Vars: map[string]any{"ORIGIN": origin.URL}},
		Host: &Host{
			Console: func(worker, level, text string) { tb.Logf("console.%s: %s", level, text) },
			Fetch:   &Fetcher{},
		},
	})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(in.Close)
	return in
}

// processCPU is the CPU time (user and system) the process has used.
func processCPU() time.Duration {
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
