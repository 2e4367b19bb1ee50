package e2e

import (
	"bytes"
	"crypto/md5"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/outposttest"
	"github.com/outpost-dev/outpost/internal/r2/s3server"
)

// r2Object is an R2Object as JSON.stringify gives it.
type r2Object struct {
	Key            string            `json:"key"`
	Version        string            `json:"version"`
	Size           int64             `json:"size"`
	ETag           string            `json:"etag"`
	HTTPEtag       string            `json:"httpEtag"`
	Uploaded       string            `json:"uploaded"`
	Checksums      map[string]string `json:"checksums"`
	HTTPMetadata   map[string]string `json:"httpMetadata"`
	CustomMetadata map[string]string `json:"customMetadata"`
	StorageClass   string            `json:"storageClass"`
	Range          *struct{ Offset, Length int64 }
}

type r2Client struct {
	t   *testing.T
	url string
}

func (c r2Client) do(method, path string, body io.Reader, header map[string]string) (*http.Response, string) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.url+path, body)
	if err != nil {
		c.t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := client.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func (c r2Client) object(method, path string, body io.Reader, header map[string]string, wantStatus int) r2Object {
	c.t.Helper()
	resp, text := c.do(method, path, body, header)
	if resp.StatusCode != wantStatus {
		c.t.Fatalf("%s %s = %d %s", method, path, resp.StatusCode, text)
	}
	var o r2Object
	if err := json.Unmarshal([]byte(text), &o); err != nil {
		c.t.Fatalf("%s %s: %v in %s", method, path, err, text)
	}
	return o
}

// exerciseR2 drives every method of the binding through the r2-basic
// worker; it is run under outpost dev and under outpost serve on S3.
func exerciseR2(t *testing.T, c r2Client) {
	// put from a request body stream, with HTTP metadata from the headers
	// and custom metadata.
	o := c.object("PUT", "/obj/docs/hello.txt?meta="+`%7B%22Owner%22%3A%22%C3%A5da%22%7D`, strings.NewReader("hello world"),
		map[string]string{"Content-Type": "text/plain", "Cache-Control": "max-age=60", "Content-Language": "en"}, 201)
	sum := md5.Sum([]byte("hello world"))
	if o.Key != "docs/hello.txt" || o.Size != 11 || o.ETag != hex.EncodeToString(sum[:]) || o.HTTPEtag != `"`+o.ETag+`"` ||
		o.Checksums["md5"] != o.ETag || o.StorageClass != "Standard" || o.HTTPMetadata["contentType"] != "text/plain" ||
		o.CustomMetadata["Owner"] != "åda" || o.Version == "" {
		t.Fatalf("put = %+v", o)
	}
	if _, err := time.Parse(time.RFC3339, o.Uploaded); err != nil {
		t.Errorf("uploaded %q: %v", o.Uploaded, err)
	}
	// get with writeHttpMetadata
	resp, body := c.do("GET", "/obj/docs/hello.txt", nil, nil)
	if resp.StatusCode != 200 || body != "hello world" || resp.Header.Get("Content-Type") != "text/plain" ||
		resp.Header.Get("Cache-Control") != "max-age=60" || resp.Header.Get("Content-Language") != "en" || resp.Header.Get("Etag") != o.HTTPEtag {
		t.Fatalf("get = %d %q %v", resp.StatusCode, body, resp.Header)
	}
	// head
	h := c.object("GET", "/head/docs/hello.txt", nil, nil, 200)
	if h.Version != o.Version || h.ETag != o.ETag || h.CustomMetadata["Owner"] != "åda" {
		t.Errorf("head = %+v", h)
	}
	if resp, _ := c.do("GET", "/head/missing", nil, nil); resp.StatusCode != 404 {
		t.Errorf("head missing = %d", resp.StatusCode)
	}
	// ranges from a Range header and from the object form
	for hdr, want := range map[string]string{"bytes=0-4": "hello", "bytes=-5": "world", "bytes=6-": "world"} {
		resp, body := c.do("GET", "/obj/docs/hello.txt", nil, map[string]string{"Range": hdr})
		if resp.StatusCode != 206 || body != want {
			t.Errorf("Range %s = %d %q", hdr, resp.StatusCode, body)
		}
	}
	for q, want := range map[string]string{"offset=6": "world", "offset=1&length=3": "ell", "suffix=3": "rld", "length=2": "he"} {
		resp, text := c.do("GET", "/read/docs/hello.txt?"+q, nil, nil)
		var r struct {
			Text   string
			Object r2Object
		}
		json.Unmarshal([]byte(text), &r)
		if resp.StatusCode != 200 || r.Text != want || r.Object.Range == nil || r.Object.Range.Length != int64(len(want)) {
			t.Errorf("range %s = %s", q, text)
		}
	}
	// conditionals: from headers (304 / 412 with no body) and objects
	if resp, body := c.do("GET", "/obj/docs/hello.txt", nil, map[string]string{"If-None-Match": o.HTTPEtag}); resp.StatusCode != 304 || body != "" {
		t.Errorf("If-None-Match = %d %q", resp.StatusCode, body)
	}
	if resp, _ := c.do("GET", "/obj/docs/hello.txt", nil, map[string]string{"If-Match": `"nope", ` + o.HTTPEtag}); resp.StatusCode != 200 {
		t.Errorf("If-Match list = %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", "/obj/docs/hello.txt", nil, map[string]string{"If-Match": `"nope"`}); resp.StatusCode != 412 {
		t.Errorf("If-Match mismatch = %d", resp.StatusCode)
	}
	if resp, _ := c.do("GET", "/obj/docs/hello.txt", nil, map[string]string{"If-Modified-Since": time.Now().Add(time.Hour).UTC().Format(http.TimeFormat)}); resp.StatusCode != 412 {
		t.Errorf("If-Modified-Since future = %d", resp.StatusCode)
	}
	_, text := c.do("GET", "/read/docs/hello.txt?etagDoesNotMatch="+o.ETag, nil, nil)
	if !strings.Contains(text, `"hasBody":false`) || !strings.Contains(text, `"key":"docs/hello.txt"`) {
		t.Errorf("onlyIf etagDoesNotMatch = %s", text)
	}
	_, text = c.do("GET", "/read/docs/hello.txt?etagMatches="+o.ETag+"&uploadedBefore=2000-01-01T00:00:00Z", nil, nil)
	if !strings.Contains(text, `"hasBody":true`) {
		t.Errorf("onlyIf etagMatches overrides uploadedBefore = %s", text)
	}
	// conditional put: If-Match that fails → null (412 from the worker)
	if resp, text := c.do("PUT", "/obj/docs/hello.txt", strings.NewReader("changed"), map[string]string{"If-Match": `"nope"`}); resp.StatusCode != 412 {
		t.Errorf("conditional put = %d %s", resp.StatusCode, text)
	}
	if resp, _ := c.do("PUT", "/obj/docs/new.txt", strings.NewReader("x"), map[string]string{"If-None-Match": "*"}); resp.StatusCode != 201 {
		t.Errorf("If-None-Match * on a new key = %d", resp.StatusCode)
	}
	if resp, text := c.do("PUT", "/obj/docs/new.txt", strings.NewReader("y"), map[string]string{"If-None-Match": "*"}); resp.StatusCode != 412 {
		t.Errorf("If-None-Match * on an existing key = %d %s", resp.StatusCode, text)
	}
	// every body type, and every body reader
	for _, as := range []string{"text", "arrayBuffer", "blob", "fixed", ""} {
		o := c.object("PUT", "/obj/types/"+as+"?as="+as, strings.NewReader(`{"as":"`+as+`"}`), map[string]string{"Content-Type": "application/json"}, 201)
		if o.Size != int64(len(`{"as":""}`)+len(as)) {
			t.Errorf("put as %s: size %d", as, o.Size)
		}
	}
	if o := c.object("PUT", "/obj/types/view?as=view", strings.NewReader("xview"), nil, 201); o.Size != 4 {
		t.Errorf("put a view: %+v", o)
	}
	if o := c.object("PUT", "/obj/types/null?as=null", strings.NewReader("ignored"), nil, 201); o.Size != 0 {
		t.Errorf("put null: %+v", o)
	}
	for as, want := range map[string]string{"text": `"text":"{\"as\":\"text\"}"`, "json": `"json":{"as":"text"}`, "arrayBuffer": `"bytes":13`,
		"bytes": `"bytes":13`, "blob": `"blobType":"application/json"`, "twice": `"error":"TypeError: Body has already been used.`} {
		if _, text := c.do("GET", "/read/types/text?as="+as, nil, nil); !strings.Contains(text, want) {
			t.Errorf("read as %s = %s", as, text)
		}
	}
	// checksums: a good sha256 is kept, a bad one stores nothing
	good := sha256.Sum256([]byte("sum me"))
	o = c.object("PUT", "/obj/sums?sha256="+hex.EncodeToString(good[:]), strings.NewReader("sum me"), nil, 201)
	if o.Checksums["sha256"] != hex.EncodeToString(good[:]) {
		t.Errorf("sha256 checksum %+v", o.Checksums)
	}
	if resp, text := c.do("PUT", "/obj/sums?md5="+strings.Repeat("0", 32), strings.NewReader("other"), nil); resp.StatusCode != 500 || !strings.Contains(text, "put: The MD5 checksum you specified did not match what we received.") {
		t.Errorf("bad md5 = %d %s", resp.StatusCode, text)
	}
	if _, body := c.do("GET", "/obj/sums", nil, nil); body != "sum me" {
		t.Errorf("a bad checksum replaced the object: %q", body)
	}
	// storage class
	if o := c.object("PUT", "/obj/cold?storageClass=InfrequentAccess", strings.NewReader("c"), nil, 201); o.StorageClass != "InfrequentAccess" {
		t.Errorf("storageClass %+v", o)
	}
	// list: prefix, delimiter, cursor, startAfter, limit, include
	var l struct {
		Objects           []r2Object
		Truncated         bool
		Cursor            string
		DelimitedPrefixes []string
	}
	list := func(q string) {
		t.Helper()
		l.Objects, l.Cursor, l.DelimitedPrefixes = nil, "", nil
		resp, text := c.do("GET", "/list?"+q, nil, nil)
		if resp.StatusCode != 200 {
			t.Fatalf("list %s = %d %s", q, resp.StatusCode, text)
		}
		json.Unmarshal([]byte(text), &l)
	}
	list("delimiter=/")
	if strings.Join(l.DelimitedPrefixes, ",") != "docs/,types/" || len(l.Objects) != 2 || l.Truncated || l.Objects[0].HTTPMetadata != nil {
		t.Errorf("delimited list = %+v", l)
	}
	list("prefix=types/&limit=3&include=httpMetadata,customMetadata")
	if len(l.Objects) != 3 || !l.Truncated || l.Cursor == "" || l.Objects[0].HTTPMetadata["contentType"] != "application/json" || l.Objects[0].CustomMetadata == nil {
		t.Errorf("limited list = %+v", l)
	}
	list("prefix=types/&cursor=" + l.Cursor)
	if len(l.Objects) != 4 || l.Truncated || l.Objects[0].Key != "types/fixed" {
		t.Errorf("second page = %+v", l)
	}
	list("startAfter=types/text")
	if len(l.Objects) != 1 || l.Objects[0].Key != "types/view" {
		t.Errorf("startAfter = %+v", l)
	}
	// multipart: two 5 MiB parts and a short last one, streamed
	_, text = c.do("POST", "/mpu-create/big.bin?type=application/octet-stream", nil, nil)
	var up struct{ Key, UploadID string }
	json.Unmarshal([]byte(text), &up)
	if up.UploadID == "" || up.Key != "big.bin" {
		t.Fatalf("createMultipartUpload = %s", text)
	}
	var parts []map[string]any
	var whole bytes.Buffer
	for i, size := range []int{5 << 20, 5 << 20, 1234} {
		data := bytes.Repeat([]byte{byte('a' + i)}, size)
		whole.Write(data)
		resp, text := c.do("PUT", fmt.Sprintf("/mpu-part/big.bin?uploadId=%s&part=%d", up.UploadID, i+1), bytes.NewReader(data), nil)
		var p map[string]any
		if resp.StatusCode != 200 || json.Unmarshal([]byte(text), &p) != nil || p["etag"] == "" {
			t.Fatalf("uploadPart %d = %d %s", i+1, resp.StatusCode, text)
		}
		parts = append(parts, p)
	}
	partsJSON, _ := json.Marshal(parts)
	o = c.object("POST", "/mpu-complete/big.bin?uploadId="+up.UploadID, bytes.NewReader(partsJSON), nil, 200)
	if o.Size != int64(whole.Len()) || o.CustomMetadata["via"] != "multipart" || o.HTTPMetadata["contentType"] != "application/octet-stream" {
		t.Errorf("complete = %+v", o)
	}
	if resp, body := c.do("GET", "/obj/big.bin", nil, map[string]string{"Range": fmt.Sprintf("bytes=%d-%d", 5<<20-2, 5<<20+1)}); body != "aabb" || resp.StatusCode != 206 {
		t.Errorf("range across parts = %d %q", resp.StatusCode, body)
	}
	if _, body := c.do("GET", "/obj/big.bin", nil, nil); body != whole.String() {
		t.Errorf("multipart object differs (%d bytes)", len(body))
	}
	// abort, then the upload is gone
	_, text = c.do("POST", "/mpu-create/aborted", nil, nil)
	json.Unmarshal([]byte(text), &up)
	if resp, _ := c.do("POST", "/mpu-abort/aborted?uploadId="+up.UploadID, nil, nil); resp.StatusCode != 204 {
		t.Errorf("abort = %d", resp.StatusCode)
	}
	if resp, text := c.do("PUT", "/mpu-part/aborted?uploadId="+up.UploadID+"&part=1", strings.NewReader("x"), nil); resp.StatusCode != 500 || !strings.Contains(text, "uploadPart: The specified multipart upload does not exist. (10024)") {
		t.Errorf("part after abort = %d %s", resp.StatusCode, text)
	}
	// an R2ObjectBody streamed into another bucket
	o = c.object("POST", "/copy/docs/hello.txt", nil, nil, 200)
	if o.ETag != hex.EncodeToString(sum[:]) || o.CustomMetadata["Owner"] != "åda" {
		t.Errorf("copy = %+v", o)
	}
	if _, body := c.do("GET", "/obj/docs/hello.txt?bucket=other", nil, nil); body != "hello world" {
		t.Errorf("copied object = %q", body)
	}
	// delete one and many
	if resp, _ := c.do("DELETE", "/obj/docs/new.txt", nil, nil); resp.StatusCode != 204 {
		t.Errorf("delete = %d", resp.StatusCode)
	}
	c.do("POST", "/delete", strings.NewReader(`["types/text","types/blob","missing"]`), nil)
	list("prefix=types/")
	if len(l.Objects) != 5 || l.Objects[1].Key != "types/arrayBuffer" || l.Objects[2].Key != "types/fixed" {
		t.Errorf("after delete: %+v", l.Objects)
	}
	// limits and argument errors, with workerd's and R2's messages
	for name, want := range map[string]string{
		"long-key":       `"R2Error","message":"put: The specified object name is not valid. (10020)","code":10020`,
		"metadata":       `put: Your metadata headers exceed the maximum allowed metadata size. (10012)`,
		"bad-sha256":     `put: The SHA-256 checksum you specified did not match what we received.`,
		"two-hashes":     `"TypeError","message":"You cannot specify multiple hashing algorithms."`,
		"md5-length":     `MD5 is 32 hex characters, not 3`,
		"quoted-etag":    `Conditional ETag should not be wrapped in quotes (\"abc\").`,
		"range-offset":   `"RangeError","message":"Invalid range. Starting offset (-1) must be greater than or equal to 0."`,
		"range-suffix":   `Suffix is incompatible with offset.`,
		"unsatisfiable":  `get: The requested range is not satisfiable (10039)`,
		"limit":          `list: MaxKeys params must be positive integer <= 1000. (10022)`,
		"include":        `Unsupported include value nope`,
		"storage-class":  `put: The storage class you specified is not valid. (10040)`,
		"no-length":      `Provided readable stream must have a known length (request/response body or readable half of FixedLengthStream)`,
		"fixed-short":    `FixedLengthStream did not see all expected bytes before close().`,
		"write-metadata": "HTTP metadata unknown for key `wm`. Did you forget to add 'httpMetadata' to `include` when listing?",
		"no-upload":      `uploadPart: The specified multipart upload does not exist. (10024)`,
		"small-parts":    `completeMultipartUpload: Your proposed upload is smaller than the minimum allowed object size. (10011)`,
		"delete-many":    `"action":"delete"`,
	} {
		resp, text := c.do("GET", "/error?case="+name, nil, nil)
		if resp.StatusCode != 400 || !strings.Contains(text, want) || !strings.Contains(text, `"isError":true`) {
			t.Errorf("error case %s = %d %s\nwant %s", name, resp.StatusCode, text, want)
		}
	}
}

func TestR2ThroughWorker(t *testing.T) {
	dir := outposttest.CopyDir(t, project("r2-basic"))
	p := outposttest.Dev(t, dir)
	exerciseR2(t, r2Client{t: t, url: p.URL})

	// Objects are files under .outpost/state/r2/<bucket>/, metadata in SQLite.
	files, _ := os.ReadDir(filepath.Join(dir, ".outpost", "state", "r2", "r2-basic-bucket"))
	n := 0
	for _, f := range files {
		if !f.IsDir() {
			n++
		}
	}
	if n < 10 {
		t.Errorf("%d object files in the bucket directory", n)
	}
	if _, err := os.Stat(filepath.Join(dir, ".outpost", "state", "r2", "r2.sqlite")); err != nil {
		t.Error(err)
	}

	// The CLI sees the worker's objects and the worker sees the CLI's.
	out, code := outposttest.Run(t, dir, "r2", "object", "get", "r2-basic-bucket/docs/hello.txt", "--pipe")
	if code != 0 || out != "hello world" {
		t.Errorf("r2 object get = %d %q", code, out)
	}
	src := filepath.Join(t.TempDir(), "page.html")
	os.WriteFile(src, []byte("<h1>from the CLI</h1>"), 0o644)
	if out, code := outposttest.Run(t, dir, "r2", "object", "put", "r2-basic-bucket/cli/page.html", "--file", src); code != 0 {
		t.Fatalf("r2 object put = %d %s", code, out)
	}
	resp, body := p.Get("/obj/cli/page.html")
	if body != "<h1>from the CLI</h1>" || resp.Header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Errorf("worker reads the CLI's object: %q %v", body, resp.Header)
	}
	dest := filepath.Join(t.TempDir(), "out.bin")
	if out, code := outposttest.Run(t, dir, "r2", "object", "get", "r2-basic-bucket/big.bin", "--file", dest); code != 0 {
		t.Fatalf("r2 object get --file = %d %s", code, out)
	}
	if st, err := os.Stat(dest); err != nil || st.Size() != 10<<20+1234 {
		t.Errorf("downloaded %v %v", st, err)
	}
	if out, code := outposttest.Run(t, dir, "r2", "object", "delete", "r2-basic-bucket/cli/page.html"); code != 0 {
		t.Errorf("r2 object delete = %d %s", code, out)
	}
	if resp, _ := p.Get("/obj/cli/page.html"); resp.StatusCode != 404 {
		t.Errorf("after CLI delete = %d", resp.StatusCode)
	}
	out, code = outposttest.Run(t, dir, "r2", "bucket", "list")
	if code != 0 || !strings.Contains(out, "name:           r2-basic-bucket") || !strings.Contains(out, "name:           r2-basic-other") {
		t.Errorf("r2 bucket list = %d %s", code, out)
	}
	if out, code := outposttest.Run(t, dir, "r2", "bucket", "create", "made-by-cli"); code != 0 || !strings.Contains(out, "Created bucket 'made-by-cli'.") {
		t.Errorf("r2 bucket create = %d %s", code, out)
	}
	if out, code := outposttest.Run(t, dir, "r2", "bucket", "delete", "r2-basic-bucket"); code != 1 || !strings.Contains(out, "not empty") {
		t.Errorf("deleting a full bucket = %d %s", code, out)
	}
	if out, code := outposttest.Run(t, dir, "r2", "bucket", "delete", "made-by-cli"); code != 0 {
		t.Errorf("r2 bucket delete = %d %s", code, out)
	}

	// Objects survive a restart.
	_, head := p.Get("/head/docs/hello.txt")
	p.Stop()
	p = outposttest.Dev(t, dir)
	if _, again := p.Get("/head/docs/hello.txt"); again != head {
		t.Errorf("after restart head = %s, was %s", again, head)
	}
	if _, body := p.Get("/obj/big.bin"); len(body) != 10<<20+1234 {
		t.Errorf("after restart big.bin has %d bytes", len(body))
	}
}

// TestR2ServeOnS3 runs the same worker under outpost serve with its
// buckets in an S3-compatible server.
func TestR2ServeOnS3(t *testing.T) {
	endpoint := s3server.Start(t)
	dir := t.TempDir()
	work := outposttest.CopyDir(t, project("r2-basic"))
	config := fmt.Sprintf(`
state_dir = "state"

[ops]
listen = "%%OPS%%"

[r2]
endpoint = %q
region = "us-east-1"
path_style = true
bucket_prefix = "fleet-"

[[workers]]
name = "r2"
dir = %q
routes = ["127.0.0.1/*"]
`, endpoint, work)
	n := startServe(t, dir, config, "AWS_ACCESS_KEY_ID="+s3server.AccessKey, "AWS_SECRET_ACCESS_KEY="+s3server.SecretKey)
	exerciseR2(t, r2Client{t: t, url: n.URL})

	// Operations show in the metrics.
	resp, err := client.Get(n.ops + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	metricsText, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	for _, want := range []string{`outpost_r2_operations_total{worker="r2",op="get",result="hit"}`, `outpost_r2_operations_total{worker="r2",op="put",result="ok"}`, `outpost_r2_hit_ratio{worker="r2"}`} {
		if !strings.Contains(string(metricsText), want) {
			t.Errorf("metrics lack %s", want)
		}
	}

	// The objects are in the S3 store (under the prefix), not on the node.
	if _, err := os.Stat(filepath.Join(dir, "state", "r2", "r2-basic-bucket")); err == nil {
		t.Error("serve with [r2] wrote objects under the state directory")
	}
	out, code := outposttest.Run(t, dir, "r2", "--serve-config", filepath.Join(dir, "outpost.toml"), "object", "get", "r2-basic-bucket/docs/hello.txt", "--pipe")
	if code != 0 || out != "hello world" {
		t.Errorf("r2 object get on S3 = %d %q", code, out)
	}
}

// checkR2Explorer drives Cloudflare's R2 Explorer template (read-only) over
// a bucket that holds docs/report.txt.
func checkR2Explorer(t *testing.T, c r2Client) {
	t.Helper()
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	if _, text := c.do("GET", "/api/server/config", nil, nil); !strings.Contains(text, `"buckets":[{"name":"bucket"}]`) {
		t.Errorf("server config = %s", text)
	}
	if _, text := c.do("GET", "/api/buckets/bucket?delimiter=/", nil, nil); !strings.Contains(text, `"delimitedPrefixes":["docs/"]`) {
		t.Errorf("root listing = %s", text)
	}
	if _, text := c.do("GET", "/api/buckets/bucket?delimiter=/&prefix="+b64("docs/"), nil, nil); !strings.Contains(text, `"key":"docs/report.txt"`) || !strings.Contains(text, `"size":12`) {
		t.Errorf("docs/ listing = %s", text)
	}
	resp, body := c.do("GET", "/api/buckets/bucket/"+b64("docs/report.txt"), nil, nil)
	if resp.StatusCode != 200 || body != "report body\n" || resp.Header.Get("Content-Type") != "text/plain" ||
		resp.Header.Get("Content-Disposition") != `attachment; filename="report.txt"` || !strings.HasPrefix(resp.Header.Get("Etag"), `"`) {
		t.Errorf("download = %d %q %v", resp.StatusCode, body, resp.Header)
	}
	if _, text := c.do("GET", "/api/buckets/bucket/"+b64("docs/report.txt")+"/head", nil, nil); !strings.Contains(text, `"httpMetadata":{"contentType":"text/plain"}`) {
		t.Errorf("head = %s", text)
	}
	if resp, _ := c.do("GET", "/api/buckets/bucket/"+b64("missing"), nil, nil); resp.StatusCode != 404 {
		t.Errorf("missing object = %d", resp.StatusCode)
	}
	if resp, _ := c.do("POST", "/api/buckets/bucket/delete", strings.NewReader(`{"key":"`+b64("docs/report.txt")+`"}`), nil); resp.StatusCode != 401 {
		t.Errorf("read-only delete = %d", resp.StatusCode)
	}
	if resp, body := c.do("GET", "/", nil, nil); resp.StatusCode != 200 || !strings.Contains(body, "<html") {
		t.Errorf("dashboard = %d", resp.StatusCode)
	}
}

func TestR2ExplorerTemplate(t *testing.T) {
	dir := outposttest.CopyDir(t, project("r2-explorer"))
	report := filepath.Join(t.TempDir(), "report.txt")
	os.WriteFile(report, []byte("report body\n"), 0o644)
	if out, code := outposttest.Run(t, dir, "r2", "object", "put", "r2-explorer-bucket/docs/report.txt", "--file", report, "--content-type", "text/plain"); code != 0 {
		t.Fatalf("r2 object put = %d %s", code, out)
	}
	p := outposttest.Dev(t, dir)
	checkR2Explorer(t, r2Client{t: t, url: p.URL})
	p.Stop()

	// The same project under serve, its bucket on the S3 server.
	endpoint := s3server.Start(t)
	sdir := t.TempDir()
	n := startServe(t, sdir, fmt.Sprintf(`
[r2]
endpoint = %q
path_style = true

[[workers]]
name = "explorer"
dir = %q
routes = ["127.0.0.1/*"]
`, endpoint, dir), "AWS_ACCESS_KEY_ID="+s3server.AccessKey, "AWS_SECRET_ACCESS_KEY="+s3server.SecretKey)
	if out, code := outposttest.RunEnv(t, sdir, []string{"AWS_ACCESS_KEY_ID=" + s3server.AccessKey, "AWS_SECRET_ACCESS_KEY=" + s3server.SecretKey},
		"r2", "--serve-config", filepath.Join(sdir, "outpost.toml"), "object", "put", "r2-explorer-bucket/docs/report.txt", "--file", report, "--content-type", "text/plain"); code != 0 {
		t.Fatalf("r2 object put on S3 = %d %s", code, out)
	}
	checkR2Explorer(t, r2Client{t: t, url: n.URL})
}

// patternReader yields n bytes of a repeating pattern without holding
// them: the test's side stays as flat as the server's should.
type patternReader struct{ left, pos int64 }

func (r *patternReader) Read(p []byte) (int, error) {
	if r.left == 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	for i := range p {
		p[i] = byte((r.pos + int64(i)) % 251)
	}
	r.left -= int64(len(p))
	r.pos += int64(len(p))
	return len(p), nil
}

// TestR2LargeStreamedObject streams a large object into a bucket and back
// through a worker: the bytes never sit in memory, so the server's peak
// memory (VmHWM) grows by far less than the object's size. The size is
// 256 MiB, or OUTPOST_R2_LARGE_MIB (1024 for the 1 GiB check).
func TestR2LargeStreamedObject(t *testing.T) {
	size := int64(256) << 20
	if v := os.Getenv("OUTPOST_R2_LARGE_MIB"); v != "" {
		var mib int64
		fmt.Sscan(v, &mib)
		size = mib << 20
	}
	dir := outposttest.CopyDir(t, project("r2-basic"))
	p := outposttest.Dev(t, dir)
	c := r2Client{t: t, url: p.URL}
	// Warm up: one small object through every path first.
	c.object("PUT", "/obj/small", strings.NewReader("warm"), nil, 201)
	c.do("GET", "/obj/small", nil, nil)
	peak := func() int64 {
		n, err := p.PeakRSS()
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	before := peak()

	req, _ := http.NewRequest("PUT", p.URL+"/obj/large.bin", &patternReader{left: size})
	req.ContentLength = size
	resp, err := (&http.Client{Timeout: 10 * time.Minute}).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 201 || !strings.Contains(string(body), fmt.Sprintf(`"size":%d`, size)) {
		t.Fatalf("put = %d %s", resp.StatusCode, body)
	}
	afterPut := peak()

	resp, err = (&http.Client{Timeout: 10 * time.Minute}).Get(p.URL + "/obj/large.bin")
	if err != nil {
		t.Fatal(err)
	}
	want := &patternReader{left: size}
	buf, wbuf := make([]byte, 1<<20), make([]byte, 1<<20)
	var got int64
	for {
		n, err := io.ReadFull(resp.Body, buf)
		if n > 0 {
			want.Read(wbuf[:n])
			if !bytes.Equal(buf[:n], wbuf[:n]) {
				t.Fatalf("bytes differ near offset %d", got)
			}
			got += int64(n)
		}
		if err != nil {
			break
		}
	}
	resp.Body.Close()
	if got != size {
		t.Fatalf("read back %d of %d bytes", got, size)
	}
	afterGet := peak()
	t.Logf("peak RSS: %d MiB before, %d MiB after a %d MiB put, %d MiB after reading it back", before>>20, afterPut>>20, size>>20, afterGet>>20)
	if grew := afterGet - before; grew > 128<<20 || grew > size/4 {
		t.Errorf("peak memory grew by %d MiB while streaming a %d MiB object", grew>>20, size>>20)
	}
}

func TestR2ServiceWorkerGlobal(t *testing.T) {
	dir := outposttest.CopyDir(t, project("r2-sw"))
	p := outposttest.Dev(t, dir)
	resp, etag := p.Do("PUT", "/notes/a.txt", strings.NewReader("note"), map[string]string{"Content-Type": "text/plain"})
	sum := md5.Sum([]byte("note"))
	if resp.StatusCode != 201 || etag != hex.EncodeToString(sum[:]) {
		t.Fatalf("put = %d %s", resp.StatusCode, etag)
	}
	if resp, body := p.Get("/notes/a.txt"); body != "note" || resp.Header.Get("Content-Type") != "text/plain" {
		t.Errorf("get = %q %v", body, resp.Header)
	}
}
