const EventEmitter = __outpost_require("node:events");
const util = __outpost_require("node:util");
const crypto = __outpost_require("node:crypto");
const path = __outpost_require("node:path");
const proc = __outpost_require("node:process");

test("EventEmitter: on, once, off, emit, prepend, error", () => {
  const e = new EventEmitter();
  const got = [];
  const f = (x) => got.push(`f${x}`);
  e.on("a", f);
  e.once("a", (x) => got.push(`once${x}`));
  e.prependListener("a", (x) => got.push(`first${x}`));
  assert.equal(e.emit("a", 1), true);
  e.off("a", f);
  e.emit("a", 2);
  assert.deepEqual(got, ["first1", "f1", "once1", "first2"]);
  assert.equal(e.listenerCount("a"), 1);
  assert.deepEqual(e.eventNames(), ["a"]);
  assert.equal(e.emit("none"), false);
  assert.throws(() => e.emit("error", new Error("bad")), /bad/);
  assert.equal(EventEmitter.EventEmitter, EventEmitter);
  class Sub extends EventEmitter {}
  const s = new Sub();
  let removed = null;
  s.on("removeListener", (name) => { removed = name; });
  const g = () => {};
  s.on("x", g);
  s.removeListener("x", g);
  assert.equal(removed, "x");
});

test("EventEmitter.once resolves with the arguments", async () => {
  const e = new EventEmitter();
  setTimeout(() => e.emit("ready", 1, 2), 1);
  assert.deepEqual(await EventEmitter.once(e, "ready"), [1, 2]);
});

test("util.promisify, callbackify, format, inspect, types", async () => {
  const add = (a, b, cb) => setTimeout(() => (a < 0 ? cb(new Error("neg")) : cb(null, a + b)), 0);
  const p = util.promisify(add);
  assert.equal(await p(1, 2), 3);
  await assert.rejects(p(-1, 2), /neg/);
  const cbf = util.callbackify(async (x) => x * 2);
  assert.equal(await new Promise((r) => cbf(4, (e, v) => r(v))), 8);
  assert.equal(util.format("%s=%d %j", "a", 42, { b: 1 }), "a=42 {\"b\":1}");
  assert.equal(util.inspect({ a: [1, "x"] }), "{ a: [ 1, 'x' ] }");
  assert.ok(util.types.isPromise(Promise.resolve()));
  assert.ok(util.types.isUint8Array(new Uint8Array()));
  assert.ok(util.types.isAsyncFunction(async () => {}));
  assert.ok(!util.types.isDate({}));
  assert.ok(util.isDeepStrictEqual({ a: [1] }, { a: [1] }));
  assert.equal(new util.TextDecoder().decode(new util.TextEncoder().encode("é")), "é");
  assert.equal(__outpost_require("node:util/types"), util.types);
});

test("crypto hashes and HMACs match known vectors", () => {
  assert.equal(crypto.createHash("sha256").update("abc").digest("hex"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(crypto.createHash("md5").update("a").update("bc").digest("hex"), "900150983cd24fb0d6963f7d28e17f72");
  assert.equal(crypto.createHash("sha1").update("abc").digest("base64"), "qZk+NkcGgWq6PiVxeFDCbJzQ2J0=");
  assert.equal(crypto.createHash("sha512").update("").digest("hex").slice(0, 16), "cf83e1357eefb8bd");
  assert.equal(crypto.createHmac("sha256", "key").update("The quick brown fox jumps over the lazy dog").digest("hex"),
    "f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8");
  const h = crypto.createHash("sha256").update("ab");
  const c = h.copy();
  assert.equal(c.update("c").digest("hex"), crypto.createHash("sha256").update("abc").digest("hex"));
  assert.ok(h.digest() instanceof Buffer);
  assert.throws(() => h.digest(), /Digest already called/);
  assert.throws(() => crypto.createHash("whirlpool"), /Digest method not supported/);
});

test("crypto randomness and timingSafeEqual", () => {
  const r = crypto.randomBytes(32);
  assert.equal(r.length, 32);
  assert.ok(r.some((b) => b !== 0));
  assert.ok(/^[0-9a-f-]{36}$/.test(crypto.randomUUID()));
  for (let i = 0; i < 50; i++) {
    const n = crypto.randomInt(3, 6);
    assert.ok(n >= 3 && n < 6);
  }
  assert.ok(crypto.timingSafeEqual(Buffer.from("ab"), Buffer.from("ab")));
  assert.ok(!crypto.timingSafeEqual(Buffer.from("ab"), Buffer.from("ac")));
  assert.throws(() => crypto.timingSafeEqual(Buffer.from("a"), Buffer.from("ab")), RangeError);
  assert.equal(crypto.webcrypto, globalThis.crypto);
});

test("path", () => {
  assert.equal(path.join("/a/b", "../c", "./d"), "/a/c/d");
  assert.equal(path.join("a", "", "b/"), "a/b/");
  assert.equal(path.resolve("a", "/b", "c"), "/b/c");
  assert.equal(path.normalize("/a//b/../c/."), "/a/c");
  assert.equal(path.dirname("/a/b/c.txt"), "/a/b");
  assert.equal(path.basename("/a/b/c.txt", ".txt"), "c");
  assert.equal(path.extname("x/y.tar.gz"), ".gz");
  assert.equal(path.relative("/a/b/c", "/a/d"), "../../d");
  assert.deepEqual(path.parse("/home/u/f.txt"), { root: "/", dir: "/home/u", base: "f.txt", ext: ".txt", name: "f" });
  assert.equal(path.format({ dir: "/x", base: "y.js" }), "/x/y.js");
  assert.equal(path.posix.sep, "/");
});

test("process: env holds the text bindings; nextTick; hrtime", async () => {
  assert.equal(globalThis.process, proc);
  assert.equal(process.env.GREETING, "hello");
  assert.equal(process.env.API_KEY, "s3cret");
  assert.equal(process.env.LIMITS, '{"n":1}');
  process.env.COUNT = 3;
  assert.equal(process.env.COUNT, "3");
  delete process.env.COUNT;
  assert.ok(!("COUNT" in process.env));
  const order = [];
  process.nextTick(() => order.push("tick"));
  await new Promise((r) => setTimeout(r, 0));
  assert.deepEqual(order, ["tick"]);
  const [s, ns] = process.hrtime();
  assert.ok(s >= 0 && ns >= 0 && ns < 1e9);
  assert.equal(typeof process.hrtime.bigint(), "bigint");
  assert.equal(process.cwd(), "/");
  assert.ok(process instanceof EventEmitter);
  assert.equal(global, globalThis);
});
