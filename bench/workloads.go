package main

import (
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// workload is one worker script and the request that exercises it.
type workload struct {
	Name   string
	Title  string
	Script string // under bench/workers/src
	Path   string // the measured request
	// Probe is requested until it answers 200 to time the cold start; it
	// also prepares state (the KV workloads seed their key through it).
	Probe string
	KV    bool // needs the KV binding
	R2    bool // needs the R2 binding (bucket "bench" as env.R2)
	Cache bool // needs Cache API storage
	Queue bool // produces to and consumes queue "bench" (queues.go)
	DO    bool // binds the Durable Object class Counter as COUNTER
	D1    bool // needs the D1 binding DB
	// Check tells whether the system really did the work: a 200 with the
	// wrong body means the workload failed there.
	Check func(get func(path string) (*http.Response, string, error)) error
}

// kvValue is the value bench/workers/src/kv.js stores.
const kvValue = "a small value of about forty bytes......"

// originBody is what the local origin answers to /data.
var originBody = strings.Repeat("origin data ", 8)

var workloads = []*workload{
	{Name: "hello", Title: "plain-text hello world", Script: "hello.js", Path: "/", Probe: "/",
		Check: expectBody("/", func(b string) bool { return b == "Hello World!" }, `"Hello World!"`)},
	{Name: "hono", Title: "Hono JSON route with a path parameter", Script: "hono.js", Path: "/users/42", Probe: "/users/1",
		Check: expectBody("/users/42", func(b string) bool { return strings.Contains(b, `"id":"42"`) }, `JSON with "id":"42"`)},
	{Name: "kv-get", Title: "KV get hit (40-byte value)", Script: "kv.js", Path: "/get", Probe: "/seed", KV: true,
		Check: expectBody("/get", func(b string) bool { return b == kvValue }, "the seeded value")},
	{Name: "kv-put", Title: "KV put (40-byte value, 1,000 keys)", Script: "kv.js", Path: "/put", Probe: "/seed", KV: true,
		Check: expectBody("/put", func(b string) bool { return b == "ok" }, `"ok"`)},
	{Name: "r2-get-1k", Title: "R2 get of a 1 KiB object (streamed)", Script: "r2.js", Path: "/get-1k", Probe: "/seed", R2: true,
		Check: expectBody("/get-1k", func(b string) bool { return len(b) == 1024 }, "1,024 bytes")},
	{Name: "r2-get-1m", Title: "R2 get of a 1 MiB object (streamed)", Script: "r2.js", Path: "/get-1m", Probe: "/seed", R2: true,
		Check: expectBody("/get-1m", func(b string) bool { return len(b) == 1<<20 }, "1,048,576 bytes")},
	{Name: "r2-put-1k", Title: "R2 put of 1 KiB (1,000 keys)", Script: "r2.js", Path: "/put-1k", Probe: "/seed", R2: true,
		Check: expectBody("/put-1k", func(b string) bool { return b == "1024" }, `"1024"`)},
	{Name: "r2-put-1m", Title: "R2 put of 1 MiB (1,000 keys)", Script: "r2.js", Path: "/put-1m", Probe: "/seed", R2: true,
		Check: expectBody("/put-1m", func(b string) bool { return b == "1048576" }, `"1048576"`)},
	{Name: "d1-get", Title: "D1 point query (primary key, 1,000 rows)", Script: "d1.js", Path: "/get", Probe: "/seed", D1: true,
		Check: expectBody("/get", func(b string) bool { return b == kvValue }, "the seeded row")},
	{Name: "d1-put", Title: "D1 insert of a small row", Script: "d1.js", Path: "/put", Probe: "/seed", D1: true,
		Check: expectBody("/put", func(b string) bool { return b == "ok" }, `"ok"`)},
	{Name: "cache-hit", Title: "Cache API match hit", Script: "cache.js", Path: "/", Probe: "/", Cache: true, Check: checkCacheHit},
	{Name: "react", Title: "React renderToString, 200-row table", Script: "react.js", Path: "/", Probe: "/",
		Check: expectBody("/", func(b string) bool {
			return strings.Contains(b, "<table>") && strings.Contains(b, "Item 200") && strings.Count(b, "<tr") == 201
		}, "a table of 200 rows")},
	{Name: "do-one", Title: "Durable Object RPC increment (a storage write), one object", Script: "durable.js", Path: "/one", Probe: "/one", DO: true,
		Check: expectBody("/one", isCount, "a count")},
	{Name: "do-many", Title: "Durable Object RPC increment (a storage write), 1,000 objects", Script: "durable.js", Path: "/many", Probe: "/many", DO: true,
		Check: expectBody("/many", isCount, "a count")},
	{Name: "fetch", Title: "fetch() to a local origin", Script: "fetch.js", Path: "/", Probe: "/",
		Check: expectBody("/", func(b string) bool { return b == originBody }, "the origin's body")},
	{Name: "fetch-status", Title: "fetch() to a local origin, its body never read", Script: "fetch-status.js", Path: "/", Probe: "/",
		Check: expectBody("/", func(b string) bool { return b == "200" }, `"200"`)},
}

// isCount says whether b is a positive integer (a counter's value).
func isCount(b string) bool {
	n, err := strconv.Atoi(b)
	return err == nil && n > 0
}

func expectBody(path string, ok func(string) bool, want string) func(func(string) (*http.Response, string, error)) error {
	return func(get func(string) (*http.Response, string, error)) error {
		resp, body, err := get(path)
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 || !ok(body) {
			return fmt.Errorf("GET %s: %d %s, want 200 with %s", path, resp.StatusCode, abbreviate(body), want)
		}
		return nil
	}
}

// checkCacheHit asks twice: the second answer must come from the cache.
func checkCacheHit(get func(string) (*http.Response, string, error)) error {
	for i := range 2 {
		resp, body, err := get("/")
		if err != nil {
			return err
		}
		if resp.StatusCode != 200 {
			return fmt.Errorf("GET /: %d %s", resp.StatusCode, abbreviate(body))
		}
		if i == 1 && resp.Header.Get("X-Bench-Cache") == "miss" {
			return fmt.Errorf("GET / missed the cache after a cache.put: the Cache API stores nothing here")
		}
	}
	return nil
}

func abbreviate(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 160 {
		s = s[:160] + "…"
	}
	return fmt.Sprintf("%q", s)
}

// httpGet is one request on a fresh connection with a short timeout.
func httpGet(url string) (*http.Response, string, error) {
	client := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := client.Get(url)
	if err != nil {
		return nil, "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return resp, string(b), err
}
