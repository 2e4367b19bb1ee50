// Package s3server starts an S3-compatible server on 127.0.0.1 for
// tests (gofakes3 over memory or a directory): the S3 store and `outpost
// serve` are tested against the S3 protocol itself, with no network.
package s3server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Credentials the server accepts (gofakes3 does not check signatures;
// clients still sign with these).
const (
	AccessKey = "outpost-test"
	SecretKey = "outpost-test-secret"
	Region    = "us-east-1"
)

// Start serves an empty S3 store until the test ends and returns its
// endpoint URL (path-style addressing).
func Start(t testing.TB) string {
	t.Helper()
	faker := gofakes3.New(s3mem.New(), gofakes3.WithoutVersioning(), gofakes3.WithIntegrityCheck(true))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: dechunk(faker.Server())}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return "http://" + ln.Addr().String()
}

// dechunk fills two gaps of gofakes3 that S3 clients run into over plain
// HTTP: minio-go signs uploads as aws-chunked streams, which gofakes3
// decodes for PutObject but not for UploadPart; and an empty PUT arrives
// without a Content-Length, which gofakes3 refuses. It decodes the stream
// before gofakes3 sees the request.
func dechunk(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodPut && strings.HasPrefix(r.Header.Get("X-Amz-Content-Sha256"), "STREAMING-") {
			n, err := strconv.ParseInt(r.Header.Get("X-Amz-Decoded-Content-Length"), 10, 64)
			if err == nil {
				r.Body = struct {
					io.Reader
					io.Closer
				}{&chunkReader{r: bufio.NewReader(r.Body)}, r.Body}
				r.ContentLength = n
				r.Header.Set("Content-Length", strconv.FormatInt(n, 10))
				r.Header.Set("X-Amz-Content-Sha256", "UNSIGNED-PAYLOAD")
				r.Header.Del("X-Amz-Decoded-Content-Length")
			}
		}
		if r.Method == http.MethodPut && r.Header.Get("Content-Length") == "" && r.ContentLength <= 0 {
			r.Header.Set("Content-Length", "0")
		}
		next.ServeHTTP(w, r)
	})
}

// chunkReader reads the payload of an aws-chunked body:
// "<hex size>;chunk-signature=<sig>\r\n<data>\r\n" ... "0;...\r\n".
type chunkReader struct {
	r    *bufio.Reader
	left int64
	done bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for c.left == 0 {
		if c.done {
			return 0, io.EOF
		}
		line, err := c.r.ReadString('\n')
		if err != nil {
			return 0, err
		}
		line = strings.TrimSpace(line)
		if line == "" {
			continue // the CRLF after a chunk's data
		}
		sizeHex, _, _ := strings.Cut(line, ";")
		n, err := strconv.ParseInt(sizeHex, 16, 64)
		if err != nil {
			return 0, fmt.Errorf("aws-chunked: bad chunk header %q", line)
		}
		if n == 0 {
			c.done = true
			return 0, io.EOF
		}
		c.left = n
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}
