const enc = (s) => new TextEncoder().encode(s);

async function readAll(stream) {
  const out = [];
  for await (const chunk of stream) out.push(chunk);
  return out;
}

test("ReadableStream with start enqueues and closes", async () => {
  const rs = new ReadableStream({
    start(c) {
      c.enqueue("a");
      c.enqueue("b");
      c.close();
    },
  });
  assert.deepEqual(await readAll(rs), ["a", "b"]);
  assert.equal(Object.prototype.toString.call(rs), "[object ReadableStream]");
});

test("pull is called according to highWaterMark and desiredSize", async () => {
  let pulls = 0;
  let ctrl;
  const rs = new ReadableStream({
    start(c) { ctrl = c; },
    pull(c) {
      pulls++;
      c.enqueue(pulls);
      if (pulls === 3) c.close();
    },
  }, { highWaterMark: 2 });
  await Promise.resolve();
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(pulls, 2, "fills the queue up to the high-water mark");
  assert.equal(ctrl.desiredSize, 0);
  const reader = rs.getReader();
  assert.deepEqual(await reader.read(), { value: 1, done: false });
  assert.deepEqual(await reader.read(), { value: 2, done: false });
  assert.deepEqual(await reader.read(), { value: 3, done: false });
  assert.deepEqual(await reader.read(), { value: undefined, done: true });
  await reader.closed;
});

test("a locked stream cannot get a second reader; releaseLock unlocks", async () => {
  const rs = new ReadableStream();
  const r = rs.getReader();
  assert.equal(rs.locked, true);
  assert.throws(() => rs.getReader(), TypeError);
  await assert.rejects(rs.cancel(), TypeError);
  r.releaseLock();
  assert.equal(rs.locked, false);
  await assert.rejects(r.closed, TypeError);
  await assert.rejects(r.read(), TypeError);
});

test("errors reject pending and later reads", async () => {
  let ctrl;
  const rs = new ReadableStream({ start(c) { ctrl = c; } });
  const reader = rs.getReader();
  const p = reader.read();
  ctrl.error(new Error("bad"));
  await assert.rejects(p, /bad/);
  await assert.rejects(reader.read(), /bad/);
  await assert.rejects(reader.closed, /bad/);
});

test("cancel calls the source's cancel with the reason", async () => {
  let reason;
  const rs = new ReadableStream({ cancel(r) { reason = r; } });
  await rs.cancel("enough");
  assert.equal(reason, "enough");
  const reader = rs.getReader();
  assert.deepEqual(await reader.read(), { value: undefined, done: true });
});

test("size strategy and CountQueuingStrategy/ByteLengthQueuingStrategy", () => {
  let ctrl;
  new ReadableStream({ start(c) { ctrl = c; } }, new ByteLengthQueuingStrategy({ highWaterMark: 10 }));
  ctrl.enqueue(new Uint8Array(4));
  assert.equal(ctrl.desiredSize, 6);
  const cqs = new CountQueuingStrategy({ highWaterMark: 3 });
  assert.equal(cqs.highWaterMark, 3);
  assert.equal(cqs.size(), 1);
  assert.equal(cqs.size, new CountQueuingStrategy({ highWaterMark: 1 }).size);
  assert.throws(() => new ReadableStream({}, { highWaterMark: -1 }), RangeError);
});

test("byte stream with BYOB reader fills the given view", async () => {
  const rs = new ReadableStream({
    type: "bytes",
    pull(c) {
      const req = c.byobRequest;
      req.view[0] = 1;
      req.view[1] = 2;
      req.respond(2);
      c.close();
    },
  });
  const reader = rs.getReader({ mode: "byob" });
  const { value, done } = await reader.read(new Uint8Array(8));
  assert.equal(done, false);
  assert.deepEqual(value, new Uint8Array([1, 2]));
  assert.equal(value.buffer.byteLength, 8);
  const end = await reader.read(new Uint8Array(4));
  assert.equal(end.done, true);
  assert.equal(end.value.byteLength, 0);
});

test("byte stream: enqueued chunks are copied into BYOB views, with min", async () => {
  const rs = new ReadableStream({
    type: "bytes",
    start(c) {
      c.enqueue(new Uint8Array([1, 2, 3]));
      c.enqueue(new Uint8Array([4, 5]));
      c.close();
    },
  });
  const reader = rs.getReader({ mode: "byob" });
  const a = await reader.read(new Uint8Array(2));
  assert.deepEqual(a.value, new Uint8Array([1, 2]));
  const b = await reader.read(new Uint8Array(10), { min: 3 });
  assert.deepEqual(b.value, new Uint8Array([3, 4, 5]));
  assert.equal((await reader.read(new Uint8Array(1))).done, true);
});

test("byte stream: Uint16Array views get whole elements", async () => {
  const rs = new ReadableStream({
    type: "bytes",
    start(c) {
      c.enqueue(new Uint8Array([1, 0, 2]));
      c.enqueue(new Uint8Array([0]));
      c.close();
    },
  });
  const reader = rs.getReader({ mode: "byob" });
  const r = await reader.read(new Uint16Array(4));
  assert.ok(r.value instanceof Uint16Array);
  assert.deepEqual(Array.from(r.value), [1, 2]);
});

test("byte stream: default reader with autoAllocateChunkSize", async () => {
  const rs = new ReadableStream({
    type: "bytes",
    autoAllocateChunkSize: 16,
    pull(c) {
      const v = c.byobRequest.view;
      assert.equal(v.byteLength, 16);
      v.set([9, 8, 7]);
      c.byobRequest.respond(3);
      c.close();
    },
  });
  const chunks = await readAll(rs);
  assert.deepEqual(chunks, [new Uint8Array([9, 8, 7])]);
});

test("BYOB reader requires a byte stream", () => {
  assert.throws(() => new ReadableStream().getReader({ mode: "byob" }), TypeError);
  assert.throws(() => new ReadableStream().getReader({ mode: "nope" }), TypeError);
});

test("tee gives both branches every chunk", async () => {
  const rs = new ReadableStream({
    start(c) {
      c.enqueue(1);
      c.enqueue(2);
      c.close();
    },
  });
  const [a, b] = rs.tee();
  assert.deepEqual(await Promise.all([readAll(a), readAll(b)]), [[1, 2], [1, 2]]);
  assert.equal(rs.locked, true);
});

test("tee of a byte stream yields byte streams with independent copies", async () => {
  const rs = new ReadableStream({ type: "bytes", start(c) { c.enqueue(new Uint8Array([1, 2])); c.close(); } });
  const [a, b] = rs.tee();
  const r = b.getReader({ mode: "byob" });
  const got = await r.read(new Uint8Array(4));
  assert.deepEqual(got.value, new Uint8Array([1, 2]));
  const [first] = await readAll(a);
  first[0] = 99;
  assert.equal(got.value[0], 1);
});

test("tee: cancelling both branches cancels the source with both reasons", async () => {
  let reason;
  const rs = new ReadableStream({ cancel(r) { reason = r; } });
  const [a, b] = rs.tee();
  const pa = a.cancel("x");
  await b.cancel("y");
  await pa;
  assert.deepEqual(reason, ["x", "y"]);
});

test("WritableStream writes in order and closes", async () => {
  const log = [];
  const ws = new WritableStream({
    write(chunk) {
      return new Promise((r) => setTimeout(() => { log.push(chunk); r(); }, 1));
    },
    close() { log.push("close"); },
  });
  const w = ws.getWriter();
  w.write("a");
  w.write("b");
  await w.close();
  assert.deepEqual(log, ["a", "b", "close"]);
  await w.closed;
});

test("WritableStream backpressure: ready waits while desiredSize <= 0", async () => {
  let release;
  const ws = new WritableStream({
    write() { return new Promise((r) => { release = r; }); },
  }, { highWaterMark: 1 });
  const w = ws.getWriter();
  assert.equal(w.desiredSize, 1);
  w.write("x");
  assert.equal(w.desiredSize, 0);
  let ready = false;
  w.ready.then(() => { ready = true; });
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(ready, false);
  release();
  await w.ready;
  assert.equal(w.desiredSize, 1);
});

test("WritableStream: a failing write errors the stream", async () => {
  const ws = new WritableStream({ write() { throw new Error("disk full"); } });
  const w = ws.getWriter();
  await assert.rejects(w.write("a"), /disk full/);
  await assert.rejects(w.closed, /disk full/);
  await assert.rejects(w.write("b"), /disk full/);
});

test("WritableStream abort signals the controller and calls abort", async () => {
  let aborted;
  let signalFired = false;
  const ws = new WritableStream({
    start(c) { c.signal.addEventListener("abort", () => { signalFired = true; }); },
    abort(r) { aborted = r; },
  });
  await ws.abort("stop");
  assert.equal(aborted, "stop");
  assert.equal(signalFired, true);
  assert.throws(() => new WritableStream({ type: "bytes" }), RangeError);
});

test("pipeTo moves all chunks and closes the destination", async () => {
  const got = [];
  let closed = false;
  const rs = new ReadableStream({ start(c) { ["a", "b", "c"].forEach((x) => c.enqueue(x)); c.close(); } });
  const ws = new WritableStream({ write(x) { got.push(x); }, close() { closed = true; } });
  await rs.pipeTo(ws);
  assert.deepEqual(got, ["a", "b", "c"]);
  assert.equal(closed, true);
  assert.equal(rs.locked, false);
});

test("pipeTo propagates a source error to the destination as abort", async () => {
  let abortReason;
  const rs = new ReadableStream({ start(c) { c.error(new Error("src")); } });
  const ws = new WritableStream({ abort(r) { abortReason = r; } });
  await assert.rejects(rs.pipeTo(ws), /src/);
  assert.equal(abortReason.message, "src");
});

test("pipeTo with preventClose leaves the destination open", async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue(1); c.close(); } });
  let closed = false;
  const ws = new WritableStream({ close() { closed = true; } });
  await rs.pipeTo(ws, { preventClose: true });
  assert.equal(closed, false);
  assert.equal(ws.locked, false);
});

test("pipeTo stops on abort signal, cancelling the source and aborting the destination", async () => {
  const ac = new AbortController();
  let cancelled;
  let aborted;
  let writes = 0;
  const rs = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel(r) { cancelled = r; } });
  const ws = new WritableStream({
    write() { writes++; return new Promise((r) => setTimeout(r, 1)); },
    abort(r) { aborted = r; },
  });
  const p = rs.pipeTo(ws, { signal: ac.signal });
  setTimeout(() => ac.abort(new Error("halt")), 10);
  await assert.rejects(p, /halt/);
  assert.equal(cancelled.message, "halt");
  assert.equal(aborted.message, "halt");
  assert.ok(writes > 0);
  await assert.rejects(new ReadableStream().pipeTo(new WritableStream(), { signal: AbortSignal.abort("pre") }), /pre/);
});

test("TransformStream transforms and flushes", async () => {
  const ts = new TransformStream({
    transform(chunk, c) { c.enqueue(chunk.toUpperCase()); },
    flush(c) { c.enqueue("!"); },
  });
  const w = ts.writable.getWriter();
  w.write("a");
  w.write("b");
  w.close();
  assert.deepEqual(await readAll(ts.readable), ["A", "B", "!"]);
});

test("pipeThrough chains and identity TransformStream passes chunks", async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue("x"); c.enqueue("y"); c.close(); } });
  const out = rs.pipeThrough(new TransformStream()).pipeThrough(new TransformStream({
    transform(ch, c) { c.enqueue(ch + ch); },
  }));
  assert.deepEqual(await readAll(out), ["xx", "yy"]);
});

test("TransformStream: an error in transform errors both sides", async () => {
  const ts = new TransformStream({ transform() { throw new Error("nope"); } });
  const w = ts.writable.getWriter();
  // The readable's high-water mark is 0: writes wait until someone reads.
  const read = ts.readable.getReader().read();
  await assert.rejects(w.write("a"), /nope/);
  await assert.rejects(read, /nope/);
});

test("TransformStream terminate closes the readable", async () => {
  const ts = new TransformStream({ start(c) { c.enqueue(1); c.terminate(); } });
  assert.deepEqual(await readAll(ts.readable), [1]);
});

test("TransformStream backpressure holds writes until the readable is read", async () => {
  let transformed = 0;
  const ts = new TransformStream({ transform(ch, c) { transformed++; c.enqueue(ch); } });
  const w = ts.writable.getWriter();
  w.write(1);
  w.write(2);
  await new Promise((r) => setTimeout(r, 5));
  assert.equal(transformed, 0, "writes wait for a reader (readable highWaterMark 0)");
  const reader = ts.readable.getReader();
  assert.deepEqual(await reader.read(), { value: 1, done: false });
  assert.equal(transformed, 1);
  assert.deepEqual(await reader.read(), { value: 2, done: false });
  assert.equal(transformed, 2);
});

test("async iteration with break cancels the stream; preventCancel keeps it", async () => {
  let cancelled = false;
  const rs = new ReadableStream({ pull(c) { c.enqueue(1); }, cancel() { cancelled = true; } });
  for await (const x of rs) { assert.equal(x, 1); break; }
  assert.equal(cancelled, true);
  const rs2 = new ReadableStream({ start(c) { c.enqueue(1); c.enqueue(2); c.close(); } });
  for await (const x of rs2.values({ preventCancel: true })) { assert.equal(x, 1); break; }
  assert.equal(rs2.locked, false);
  assert.deepEqual(await readAll(rs2), [2]);
});

test("ReadableStream.from async and sync iterables", async () => {
  async function* gen() { yield 1; yield 2; }
  assert.deepEqual(await readAll(ReadableStream.from(gen())), [1, 2]);
  assert.deepEqual(await readAll(ReadableStream.from(["a", Promise.resolve("b")])), ["a", "b"]);
  assert.throws(() => ReadableStream.from(5), TypeError);
});

test("TextEncoderStream and TextDecoderStream handle split characters", async () => {
  const bytes = [];
  const es = new TextEncoderStream();
  const w = es.writable.getWriter();
  w.write("a\ud83d");
  w.write("\ude00");
  w.close();
  for await (const c of es.readable) bytes.push(...c);
  assert.deepEqual(bytes, [0x61, 0xf0, 0x9f, 0x98, 0x80]);
  const ds = new TextDecoderStream();
  const dw = ds.writable.getWriter();
  dw.write(new Uint8Array([0x61, 0xe2]));
  dw.write(new Uint8Array([0x82, 0xac]));
  dw.close();
  assert.equal((await readAll(ds.readable)).join(""), "a€");
  assert.equal(ds.encoding, "utf-8");
});

test("IdentityTransformStream passes bytes and supports BYOB reads", async () => {
  const ts = new IdentityTransformStream();
  assert.ok(ts instanceof TransformStream);
  const w = ts.writable.getWriter();
  w.write(enc("hello"));
  const reader = ts.readable.getReader({ mode: "byob" });
  const r = await reader.read(new Uint8Array(3));
  assert.equal(new TextDecoder().decode(r.value), "hel");
  w.close();
  const r2 = await reader.read(new Uint8Array(10));
  assert.equal(new TextDecoder().decode(r2.value), "lo");
  assert.equal((await reader.read(new Uint8Array(1))).done, true);
  const badStream = new IdentityTransformStream();
  badStream.readable.getReader().read().catch(() => {});
  await assert.rejects(badStream.writable.getWriter().write("text"), TypeError);
});

test("FixedLengthStream checks the byte count", async () => {
  const ok = new FixedLengthStream(3);
  const w = ok.writable.getWriter();
  w.write(enc("abc"));
  w.close();
  const chunks = await readAll(ok.readable);
  assert.equal(chunks.reduce((n, c) => n + c.byteLength, 0), 3);
  const short = new FixedLengthStream(5);
  const sw = short.writable.getWriter();
  sw.write(enc("ab"));
  short.readable.getReader().read().catch(() => {});
  await assert.rejects(sw.close(), /did not see all expected bytes/);
  const long = new FixedLengthStream(1);
  long.readable.getReader().read().catch(() => {});
  await assert.rejects(long.writable.getWriter().write(enc("ab")), /too many bytes/);
  assert.throws(() => new FixedLengthStream(-1), TypeError);
});

test("BYOB readAtLeast waits for the minimum number of bytes", async () => {
  let n = 0;
  const rs = new ReadableStream({
    type: "bytes",
    pull(c) {
      n++;
      c.enqueue(new Uint8Array([n]));
      if (n === 3) c.close();
    },
  });
  const r = rs.getReader({ mode: "byob" });
  const got = await r.readAtLeast(3, new Uint8Array(8));
  assert.deepEqual(got.value, new Uint8Array([1, 2, 3]));
});
