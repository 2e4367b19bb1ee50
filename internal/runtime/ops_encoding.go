package runtime

import (
	"errors"
	"strings"
	"sync"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/traditionalchinese"
	"golang.org/x/text/transform"

	"github.com/outpost-dev/outpost/internal/jsc"
)

// The Encoding Standard's legacy encodings for TextDecoder (single-byte,
// GBK/gb18030, Big5, EUC-JP, ISO-2022-JP, Shift_JIS, EUC-KR,
// x-user-defined), through golang.org/x/text. UTF-8 and UTF-16 are decoded
// by the prelude and the utf8 ops.

// legacyDecoder is the state of a streaming decode: the transformer (some
// encodings, like ISO-2022-JP, keep a mode between chunks) and the bytes of
// an incomplete sequence at the end of the last chunk.
type legacyDecoder struct {
	name    string
	t       transform.Transformer
	pending []byte
}

func (in *Instance) installEncodingOps(c *jsc.Context, def func(string, jsc.Func)) {
	decoders := map[int64]*legacyDecoder{}
	var nextID int64

	// encodingForLabel: a label already stripped of ASCII whitespace and
	// ASCII-lowercased → the encoding's name, or undefined.
	def("encodingForLabel", func(call *jsc.Call) (jsc.Value, error) {
		name, ok := encodingForLabel(call.Arg(0).String())
		if !ok {
			return call.Ctx.Undefined(), nil
		}
		return call.Ctx.String(name), nil
	})
	// legacyDecoderNew(name) → id of a decoder that keeps state across
	// streaming calls.
	def("legacyDecoderNew", func(call *jsc.Call) (jsc.Value, error) {
		name := call.Arg(0).String()
		enc, err := legacyEncoding(name)
		if err != nil {
			return jsc.Value{}, jsc.RangeError("%v", err)
		}
		nextID++
		decoders[nextID] = &legacyDecoder{name: name, t: enc.NewDecoder()}
		return call.Ctx.Number(float64(nextID)), nil
	})
	def("legacyDecoderFree", func(call *jsc.Call) (jsc.Value, error) {
		delete(decoders, call.Arg(0).Int())
		return call.Ctx.Undefined(), nil
	})
	// legacyDecode(id, bytes, stream, fatal) decodes with a decoder from
	// legacyDecoderNew; legacyDecode(name, bytes, false, fatal) decodes
	// bytes on their own.
	def("legacyDecode", func(call *jsc.Call) (jsc.Value, error) {
		b, ok := call.Arg(1).BytesView()
		if !ok {
			return jsc.Value{}, jsc.TypeError("The \"input\" argument must be an instance of ArrayBuffer or ArrayBufferView")
		}
		stream, fatal := call.Arg(2).Bool(), call.Arg(3).Bool()
		var d *legacyDecoder
		id := int64(0)
		if call.Arg(0).IsNumber() {
			id = call.Arg(0).Int()
			d = decoders[id]
			if d == nil {
				return jsc.Value{}, jsc.TypeError("legacyDecode: no decoder %d", id)
			}
		} else {
			name := call.Arg(0).String()
			enc, err := legacyEncoding(name)
			if err != nil {
				return jsc.Value{}, jsc.RangeError("%v", err)
			}
			d = &legacyDecoder{name: name, t: enc.NewDecoder()}
		}
		out, err := d.decode(b, !stream)
		if err == nil && fatal && strings.Count(out, "\uFFFD") > legitimateReplacements(d.name, b) {
			err = errors.New("The encoded data was not valid for encoding " + d.name)
		}
		if err != nil || !stream {
			// The stream ends here (or failed): start afresh next time.
			d.t.Reset()
			d.pending = nil
		}
		if err != nil {
			return jsc.Value{}, jsc.TypeError("%v", err)
		}
		return call.Ctx.String(out), nil
	})
}

// encodingForLabel maps a label to its encoding's name per the Encoding
// Standard. "replacement" encodings are reported as such: the API rejects
// them.
func encodingForLabel(label string) (string, bool) {
	for i := 0; i < len(label); i++ {
		// Labels are printable ASCII: a non-ASCII letter must not
		// case-fold onto one, nor other whitespace be trimmed away.
		if label[i] <= ' ' || label[i] >= 0x7f || (label[i] >= 'A' && label[i] <= 'Z') {
			return "", false
		}
	}
	enc, err := htmlindex.Get(label)
	if err != nil {
		return "", false
	}
	name, err := htmlindex.Name(enc)
	if err != nil {
		return "", false
	}
	return name, true
}

func legacyEncoding(name string) (encoding.Encoding, error) {
	switch name {
	case "utf-8", "utf-16le", "utf-16be", "replacement":
		return nil, errors.New("legacyDecode: " + name + " is not a legacy encoding")
	}
	enc, err := htmlindex.Get(name)
	if err != nil {
		return nil, errors.New("legacyDecode: unknown encoding " + name)
	}
	if name == "iso-8859-8-i" {
		enc = charmap.ISO8859_8 // the same index; only the direction differs
	}
	if name == "big5" {
		return big5{}, nil
	}
	if cm, ok := enc.(*charmap.Charmap); ok {
		return singleByte(name, cm), nil
	}
	return enc, nil
}

var (
	singleByteMu     sync.Mutex
	singleByteTables = map[string]*singleByteEncoding{}
)

// singleByte is a single-byte encoding with the Encoding Standard's index:
// x/text's tables leave the bytes 0x80–0x9F that the standard maps to the
// C1 controls U+0080–U+009F undefined.
func singleByte(name string, cm *charmap.Charmap) *singleByteEncoding {
	singleByteMu.Lock()
	defer singleByteMu.Unlock()
	if e, ok := singleByteTables[name]; ok {
		return e
	}
	e := &singleByteEncoding{}
	for b := 0; b < 256; b++ {
		r := cm.DecodeByte(byte(b))
		if r == utf8.RuneError && b >= 0x80 && b <= 0x9f {
			r = rune(b)
		}
		e.table[b] = r
	}
	singleByteTables[name] = e
	return e
}

type singleByteEncoding struct{ table [256]rune }

func (e *singleByteEncoding) NewDecoder() *encoding.Decoder {
	return &encoding.Decoder{Transformer: singleByteDecoder{e}}
}

func (e *singleByteEncoding) NewEncoder() *encoding.Encoder {
	return encoding.Replacement.NewEncoder() // TextEncoder only encodes UTF-8
}

type singleByteDecoder struct{ e *singleByteEncoding }

func (singleByteDecoder) Reset() {}

func (d singleByteDecoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		r := d.e.table[src[nSrc]]
		if nDst+utf8.RuneLen(r) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += utf8.EncodeRune(dst[nDst:], r)
		nSrc++
	}
	return nDst, nSrc, nil
}

// decode runs b through the decoder. Unless final, the bytes of an
// incomplete sequence at the end are kept for the next call.
func (d *legacyDecoder) decode(b []byte, final bool) (string, error) {
	src := b
	if len(d.pending) > 0 {
		src = append(d.pending, b...)
		d.pending = nil
	}
	var out strings.Builder
	out.Grow(len(src) + len(src)/2)
	buf := make([]byte, 4096)
	for {
		nDst, nSrc, err := d.t.Transform(buf, src, final)
		out.Write(buf[:nDst])
		src = src[nSrc:]
		switch {
		case err == nil:
			if len(src) == 0 || final {
				return out.String(), nil
			}
		case errors.Is(err, transform.ErrShortDst):
			// more room: go round again
		case errors.Is(err, transform.ErrShortSrc) && !final:
			d.pending = append([]byte(nil), src...)
			return out.String(), nil
		default:
			return "", err
		}
		if nDst == 0 && nSrc == 0 && !errors.Is(err, transform.ErrShortDst) {
			return out.String(), nil
		}
	}
}

// legitimateReplacements counts the U+FFFDs the input encodes itself
// rather than through an error: gb18030 encodes U+FFFD as 84 31 A4 37.
func legitimateReplacements(name string, b []byte) int {
	if name != "gb18030" {
		return 0
	}
	return strings.Count(string(b), "\x84\x31\xa4\x37")
}

// big5 is x/text's Big5 with the Encoding Standard's error handling: when a
// lead byte and an ASCII byte make no character, the ASCII byte is read
// again on its own.
type big5 struct{}

func (big5) NewDecoder() *encoding.Decoder { return &encoding.Decoder{Transformer: big5Decoder{}} }
func (big5) NewEncoder() *encoding.Encoder { return traditionalchinese.Big5.NewEncoder() }

type big5Decoder struct{}

func (big5Decoder) Reset() {}

func (big5Decoder) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	var pair [8]byte
	for nSrc < len(src) {
		c0 := src[nSrc]
		if c0 < 0x81 || c0 == 0xff {
			// ASCII, or a byte that never starts a pair.
			r := rune(c0)
			if c0 >= 0x80 {
				r = utf8.RuneError
			}
			if nDst+utf8.RuneLen(r) > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], r)
			nSrc++
			continue
		}
		if nSrc+1 >= len(src) {
			if !atEOF {
				return nDst, nSrc, transform.ErrShortSrc
			}
			if nDst+3 > len(dst) {
				return nDst, nSrc, transform.ErrShortDst
			}
			nDst += utf8.EncodeRune(dst[nDst:], utf8.RuneError)
			nSrc++
			continue
		}
		n, used, _ := traditionalchinese.Big5.NewDecoder().Transform(pair[:], src[nSrc:nSrc+2], true)
		out := pair[:n]
		if string(out) == "\uFFFD" && src[nSrc+1] < 0x80 {
			used = 1
		}
		if nDst+len(out) > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], out)
		nSrc += used
	}
	return nDst, nSrc, nil
}
