package dashboard

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/outpost-dev/outpost/internal/r2"
)

// r2Page browses R2 buckets by prefix, shows an object's metadata, and
// downloads, uploads and deletes objects. It goes through r2.Bucket, as
// the binding does, so keys, sizes and metadata meet the same limits and
// fail with the same messages.
type r2Page struct {
	d    *Dashboard
	view *View
}

func newR2Page(d *Dashboard) (Page, error) {
	p := &r2Page{d: d}
	v, err := d.NewView(p, files, "templates/r2.html")
	p.view = v
	return p, err
}

func (p *r2Page) Slug() string  { return "r2" }
func (p *r2Page) Title() string { return "R2" }

// r2BucketRef is one bucket and the bindings that reach it.
type r2BucketRef struct {
	Name     string
	Bindings []string // "worker.BINDING"
}

func (p *r2Page) buckets() []r2BucketRef {
	byName := map[string]*r2BucketRef{}
	for _, w := range p.d.Workers() {
		for _, b := range w.Bundle.R2Buckets {
			ref := byName[b.Bucket]
			if ref == nil {
				ref = &r2BucketRef{Name: b.Bucket}
				byName[b.Bucket] = ref
			}
			ref.Bindings = append(ref.Bindings, w.Name+"."+b.Binding)
		}
	}
	out := make([]r2BucketRef, 0, len(byName))
	for _, ref := range byName {
		out = append(out, *ref)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// bucket is the same Bucket a worker's binding uses.
func (p *r2Page) bucket(name string) *r2.Bucket {
	return r2.NewBucket(name, p.d.Node().R2().Backend(name))
}

// r2Crumb is one step of the prefix path shown above a listing.
type r2Crumb struct{ Name, Prefix string }

// r2View is what the template shows.
type r2View struct {
	Buckets  []r2BucketRef
	Bucket   *r2BucketRef
	Prefix   string
	Crumbs   []r2Crumb
	Flat     bool // list every key under the prefix, no folders
	Folders  []string
	Objects  []*r2.Object
	Cursor   string
	Object   *r2.Object
	Custom   []r2Pair
	HTTP     []r2Pair
	Checksum []r2Pair
}

type r2Pair struct{ Name, Value string }

// pageSize is how many keys one listing page shows.
const r2PageSize = 100

func (p *r2Page) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	refs := p.buckets()
	q := r.URL.Query()
	var ref *r2BucketRef
	for i := range refs {
		if refs[i].Name == q.Get("bucket") {
			ref = &refs[i]
		}
	}
	if q.Get("bucket") != "" && ref == nil {
		http.Error(w, fmt.Sprintf("no worker binds an R2 bucket named %q", q.Get("bucket")), http.StatusNotFound)
		return
	}
	if ref == nil && len(refs) == 1 {
		ref = &refs[0]
	}
	switch {
	case r.URL.Path == "/download" && ref != nil:
		p.download(w, r, ref)
		return
	case r.Method == http.MethodPost && ref != nil:
		p.post(w, r, ref)
		return
	case r.Method == http.MethodPost:
		http.Error(w, "bucket: which bucket?", http.StatusBadRequest)
		return
	case r.URL.Path != "/":
		http.NotFound(w, r)
		return
	}
	v := r2View{Buckets: refs, Bucket: ref, Prefix: q.Get("prefix"), Flat: q.Get("flat") != ""}
	if ref == nil {
		p.view.Render(w, r, v)
		return
	}
	b := p.bucket(ref.Name)
	if q.Has("key") {
		o, err := b.Head(r.Context(), q.Get("key"))
		if err == nil && o == nil {
			err = fmt.Errorf("no object %q in bucket %s (deleted?)", q.Get("key"), ref.Name)
		}
		if err != nil {
			p.view.Back(w, r, "/?bucket="+url.QueryEscape(ref.Name)+"&prefix="+url.QueryEscape(parentPrefix(q.Get("key"))), "", err)
			return
		}
		v.Object = o
		v.Prefix = parentPrefix(o.Key)
		v.HTTP, v.Custom, v.Checksum = httpPairs(o.HTTP), customPairs(o.Custom), checksumPairs(o.Checksums)
	} else {
		opts := r2.ListOptions{Prefix: v.Prefix, Cursor: q.Get("cursor"), Limit: r2PageSize}
		if !v.Flat {
			opts.Delimiter = "/"
		}
		res, err := b.List(r.Context(), opts)
		if err != nil {
			p.view.Render(w, withError(r, err), v)
			return
		}
		v.Folders, v.Objects = res.DelimitedPrefixes, res.Objects
		if res.Truncated {
			v.Cursor = res.Cursor
		}
	}
	v.Crumbs = crumbs(v.Prefix)
	p.view.Render(w, r, v)
}

// parentPrefix is the "folder" a key is in: everything up to its last "/".
func parentPrefix(key string) string {
	if i := strings.LastIndex(key, "/"); i >= 0 {
		return key[:i+1]
	}
	return ""
}

func crumbs(prefix string) []r2Crumb {
	var out []r2Crumb
	for i := 0; i < len(prefix); {
		j := strings.Index(prefix[i:], "/")
		if j < 0 {
			out = append(out, r2Crumb{Name: prefix[i:], Prefix: prefix})
			break
		}
		out = append(out, r2Crumb{Name: prefix[i : i+j+1], Prefix: prefix[:i+j+1]})
		i += j + 1
	}
	return out
}

func httpPairs(h r2.HTTPMetadata) []r2Pair {
	var out []r2Pair
	add := func(name, v string) {
		if v != "" {
			out = append(out, r2Pair{name, v})
		}
	}
	add("contentType", h.ContentType)
	add("contentLanguage", h.ContentLanguage)
	add("contentDisposition", h.ContentDisposition)
	add("contentEncoding", h.ContentEncoding)
	add("cacheControl", h.CacheControl)
	if h.CacheExpiry != nil {
		add("cacheExpiry", h.CacheExpiry.UTC().Format(http.TimeFormat))
	}
	return out
}

func customPairs(m map[string]string) []r2Pair {
	out := make([]r2Pair, 0, len(m))
	for k, v := range m {
		out = append(out, r2Pair{k, v})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

func checksumPairs(c r2.Checksums) []r2Pair {
	var out []r2Pair
	for _, s := range []struct {
		name string
		sum  []byte
	}{{"md5", c.MD5}, {"sha1", c.SHA1}, {"sha256", c.SHA256}, {"sha384", c.SHA384}, {"sha512", c.SHA512}} {
		if len(s.sum) > 0 {
			out = append(out, r2Pair{s.name, fmt.Sprintf("%x", s.sum)})
		}
	}
	return out
}

// download streams the object's body to the browser as an attachment.
func (p *r2Page) download(w http.ResponseWriter, r *http.Request, ref *r2BucketRef) {
	key := r.URL.Query().Get("key")
	o, body, err := p.bucket(ref.Name).Get(r.Context(), key, r2.GetOptions{})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	if o == nil {
		http.Error(w, fmt.Sprintf("no object %q in bucket %s", key, ref.Name), http.StatusNotFound)
		return
	}
	defer body.Close()
	h := w.Header()
	ct := o.HTTP.ContentType
	if ct == "" {
		ct = "application/octet-stream"
	}
	h.Set("Content-Type", ct)
	if o.HTTP.ContentEncoding != "" {
		h.Set("Content-Encoding", o.HTTP.ContentEncoding)
	}
	h.Set("Content-Length", strconv.FormatInt(o.Size, 10))
	h.Set("ETag", `"`+o.ETag+`"`)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Disposition", mime.FormatMediaType("attachment", map[string]string{"filename": path.Base(o.Key)}))
	if r.Method == http.MethodHead {
		return
	}
	io.Copy(w, body)
}

func (p *r2Page) post(w http.ResponseWriter, r *http.Request, ref *r2BucketRef) {
	back := "/?bucket=" + url.QueryEscape(ref.Name)
	switch r.URL.Path {
	case "/upload":
		key, err := p.upload(r, ref)
		if err != nil {
			p.view.Back(w, r, back+"&prefix="+url.QueryEscape(r.URL.Query().Get("prefix")), "", fmt.Errorf("upload: %w", err))
			return
		}
		p.view.Back(w, r, back+"&key="+url.QueryEscape(key), fmt.Sprintf("uploaded %q", key), nil)
	case "/delete":
		key := r.FormValue("key")
		if err := p.bucket(ref.Name).Delete(r.Context(), []string{key}); err != nil {
			p.view.Back(w, r, back+"&key="+url.QueryEscape(key), "", fmt.Errorf("delete: %w", err))
			return
		}
		p.view.Back(w, r, back+"&prefix="+url.QueryEscape(parentPrefix(key)), fmt.Sprintf("deleted %q", key), nil)
	default:
		http.NotFound(w, r)
	}
}

// upload reads the form part by part: "key" and "customMetadata" come
// before "file" (the form's order), and the file is copied to a
// temporary file on its way, since a put needs the size up front and
// the object may be far larger than memory.
func (p *r2Page) upload(r *http.Request, ref *r2BucketRef) (string, error) {
	mr, err := r.MultipartReader()
	if err != nil {
		return "", fmt.Errorf("the upload must be a multipart/form-data form: %w", err)
	}
	var key string
	var opts r2.PutOptions
	for {
		part, err := mr.NextPart()
		if err == io.EOF {
			return "", errors.New("the form has no file")
		}
		if err != nil {
			return "", err
		}
		switch part.FormName() {
		case "key":
			key, err = formText(part)
		case "customMetadata":
			var text string
			if text, err = formText(part); err == nil && strings.TrimSpace(text) != "" {
				if err = json.Unmarshal([]byte(text), &opts.Custom); err != nil {
					err = fmt.Errorf("custom metadata must be a JSON object of strings: %w", err)
				}
			}
		case "file":
			if part.FileName() == "" {
				return "", errors.New("choose a file to upload")
			}
			if key == "" {
				key = r.URL.Query().Get("prefix") + part.FileName()
			}
			if ct := part.Header.Get("Content-Type"); ct != "" && ct != "application/octet-stream" {
				opts.HTTP.ContentType = ct
			}
			return key, p.put(r, ref, key, part, opts)
		}
		if err != nil {
			return "", err
		}
	}
}

// formText reads a small form field.
func formText(part *multipart.Part) (string, error) {
	b, err := io.ReadAll(io.LimitReader(part, 64<<10))
	return string(b), err
}

func (p *r2Page) put(r *http.Request, ref *r2BucketRef, key string, body io.Reader, opts r2.PutOptions) error {
	tmp, err := os.CreateTemp("", "outpost-r2-upload-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	// One byte past the limit tells a too-large file from one at the limit.
	n, err := io.Copy(tmp, io.LimitReader(body, r2.MaxObjectSize+1))
	if err != nil {
		return err
	}
	if n > r2.MaxObjectSize {
		return r2.ErrEntityTooLarge
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return err
	}
	_, err = p.bucket(ref.Name).Put(r.Context(), key, tmp, n, opts)
	return err
}
