const assert_ = __outpost_require("node:assert");
const { StringDecoder } = __outpost_require("node:string_decoder");
const timers = __outpost_require("node:timers");
const timersPromises = __outpost_require("node:timers/promises");
const url = __outpost_require("node:url");
const { inspect } = __outpost_require("node:util");

test("node:assert passes and fails like Node", async () => {
  assert_(true);
  assert_.strictEqual(1, 1);
  assert_.deepStrictEqual({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] });
  assert_.throws(() => { throw new TypeError("x"); }, TypeError);
  assert_.throws(() => { throw new Error("bad thing"); }, /bad/);
  await assert_.rejects(Promise.reject(new Error("r")), { message: "r" });
  const e = assert.throws(() => assert_.strictEqual(1, 2));
  assert.equal(e.name, "AssertionError");
  assert.equal(e.code, "ERR_ASSERTION");
  assert.equal(e.actual, 1);
  assert.throws(() => assert_.deepStrictEqual([1], ["1"]), { name: "AssertionError" });
  assert.throws(() => assert_.ok(0, "custom"), { message: "custom" });
  assert.throws(() => assert_.throws(() => {}), { message: "Missing expected exception." });
  assert.equal(__outpost_require("assert/strict"), assert_);
});

test("StringDecoder keeps split characters for the next write", () => {
  const d = new StringDecoder("utf8");
  const euro = Buffer.from("€");
  assert.equal(d.write(euro.subarray(0, 1)), "");
  assert.equal(d.write(euro.subarray(1)), "€");
  assert.equal(d.end(Buffer.from([0xe2])), "\ufffd");
  const h = new StringDecoder("hex");
  assert.equal(h.write(Buffer.from([1, 255])), "01ff");
  const u = new StringDecoder("utf16le");
  assert.equal(u.write(Buffer.from([0x68, 0x00, 0x69])) + u.end(Buffer.from([0x00])), "hi");
  const b = new StringDecoder("base64");
  assert.equal(b.write(Buffer.from("ab")) + b.end(Buffer.from("c")), "YWJj");
  assert.throws(() => new StringDecoder("nope"), TypeError);
});

test("node:timers and timers/promises", async () => {
  const v = await timersPromises.setTimeout(1, "done");
  assert.equal(v, "done");
  await new Promise((r) => timers.setImmediate(r));
  const order = [];
  const id = timers.setTimeout(() => order.push("no"), 5);
  timers.clearTimeout(id);
  await timersPromises.setTimeout(10);
  assert.deepEqual(order, []);
});

test("node:url converts file URLs", () => {
  assert.equal(url.fileURLToPath("file:///tmp/a%20b.txt"), "/tmp/a b.txt");
  assert.equal(url.pathToFileURL("/tmp/a b#1.txt").href, "file:///tmp/a%20b%231.txt");
  assert.throws(() => url.fileURLToPath("https://x.test/a"), { code: "ERR_INVALID_URL_SCHEME" });
  assert.equal(url.URL, URL);
});

test("util.inspect shows Buffers as Node does", () => {
  assert.equal(inspect(Buffer.from("hi")), "<Buffer 68 69>");
  assert.equal(inspect(Buffer.alloc(52)), `<Buffer ${Array(50).fill("00").join(" ")} ... 2 more bytes>`);
});
