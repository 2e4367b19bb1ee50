package runtime

import (
	"bytes"
	"compress/gzip"
	"io"
	"net/http"
	"testing"
)

// A body in gzip reads decoded; unread, its raw bytes can still be had.
func TestDecodedBody(t *testing.T) {
	var raw bytes.Buffer
	zw := gzip.NewWriter(&raw)
	io.WriteString(zw, "hello, decoded world")
	zw.Close()
	encoded := raw.Bytes()

	h := http.Header{"Content-Encoding": {" GZIP "}}
	body := DecodedBody(h, io.NopCloser(bytes.NewReader(encoded)))
	eb, ok := body.(*encodedBody)
	if !ok {
		t.Fatalf("a gzip body is not wrapped: %T", body)
	}
	if src, unread := eb.rawIfUnread(); !unread || src == nil {
		t.Fatal("an unread body does not give its raw stream")
	}
	got, err := io.ReadAll(body)
	if err != nil || string(got) != "hello, decoded world" {
		t.Fatalf("read %q, %v", got, err)
	}
	if _, unread := eb.rawIfUnread(); unread {
		t.Error("a read body still offers its raw stream")
	}

	// Other codings, several codings, or none: the body as it is.
	for _, h := range []http.Header{{}, {"Content-Encoding": {"deflate"}}, {"Content-Encoding": {"gzip", "br"}}} {
		plain := io.NopCloser(bytes.NewReader(encoded))
		if DecodedBody(h, plain) != plain {
			t.Errorf("%v: wrapped", h)
		}
	}
	// A response sent with encodeBody: "manual" reads decoded on the
	// other side of a service binding; one that is not, as it is.
	resp := &Response{Header: http.Header{"Content-Encoding": {"gzip"}}, Body: io.NopCloser(bytes.NewReader(encoded)), Encoded: true}
	if got, _ := io.ReadAll(ReceivedBody(resp)); string(got) != "hello, decoded world" {
		t.Errorf("received %q", got)
	}
	resp = &Response{Header: http.Header{"Content-Encoding": {"gzip"}}, Body: io.NopCloser(bytes.NewReader([]byte("plain")))}
	if got, _ := io.ReadAll(ReceivedBody(resp)); string(got) != "plain" {
		t.Errorf("received %q", got)
	}
}
