package dashboard

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/outpost-dev/outpost/internal/kv"
	"github.com/outpost-dev/outpost/internal/r2"
)

// upload sends a multipart form as the browser's upload form does and
// returns where it redirected.
func (f *fixture) upload(path string, fields [][2]string, fileName, contentType string, body []byte) *url.URL {
	f.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, kv := range fields {
		mw.WriteField(kv[0], kv[1])
	}
	h := make(map[string][]string)
	h["Content-Disposition"] = []string{`form-data; name="file"; filename="` + fileName + `"`}
	h["Content-Type"] = []string{contentType}
	w, _ := mw.CreatePart(h)
	w.Write(body)
	mw.Close()
	req, _ := http.NewRequest("POST", f.srv.URL+Path+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", f.srv.URL)
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("POST %s = %d, want 303", path, resp.StatusCode)
	}
	u, _ := url.Parse(resp.Header.Get("Location"))
	return u
}

func TestR2Page(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := r2.NewBucket("shop-files", f.node.R2().Backend("shop-files"))
	for _, k := range []string{"a.txt", "img/1.png", "img/2.png", "img/raw/3.raw"} {
		if _, err := b.Put(ctx, k, strings.NewReader(k), int64(len(k)), r2.PutOptions{}); err != nil {
			t.Fatal(err)
		}
	}

	// The root shows the folder and the top-level key; the folder its own.
	_, body := f.get("/r2/")
	if !strings.Contains(body, "shop.FILES") || !strings.Contains(body, ">img/<") || !strings.Contains(body, ">a.txt<") || strings.Contains(body, "img/1.png") {
		t.Errorf("bucket root:\n%s", body)
	}
	_, body = f.get("/r2/?bucket=shop-files&prefix=img/")
	if !strings.Contains(body, ">img/1.png<") || !strings.Contains(body, ">img/raw/<") || strings.Contains(body, "3.raw<") {
		t.Errorf("img/:\n%s", body)
	}
	if _, body = f.get("/r2/?bucket=shop-files&prefix=img/&flat=1"); !strings.Contains(body, ">img/raw/3.raw<") {
		t.Errorf("img/ flat:\n%s", body)
	}

	// Upload with metadata; the bucket has it, with the part's type.
	loc := f.upload("/r2/upload?bucket=shop-files&prefix=docs/", [][2]string{{"key", ""}, {"customMetadata", `{"owner":"ada"}`}}, "notes.md", "text/markdown", []byte("# notes"))
	if !strings.Contains(loc.Query().Get("flash"), `uploaded "docs/notes.md"`) {
		t.Fatalf("upload redirected to %s", loc)
	}
	o, rc, err := b.Get(ctx, "docs/notes.md", r2.GetOptions{})
	if err != nil || o == nil {
		t.Fatalf("get after upload: %v %v", o, err)
	}
	got, _ := io.ReadAll(rc)
	rc.Close()
	if string(got) != "# notes" || o.HTTP.ContentType != "text/markdown" || o.Custom["owner"] != "ada" {
		t.Errorf("uploaded object %+v body %q", o, got)
	}

	// Details show both kinds of metadata and the etag.
	_, body = f.get("/r2/?bucket=shop-files&key=docs/notes.md")
	for _, want := range []string{o.ETag, "text/markdown", "owner", "ada", "7 bytes"} {
		if !strings.Contains(body, want) {
			t.Errorf("object page lacks %q:\n%s", want, body)
		}
	}

	// Download: the body, as an attachment named after the key.
	resp, err := http.Get(f.srv.URL + Path + "/r2/download?bucket=shop-files&key=docs/notes.md")
	if err != nil {
		t.Fatal(err)
	}
	got, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if string(got) != "# notes" || resp.Header.Get("Content-Type") != "text/markdown" || resp.Header.Get("Content-Disposition") != `attachment; filename=notes.md` {
		t.Errorf("download = %d %q %v", resp.StatusCode, got, resp.Header)
	}

	// R2's limits and messages: a key over 1024 bytes, metadata over 2 KiB.
	loc = f.upload("/r2/upload?bucket=shop-files", [][2]string{{"key", strings.Repeat("k", 1025)}}, "x", "text/plain", []byte("x"))
	if e := loc.Query().Get("error"); e != "upload: "+r2.ErrInvalidObjectName.Message {
		t.Errorf("a long key gave error %q", e)
	}
	loc = f.upload("/r2/upload?bucket=shop-files", [][2]string{{"customMetadata", `{"m":"` + strings.Repeat("x", 2048) + `"}`}}, "x", "text/plain", []byte("x"))
	if e := loc.Query().Get("error"); e != "upload: "+r2.ErrMetadataTooLarge.Message {
		t.Errorf("large metadata gave error %q", e)
	}

	// Delete goes back to the object's folder.
	loc = f.post("/r2/delete?bucket=shop-files", url.Values{"key": {"docs/notes.md"}})
	if loc.Query().Get("prefix") != "docs/" || !strings.Contains(loc.Query().Get("flash"), "deleted") {
		t.Errorf("delete redirected to %s", loc)
	}
	if o, _ := b.Head(ctx, "docs/notes.md"); o != nil {
		t.Error("docs/notes.md is still there after delete")
	}
	if code, _ := f.get("/r2/?bucket=other"); code != 404 {
		t.Errorf("an unbound bucket = %d, want 404", code)
	}
}

// A listing longer than a page links to the next one.
func TestR2PagePaginates(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := r2.NewBucket("shop-files", f.node.R2().Backend("shop-files"))
	for i := 0; i < r2PageSize+5; i++ {
		b.Put(ctx, fmt.Sprintf("k%03d", i), strings.NewReader("x"), 1, r2.PutOptions{})
	}
	_, body := f.get("/r2/?bucket=shop-files")
	if !strings.Contains(body, ">k099<") || strings.Contains(body, ">k100<") || !strings.Contains(body, `id="r2-next"`) {
		t.Fatalf("first page:\n%s", body)
	}
	i := strings.Index(body, `cursor=`)
	j := strings.Index(body[i:], `"`)
	cursor, _ := url.QueryUnescape(strings.ReplaceAll(body[i+len("cursor="):i+j], "&amp;", "&"))
	_, body = f.get("/r2/?bucket=shop-files&cursor=" + url.QueryEscape(cursor))
	if !strings.Contains(body, ">k104<") || strings.Contains(body, ">k099<") || strings.Contains(body, `id="r2-next"`) {
		t.Errorf("second page:\n%s", body)
	}
}

// Links carry keys with "/" and ":" once escaped, so following one opens
// the key it names.
func TestLinksEscapeKeysOnce(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	b := r2.NewBucket("shop-files", f.node.R2().Backend("shop-files"))
	b.Put(ctx, "a b/c:d.txt", strings.NewReader("x"), 1, r2.PutOptions{})
	_, body := f.get("/r2/?bucket=shop-files&prefix=a+b/")
	if !strings.Contains(body, `key=a&#43;b%2Fc%3Ad.txt"`) {
		t.Errorf("the object's link is not escaped once:\n%s", body)
	}
	f.node.KV().Namespace("notes-id").Put(ctx, "user:1", []byte("ada"), kv.PutOptions{})
	if _, body := f.get("/kv/?ns=notes-id"); !strings.Contains(body, `key=user%3A1"`) {
		t.Errorf("the key's link is not escaped once:\n%s", body)
	}
}
