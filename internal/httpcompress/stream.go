package httpcompress

import (
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"sync"

	"github.com/andybalholm/brotli"
)

// Levels for compressing on the fly: fast enough for dynamic responses,
// as CDNs choose for content they cannot cache compressed.
const (
	gzipLevel   = gzip.DefaultCompression
	brotliLevel = 4
)

// Encoder compresses what is written to it into dst.
type Encoder interface {
	io.WriteCloser
	// Flush writes out what is buffered so the client can decode it now.
	Flush() error
}

// Encoders are reused: each holds large tables a new one would allocate.
var (
	gzipWriters   = sync.Pool{New: func() any { w, _ := gzip.NewWriterLevel(io.Discard, gzipLevel); return w }}
	brotliWriters = sync.Pool{New: func() any { return brotli.NewWriterLevel(io.Discard, brotliLevel) }}
)

// NewEncoder returns an encoder for gzip or br; Close returns it to its
// pool, so it must not be used after.
func NewEncoder(dst io.Writer, encoding string) (Encoder, error) {
	switch encoding {
	case Gzip:
		w := gzipWriters.Get().(*gzip.Writer)
		w.Reset(dst)
		return &pooled{Encoder: w, pool: &gzipWriters}, nil
	case Brotli:
		w := brotliWriters.Get().(*brotli.Writer)
		w.Reset(dst)
		return &pooled{Encoder: w, pool: &brotliWriters}, nil
	}
	return nil, fmt.Errorf("httpcompress: cannot encode %q", encoding)
}

// pooled goes back to its pool once closed.
type pooled struct {
	Encoder
	pool *sync.Pool
}

func (p *pooled) Close() error {
	if p.Encoder == nil {
		return nil
	}
	err := p.Encoder.Close()
	p.pool.Put(p.Encoder)
	p.Encoder = nil
	return err
}

// NewDecoder returns a reader of src decoded from gzip or br. The gzip
// header is read on the first Read, so a streamed body is not waited for
// before its response starts.
func NewDecoder(src io.Reader, encoding string) (io.Reader, error) {
	switch encoding {
	case Gzip:
		return &lazyGzip{src: src}, nil
	case Brotli:
		return brotli.NewReader(src), nil
	}
	return nil, fmt.Errorf("httpcompress: cannot decode %q", encoding)
}

type lazyGzip struct {
	src io.Reader
	zr  *gzip.Reader
	err error
}

func (l *lazyGzip) Read(p []byte) (int, error) {
	if l.zr == nil && l.err == nil {
		l.zr, l.err = gzip.NewReader(l.src)
	}
	if l.err != nil {
		return 0, l.err
	}
	return l.zr.Read(p)
}

var copyBuffers = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// Copy sends src to w as p says: decoded from p.From, encoded to p.To.
// With flush, every chunk read is flushed to the client as it comes, so a
// streamed response stays streamed.
func Copy(w http.ResponseWriter, src io.Reader, p Plan, flush bool) error {
	if p.From != Identity && p.From != p.To {
		d, err := NewDecoder(src, p.From)
		if err != nil {
			return err
		}
		src = d
	}
	rc := http.NewResponseController(w)
	var out io.Writer = w
	var enc Encoder
	if p.To != Identity && p.From != p.To {
		var err error
		if enc, err = NewEncoder(w, p.To); err != nil {
			return err
		}
		out = enc
	}
	bufp := copyBuffers.Get().(*[]byte)
	defer copyBuffers.Put(bufp)
	buf := *bufp
	for {
		n, rerr := src.Read(buf)
		if n > 0 {
			if _, err := out.Write(buf[:n]); err != nil {
				return err
			}
			if flush {
				if enc != nil {
					if err := enc.Flush(); err != nil {
						return err
					}
				}
				rc.Flush()
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return rerr
		}
	}
	if enc != nil {
		return enc.Close()
	}
	return nil
}

// ResponseWriter compresses what a handler writes (static assets, for
// one) when Decide says so. Bodies that already carry a Content-Encoding
// go as they are. Close it when the handler returns.
type ResponseWriter struct {
	http.ResponseWriter
	req     *http.Request
	auto    bool
	started bool
	enc     Encoder
}

// Wrap returns a ResponseWriter for r; auto as in Decide.
func Wrap(w http.ResponseWriter, r *http.Request, auto bool) *ResponseWriter {
	return &ResponseWriter{ResponseWriter: w, req: r, auto: auto}
}

func (w *ResponseWriter) WriteHeader(code int) {
	if w.started {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	if code >= 100 && code < 200 {
		w.ResponseWriter.WriteHeader(code)
		return
	}
	w.started = true
	h := w.Header()
	if h.Get("Content-Encoding") == "" {
		length := int64(-1)
		if cl := h.Get("Content-Length"); cl != "" {
			if n, err := strconv.ParseInt(cl, 10, 64); err == nil {
				length = n
			}
		}
		p := Decide(w.req, Response{Status: code, Header: h, Length: length, Encoded: true}, w.auto)
		if p.Changes() {
			w.enc, _ = NewEncoder(w.ResponseWriter, p.To)
		}
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *ResponseWriter) Write(b []byte) (int, error) {
	if !w.started {
		w.WriteHeader(http.StatusOK)
	}
	if w.enc != nil {
		return w.enc.Write(b)
	}
	return w.ResponseWriter.Write(b)
}

// Flush sends what is buffered, encoder included.
func (w *ResponseWriter) Flush() {
	if w.enc != nil {
		w.enc.Flush()
	}
	http.NewResponseController(w.ResponseWriter).Flush()
}

// Close finishes the encoded stream.
func (w *ResponseWriter) Close() error {
	if w.enc == nil {
		return nil
	}
	err := w.enc.Close()
	w.enc = nil
	if errors.Is(err, http.ErrBodyNotAllowed) {
		return nil
	}
	return err
}

// Unwrap lets http.ResponseController reach the real writer.
func (w *ResponseWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
