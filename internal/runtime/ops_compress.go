package runtime

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// Compression formats of CompressionStream/DecompressionStream.
func newCompressor(format string, out io.Writer) (io.WriteCloser, error) {
	switch format {
	case "gzip":
		return gzip.NewWriter(out), nil
	case "deflate":
		return zlib.NewWriter(out), nil
	case "deflate-raw":
		return flate.NewWriter(out, flate.DefaultCompression)
	}
	return nil, fmt.Errorf("unsupported compression format %q", format)
}

func newDecompressor(format string, in io.Reader) (io.Reader, error) {
	switch format {
	case "gzip":
		zr, err := gzip.NewReader(in)
		if err != nil {
			return nil, err
		}
		zr.Multistream(false) // bytes after the member are an error, as in browsers
		return zr, nil
	case "deflate":
		return zlib.NewReader(in)
	case "deflate-raw":
		return flate.NewReader(in), nil
	}
	return nil, fmt.Errorf("unsupported compression format %q", format)
}

// codec is one (de)compression stream's state, fed chunk by chunk from
// JavaScript. It lives in the instance's stream table so closing the
// instance releases it; it is never read as a byte stream.
type codec interface {
	io.ReadCloser
	push(chunk []byte) ([]byte, error)
	finish() ([]byte, error)
}

type compressor struct {
	buf bytes.Buffer
	w   io.WriteCloser
}

func (z *compressor) push(chunk []byte) ([]byte, error) {
	if _, err := z.w.Write(chunk); err != nil {
		return nil, err
	}
	return z.take(), nil
}

func (z *compressor) finish() ([]byte, error) {
	if err := z.w.Close(); err != nil {
		return nil, err
	}
	return z.take(), nil
}

func (z *compressor) take() []byte {
	out := bytes.Clone(z.buf.Bytes())
	z.buf.Reset()
	return out
}

func (z *compressor) Read([]byte) (int, error) { return 0, errNotReadable }
func (z *compressor) Close() error             { return nil }

var errNotReadable = errors.New("a compression stream is not a readable body")

// decompressor runs Go's pull-style decoder under a feeder.
type decompressor struct {
	*feeder
	mu  sync.Mutex
	out bytes.Buffer
}

func newDecompressorStream(format string) (*decompressor, error) {
	switch format {
	case "gzip", "deflate", "deflate-raw":
	default:
		return nil, fmt.Errorf("unsupported compression format %q", format)
	}
	d := &decompressor{}
	f, err := startFeeder(func(r io.Reader) error { return d.decode(format, r) })
	if err != nil {
		return nil, err
	}
	d.feeder = f
	return d, nil
}

func (d *decompressor) decode(format string, in io.Reader) error {
	r, err := newDecompressor(format, in)
	if err != nil {
		return dataError(err)
	}
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		d.mu.Lock()
		d.out.Write(buf[:n])
		d.mu.Unlock()
		if err == io.EOF {
			break
		}
		if err != nil {
			return dataError(err)
		}
	}
	// The compressed data ended: anything after it is an error.
	var one [1]byte
	if n, _ := in.Read(one[:]); n > 0 {
		return errTrailing
	}
	return nil
}

func dataError(err error) error {
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("the compressed data ended early")
	}
	return err
}

// push also returns what was decoded before an error: data followed by
// trailing bytes still gives its output, then the error.
func (d *decompressor) push(chunk []byte) ([]byte, error) {
	err := d.feeder.push(chunk)
	return d.take(), err
}

func (d *decompressor) finish() ([]byte, error) {
	if err := d.feeder.finish(); err != nil {
		return nil, err
	}
	return d.take(), nil
}

func (d *decompressor) take() []byte {
	d.mu.Lock()
	defer d.mu.Unlock()
	out := bytes.Clone(d.out.Bytes())
	d.out.Reset()
	return out
}

func (d *decompressor) Read([]byte) (int, error) { return 0, errNotReadable }

func (in *Instance) installCompressOps(def func(string, jsc.Func)) {
	// codecNew(format, decompress) → id
	def("codecNew", func(call *jsc.Call) (jsc.Value, error) {
		format := call.Arg(0).String()
		var z codec
		if call.Arg(1).Bool() {
			d, err := newDecompressorStream(format)
			if err != nil {
				return jsc.Value{}, jsc.TypeError("Failed to construct 'DecompressionStream': %v", err)
			}
			d.feeder.charge = in.chargeOffThread
			z = d
		} else {
			c := &compressor{}
			w, err := newCompressor(format, &c.buf)
			if err != nil {
				return jsc.Value{}, jsc.TypeError("Failed to construct 'CompressionStream': %v", err)
			}
			c.w = w
			z = c
		}
		return call.Ctx.Number(float64(in.streams.add(z))), nil
	})
	// codecPush(id, bytes) → Uint8Array of output (maybe empty), or, when
	// the data is bad, [output decoded before the error, error message].
	def("codecPush", func(call *jsc.Call) (jsc.Value, error) {
		z, ok := in.streams.get(call.Arg(0).Int()).(codec)
		if !ok {
			return jsc.Value{}, jsc.TypeError("the compression stream is closed")
		}
		b, ok := call.Arg(1).BytesView()
		if !ok {
			return jsc.Value{}, jsc.TypeError("The chunk must be an ArrayBuffer or ArrayBufferView")
		}
		out, err := z.push(b)
		if err != nil {
			in.streams.close(call.Arg(0).Int())
			partial, berr := call.Ctx.Bytes(out)
			if berr != nil {
				return jsc.Value{}, berr
			}
			return call.Ctx.Array(partial, call.Ctx.String("Decompression failed: "+err.Error()))
		}
		return call.Ctx.Bytes(out)
	})
	// codecFinish(id) → the last output; the state is released.
	def("codecFinish", func(call *jsc.Call) (jsc.Value, error) {
		id := call.Arg(0).Int()
		z, ok := in.streams.get(id).(codec)
		if !ok {
			return jsc.Value{}, jsc.TypeError("the compression stream is closed")
		}
		out, err := z.finish()
		in.streams.close(id)
		if err != nil {
			return jsc.Value{}, jsc.TypeError("Decompression failed: %v", err)
		}
		return call.Ctx.Bytes(out)
	})
	def("codecClose", func(call *jsc.Call) (jsc.Value, error) {
		in.streams.close(call.Arg(0).Int())
		return call.Ctx.Undefined(), nil
	})
}
