test("TextEncoder.encode gives UTF-8 bytes", () => {
  const e = new TextEncoder();
  assert.equal(e.encoding, "utf-8");
  assert.deepEqual(e.encode("h€"), new Uint8Array([0x68, 0xe2, 0x82, 0xac]));
  assert.deepEqual(e.encode(), new Uint8Array([]));
  assert.deepEqual(e.encode("\ud800"), new Uint8Array([0xef, 0xbf, 0xbd]), "lone surrogate becomes U+FFFD");
});

test("TextEncoder.encodeInto stops before a character that does not fit", () => {
  const dest = new Uint8Array(5);
  const r = new TextEncoder().encodeInto("a€😀", dest);
  assert.deepEqual(r, { read: 2, written: 4 });
  assert.deepEqual(dest, new Uint8Array([0x61, 0xe2, 0x82, 0xac, 0]));
  const big = new Uint8Array(8);
  assert.deepEqual(new TextEncoder().encodeInto("a😀", big), { read: 3, written: 5 });
});

test("TextDecoder decodes utf-8 and strips the BOM unless ignoreBOM", () => {
  const bytes = new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0x69]);
  assert.equal(new TextDecoder().decode(bytes), "hi");
  assert.equal(new TextDecoder("utf-8", { ignoreBOM: true }).decode(bytes), "\ufeffhi");
  assert.equal(new TextDecoder().decode(new Uint8Array([0x61, 0xff, 0x62])), "a\ufffdb");
  assert.equal(new TextDecoder().decode(new Uint8Array([0x68, 0x69]).buffer), "hi");
  assert.equal(new TextDecoder("UTF8").encoding, "utf-8");
});

test("TextDecoder fatal throws TypeError on invalid input", () => {
  const d = new TextDecoder("utf-8", { fatal: true });
  assert.equal(d.fatal, true);
  assert.throws(() => d.decode(new Uint8Array([0xc3])), TypeError);
});

test("TextDecoder stream: true joins sequences split across chunks", () => {
  const d = new TextDecoder();
  const euro = [0xe2, 0x82, 0xac];
  let out = d.decode(new Uint8Array([0x61, euro[0]]), { stream: true });
  out += d.decode(new Uint8Array([euro[1]]), { stream: true });
  out += d.decode(new Uint8Array([euro[2], 0x62]), { stream: true });
  out += d.decode();
  assert.equal(out, "a€b");
  // An incomplete sequence at the end of the stream becomes U+FFFD.
  assert.equal(d.decode(new Uint8Array([0xe2, 0x82]), { stream: true }) + d.decode(), "\ufffd");
});

test("TextDecoder stream: a BOM split over chunks is still stripped once", () => {
  const d = new TextDecoder();
  let out = d.decode(new Uint8Array([0xef, 0xbb]), { stream: true });
  out += d.decode(new Uint8Array([0xbf, 0xef, 0xbb, 0xbf, 0x41]), { stream: true });
  out += d.decode();
  assert.equal(out, "\ufeffA".slice(0, 0) + "\ufeffA");
});

test("TextDecoder utf-16le and windows-1252", () => {
  assert.equal(new TextDecoder("utf-16le").decode(new Uint8Array([0x68, 0, 0x3d, 0xd8, 0x00, 0xde])), "h😀");
  assert.equal(new TextDecoder("utf-16le").encoding, "utf-16le");
  const d = new TextDecoder("utf-16le");
  assert.equal(d.decode(new Uint8Array([0x68]), { stream: true }) + d.decode(new Uint8Array([0]), { stream: false }), "h");
  const latin = new TextDecoder("latin1");
  assert.equal(latin.encoding, "windows-1252");
  assert.equal(latin.decode(new Uint8Array([0x80, 0xe9, 0x41])), "€éA");
  assert.throws(() => new TextDecoder("klingon"), RangeError);
});

test("btoa/atob round trip and errors", () => {
  assert.equal(btoa("hello"), "aGVsbG8=");
  assert.equal(btoa(""), "");
  assert.equal(btoa("\xff\xfe"), "//4=");
  assert.equal(atob("aGVsbG8="), "hello");
  assert.equal(atob(" aGVs bG8 "), "hello");
  assert.equal(atob("aGVsbG8"), "hello");
  const e = assert.throws(() => btoa("€"), { name: "InvalidCharacterError" });
  assert.ok(e instanceof DOMException);
  assert.equal(e.code, 5);
  assert.throws(() => atob("a"), { name: "InvalidCharacterError" });
  assert.throws(() => atob("a*=="), { name: "InvalidCharacterError" });
});

test("TextDecoder replaces each maximal invalid subpart with one U+FFFD", () => {
  const d = new TextDecoder();
  assert.equal(d.decode(new Uint8Array([0x61, 0xff, 0xfe, 0x62])), "a\ufffd\ufffdb");
  assert.equal(d.decode(new Uint8Array([0xe0, 0x80])), "\ufffd\ufffd");
  assert.equal(d.decode(new Uint8Array([0xed, 0xa0, 0x80])), "\ufffd\ufffd\ufffd");
  assert.equal(d.decode(new Uint8Array([0xf0, 0x9f, 0x98])), "\ufffd");
  assert.equal(d.decode(new Uint8Array([0xef, 0xbf, 0xbd, 0x41])), "\ufffdA");
  assert.equal(d.decode(new Uint8Array([0xef, 0xbb, 0xbf, 0xff])), "\ufffd");
});
