package runtime

import (
	"bytes"
	"compress/gzip"
	"io"
	"strings"
	"testing"
)

func TestDecompressorByteByByte(t *testing.T) {
	text := strings.Repeat("feed me chunk by chunk. ", 500)
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	io.WriteString(zw, text)
	zw.Close()
	d, err := newDecompressorStream("gzip")
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, b := range buf.Bytes() {
		chunk, err := d.push([]byte{b})
		if err != nil {
			t.Fatal(err)
		}
		out.Write(chunk)
	}
	rest, err := d.finish()
	if err != nil {
		t.Fatal(err)
	}
	out.Write(rest)
	if out.String() != text {
		t.Fatalf("got %d bytes, want %d", out.Len(), len(text))
	}
}

func TestDecompressorErrors(t *testing.T) {
	d, _ := newDecompressorStream("deflate")
	if _, err := d.push([]byte("definitely not zlib")); err == nil {
		t.Error("corrupt data: no error")
	}
	d.Close()

	d, _ = newDecompressorStream("gzip")
	if _, err := d.finish(); err == nil || !strings.Contains(err.Error(), "ended early") {
		t.Errorf("empty input: %v", err)
	}
	if _, err := newDecompressorStream("br"); err == nil {
		t.Error("unknown format accepted")
	}
}

// Close must end the consumer goroutine whatever state it is in.
func TestFeederCloseMidStream(t *testing.T) {
	f, err := startFeeder(func(r io.Reader) error {
		_, err := io.ReadAll(r)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.push([]byte("abc")); err != nil {
		t.Fatal(err)
	}
	f.Close()
	select {
	case <-f.done:
	default:
		t.Fatal("the consumer still runs after Close")
	}
}
