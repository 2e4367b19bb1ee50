package runtime

import (
	"os"
	"testing"
)

// TestWebCompatDetails covers details the Web Platform Tests found
// (Response, AbortSignal.any, pipes, Blob/File, structuredClone, uncaught
// errors), each as workerd and the specifications have them.
func TestWebCompatDetails(t *testing.T) {
	harness, err := os.ReadFile("prelude/testdata/harness.js")
	if err != nil {
		t.Fatal(err)
	}
	runJSTest(t, string(harness)+`
test("an empty in-memory body counts as none for a null-body status", async () => {
  for (const body of ["", new Uint8Array(0), new ArrayBuffer(0), new Blob([])]) {
    const r = new Response(body, { status: 204, headers: { "access-control-allow-origin": "*" } });
    assert.equal(r.status, 204);
    assert.equal(r.body, null);
    assert.equal(r.headers.get("content-type"), null);
    assert.equal(await r.text(), "");
  }
  assert.throws(() => new Response("x", { status: 204 }), TypeError);
  assert.throws(() => new Response(new ReadableStream(), { status: 304 }), TypeError);
});

test("a body read with text() leaves its stream locked", async () => {
  for (const r of [new Response("hello"), new Response(new Uint8Array([104, 105])), new Response(new Response("x").body)]) {
    await r.text();
    assert.equal(r.bodyUsed, true);
    assert.equal(r.body.locked, true);
    assert.throws(() => r.body.getReader(), TypeError);
    await assert.rejects(r.text(), TypeError);
  }
});

test("AbortSignal.any: events have their target; dependents abort before any event", () => {
  const c = new AbortController();
  const any = AbortSignal.any([c.signal]);
  const seen = [];
  c.signal.addEventListener("abort", () => seen.push("parent sees dependent aborted: " + any.aborted));
  any.onabort = (e) => seen.push("handler target ok: " + (e.target === any && e.currentTarget === any));
  any.addEventListener("abort", (e) => seen.push("listener target ok: " + (e.target === any)));
  c.abort("why");
  assert.deepEqual(seen, ["parent sees dependent aborted: true", "handler target ok: true", "listener target ok: true"]);
  assert.equal(any.reason, "why");
});

test("pipeTo reads its options in dictionary order", async () => {
  const order = [];
  const opts = {};
  for (const k of ["signal", "preventClose", "preventAbort", "preventCancel"]) {
    Object.defineProperty(opts, k, { get() { order.push(k); return undefined; } });
  }
  await new ReadableStream({ start(c) { c.close(); } }).pipeTo(new WritableStream(), opts);
  assert.deepEqual(order, ["preventAbort", "preventCancel", "preventClose", "signal"]);
  await assert.rejects(new ReadableStream().pipeTo(new WritableStream(), 5), TypeError);
});

test("pipeThrough checks readable before it reads writable", () => {
  const read = [];
  const pair = {
    get readable() { read.push("readable"); return "not a stream"; },
    get writable() { read.push("writable"); return new WritableStream(); },
  };
  assert.throws(() => new ReadableStream().pipeThrough(pair), TypeError);
  assert.deepEqual(read, ["readable"]);
});

test("Blob and File convert their arguments as Web IDL does", () => {
  assert.throws(() => new Blob([], 5), TypeError);
  assert.throws(() => new Blob([], "text/plain"), TypeError);
  assert.throws(() => new Blob([], { endings: "invalid" }), TypeError);
  assert.throws(() => new Blob("abc"), TypeError);
  const order = [];
  const part = { toString() { order.push("part"); return "x"; } };
  const name = { toString() { order.push("name"); return "f.txt"; } };
  const opts = {};
  for (const k of ["type", "lastModified", "endings"]) {
    Object.defineProperty(opts, k, { get() { order.push(k); return k === "lastModified" ? 42 : undefined; } });
  }
  const f = new File([part], name, opts);
  assert.deepEqual(order, ["part", "name", "endings", "type", "lastModified"]);
  assert.equal(f.name, "f.txt");
  assert.equal(f.lastModified, 42);
  assert.equal(new Blob(["a"], { type: "Text/Plain" }).type, "text/plain");
});

test("structuredClone throws DataCloneError for what cannot be cloned", () => {
  const detached = new ArrayBuffer(8);
  const view = new Uint8Array(detached);
  detached.transfer();
  for (const v of [detached, view, new SharedArrayBuffer(4), () => 1, Symbol("s")]) {
    const e = assert.throws(() => structuredClone(v));
    assert.equal(e instanceof DOMException && e.name, "DataCloneError", typeof v);
  }
  const r = structuredClone(new ArrayBuffer(2, { maxByteLength: 8 }));
  assert.equal(r.resizable, true);
  assert.equal(r.maxByteLength, 8);
});

test("SharedArrayBuffer exists and Web APIs accept views of it", () => {
  const sab = new SharedArrayBuffer(3);
  new Uint8Array(sab).set([0x68, 0x69, 0x21]);
  assert.equal(new TextDecoder().decode(new Uint8Array(sab)), "hi!");
  const out = new Uint8Array(new SharedArrayBuffer(4));
  assert.deepEqual(new TextEncoder().encodeInto("ok", out), { read: 2, written: 2 });
});

test("MessagePort.postMessage transfers ArrayBuffers (detached) and ports", async () => {
  const { port1, port2 } = new MessageChannel();
  const buf = new Uint8Array([1, 2, 3]).buffer;
  const other = new MessageChannel();
  const got = new Promise((resolve) => { port2.onmessage = resolve; });
  port1.postMessage({ buf }, [buf, other.port1]);
  assert.equal(buf.byteLength, 0, "the sender's buffer is detached");
  const ev = await got;
  assert.deepEqual(new Uint8Array(ev.data.buf), new Uint8Array([1, 2, 3]));
  assert.equal(ev.ports.length, 1);
  assert.equal(ev.ports[0], other.port1);
  assert.ok(Object.isFrozen(ev.ports));
  const e = assert.throws(() => port1.postMessage(null, [port1]));
  assert.equal(e.name, "DataCloneError");
  port1.close();
  port2.close();
  other.port1.close();
});

test("Event.initEvent and addEventListener's options as Web IDL converts them", () => {
  const ev = new Event("a");
  ev.initEvent("b", true, true);
  assert.equal(ev.type, "b");
  assert.equal(ev.bubbles, true);
  assert.equal(ev.cancelable, true);
  const et = new EventTarget();
  assert.throws(() => et.addEventListener("x", null, { signal: null }), TypeError);
  assert.throws(() => et.addEventListener("x", () => {}, { signal: {} }), TypeError);
});

test("exceptions in microtasks and reportError reach the global error event", async () => {
  const seen = [];
  const listener = (e) => {
    seen.push([e.constructor.name, e.error?.message ?? e.error, e.cancelable]);
    e.preventDefault();
  };
  addEventListener("error", listener);
  try {
    queueMicrotask(() => { throw new Error("in a microtask"); });
    await new Promise((r) => setTimeout(r, 0));
    reportError("reported");
  } finally {
    removeEventListener("error", listener);
  }
  assert.deepEqual(seen, [["ErrorEvent", "in a microtask", true], ["ErrorEvent", "reported", true]]);
});
test("CompressionStream and DecompressionStream refuse chunks in shared memory", async () => {
  for (const chunk of [new SharedArrayBuffer(4), new Uint8Array(new SharedArrayBuffer(4))]) {
    const cs = new CompressionStream("gzip");
    const writer = cs.writable.getWriter();
    const read = cs.readable.getReader().read();
    await assert.rejects(writer.write(chunk), TypeError);
    await assert.rejects(read, TypeError);
  }
});

test("SubtleCrypto settles after the caller's next microtask; a detached buffer is no bytes", async () => {
  const order = [];
  const p = crypto.subtle.importKey("raw", new Uint8Array(16), "AES-GCM", false, ["encrypt"]).then(() => order.push("key"));
  const q = crypto.subtle.importKey("raw", new Uint8Array(16), "AES-GCM", false, []).catch((e) => order.push(e.name));
  Promise.resolve().then(() => order.push("microtask"));
  await Promise.all([p, q]);
  assert.deepEqual(order, ["microtask", "key", "SyntaxError"]);
  const view = new Uint8Array([1, 2, 3]);
  const digest = crypto.subtle.digest({ get name() { view.buffer.transfer(); return "SHA-256"; } }, view);
  const empty = await crypto.subtle.digest("SHA-256", new Uint8Array(0));
  assert.deepEqual(new Uint8Array(await digest), new Uint8Array(empty));
});

test("stream methods brand-check their receiver; the promise-returning ones reject", async () => {
  const reader = new ReadableStream().getReader();
  const fake = Object.create(ReadableStream.prototype);
  const locked = Object.getOwnPropertyDescriptor(ReadableStream.prototype, "locked").get;
  assert.throws(() => locked.call(reader), TypeError);
  assert.throws(() => locked.call(fake), TypeError);
  assert.throws(() => WritableStream.prototype.getWriter.call(new ReadableStream()), TypeError);
  await assert.rejects(ReadableStream.prototype.cancel.call(reader), TypeError);
  await assert.rejects(ReadableStream.prototype.pipeTo.call(fake, new WritableStream()), TypeError);
  const writer = new WritableStream().getWriter();
  await assert.rejects(Object.getOwnPropertyDescriptor(Object.getPrototypeOf(writer), "closed").get.call(reader), TypeError);
  await assert.rejects(new ReadableStream().pipeTo(new WritableStream(), { signal: Object.create(AbortSignal.prototype) }), TypeError);
});

test("tee, pipeTo and queueMicrotask do not call a replaced Promise.prototype.then", async () => {
  const then = Promise.prototype.then;
  let called = 0;
  Promise.prototype.then = function () { called++; throw new Error("patched then() called"); };
  let controller;
  const rs = new ReadableStream({ start(c) { controller = c; } });
  let ran = false;
  try {
    new ReadableStream().tee();
    rs.pipeTo(new WritableStream());
    controller.close();
    queueMicrotask(() => { ran = true; });
  } finally {
    Promise.prototype.then = then;
  }
  assert.equal(called, 0);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(ran, true);
});

test("stream constructors read their arguments in Web IDL order", () => {
  const log = [];
  const spy = (what, values) => new Proxy(values, {
    get(t, k) {
      if (typeof k === "string") log.push(what + "." + k);
      return t[k];
    },
  });
  const hwm = { valueOf() { log.push("tonumber"); return 1; } };
  new ReadableStream(spy("source", {}), spy("strategy", { highWaterMark: hwm }));
  assert.deepEqual(log.splice(0), ["strategy.highWaterMark", "tonumber", "strategy.size",
    "source.autoAllocateChunkSize", "source.cancel", "source.pull", "source.start", "source.type"]);
  new WritableStream(spy("sink", {}), spy("strategy", {}));
  assert.deepEqual(log.splice(0), ["strategy.highWaterMark", "strategy.size",
    "sink.abort", "sink.close", "sink.start", "sink.type", "sink.write"]);
  new TransformStream(spy("transformer", {}), spy("writable", {}), spy("readable", {}));
  assert.deepEqual(log.splice(0), ["writable.highWaterMark", "writable.size", "readable.highWaterMark", "readable.size",
    "transformer.cancel", "transformer.flush", "transformer.readableType", "transformer.start", "transformer.transform",
    "transformer.writableType"]);
});

test("Headers built from a Headers whose iterator was replaced read that iterator", () => {
  const h = new Headers({ a: "1" });
  h[Symbol.iterator] = function* () { yield ["b", "2"]; };
  const copy = new Headers(h);
  assert.equal(copy.get("a"), null);
  assert.equal(copy.get("b"), "2");
  assert.equal(new Headers(new Headers({ c: "3" })).get("c"), "3");
});
`)
}
