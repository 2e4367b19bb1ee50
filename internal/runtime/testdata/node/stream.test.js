const stream = __outpost_require("node:stream");
const { Readable, Writable, Duplex, Transform, PassThrough, pipeline, finished } = stream;
const sp = __outpost_require("node:stream/promises");
const util = __outpost_require("node:util");

function collector() {
  const chunks = [];
  const w = new Writable({ write(c, e, cb) { chunks.push(c); cb(); } });
  w.chunks = chunks;
  return w;
}

test("Readable in flowing mode emits data then end", async () => {
  const r = new Readable({ read() {} });
  const got = [];
  r.on("data", (c) => got.push(c.toString()));
  const ended = new Promise((res) => r.on("end", res));
  r.push("a"); r.push("b"); r.push(null);
  await ended;
  assert.deepEqual(got, ["a", "b"]);
});

test("Readable paused mode: readable event and read()", async () => {
  const r = new Readable({ read() {} });
  r.push("hello "); r.push("world"); r.push(null);
  let text = "";
  await new Promise((res) => {
    r.on("readable", () => { let c; while ((c = r.read()) !== null) text += c; });
    r.on("end", res);
  });
  assert.equal(text, "hello world");
});

test("read(n) returns exactly n bytes", async () => {
  const r = new Readable({ read() {} });
  r.push(Buffer.from("abcdef")); r.push(null);
  await new Promise((res) => r.once("readable", res));
  assert.equal(r.read(4).toString(), "abcd");
  assert.equal(r.read(2).toString(), "ef");
});

test("Readable.from an async generator, async iteration", async () => {
  async function* gen() { yield "x"; yield "y"; yield "z"; }
  const out = [];
  for await (const c of Readable.from(gen())) out.push(c);
  assert.deepEqual(out, ["x", "y", "z"]);
  assert.deepEqual(await Readable.from([1, 2, 3]).toArray(), [1, 2, 3]);
});

test("setEncoding decodes split characters", async () => {
  const euro = Buffer.from("€€");
  const r = new Readable({ read() {} });
  r.setEncoding("utf8");
  r.push(euro.subarray(0, 2)); r.push(euro.subarray(2)); r.push(null);
  let s = "";
  for await (const c of r) s += c;
  assert.equal(s, "€€");
});

test("Writable backpressure: write returns false, drain follows", async () => {
  const pending = [];
  const w = new Writable({ highWaterMark: 4, write(c, e, cb) { pending.push(cb); } });
  assert.equal(w.write("ab"), true);
  assert.equal(w.write("cd"), false);
  assert.equal(w.writableNeedDrain, true);
  const drained = new Promise((res) => w.on("drain", res));
  pending.shift()();
  await Promise.resolve();
  pending.shift()();
  await drained;
  assert.equal(w.writableLength, 0);
});

test("Writable end, finish, final and write after end", async () => {
  const order = [];
  const w = new Writable({
    write(c, e, cb) { order.push("write " + c); cb(); },
    final(cb) { order.push("final"); cb(); },
  });
  w.write("1");
  const finished_ = new Promise((res) => w.on("finish", res));
  w.end("2");
  await finished_;
  order.push("finish");
  assert.deepEqual(order, ["write 1", "write 2", "final", "finish"]);
  const err = await new Promise((res) => w.write("3", res));
  assert.equal(err.code, "ERR_STREAM_WRITE_AFTER_END");
});

test("writev batches corked writes", async () => {
  const batches = [];
  const w = new Writable({ writev(chunks, cb) { batches.push(chunks.map((c) => c.chunk.toString())); cb(); } });
  w.cork(); w.write("a"); w.write("b"); w.write("c"); w.uncork();
  await new Promise((res) => w.end(res));
  assert.deepEqual(batches, [["a", "b", "c"]]);
});

test("Transform and PassThrough through pipe", async () => {
  const upper = new Transform({ transform(c, e, cb) { cb(null, c.toString().toUpperCase()); }, flush(cb) { this.push("!"); cb(); } });
  const sink = collector();
  const done = new Promise((res) => sink.on("finish", res));
  Readable.from(["ab", "cd"]).pipe(new PassThrough()).pipe(upper).pipe(sink);
  await done;
  assert.equal(Buffer.concat(sink.chunks.map((c) => Buffer.from(c))).toString(), "ABCD!");
});

test("pipe respects backpressure with a slow writer", async () => {
  let n = 0;
  const r = new Readable({ highWaterMark: 16, read() { this.push(n < 100 ? Buffer.alloc(8, n++) : null); } });
  let maxBuffered = 0, total = 0;
  const w = new Writable({
    highWaterMark: 16,
    write(c, e, cb) { total += c.length; maxBuffered = Math.max(maxBuffered, r.readableLength); setTimeout(cb, 0); },
  });
  await new Promise((res) => { r.pipe(w); w.on("finish", res); });
  assert.equal(total, 800);
  assert.ok(maxBuffered <= 32, "source buffered " + maxBuffered);
});

test("pipeline with a generator stage and an error", async () => {
  const sink = collector();
  await new Promise((res, rej) => pipeline(
    Readable.from(["a", "b"]),
    async function* (src) { for await (const c of src) yield c.toString() + c.toString(); },
    sink,
    (err) => (err ? rej(err) : res())));
  assert.deepEqual(sink.chunks.map(String), ["aa", "bb"]);
  const boom = new Transform({ transform(c, e, cb) { cb(new Error("boom")); } });
  const src = Readable.from(["x"]);
  const err = await new Promise((res) => pipeline(src, boom, collector(), res));
  assert.equal(err.message, "boom");
  assert.equal(src.destroyed, true);
});

test("stream/promises pipeline and finished", async () => {
  const sink = collector();
  await sp.pipeline(Readable.from(["1", "2"]), sink);
  assert.equal(sink.chunks.join(""), "12");
  const r = Readable.from(["z"]);
  r.resume();
  await sp.finished(r);
  assert.equal(r.readableEnded, true);
  assert.equal(util.promisify(pipeline), sp.pipeline);
});

test("finished reports premature close", async () => {
  const r = new Readable({ read() {} });
  const p = new Promise((res) => finished(r, res));
  r.destroy();
  const err = await p;
  assert.equal(err.code, "ERR_STREAM_PREMATURE_CLOSE");
});

test("destroy with an error emits error then close", async () => {
  const r = new Readable({ read() {} });
  const events = [];
  r.on("error", (e) => events.push("error " + e.message));
  await new Promise((res) => { r.on("close", () => { events.push("close"); res(); }); r.destroy(new Error("x")); });
  assert.deepEqual(events, ["error x", "close"]);
  assert.equal(r.destroyed, true);
});

test("Duplex keeps both sides; old-style inheritance works", async () => {
  function Echo() { Duplex.call(this); this.buf = []; }
  util.inherits(Echo, Duplex);
  Echo.prototype._write = function (c, e, cb) { this.push(c); cb(); };
  Echo.prototype._read = function () {};
  Echo.prototype._final = function (cb) { this.push(null); cb(); };
  const d = new Echo();
  assert.ok(d instanceof Readable && d instanceof Writable && d instanceof stream);
  const got = [];
  d.on("data", (c) => got.push(c.toString()));
  const ended = new Promise((res) => d.on("end", res));
  d.write("ping"); d.end("pong");
  await ended;
  assert.deepEqual(got, ["ping", "pong"]);
  class Sub extends Readable { _read() { this.push("s"); this.push(null); } }
  assert.deepEqual((await new Sub().toArray()).map(String), ["s"]);
});

test("Readable.fromWeb and toWeb", async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("web")); c.close(); } });
  const r = Readable.fromWeb(rs);
  let s = "";
  for await (const c of r) s += Buffer.from(c).toString();
  assert.equal(s, "web");
  const back = Readable.toWeb(Readable.from([Buffer.from("no"), Buffer.from("de")], { objectMode: false }));
  const text = await new Response(back).text();
  assert.equal(text, "node");
  const ws = Writable.fromWeb(new WritableStream({ write(c) { s += new TextDecoder().decode(c); } }));
  await new Promise((res) => ws.end("!", res));
  assert.equal(s, "web!");
});

test("stream/consumers and stream/web", async () => {
  const consumers = __outpost_require("node:stream/consumers");
  assert.equal(await consumers.text(Readable.from(["a", "b"])), "ab");
  assert.deepEqual(await consumers.json(Readable.from(['{"k":', '1}'])), { k: 1 });
  const web = __outpost_require("node:stream/web");
  assert.equal(web.ReadableStream, ReadableStream);
  assert.equal(web.TransformStream, TransformStream);
});

test("EventEmitter works the old way and the new", () => {
  const EventEmitter = __outpost_require("node:events");
  function Old() { EventEmitter.call(this); }
  util.inherits(Old, EventEmitter);
  const o = new Old();
  let got = null;
  o.on("x", (v) => (got = v));
  o.emit("x", 1);
  assert.equal(got, 1);
  assert.ok(o instanceof EventEmitter);
  class New extends EventEmitter {}
  const n = new New();
  n.once("y", (v) => (got = v));
  n.emit("y", 2);
  assert.equal(got, 2);
  assert.equal(n.listenerCount("y"), 0);
  assert.equal(new EventEmitter().constructor, EventEmitter);
  assert.equal(EventEmitter.EventEmitter, EventEmitter);
  assert.equal(typeof EventEmitter.once, "function");
  assert.equal(EventEmitter.defaultMaxListeners, 10);
});

test("iterator helpers", async () => {
  const nums = () => Readable.from([1, 2, 3, 4, 5]);
  assert.deepEqual(await nums().map((x) => x * 2).toArray(), [2, 4, 6, 8, 10]);
  assert.deepEqual(await nums().filter((x) => x % 2).toArray(), [1, 3, 5]);
  assert.deepEqual(await nums().take(2).toArray(), [1, 2]);
  assert.deepEqual(await nums().drop(3).toArray(), [4, 5]);
  assert.deepEqual(await nums().flatMap((x) => [x, x]).take(4).toArray(), [1, 1, 2, 2]);
  assert.equal(await nums().reduce((a, b) => a + b, 0), 15);
  assert.equal(await nums().some((x) => x > 4), true);
  assert.equal(await nums().every((x) => x > 4), false);
  assert.equal(await nums().find((x) => x > 2), 3);
});
