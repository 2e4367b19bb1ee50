package cache

import (
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"
)

// source is a stored body: a byte slice in memory or an open file.
type source interface {
	io.ReaderAt
	io.Closer
}

type memSource struct{ *bytes.Reader }

func (memSource) Close() error { return nil }

// serveKey answers a request from the entry under (cache, key), or returns
// nil on a miss; wasExpired reports a miss because the entry had expired.
// cacheStatus is the CF-Cache-Status the response carries.
func (s *Store) serveKey(cache, key string, reqHeader http.Header, cacheStatus string, head bool) (resp *Response, wasExpired bool, err error) {
	now := s.opts.Now()
	s.mu.Lock()
	e, expired := s.lookup(cache, key, now)
	if e == nil {
		s.mu.Unlock()
		s.removeBody(expired)
		return nil, expired != nil, nil
	}
	if e.use != nil {
		s.recent.MoveToFront(e.use)
	}
	var src source
	var file *os.File
	if e.mem != nil {
		s.lru.MoveToFront(e.lru)
		src = memSource{bytes.NewReader(e.mem)}
	} else {
		// Opened under the lock: the body file of an indexed entry exists
		// until the entry leaves the index, and an open file outlives removal.
		f, err := os.Open(e.body)
		if err != nil {
			s.remove(e)
			s.mu.Unlock()
			return nil, false, fmt.Errorf("cache: reading body of %s: %w", e.key, err)
		}
		src, file = f, f
	}
	s.mu.Unlock()

	if file != nil && e.size <= s.memCap {
		// Small enough to keep: read it once into memory and serve from there.
		data := make([]byte, e.size)
		_, err := file.ReadAt(data, 0)
		file.Close()
		if err != nil && err != io.EOF {
			return nil, false, fmt.Errorf("cache: reading %s: %w", e.body, err)
		}
		s.mu.Lock()
		if s.entries[entryID{e.cache, e.key}] == e && e.lru == nil {
			s.makeResident(e, data)
		}
		s.mu.Unlock()
		src = memSource{bytes.NewReader(data)}
	}
	return respond(e, src, reqHeader, cacheStatus, now, head), false, nil
}

// respond builds the response to one request for a stored entry: 304 for a
// satisfied condition, 206 or 416 for a Range on a 200, else the whole body.
// It takes ownership of src.
func respond(e *entry, src source, reqHeader http.Header, cacheStatus string, now time.Time, head bool) *Response {
	h := e.header.Clone()
	h.Set("CF-Cache-Status", cacheStatus)
	age := e.age + int64(now.Sub(e.stored)/time.Second)
	h.Set("Age", strconv.FormatInt(max(age, 0), 10))
	h.Set("Content-Length", strconv.FormatInt(e.size, 10))
	if reqHeader == nil {
		reqHeader = http.Header{}
	}

	if notModified(reqHeader, e.header) {
		src.Close()
		h.Del("Content-Length")
		return &Response{Status: http.StatusNotModified, Header: h, Body: http.NoBody}
	}

	status := e.status
	var body io.Reader = io.NewSectionReader(src, 0, e.size)
	if rh := reqHeader.Get("Range"); rh != "" && e.status == http.StatusOK {
		ranges, ok := parseRange(rh, e.size)
		switch {
		case !ok:
			src.Close()
			return &Response{Status: http.StatusRequestedRangeNotSatisfiable, Header: http.Header{
				"Content-Range":   {"bytes */" + strconv.FormatInt(e.size, 10)},
				"Cf-Cache-Status": {cacheStatus},
				"Content-Length":  {"0"},
			}, Body: http.NoBody}
		case len(ranges) == 1:
			r := ranges[0]
			status = http.StatusPartialContent
			h.Set("Content-Range", fmt.Sprintf("bytes %d-%d/%d", r.start, r.end, e.size))
			h.Set("Content-Length", strconv.FormatInt(r.length(), 10))
			body = io.NewSectionReader(src, r.start, r.length())
		case len(ranges) > 1:
			status = http.StatusPartialContent
			var n int64
			body, n, h = multipartBody(src, ranges, e.size, h)
			h.Set("Content-Length", strconv.FormatInt(n, 10))
		}
	}
	if head {
		src.Close()
		return &Response{Status: status, Header: h, Body: http.NoBody}
	}
	return &Response{Status: status, Header: h, Body: &sourceBody{Reader: body, src: src}}
}

// multipartBody streams several ranges as multipart/byteranges (RFC 9110
// §14.6): each part names the original Content-Type and its Content-Range.
// It returns the body, its exact length and the response headers.
func multipartBody(src source, ranges []byteRange, size int64, h http.Header) (io.Reader, int64, http.Header) {
	boundary := multipart.NewWriter(io.Discard).Boundary()
	contentType := h.Get("Content-Type")
	var parts []io.Reader
	var n int64
	add := func(s string) {
		parts = append(parts, strings.NewReader(s))
		n += int64(len(s))
	}
	for i, r := range ranges {
		var head strings.Builder
		if i > 0 {
			head.WriteString("\r\n")
		}
		head.WriteString("--" + boundary + "\r\n")
		if contentType != "" {
			head.WriteString("Content-Type: " + contentType + "\r\n")
		}
		fmt.Fprintf(&head, "Content-Range: bytes %d-%d/%d\r\n\r\n", r.start, r.end, size)
		add(head.String())
		parts = append(parts, io.NewSectionReader(src, r.start, r.length()))
		n += r.length()
	}
	add("\r\n--" + boundary + "--")
	h.Set("Content-Type", "multipart/byteranges; boundary="+boundary)
	return io.MultiReader(parts...), n, h
}

// sourceBody is a response body reading from a stored body; closing it
// releases the file.
type sourceBody struct {
	io.Reader
	src source
}

func (b *sourceBody) Close() error { return b.src.Close() }
