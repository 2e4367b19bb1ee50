package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/outposttest"
)

// TestPackageNodeStreams runs npm packages written for Node.js streams,
// zlib, os and fs under nodejs_compat: split2, node-gzip, json2csv's Node
// build and @fast-csv/format, plus a zlib gzip stream between a request and
// a response body.
func TestPackageNodeStreams(t *testing.T) {
	p := outposttest.Dev(t, pkgProject(t, "pkg-node-streams", "split2", "node-gzip", "json2csv", "@fast-csv/format"))

	// split2 over a 2,000-line NDJSON body that arrives in many chunks.
	var ndjson strings.Builder
	want := 0
	for i := 1; i <= 2000; i++ {
		fmt.Fprintf(&ndjson, "{\"n\":%d,\"s\":\"é€%d\"}\n", i, i)
		want += i
	}
	resp, body := p.Do("POST", "/ndjson", strings.NewReader(ndjson.String()), nil)
	var got struct {
		Count, Total int
		Last         struct {
			N int
			S string
		}
	}
	if err := json.Unmarshal([]byte(body), &got); err != nil || resp.StatusCode != 200 ||
		got.Count != 2000 || got.Total != want || got.Last.S != "é€2000" {
		t.Fatalf("POST /ndjson = %d %s", resp.StatusCode, body)
	}

	// node-gzip: the worker's gzip is read by Go's decoder, and Go's gzip
	// by the worker's.
	text := strings.Repeat("Outpost runs Workers. ", 500)
	resp, body = p.Do("POST", "/gzip", strings.NewReader(text), nil)
	if resp.StatusCode != 200 || len(body) >= len(text)/10 {
		t.Fatalf("POST /gzip = %d, %d bytes", resp.StatusCode, len(body))
	}
	if plain := gunzipString(t, body); plain != text {
		t.Errorf("gunzip(worker's gzip) = %q…", plain[:min(len(plain), 40)])
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(text))
	zw.Close()
	if resp, body = p.Do("POST", "/gunzip", &gz, nil); resp.StatusCode != 200 || body != text {
		t.Errorf("POST /gunzip = %d %q…", resp.StatusCode, body[:min(len(body), 40)])
	}
	if resp, body = p.Do("POST", "/gunzip", strings.NewReader("this is not gzip"), nil); resp.StatusCode != 400 || !strings.Contains(body, "incorrect header check") {
		t.Errorf("POST /gunzip with bad data = %d %q", resp.StatusCode, body)
	}

	// A zlib gzip stream between the request body and the response body.
	big := strings.Repeat("0123456789abcdef", 64<<10) // 1 MiB
	resp, body = p.Do("POST", "/gzip-stream", strings.NewReader(big), nil)
	if resp.StatusCode != 200 {
		t.Fatalf("POST /gzip-stream = %d %s", resp.StatusCode, body)
	}
	if plain := gunzipString(t, body); plain != big {
		t.Errorf("gzip stream round trip: %d bytes back, want %d", len(plain), len(big))
	}

	// json2csv: quoting, a missing field, rows ended by os.EOL ("\n").
	resp, body = p.Do("POST", "/csv", strings.NewReader(`[{"id":1,"name":"Ada","tags":"x,y"},{"id":2,"name":"say \"hi\""}]`), nil)
	if wantCSV := "\"id\",\"name\",\"tags\"\n1,\"Ada\",\"x,y\"\n2,\"say \"\"hi\"\"\","; resp.StatusCode != 200 || body != wantCSV {
		t.Errorf("POST /csv = %d %q, want %q", resp.StatusCode, body, wantCSV)
	}
	var rows strings.Builder
	var wantRows strings.Builder
	rows.WriteString("[")
	wantRows.WriteString("\"id\",\"name\"")
	for i := 0; i < 500; i++ {
		if i > 0 {
			rows.WriteString(",")
		}
		fmt.Fprintf(&rows, `{"id":%d,"name":"row %d"}`, i, i)
		fmt.Fprintf(&wantRows, "\n%d,\"row %d\"", i, i)
	}
	rows.WriteString("]")
	if resp, body = p.Do("POST", "/csv-stream", strings.NewReader(rows.String()), nil); resp.StatusCode != 200 || body != wantRows.String() {
		t.Errorf("POST /csv-stream = %d %q…", resp.StatusCode, body[:min(len(body), 80)])
	}

	// @fast-csv/format: its formatter stream, and writeToPath() into the
	// request's own /tmp through node:fs, which the next request does not see.
	if resp, body = p.Do("POST", "/fast-csv", strings.NewReader(`[{"a":1,"b":"x,y"},{"a":2,"b":"z"}]`), nil); body != "a,b\n1,\"x,y\"\n2,z" {
		t.Errorf("POST /fast-csv = %d %q", resp.StatusCode, body)
	}
	if resp, body = p.Do("POST", "/fast-csv-file", strings.NewReader(`[{"a":1,"b":"x"}]`), nil); body != "a,b\n1,x|out.csv" {
		t.Errorf("POST /fast-csv-file = %d %q", resp.StatusCode, body)
	}
	if _, body = p.Get("/tmp-leftover"); body != `{"exists":false,"tmp":[]}` {
		t.Errorf("GET /tmp-leftover = %s", body)
	}

	if _, body = p.Get("/os"); body != `{"eol":"\n","platform":"linux","tmpdir":"/tmp/","cpus":0}` {
		t.Errorf("GET /os = %s", body)
	}
}

func gunzipString(t *testing.T, s string) string {
	t.Helper()
	zr, err := gzip.NewReader(strings.NewReader(s))
	if err != nil {
		t.Fatalf("not gzip: %v", err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatalf("gunzip: %v", err)
	}
	return string(b)
}
