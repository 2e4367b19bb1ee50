// Package r2test is the conformance suite every R2 store passes: the
// same requests through r2.Bucket, the same answers.
package r2test

import (
	"bytes"
	"context"
	"crypto/md5"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/outpost-dev/outpost/internal/r2"
)

var seq atomic.Int64

// Quirks are known differences of a test server from S3 itself.
type Quirks struct {
	// WholeBodyMultipartETag: the server's multipart ETag is the MD5 of
	// the whole body, not S3's (and R2's) MD5-of-part-MD5s with "-N"
	// (gofakes3).
	WholeBodyMultipartETag bool
}

// Run runs the suite against the store open returns.
func Run(t *testing.T, open func(t *testing.T) r2.Store, q Quirks) {
	s := open(t)
	newBucket := func(t *testing.T) *r2.Bucket {
		name := fmt.Sprintf("conf-%d-%d", time.Now().UnixNano()%1e6, seq.Add(1))
		return r2.NewBucket(name, s.Backend(name))
	}
	ctx := context.Background()
	put := func(t *testing.T, b *r2.Bucket, key, body string, o r2.PutOptions) *r2.Object {
		t.Helper()
		obj, err := b.Put(ctx, key, strings.NewReader(body), int64(len(body)), o)
		if err != nil || obj == nil {
			t.Fatalf("put %q: %v %v", key, obj, err)
		}
		return obj
	}
	read := func(t *testing.T, rc io.ReadCloser) string {
		t.Helper()
		defer rc.Close()
		data, err := io.ReadAll(rc)
		if err != nil {
			t.Fatal(err)
		}
		return string(data)
	}

	t.Run("RoundTrip", func(t *testing.T) {
		b := newBucket(t)
		expiry := time.UnixMilli(1700000000000).UTC()
		o := put(t, b, "dir/ünï😀", "hello world", r2.PutOptions{
			HTTP:   r2.HTTPMetadata{ContentType: "text/plain", ContentLanguage: "en", CacheControl: "max-age=60", ContentDisposition: "inline", ContentEncoding: "identity", CacheExpiry: &expiry},
			Custom: map[string]string{"Author": "ünï", "lower": "x"},
		})
		sum := md5.Sum([]byte("hello world"))
		if o.ETag != fmt.Sprintf("%x", sum) || o.Size != 11 || o.Version == "" || o.StorageClass != "Standard" || !bytes.Equal(o.Checksums.MD5, sum[:]) {
			t.Fatalf("put returned %+v", o)
		}
		h, err := b.Head(ctx, "dir/ünï😀")
		if err != nil || h == nil {
			t.Fatalf("head: %v %v", h, err)
		}
		if h.ETag != o.ETag || h.Version != o.Version || h.Size != 11 || h.HTTP.ContentType != "text/plain" || h.HTTP.CacheControl != "max-age=60" ||
			h.HTTP.ContentLanguage != "en" || h.HTTP.ContentDisposition != "inline" || h.Custom["Author"] != "ünï" || h.Custom["lower"] != "x" ||
			h.HTTP.CacheExpiry == nil || !h.HTTP.CacheExpiry.Equal(expiry) || h.Uploaded.UnixMilli() != o.Uploaded.UnixMilli() {
			t.Fatalf("head = %+v (http %+v), put %+v", h, h.HTTP, o)
		}
		g, body, err := b.Get(ctx, "dir/ünï😀", r2.GetOptions{})
		if err != nil || body == nil || read(t, body) != "hello world" || g.Version != o.Version {
			t.Fatalf("get: %+v %v", g, err)
		}
		// Overwrite: a new version.
		o2 := put(t, b, "dir/ünï😀", "", r2.PutOptions{StorageClass: "InfrequentAccess"})
		if o2.Version == o.Version || o2.Size != 0 || o2.StorageClass != "InfrequentAccess" {
			t.Fatalf("overwrite %+v", o2)
		}
		if _, body, _ := b.Get(ctx, "dir/ünï😀", r2.GetOptions{}); read(t, body) != "" {
			t.Fatal("empty object not empty")
		}
		if h, _ := b.Head(ctx, "dir/ünï😀"); h.HTTP.ContentType != "" || len(h.Custom) != 0 {
			t.Fatalf("overwrite kept metadata: %+v", h)
		}
	})

	t.Run("Missing", func(t *testing.T) {
		b := newBucket(t)
		if o, err := b.Head(ctx, "nope"); o != nil || err != nil {
			t.Fatalf("head missing: %v %v", o, err)
		}
		if o, body, err := b.Get(ctx, "nope", r2.GetOptions{}); o != nil || body != nil || err != nil {
			t.Fatalf("get missing: %v %v", o, err)
		}
		if err := b.Delete(ctx, []string{"nope"}); err != nil {
			t.Fatalf("delete missing: %v", err)
		}
	})

	t.Run("Ranges", func(t *testing.T) {
		b := newBucket(t)
		put(t, b, "r", "0123456789", r2.PutOptions{})
		n := func(v int64) *int64 { return &v }
		for _, c := range []struct {
			rng  r2.GetOptions
			want string
			off  int64
		}{
			{r2.GetOptions{Range: &r2.Range{Offset: n(2), Length: n(3)}}, "234", 2},
			{r2.GetOptions{Range: &r2.Range{Offset: n(7)}}, "789", 7},
			{r2.GetOptions{Range: &r2.Range{Length: n(2)}}, "01", 0},
			{r2.GetOptions{Range: &r2.Range{Suffix: n(3)}}, "789", 7},
			{r2.GetOptions{Range: &r2.Range{Suffix: n(30)}}, "0123456789", 0},
			{r2.GetOptions{Range: &r2.Range{Offset: n(8), Length: n(30)}}, "89", 8},
			{r2.GetOptions{RangeHeader: "bytes=1-2"}, "12", 1},
			{r2.GetOptions{RangeHeader: "bytes=-2"}, "89", 8},
			{r2.GetOptions{RangeHeader: "bytes=5-"}, "56789", 5},
		} {
			o, body, err := b.Get(ctx, "r", c.rng)
			if err != nil {
				t.Fatalf("%+v: %v", c.rng, err)
			}
			if got := read(t, body); got != c.want || o.Range == nil || o.Range.Offset != c.off || o.Range.Length != int64(len(c.want)) || o.Size != 10 {
				t.Errorf("range %+v: %q %+v (size %d)", c.rng, got, o.Range, o.Size)
			}
		}
		// Several ranges or a malformed header: the whole object.
		for _, h := range []string{"bytes=0-1,3-4", "items=1-2"} {
			o, body, err := b.Get(ctx, "r", r2.GetOptions{RangeHeader: h})
			if err != nil || read(t, body) != "0123456789" || o.Range != nil {
				t.Errorf("header %q: %v %+v", h, err, o)
			}
		}
		for _, rng := range []*r2.Range{{Offset: n(11)}, {Suffix: n(0)}, {Length: n(0)}} {
			if _, _, err := b.Get(ctx, "r", r2.GetOptions{Range: rng}); !errors.Is(err, r2.ErrInvalidRange) {
				t.Errorf("range %+v: %v", rng, err)
			}
		}
	})

	t.Run("Conditionals", func(t *testing.T) {
		b := newBucket(t)
		o := put(t, b, "c", "v1", r2.PutOptions{})
		past, future := o.Uploaded.Add(-time.Hour), o.Uploaded.Add(time.Hour)
		cases := []struct {
			c    r2.Conditional
			hold bool
		}{
			{r2.Conditional{EtagMatches: []r2.Etag{{Value: o.ETag}}}, true},
			{r2.Conditional{EtagMatches: []r2.Etag{{Value: "other"}}}, false},
			{r2.Conditional{EtagMatches: []r2.Etag{{Wildcard: true}}}, true},
			{r2.Conditional{EtagDoesNotMatch: []r2.Etag{{Value: o.ETag}}}, false},
			{r2.Conditional{EtagDoesNotMatch: []r2.Etag{{Value: o.ETag, Weak: true}}}, false},
			{r2.Conditional{EtagDoesNotMatch: []r2.Etag{{Value: "other"}}}, true},
			{r2.Conditional{UploadedBefore: &future}, true},
			{r2.Conditional{UploadedBefore: &past}, false},
			{r2.Conditional{UploadedAfter: &past}, true},
			{r2.Conditional{UploadedAfter: &future}, false},
			// An etag condition that holds overrides its date pair.
			{r2.Conditional{EtagMatches: []r2.Etag{{Value: o.ETag}}, UploadedBefore: &past}, true},
		}
		for _, c := range cases {
			got, body, err := b.Get(ctx, "c", r2.GetOptions{OnlyIf: &c.c})
			if err != nil || got == nil {
				t.Fatalf("%+v: %v", c.c, err)
			}
			if (body != nil) != c.hold {
				t.Errorf("get onlyIf %+v: body %v, want hold=%v", c.c, body != nil, c.hold)
			}
			if body != nil {
				body.Close()
			}
		}
		// put onlyIf: nil when it fails, the object unchanged.
		if r, err := b.Put(ctx, "c", strings.NewReader("v2"), 2, r2.PutOptions{OnlyIf: &r2.Conditional{EtagMatches: []r2.Etag{{Value: "other"}}}}); r != nil || err != nil {
			t.Fatalf("failed put onlyIf: %v %v", r, err)
		}
		if r, err := b.Put(ctx, "new", strings.NewReader("v2"), 2, r2.PutOptions{OnlyIf: &r2.Conditional{EtagMatches: []r2.Etag{{Wildcard: true}}}}); r != nil || err != nil {
			t.Fatalf("put onlyIf etagMatches * on a missing key: %v %v", r, err)
		}
		r, err := b.Put(ctx, "c", strings.NewReader("v2"), 2, r2.PutOptions{OnlyIf: &r2.Conditional{EtagMatches: []r2.Etag{{Value: o.ETag}}}})
		if err != nil || r == nil {
			t.Fatalf("put onlyIf that holds: %v %v", r, err)
		}
		if _, body, _ := b.Get(ctx, "c", r2.GetOptions{}); read(t, body) != "v2" {
			t.Fatal("conditional put did not write")
		}
	})

	t.Run("Checksums", func(t *testing.T) {
		b := newBucket(t)
		data := "checksummed"
		good := sha256.Sum256([]byte(data))
		o, err := b.Put(ctx, "k", strings.NewReader(data), int64(len(data)), r2.PutOptions{Checksums: r2.Checksums{SHA256: good[:]}})
		if err != nil || !bytes.Equal(o.Checksums.SHA256, good[:]) || o.Checksums.MD5 == nil {
			t.Fatalf("put sha256: %+v %v", o, err)
		}
		if h, _ := b.Head(ctx, "k"); !bytes.Equal(h.Checksums.SHA256, good[:]) {
			t.Fatalf("head lost sha256: %+v", h.Checksums)
		}
		bad := md5.Sum([]byte("other"))
		_, err = b.Put(ctx, "k", strings.NewReader("replacement"), 11, r2.PutOptions{Checksums: r2.Checksums{MD5: bad[:]}})
		if !errors.Is(err, r2.ErrBadDigest) || !strings.Contains(err.Error(), "MD5") {
			t.Fatalf("bad md5: %v", err)
		}
		if _, body, _ := b.Get(ctx, "k", r2.GetOptions{}); read(t, body) != data {
			t.Fatal("a put with a bad checksum replaced the object")
		}
	})

	t.Run("Limits", func(t *testing.T) {
		b := newBucket(t)
		if _, err := b.Put(ctx, strings.Repeat("k", 1025), strings.NewReader(""), 0, r2.PutOptions{}); !errors.Is(err, r2.ErrInvalidObjectName) {
			t.Errorf("long key: %v", err)
		}
		if _, err := b.Put(ctx, "k", strings.NewReader(""), 0, r2.PutOptions{Custom: map[string]string{"k": strings.Repeat("v", 2048)}}); !errors.Is(err, r2.ErrMetadataTooLarge) {
			t.Errorf("big metadata: %v", err)
		}
		if _, err := b.Put(ctx, "k", strings.NewReader(""), 0, r2.PutOptions{StorageClass: "Glacier"}); !errors.Is(err, r2.ErrInvalidStorage) {
			t.Errorf("storage class: %v", err)
		}
		if _, err := b.Put(ctx, "k", strings.NewReader("short"), 10, r2.PutOptions{}); err == nil {
			t.Error("a body shorter than its length was stored")
		}
		if o, _ := b.Head(ctx, "k"); o != nil {
			t.Errorf("a failed put left %+v", o)
		}
		if _, err := b.List(ctx, r2.ListOptions{Limit: 1001}); !errors.Is(err, r2.ErrInvalidMaxKeys) {
			t.Errorf("limit 1001: %v", err)
		}
		if err := b.Delete(ctx, make([]string, 1001)); err == nil {
			t.Error("deleting 1001 keys succeeded")
		}
	})

	t.Run("ListAndDelete", func(t *testing.T) {
		b := newBucket(t)
		keys := []string{"a", "b/1", "b/2", "b/3/x", "c", "d/1", "e"}
		for _, k := range keys {
			put(t, b, k, k, r2.PutOptions{HTTP: r2.HTTPMetadata{ContentType: "text/" + strings.ReplaceAll(k, "/", "-")}})
		}
		var all []string
		cursor := ""
		pages := 0
		for {
			res, err := b.List(ctx, r2.ListOptions{Limit: 2, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, o := range res.Objects {
				all = append(all, o.Key)
				if o.Version == "" || o.ETag == "" {
					t.Errorf("listed object without version/etag: %+v", o)
				}
			}
			if !res.Truncated {
				if res.Cursor != "" {
					t.Errorf("last page has a cursor")
				}
				break
			}
			cursor = res.Cursor
		}
		if strings.Join(all, ",") != strings.Join(keys, ",") || pages != 4 {
			t.Fatalf("paged list = %v in %d pages", all, pages)
		}
		res, err := b.List(ctx, r2.ListOptions{Delimiter: "/"})
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, o := range res.Objects {
			names = append(names, o.Key)
		}
		if strings.Join(names, ",") != "a,c,e" || strings.Join(res.DelimitedPrefixes, ",") != "b/,d/" || res.Truncated {
			t.Fatalf("delimited list = %v %v", names, res.DelimitedPrefixes)
		}
		// A page boundary on a delimited prefix.
		res, err = b.List(ctx, r2.ListOptions{Delimiter: "/", Limit: 2})
		if err != nil || !res.Truncated || len(res.Objects)+len(res.DelimitedPrefixes) != 2 {
			t.Fatalf("limited delimited list: %+v %v", res, err)
		}
		res2, err := b.List(ctx, r2.ListOptions{Delimiter: "/", Limit: 10, Cursor: res.Cursor})
		if err != nil || len(res2.Objects) != 2 || strings.Join(res2.DelimitedPrefixes, ",") != "d/" {
			t.Fatalf("second delimited page: %+v %v", res2, err)
		}
		res, err = b.List(ctx, r2.ListOptions{Prefix: "b/", Delimiter: "/"})
		if err != nil || len(res.Objects) != 2 || strings.Join(res.DelimitedPrefixes, ",") != "b/3/" {
			t.Fatalf("prefixed list: %+v %v", res, err)
		}
		res, err = b.List(ctx, r2.ListOptions{StartAfter: "b/3/x", IncludeHTTP: true})
		if err != nil || len(res.Objects) != 3 || res.Objects[0].Key != "c" || res.Objects[0].HTTP.ContentType != "text/c" {
			t.Fatalf("startAfter list: %+v %v", res, err)
		}
		if err := b.Delete(ctx, []string{"a", "b/1", "nope"}); err != nil {
			t.Fatal(err)
		}
		if err := b.Delete(ctx, []string{"c"}); err != nil {
			t.Fatal(err)
		}
		res, _ = b.List(ctx, r2.ListOptions{})
		if len(res.Objects) != 4 || res.Objects[0].Key != "b/2" {
			t.Fatalf("after delete: %+v", res.Objects)
		}
	})

	t.Run("Multipart", func(t *testing.T) {
		b := newBucket(t)
		part := func(c byte, n int) string { return strings.Repeat(string(c), n) }
		id, err := b.CreateMultipart(ctx, "big", r2.PutOptions{HTTP: r2.HTTPMetadata{ContentType: "application/x-test"}, Custom: map[string]string{"m": "1"}})
		if err != nil || id == "" {
			t.Fatalf("create: %q %v", id, err)
		}
		p1s, p2s, p3s := part('a', r2.MinPartSize), part('b', r2.MinPartSize), part('c', 10)
		p2, err := b.UploadPart(ctx, "big", id, 2, strings.NewReader(p2s), int64(len(p2s)))
		if err != nil {
			t.Fatal(err)
		}
		p1, err := b.UploadPart(ctx, "big", id, 1, strings.NewReader(p1s), int64(len(p1s)))
		if err != nil {
			t.Fatal(err)
		}
		p3, err := b.UploadPart(ctx, "big", id, 3, strings.NewReader(p3s), int64(len(p3s)))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := b.UploadPart(ctx, "big", id, 0, strings.NewReader("x"), 1); err == nil {
			t.Error("part number 0 accepted")
		}
		if _, err := b.CompleteMultipart(ctx, "big", id, []r2.Part{p1, {Number: 2, ETag: "wrong"}, p3}); !errors.Is(err, r2.ErrInvalidPart) {
			t.Errorf("complete with a wrong etag: %v", err)
		}
		o, err := b.CompleteMultipart(ctx, "big", id, []r2.Part{p1, p2, p3})
		if err != nil {
			t.Fatalf("complete: %v", err)
		}
		if o.Size != int64(len(p1s)+len(p2s)+len(p3s)) || (!q.WholeBodyMultipartETag && o.ETag != r2.MultipartETag([]string{p1.ETag, p2.ETag, p3.ETag})) {
			t.Fatalf("completed object %+v", o)
		}
		h, _ := b.Head(ctx, "big")
		if h.HTTP.ContentType != "application/x-test" || h.Custom["m"] != "1" || h.ETag != o.ETag {
			t.Fatalf("head after complete %+v", h)
		}
		n := func(v int64) *int64 { return &v }
		_, body, err := b.Get(ctx, "big", r2.GetOptions{Range: &r2.Range{Offset: n(int64(len(p1s)) - 2), Length: n(4)}})
		if err != nil || read(t, body) != "aabb" {
			t.Fatalf("range across parts: %v", err)
		}
		if _, err := b.UploadPart(ctx, "big", id, 4, strings.NewReader("x"), 1); !errors.Is(err, r2.ErrNoSuchUpload) {
			t.Errorf("part after complete: %v", err)
		}
		// Too-small parts, unequal parts, abort.
		id2, _ := b.CreateMultipart(ctx, "small", r2.PutOptions{})
		s1, _ := b.UploadPart(ctx, "small", id2, 1, strings.NewReader("tiny"), 4)
		s2, _ := b.UploadPart(ctx, "small", id2, 2, strings.NewReader("tiny"), 4)
		if _, err := b.CompleteMultipart(ctx, "small", id2, []r2.Part{s1, s2}); !errors.Is(err, r2.ErrEntityTooSmall) {
			t.Errorf("small parts: %v", err)
		}
		if err := b.AbortMultipart(ctx, "small", id2); err != nil {
			t.Fatal(err)
		}
		if _, err := b.UploadPart(ctx, "small", id2, 3, strings.NewReader("x"), 1); !errors.Is(err, r2.ErrNoSuchUpload) {
			t.Errorf("part after abort: %v", err)
		}
		if o, _ := b.Head(ctx, "small"); o != nil {
			t.Error("aborted upload made an object")
		}
	})

	t.Run("Buckets", func(t *testing.T) {
		name := fmt.Sprintf("made-%d-%d", time.Now().UnixNano()%1e6, seq.Add(1))
		if err := s.CreateBucket(ctx, name); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateBucket(ctx, name); !errors.Is(err, r2.ErrBucketExists) {
			t.Errorf("create twice: %v", err)
		}
		list, err := s.ListBuckets(ctx)
		found := false
		for _, b := range list {
			found = found || b.Name == name
		}
		if err != nil || !found {
			t.Fatalf("list buckets %v %v", list, err)
		}
		b := r2.NewBucket(name, s.Backend(name))
		put(t, b, "x", "y", r2.PutOptions{})
		if err := s.DeleteBucket(ctx, name); !errors.Is(err, r2.ErrBucketNotEmpty) {
			t.Errorf("delete non-empty bucket: %v", err)
		}
		b.Delete(ctx, []string{"x"})
		if err := s.DeleteBucket(ctx, name); err != nil {
			t.Errorf("delete bucket: %v", err)
		}
	})
}
