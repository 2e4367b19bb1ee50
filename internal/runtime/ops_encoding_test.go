package runtime

import (
	"os"
	"testing"
)

// TestLegacyEncodings decodes the Encoding Standard's legacy encodings
// through TextDecoder, whole and in chunks that split characters and
// escape sequences.
func TestLegacyEncodings(t *testing.T) {
	harness, err := os.ReadFile("prelude/testdata/harness.js")
	if err != nil {
		t.Fatal(err)
	}
	runJSTest(t, string(harness)+`
const dec = (label, bytes, opts) => new TextDecoder(label, opts).decode(new Uint8Array(bytes));
function chunked(label, bytes, size) {
  const d = new TextDecoder(label);
  let out = "";
  for (let i = 0; i < bytes.length; i += size) out += d.decode(new Uint8Array(bytes.slice(i, i + size)), { stream: true });
  return out + d.decode();
}
const sjis = [0x93, 0xfa, 0x96, 0x7b, 0x41];
const iso2022jp = [0x1b, 0x24, 0x42, 0x46, 0x7c, 0x4b, 0x5c, 0x1b, 0x28, 0x42, 0x41];

test("labels map to their encodings, trimmed of ASCII whitespace only", () => {
  assert.equal(new TextDecoder(" Latin1\n").encoding, "windows-1252");
  assert.equal(new TextDecoder("SJIS").encoding, "shift_jis");
  assert.equal(new TextDecoder("x-gbk").encoding, "gbk");
  assert.equal(new TextDecoder("unicodefffe").encoding, "utf-16be");
  assert.throws(() => new TextDecoder("\u00a0latin1"), RangeError);
  assert.throws(() => new TextDecoder("latin1\u000b"), RangeError);
  assert.throws(() => new TextDecoder("\u212aoi8-r"), RangeError); // KELVIN SIGN lowercases to k
  assert.throws(() => new TextDecoder("iso-2022-kr"), RangeError); // the replacement encoding
});

test("single-byte encodings use the standard's indexes", () => {
  assert.equal(dec("windows-1252", [0x80, 0x81, 0xe9]), "\u20ac\u0081\u00e9");
  assert.equal(dec("iso-8859-2", [0x85, 0xa1]), "\u0085\u0104");
  assert.equal(dec("koi8-r", [0xc1]), "\u0430");
  assert.equal(dec("x-user-defined", [0x41, 0x80, 0xff]), "A\uf780\uf7ff");
  assert.throws(() => dec("iso-8859-3", [0xa5], { fatal: true }), TypeError);
  assert.equal(dec("iso-8859-3", [0xa5]), "\ufffd");
});

test("multi-byte encodings, whole and split across chunks", () => {
  assert.equal(dec("shift_jis", sjis), "\u65e5\u672cA");
  assert.equal(chunked("shift_jis", sjis, 1), "\u65e5\u672cA");
  assert.equal(dec("euc-kr", [0xc7, 0xd1]), "\ud55c");
  assert.equal(chunked("gbk", [0xd6, 0xd0, 0xce, 0xc4], 1), "\u4e2d\u6587");
  assert.equal(dec("gb18030", [0x81, 0x30, 0x81, 0x30]), "\u0080");
  assert.equal(dec("euc-jp", [0xc6, 0xfc]), "\u65e5");
  assert.equal(dec("big5", [0xa4, 0xa4]), "\u4e2d");
});

test("ISO-2022-JP keeps its mode between chunks", () => {
  assert.equal(dec("iso-2022-jp", iso2022jp), "\u65e5\u672cA");
  for (const size of [1, 2, 3, 4]) assert.equal(chunked("iso-2022-jp", iso2022jp, size), "\u65e5\u672cA", "chunks of " + size);
});

test("errors follow the standard: fatal throws, otherwise U+FFFD", () => {
  assert.equal(dec("big5", [0x81, 0x40]), "\ufffd@");
  assert.equal(dec("shift_jis", [0x93]), "\ufffd");
  assert.throws(() => dec("shift_jis", [0x93], { fatal: true }), TypeError);
  const d = new TextDecoder("shift_jis", { fatal: true });
  assert.equal(d.decode(new Uint8Array([0x93]), { stream: true }), "");
  assert.throws(() => d.decode(), TypeError);
  assert.equal(d.decode(new Uint8Array([0x41])), "A", "a decoder is reset after an error");
});

test("UTF-16BE strips its BOM and pairs surrogates across chunks", () => {
  assert.equal(dec("utf-16be", [0xfe, 0xff, 0x00, 0x41]), "A");
  assert.equal(chunked("utf-16be", [0xd8, 0x3d, 0xde, 0x00], 1), "\u{1f600}");
});
`)
}
