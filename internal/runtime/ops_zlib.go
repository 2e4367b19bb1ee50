package runtime

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/andybalholm/brotli"
	"github.com/outpost-dev/outpost/internal/jsc"
)

// node:zlib's engines: one per Gzip/Deflate/… object or *Sync call, kept in
// the instance's stream table (so closing the instance releases them) and
// driven chunk by chunk with zlib's flush modes.

// zlib flush modes, as node:zlib's constants.
const (
	zNoFlush   = 0
	zSyncFlush = 2
	zFullFlush = 3
	zFinish    = 4
)

type zlibEngine interface {
	io.ReadCloser
	// write feeds input and returns the output it produced; flush is one
	// of the modes above.
	write(in []byte, flush int) ([]byte, error)
}

// zlibCompressor wraps a Go compressor that writes into buf.
type zlibCompressor struct {
	buf bytes.Buffer
	w   interface {
		io.WriteCloser
		Flush() error
	}
	closed bool
}

func (z *zlibCompressor) write(in []byte, flush int) ([]byte, error) {
	if z.closed {
		if len(in) > 0 {
			return nil, errors.New("write after end")
		}
		return nil, nil
	}
	if len(in) > 0 {
		if _, err := z.w.Write(in); err != nil {
			return nil, err
		}
	}
	switch flush {
	case zFinish:
		z.closed = true
		if err := z.w.Close(); err != nil {
			return nil, err
		}
	case zNoFlush:
	default:
		if err := z.w.Flush(); err != nil {
			return nil, err
		}
	}
	out := bytes.Clone(z.buf.Bytes())
	z.buf.Reset()
	return out, nil
}

func (z *zlibCompressor) Read([]byte) (int, error) { return 0, errNotReadable }
func (z *zlibCompressor) Close() error             { return nil }

// zlibDecompressor runs Go's pull-style decoder under a feeder.
type zlibDecompressor struct {
	*feeder
	mu   sync.Mutex
	out  bytes.Buffer
	done bool
}

func (d *zlibDecompressor) write(in []byte, flush int) ([]byte, error) {
	if len(in) > 0 && !d.done {
		if err := d.feeder.push(in); err != nil && !errors.Is(err, errTrailing) {
			return nil, err
		}
	}
	if flush == zFinish && !d.done {
		d.done = true
		if err := d.feeder.finish(); err != nil {
			return nil, err
		}
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	out := bytes.Clone(d.out.Bytes())
	d.out.Reset()
	return out, nil
}

func (d *zlibDecompressor) Read([]byte) (int, error) { return 0, errNotReadable }

// zlibError carries zlib's error code name for node:zlib's errors.
type zlibError struct {
	code string // Z_DATA_ERROR, Z_BUF_ERROR
	msg  string
}

func (e *zlibError) Error() string { return e.code + ":" + e.msg }

func zlibDataError(err error) error {
	var ze *zlibError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ze):
		return err
	case errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF):
		return &zlibError{"Z_BUF_ERROR", "unexpected end of file"}
	case errors.Is(err, gzip.ErrHeader) || errors.Is(err, zlib.ErrHeader):
		return &zlibError{"Z_DATA_ERROR", "incorrect header check"}
	case errors.Is(err, gzip.ErrChecksum) || errors.Is(err, zlib.ErrChecksum):
		return &zlibError{"Z_DATA_ERROR", "incorrect data check"}
	case errors.Is(err, zlib.ErrDictionary):
		return &zlibError{"Z_NEED_DICT", "Missing dictionary"}
	}
	var ce flate.CorruptInputError
	if errors.As(err, &ce) {
		return &zlibError{"Z_DATA_ERROR", "invalid block type"}
	}
	return &zlibError{"Z_DATA_ERROR", err.Error()}
}

func newZlibDecompressor(mode string) (*zlibDecompressor, error) {
	d := &zlibDecompressor{}
	f, err := startFeeder(func(r io.Reader) error { return zlibDecode(mode, r, d) })
	if err != nil {
		return nil, zlibDataError(err)
	}
	d.feeder = f
	return d, nil
}

func (d *zlibDecompressor) emit(b []byte) {
	d.mu.Lock()
	d.out.Write(b)
	d.mu.Unlock()
}

// zlibDecode decodes in as node:zlib's mode does: gunzip reads
// concatenated members, unzip detects gzip or zlib from the header, and
// bytes after the end of the data are ignored, as zlib does.
func zlibDecode(mode string, in io.Reader, d *zlibDecompressor) error {
	br := bufio.NewReaderSize(in, 1) // a flate.Reader, so the decoders do not read ahead
	if mode == "unzip" {
		head, err := br.Peek(2)
		if err != nil {
			if len(head) == 0 {
				return nil // no input at all: no output, as zlib
			}
			return zlibDataError(err)
		}
		mode = "inflate"
		if head[0] == 0x1f && head[1] == 0x8b {
			mode = "gunzip"
		}
	}
	if mode == "gunzip" {
		// zlib checks the magic bytes as they arrive, before the rest of
		// the header.
		for i, want := range []byte{0x1f, 0x8b} {
			head, _ := br.Peek(i + 1)
			if len(head) <= i {
				break
			}
			if head[i] != want {
				return &zlibError{"Z_DATA_ERROR", "incorrect header check"}
			}
		}
	}
	var r io.Reader
	switch mode {
	case "gunzip":
		zr, err := gzip.NewReader(br)
		if err != nil {
			return zlibDataError(err)
		}
		zr.Multistream(false)
		r = zr
		defer func() { _ = zr.Close() }()
		for {
			if err := pump(zr, d); err != nil {
				return err
			}
			// Another gzip member may follow; anything else is ignored.
			if head, err := br.Peek(2); err != nil || head[0] != 0x1f || head[1] != 0x8b {
				break
			}
			if err := zr.Reset(br); err != nil {
				return zlibDataError(err)
			}
			zr.Multistream(false)
		}
		_, _ = io.Copy(io.Discard, br)
		return nil
	case "inflate":
		zr, err := zlib.NewReader(br)
		if err != nil {
			return zlibDataError(err)
		}
		r = zr
	case "inflateRaw":
		r = flate.NewReader(br)
	case "brotliDecompress":
		r = brotliErrors{brotli.NewReader(br)}
	default:
		return fmt.Errorf("unknown zlib mode %q", mode)
	}
	if err := pump(r, d); err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, br)
	return nil
}

func pump(r io.Reader, d *zlibDecompressor) error {
	buf := make([]byte, 32<<10)
	for {
		n, err := r.Read(buf)
		d.emit(buf[:n])
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return zlibDataError(err)
		}
	}
}

// brotliErrors gives the brotli decoder's failures Node's message.
type brotliErrors struct{ r io.Reader }

func (b brotliErrors) Read(p []byte) (int, error) {
	n, err := b.r.Read(p)
	if err != nil && err != io.EOF {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return n, &zlibError{"Z_BUF_ERROR", "unexpected end of file"}
		}
		return n, &zlibError{"ERR_BROTLI_DECOMPRESSION_FAILED", "Decompression failed"}
	}
	return n, err
}

func newZlibEngine(mode string, level int) (zlibEngine, error) {
	if mode == "brotliCompress" && level > 11 {
		return nil, fmt.Errorf("invalid brotli quality %d", level)
	}
	if mode != "brotliCompress" && (level < -1 || level > 9) {
		return nil, fmt.Errorf("invalid compression level %d", level)
	}
	switch mode {
	case "gzip":
		c := &zlibCompressor{}
		w, err := gzip.NewWriterLevel(&c.buf, level)
		c.w = w
		return c, err
	case "deflate":
		c := &zlibCompressor{}
		w, err := zlib.NewWriterLevel(&c.buf, level)
		c.w = w
		return c, err
	case "deflateRaw":
		c := &zlibCompressor{}
		w, err := flate.NewWriter(&c.buf, level)
		c.w = w
		return c, err
	case "brotliCompress":
		if level < 0 {
			level = 11 // BROTLI_DEFAULT_QUALITY
		}
		c := &zlibCompressor{}
		c.w = brotli.NewWriterLevel(&c.buf, level)
		return c, nil
	case "gunzip", "inflate", "inflateRaw", "unzip", "brotliDecompress":
		return newZlibDecompressor(mode)
	}
	return nil, fmt.Errorf("unknown zlib mode %q", mode)
}

func (in *Instance) installZlibOps(def func(string, jsc.Func)) {
	// zlibNew(mode, level) → id
	def("zlibNew", func(call *jsc.Call) (jsc.Value, error) {
		level := -1
		if v := call.Arg(1); v.IsNumber() {
			level = int(v.Int())
		}
		z, err := newZlibEngine(call.Arg(0).String(), level)
		if err != nil {
			return jsc.Value{}, jsc.TypeError("%v", err)
		}
		return call.Ctx.Number(float64(in.streams.add(z))), nil
	})
	// zlibWrite(id, bytes, flush) → Uint8Array of output; a failure
	// throws "CODE:message" for the prelude to turn into zlib's error.
	def("zlibWrite", func(call *jsc.Call) (jsc.Value, error) {
		id := call.Arg(0).Int()
		z, ok := in.streams.get(id).(zlibEngine)
		if !ok {
			return jsc.Value{}, &jsc.Error{Name: "Error", Message: "Z_STREAM_ERROR:zlib binding closed"}
		}
		var data []byte
		if v := call.Arg(1); !v.IsUndefined() && !v.IsNull() {
			b, ok := v.BytesView()
			if !ok {
				return jsc.Value{}, jsc.TypeError("The chunk must be a Buffer, TypedArray or DataView")
			}
			data = b
		}
		flush := int(call.Arg(2).Int())
		out, err := z.write(data, flush)
		if err != nil {
			in.streams.close(id)
			return jsc.Value{}, &jsc.Error{Name: "Error", Message: zlibDataError(err).Error()}
		}
		if flush == zFinish {
			in.streams.close(id)
		}
		return call.Ctx.Bytes(out)
	})
	def("zlibClose", func(call *jsc.Call) (jsc.Value, error) {
		in.streams.close(call.Arg(0).Int())
		return call.Ctx.Undefined(), nil
	})
}
