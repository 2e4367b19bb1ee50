package runtime

import (
	"io"
	"net/http"
	"strings"
	"sync"

	"github.com/outpost-dev/outpost/internal/httpcompress"
)

// encodedBody is a body that arrived in a Content-Encoding (a fetch()
// answer in gzip or br): JavaScript reads it decoded, as in workerd, but
// handed back unread in a response it goes out as the bytes that came.
type encodedBody struct {
	mu       sync.Mutex
	raw      io.ReadCloser
	encoding string
	dec      io.Reader
}

// contentEncoding is the single gzip or br coding a header names, or "".
func contentEncoding(h http.Header) string {
	if vs := h.Values("Content-Encoding"); len(vs) == 1 {
		switch e := strings.ToLower(strings.TrimSpace(vs[0])); e {
		case httpcompress.Gzip, httpcompress.Brotli:
			return e
		}
	}
	return ""
}

// DecodedBody wraps a body whose bytes are in the Content-Encoding its
// header names so that reading it gives the decoded content; other
// bodies are returned as they are.
func DecodedBody(h http.Header, body io.ReadCloser) io.ReadCloser {
	enc := contentEncoding(h)
	if enc == "" || body == nil {
		return body
	}
	return &encodedBody{raw: body, encoding: enc}
}

// ReceivedBody is resp.Body as a worker receiving resp (through a service
// binding or a Durable Object stub) reads it: decoded if it is encoded.
func ReceivedBody(resp *Response) io.ReadCloser {
	if !resp.Encoded {
		return resp.Body
	}
	return DecodedBody(resp.Header, resp.Body)
}

func (b *encodedBody) Read(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.dec == nil {
		d, err := httpcompress.NewDecoder(b.raw, b.encoding)
		if err != nil {
			return 0, err
		}
		b.dec = d
	}
	return b.dec.Read(p)
}

func (b *encodedBody) Close() error { return b.raw.Close() }

// rawIfUnread returns the undecoded stream when nothing was read yet.
func (b *encodedBody) rawIfUnread() (io.ReadCloser, bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.raw, b.dec == nil
}
