const { Buffer } = __outpost_require("node:buffer");

test("Buffer is the global and a Uint8Array subclass", () => {
  assert.equal(globalThis.Buffer, Buffer);
  assert.ok(Buffer.from("x") instanceof Uint8Array);
  assert.ok(Buffer.isBuffer(Buffer.alloc(1)));
  assert.ok(!Buffer.isBuffer(new Uint8Array(1)));
});

test("encodings round-trip with Node's known vectors", () => {
  const s = "héllo wörld €𝄞";
  const b = Buffer.from(s);
  assert.equal(b.length, 21);
  assert.equal(b.toString("hex"), "68c3a96c6c6f2077c3b6726c6420e282acf09d849e");
  assert.equal(b.toString("base64"), "aMOpbGxvIHfDtnJsZCDigqzwnYSe");
  assert.equal(Buffer.from("aMOpbGxvIHfDtnJsZCDigqzwnYSe", "base64").toString(), s);
  assert.equal(Buffer.from([0xfb, 0xff, 0xbf]).toString("base64url"), "-_-_");
  assert.equal(Buffer.from("-_-_", "base64url").toString("hex"), "fbffbf");
  assert.equal(Buffer.from("+/+/", "base64").toString("hex"), "fbffbf");
  assert.equal(Buffer.from("aGk", "base64").toString(), "hi");
  assert.equal(Buffer.from(" aG k=\n", "base64").toString(), "hi");
  assert.equal(Buffer.from("ÿé", "latin1").toString("hex"), "ffe9");
  assert.equal(Buffer.from([0xff, 0xe9]).toString("latin1"), "ÿé");
  assert.equal(Buffer.from([0xc8, 0x41]).toString("ascii"), "HA");
  assert.equal(Buffer.from("hi€", "utf16le").toString("hex"), "68006900ac20");
  assert.equal(Buffer.from("68006900ac20", "hex").toString("ucs2"), "hi€");
  assert.equal(Buffer.from("abz", "hex").length, 1);
  assert.throws(() => Buffer.from("x", "nope"), /Unknown encoding: nope/);
});

test("byteLength, concat, compare, equals", () => {
  assert.equal(Buffer.byteLength("€"), 3);
  assert.equal(Buffer.byteLength("aGk=", "base64"), 2);
  const c = Buffer.concat([Buffer.from("ab"), new Uint8Array([99]), Buffer.from("de")], 4);
  assert.equal(c.toString(), "abcd");
  assert.equal(Buffer.compare(Buffer.from("a"), Buffer.from("b")), -1);
  assert.equal(Buffer.compare(Buffer.from("b"), Buffer.from("a")), 1);
  assert.equal(Buffer.compare(Buffer.from("ab"), Buffer.from("a")), 1);
  assert.ok(Buffer.from("x").equals(Buffer.from("x")));
  assert.deepEqual([Buffer.from("b"), Buffer.from("a")].sort(Buffer.compare).map(String), ["a", "b"]);
});

test("slice and subarray share memory", () => {
  const b = Buffer.from("hello");
  const s = b.slice(1, 3);
  s[0] = 0x61;
  assert.equal(b.toString(), "hallo");
  assert.ok(s instanceof Buffer);
  assert.ok(b.subarray(2) instanceof Buffer);
});

test("alloc fills; from copies views but shares ArrayBuffers", () => {
  assert.equal(Buffer.alloc(4, "ab").toString(), "abab");
  assert.equal(Buffer.alloc(3, 1).toString("hex"), "010101");
  const u = new Uint8Array([1, 2]);
  const copy = Buffer.from(u);
  u[0] = 9;
  assert.equal(copy[0], 1);
  const ab = new ArrayBuffer(4);
  const shared = Buffer.from(ab, 1, 2);
  new Uint8Array(ab)[1] = 7;
  assert.equal(shared[0], 7);
  assert.equal(shared.length, 2);
  assert.deepEqual(Buffer.from({ type: "Buffer", data: [1, 2] }).toJSON(), { type: "Buffer", data: [1, 2] });
  assert.throws(() => Buffer.from(5), TypeError);
});

test("read and write integers and floats", () => {
  const b = Buffer.alloc(16);
  assert.equal(b.writeUInt16BE(0x1234, 0), 2);
  b.writeUInt32LE(0xdeadbeef, 2);
  b.writeInt8(-2, 6);
  b.writeDoubleBE(1.5, 8);
  assert.equal(b.toString("hex", 0, 7), "1234efbeaddefe");
  assert.equal(b.readUInt16LE(0), 0x3412);
  assert.equal(b.readUInt32LE(2), 0xdeadbeef);
  assert.equal(b.readInt32LE(2), -559038737);
  assert.equal(b.readInt8(6), -2);
  assert.equal(b.readDoubleBE(8), 1.5);
  assert.equal(b.readUIntBE(0, 3), 0x1234ef);
  assert.equal(b.readIntLE(6, 1), -2);
  b.writeBigUInt64LE(2n ** 63n, 8);
  assert.equal(b.readBigUInt64LE(8), 2n ** 63n);
  assert.equal(b.readUint8(0), 0x12);
  assert.throws(() => b.readUInt32LE(14), RangeError);
  assert.throws(() => b.writeUInt8(256, 0), RangeError);
});

test("write, indexOf, includes, copy, fill", () => {
  const b = Buffer.alloc(6);
  assert.equal(b.write("héllo", 1), 5);
  assert.equal(b.toString("utf8", 1), "héll");
  assert.equal(Buffer.alloc(2).write("€"), 0, "no partial characters");
  const h = Buffer.from("abcabc");
  assert.equal(h.indexOf("c"), 2);
  assert.equal(h.indexOf("c", 3), 5);
  assert.equal(h.lastIndexOf("ab"), 3);
  assert.equal(h.indexOf(Buffer.from("ca")), 2);
  assert.equal(h.indexOf(0x62), 1);
  assert.ok(h.includes("bca"));
  assert.ok(!h.includes("x"));
  const t = Buffer.alloc(4, ".");
  assert.equal(h.copy(t, 1, 0, 2), 2);
  assert.equal(t.toString(), ".ab.");
  assert.equal(Buffer.alloc(5).fill("xy", 1).toString("latin1"), "\0xyxy");
});

test("bare specifier and unknown modules", () => {
  assert.equal(__outpost_require("buffer").Buffer, Buffer);
  assert.throws(() => __outpost_require("node:child_process"), { message: 'No such module "node:child_process".' });
});
