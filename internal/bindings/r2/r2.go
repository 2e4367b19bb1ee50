// Package r2binding is the R2 bucket binding: env.MY_BUCKET as workerd
// shapes it (r2.js: R2Bucket, R2Object, R2ObjectBody, R2MultipartUpload)
// over the R2 semantics of internal/r2. Bodies stream both ways: a get's
// body is a host stream read chunk by chunk, a put of a ReadableStream is
// pushed chunk by chunk into a pipe the store reads from.
package r2binding

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"sync"
	"time"

	"github.com/outpost-dev/outpost/internal/jsc"
	"github.com/outpost-dev/outpost/internal/r2"
	"github.com/outpost-dev/outpost/internal/runtime"
)

//go:embed r2.js
var module string

// Extension is the R2 family: its JavaScript classes.
func Extension() runtime.Extension { return runtime.Extension{Name: "r2", Module: module} }

// Binding is one bucket granted to a worker.
type Binding struct{ Bucket *r2.Bucket }

// Kind names the JavaScript factory (r2.js).
func (Binding) Kind() string { return "r2" }

// The JSON forms exchanged with r2.js.
type (
	etagJSON struct {
		Type  string `json:"type"` // strong, weak, wildcard
		Value string `json:"value"`
	}
	condJSON struct {
		EtagMatches        []etagJSON `json:"etagMatches"`
		EtagDoesNotMatch   []etagJSON `json:"etagDoesNotMatch"`
		UploadedBefore     *float64   `json:"uploadedBefore"`
		UploadedAfter      *float64   `json:"uploadedAfter"`
		SecondsGranularity bool       `json:"secondsGranularity"`
	}
	httpJSON struct {
		ContentType        string   `json:"contentType,omitempty"`
		ContentLanguage    string   `json:"contentLanguage,omitempty"`
		ContentDisposition string   `json:"contentDisposition,omitempty"`
		ContentEncoding    string   `json:"contentEncoding,omitempty"`
		CacheControl       string   `json:"cacheControl,omitempty"`
		CacheExpiry        *float64 `json:"cacheExpiry,omitempty"`
	}
	putJSON struct {
		HTTP         *httpJSON         `json:"httpMetadata"`
		Custom       map[string]string `json:"customMetadata"`
		StorageClass string            `json:"storageClass"`
		Checksums    map[string]string `json:"checksums"`
		OnlyIf       *condJSON         `json:"onlyIf"`
	}
	getJSON struct {
		Range *struct {
			Offset *float64 `json:"offset"`
			Length *float64 `json:"length"`
			Suffix *float64 `json:"suffix"`
		} `json:"range"`
		RangeHeader string    `json:"rangeHeader"`
		OnlyIf      *condJSON `json:"onlyIf"`
	}
	listJSON struct {
		Prefix     string   `json:"prefix"`
		Delimiter  string   `json:"delimiter"`
		Cursor     string   `json:"cursor"`
		StartAfter string   `json:"startAfter"`
		Limit      *float64 `json:"limit"`
		Include    []string `json:"include"`
	}
	objectJSON struct {
		Key          string            `json:"key"`
		Version      string            `json:"version"`
		Size         int64             `json:"size"`
		ETag         string            `json:"etag"`
		Uploaded     int64             `json:"uploaded"`
		HTTP         *httpJSON         `json:"httpMetadata,omitempty"`
		Custom       any               `json:"customMetadata,omitempty"` // nil: not included; {} is kept
		Checksums    map[string]string `json:"checksums"`
		StorageClass string            `json:"storageClass"`
		Range        *r2.ByteRange     `json:"range,omitempty"`
	}
)

func msTime(ms *float64) *time.Time {
	if ms == nil {
		return nil
	}
	t := time.UnixMilli(int64(*ms))
	return &t
}

func (c *condJSON) conditional() *r2.Conditional {
	if c == nil {
		return nil
	}
	etags := func(in []etagJSON) []r2.Etag {
		if in == nil {
			return nil
		}
		out := make([]r2.Etag, len(in))
		for i, e := range in {
			out[i] = r2.Etag{Value: e.Value, Weak: e.Type == "weak", Wildcard: e.Type == "wildcard"}
		}
		return out
	}
	return &r2.Conditional{EtagMatches: etags(c.EtagMatches), EtagDoesNotMatch: etags(c.EtagDoesNotMatch),
		UploadedBefore: msTime(c.UploadedBefore), UploadedAfter: msTime(c.UploadedAfter), SecondsGranularity: c.SecondsGranularity}
}

func (p *putJSON) options() (r2.PutOptions, error) {
	o := r2.PutOptions{Custom: p.Custom, StorageClass: p.StorageClass, OnlyIf: p.OnlyIf.conditional()}
	if h := p.HTTP; h != nil {
		o.HTTP = r2.HTTPMetadata{ContentType: h.ContentType, ContentLanguage: h.ContentLanguage, ContentDisposition: h.ContentDisposition,
			ContentEncoding: h.ContentEncoding, CacheControl: h.CacheControl, CacheExpiry: msTime(h.CacheExpiry)}
	}
	for name, hexSum := range p.Checksums {
		sum, err := hex.DecodeString(hexSum)
		if err != nil {
			return o, err
		}
		switch name {
		case "md5":
			o.Checksums.MD5 = sum
		case "sha1":
			o.Checksums.SHA1 = sum
		case "sha256":
			o.Checksums.SHA256 = sum
		case "sha384":
			o.Checksums.SHA384 = sum
		case "sha512":
			o.Checksums.SHA512 = sum
		}
	}
	return o, nil
}

func objectToJSON(o *r2.Object, withHTTP, withCustom bool) *objectJSON {
	if o == nil {
		return nil
	}
	out := &objectJSON{Key: o.Key, Version: o.Version, Size: o.Size, ETag: o.ETag, Uploaded: o.Uploaded.UnixMilli(),
		StorageClass: o.StorageClass, Range: o.Range, Checksums: map[string]string{}}
	if withHTTP {
		h := o.HTTP
		out.HTTP = &httpJSON{ContentType: h.ContentType, ContentLanguage: h.ContentLanguage, ContentDisposition: h.ContentDisposition,
			ContentEncoding: h.ContentEncoding, CacheControl: h.CacheControl}
		if h.CacheExpiry != nil {
			ms := float64(h.CacheExpiry.UnixMilli())
			out.HTTP.CacheExpiry = &ms
		}
	}
	if withCustom {
		custom := o.Custom
		if custom == nil {
			custom = map[string]string{}
		}
		out.Custom = custom
	}
	for name, sum := range map[string][]byte{"md5": o.Checksums.MD5, "sha1": o.Checksums.SHA1, "sha256": o.Checksums.SHA256, "sha384": o.Checksums.SHA384, "sha512": o.Checksums.SHA512} {
		if sum != nil {
			out.Checksums[name] = hex.EncodeToString(sum)
		}
	}
	return out
}

// opTimeout bounds one operation that moves no body.
const opTimeout = 60 * time.Second

// Install makes the host object behind one bucket binding: its functions
// reach only the bucket this binding was granted.
func (b Binding) Install(h runtime.BindingHost, c *jsc.Context) (jsc.Value, error) {
	bucket := b.Bucket
	obj := c.Object()
	def := func(name string, fn jsc.Func) { obj.Set(name, c.Function(name, fn)) }
	pipes := &pipeTable{m: map[int64]*pipe{}}

	// answer runs an operation off the VM's thread and resolves to its
	// JSON envelope: {"value": …} or {"error": {"code", "message"}}.
	answer := func(call *jsc.Call, op string, timeout bool, work func(ctx context.Context) (any, error)) (jsc.Value, error) {
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			if timeout {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, opTimeout)
				defer cancel()
			}
			v, err := work(ctx)
			result := runtime.OK(err)
			if o, ok := v.(*objectJSON); ok && op == "head" && err == nil {
				result = runtime.Lookup(o != nil)
			}
			h.Observe("r2", op, result)
			data, jerr := envelope(h, op, v, err)
			if jerr != nil {
				return nil, jerr
			}
			return func(c *jsc.Context) (jsc.Value, error) { return c.String(string(data)), nil }, nil
		})
	}
	parse := func(v jsc.Value, into any) error {
		if v.IsNullish() {
			return nil
		}
		if err := json.Unmarshal([]byte(v.String()), into); err != nil {
			return jsc.TypeError("R2: malformed options: %v", err)
		}
		return nil
	}

	def("head", func(call *jsc.Call) (jsc.Value, error) {
		key := call.Arg(0).String()
		return answer(call, "head", true, func(ctx context.Context) (any, error) {
			o, err := bucket.Head(ctx, key)
			return objectToJSON(o, true, true), err
		})
	})
	def("get", func(call *jsc.Call) (jsc.Value, error) {
		key := call.Arg(0).String()
		var g getJSON
		if err := parse(call.Arg(1), &g); err != nil {
			return jsc.Value{}, err
		}
		opts := r2.GetOptions{RangeHeader: g.RangeHeader, OnlyIf: g.OnlyIf.conditional()}
		if r := g.Range; r != nil {
			i := func(f *float64) *int64 {
				if f == nil {
					return nil
				}
				n := int64(*f)
				return &n
			}
			opts.Range = &r2.Range{Offset: i(r.Offset), Length: i(r.Length), Suffix: i(r.Suffix)}
		}
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			o, body, err := bucket.Get(ctx, key, opts)
			if err != nil {
				h.Observe("r2", "get", "error")
			} else {
				h.Observe("r2", "get", runtime.Lookup(o != nil))
			}
			type got struct {
				Object *objectJSON `json:"object"`
				Body   bool        `json:"body"`
			}
			data, jerr := envelope(h, "get", got{objectToJSON(o, true, true), body != nil}, err)
			if jerr != nil {
				if body != nil {
					body.Close()
				}
				return nil, jerr
			}
			return func(c *jsc.Context) (jsc.Value, error) {
				sid := c.Number(-1)
				if body != nil && err == nil {
					// A whole object stored with a gzip or br contentEncoding
					// reads decoded, as a fetch() body does; returned with
					// writeHttpMetadata's Content-Encoding it goes out as it
					// is stored, so the client gets one layer.
					if o != nil && o.Range == nil {
						body = runtime.DecodedBody(http.Header{"Content-Encoding": {o.HTTP.ContentEncoding}}, body)
					}
					sid = c.Number(float64(h.AddStream(body)))
				}
				return c.Array(c.String(string(data)), sid)
			}, nil
		})
	})
	// put(key, bytes | null, options): a body already in memory.
	def("put", func(call *jsc.Call) (jsc.Value, error) {
		key := call.Arg(0).String()
		var data []byte
		if v := call.Arg(1); !v.IsNullish() {
			var ok bool
			if data, ok = v.CopyBytes(); !ok {
				return jsc.Value{}, jsc.TypeError("R2 put: the body must be bytes")
			}
		}
		var p putJSON
		if err := parse(call.Arg(2), &p); err != nil {
			return jsc.Value{}, err
		}
		opts, err := p.options()
		if err != nil {
			return jsc.Value{}, err
		}
		return answer(call, "put", true, func(ctx context.Context) (any, error) {
			o, err := bucket.Put(ctx, key, bytes.NewReader(data), int64(len(data)), opts)
			return objectToJSON(o, true, true), err
		})
	})
	// Streamed bodies: pipe() opens a pipe, pipeWrite(id, chunk) pushes a
	// chunk (its promise settles once the store has taken it: the
	// stream's backpressure), pipeClose(id, error?) ends it.
	def("pipe", func(call *jsc.Call) (jsc.Value, error) {
		return c.Number(float64(pipes.open())), nil
	})
	def("pipeWrite", func(call *jsc.Call) (jsc.Value, error) {
		p := pipes.get(call.Arg(0).Int())
		chunk, ok := call.Arg(1).CopyBytes()
		if p == nil || !ok {
			return jsc.Value{}, jsc.TypeError("R2: the upload has ended")
		}
		return h.Async(call.Ctx, func(ctx context.Context) (runtime.Settle, error) {
			if _, err := p.w.Write(chunk); err != nil {
				return nil, err
			}
			return func(c *jsc.Context) (jsc.Value, error) { return c.Undefined(), nil }, nil
		})
	})
	def("pipeClose", func(call *jsc.Call) (jsc.Value, error) {
		if p := pipes.take(call.Arg(0).Int()); p != nil {
			if msg := call.Arg(1); !msg.IsNullish() {
				p.w.CloseWithError(errors.New(msg.String()))
			} else {
				p.w.Close()
			}
		}
		return c.Undefined(), nil
	})
	// putStream(key, pipeId, size, options): a body pushed through a pipe.
	def("putStream", func(call *jsc.Call) (jsc.Value, error) {
		key := call.Arg(0).String()
		p := pipes.get(call.Arg(1).Int())
		size := int64(call.Arg(2).Float())
		var pj putJSON
		if err := parse(call.Arg(3), &pj); err != nil {
			return jsc.Value{}, err
		}
		opts, err := pj.options()
		if err != nil || p == nil {
			return jsc.Value{}, errors.Join(err, errors.New("R2 put: no such upload stream"))
		}
		return answer(call, "put", false, func(ctx context.Context) (any, error) {
			defer p.done(ctx)()
			o, err := bucket.Put(ctx, key, p.r, size, opts)
			p.r.CloseWithError(errUploadEnded(err))
			return objectToJSON(o, true, true), err
		})
	})
	def("delete", func(call *jsc.Call) (jsc.Value, error) {
		var keys []string
		if err := parse(call.Arg(0), &keys); err != nil {
			return jsc.Value{}, err
		}
		return answer(call, "delete", true, func(ctx context.Context) (any, error) {
			return nil, bucket.Delete(ctx, keys)
		})
	})
	def("list", func(call *jsc.Call) (jsc.Value, error) {
		var l listJSON
		if err := parse(call.Arg(0), &l); err != nil {
			return jsc.Value{}, err
		}
		opts := r2.ListOptions{Prefix: l.Prefix, Delimiter: l.Delimiter, Cursor: l.Cursor, StartAfter: l.StartAfter}
		if l.Limit != nil {
			opts.Limit = int(*l.Limit)
			if *l.Limit != float64(opts.Limit) || opts.Limit < 1 {
				opts.Limit = -1 // InvalidMaxKeys
			}
		}
		for _, f := range l.Include {
			opts.IncludeHTTP = opts.IncludeHTTP || f == "httpMetadata"
			opts.IncludeCustom = opts.IncludeCustom || f == "customMetadata"
		}
		return answer(call, "list", true, func(ctx context.Context) (any, error) {
			res, err := bucket.List(ctx, opts)
			if err != nil {
				return nil, err
			}
			type listResult struct {
				Objects           []*objectJSON `json:"objects"`
				DelimitedPrefixes []string      `json:"delimitedPrefixes"`
				Truncated         bool          `json:"truncated"`
				Cursor            string        `json:"cursor,omitempty"`
			}
			out := listResult{Objects: []*objectJSON{}, DelimitedPrefixes: res.DelimitedPrefixes, Truncated: res.Truncated, Cursor: res.Cursor}
			if out.DelimitedPrefixes == nil {
				out.DelimitedPrefixes = []string{}
			}
			for _, o := range res.Objects {
				out.Objects = append(out.Objects, objectToJSON(o, opts.IncludeHTTP, opts.IncludeCustom))
			}
			return out, nil
		})
	})
	def("createMultipartUpload", func(call *jsc.Call) (jsc.Value, error) {
		key := call.Arg(0).String()
		var pj putJSON
		if err := parse(call.Arg(1), &pj); err != nil {
			return jsc.Value{}, err
		}
		opts, err := pj.options()
		if err != nil {
			return jsc.Value{}, err
		}
		return answer(call, "create_multipart", true, func(ctx context.Context) (any, error) {
			return bucket.CreateMultipart(ctx, key, opts)
		})
	})
	// uploadPart(key, uploadId, number, bytes | null, pipeId, size)
	def("uploadPart", func(call *jsc.Call) (jsc.Value, error) {
		key, id, number := call.Arg(0).String(), call.Arg(1).String(), int(call.Arg(2).Float())
		var body io.Reader
		var size int64
		var p *pipe
		if v := call.Arg(3); !v.IsNullish() {
			data, ok := v.CopyBytes()
			if !ok {
				return jsc.Value{}, jsc.TypeError("R2 uploadPart: the body must be bytes")
			}
			body, size = bytes.NewReader(data), int64(len(data))
		} else {
			if p = pipes.get(call.Arg(4).Int()); p == nil {
				return jsc.Value{}, jsc.TypeError("R2 uploadPart: no such upload stream")
			}
			body, size = p.r, int64(call.Arg(5).Float())
		}
		return answer(call, "upload_part", false, func(ctx context.Context) (any, error) {
			if p != nil {
				defer p.done(ctx)()
			}
			part, err := bucket.UploadPart(ctx, key, id, number, body, size)
			if p != nil {
				p.r.CloseWithError(errUploadEnded(err))
			}
			return part, err
		})
	})
	def("completeMultipartUpload", func(call *jsc.Call) (jsc.Value, error) {
		key, id := call.Arg(0).String(), call.Arg(1).String()
		var parts []r2.Part
		if err := parse(call.Arg(2), &parts); err != nil {
			return jsc.Value{}, err
		}
		return answer(call, "complete_multipart", false, func(ctx context.Context) (any, error) {
			o, err := bucket.CompleteMultipart(ctx, key, id, parts)
			return objectToJSON(o, true, true), err
		})
	})
	def("abortMultipartUpload", func(call *jsc.Call) (jsc.Value, error) {
		key, id := call.Arg(0).String(), call.Arg(1).String()
		return answer(call, "abort_multipart", true, func(ctx context.Context) (any, error) {
			return nil, bucket.AbortMultipart(ctx, key, id)
		})
	})
	return obj, nil
}

func errUploadEnded(err error) error {
	if err != nil {
		return err
	}
	return io.ErrClosedPipe
}

// envelope encodes an operation's outcome. R2's own errors reach the
// worker with their code; anything else (a disk or network failure) is
// logged and reported as R2's internal error.
func envelope(h runtime.BindingHost, op string, v any, err error) ([]byte, error) {
	if err != nil {
		var re *r2.Error
		if !errors.As(err, &re) {
			h.Log("error", "R2 "+op+": "+err.Error())
			re = r2.ErrInternal
		}
		return json.Marshal(map[string]any{"error": map[string]any{"code": re.Code, "message": re.Message}})
	}
	return json.Marshal(map[string]any{"value": v})
}

// pipe carries a streamed body from JavaScript to the store.
type pipe struct {
	r *io.PipeReader
	w *io.PipeWriter
}

// done ends the pipe when the invocation does, so a writer never waits
// on a store that stopped reading; call the returned func when finished.
func (p *pipe) done(ctx context.Context) func() {
	stop := context.AfterFunc(ctx, func() { p.r.CloseWithError(ctx.Err()) })
	return func() { stop() }
}

type pipeTable struct {
	mu   sync.Mutex
	next int64
	m    map[int64]*pipe
}

func (t *pipeTable) open() int64 {
	r, w := io.Pipe()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.next++
	t.m[t.next] = &pipe{r: r, w: w}
	return t.next
}

func (t *pipeTable) get(id int64) *pipe {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.m[id]
}

func (t *pipeTable) take(id int64) *pipe {
	t.mu.Lock()
	defer t.mu.Unlock()
	p := t.m[id]
	delete(t.m, id)
	return p
}
