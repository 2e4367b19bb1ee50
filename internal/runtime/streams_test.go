package runtime

import (
	"os"
	"testing"
)

// TestStreamsDetails covers Streams and Compression Streams details the
// current Web Platform Tests found, each as the standards have them.
func TestStreamsDetails(t *testing.T) {
	harness, err := os.ReadFile("prelude/testdata/harness.js")
	if err != nil {
		t.Fatal(err)
	}
	runJSTest(t, string(harness)+`
test("queuing strategies' size is a method: named size, no prototype, not a constructor", () => {
  for (const Strategy of [CountQueuingStrategy, ByteLengthQueuingStrategy]) {
    const size = new Strategy({ highWaterMark: 1 }).size;
    assert.equal(size.name, "size");
    assert.equal("prototype" in size, false);
    assert.throws(() => new size({ byteLength: 1 }), TypeError);
    assert.equal(size, new Strategy({ highWaterMark: 2 }).size);
  }
  assert.equal(new CountQueuingStrategy({ highWaterMark: 1 }).size.length, 0);
  assert.equal(new ByteLengthQueuingStrategy({ highWaterMark: 1 }).size({ byteLength: 7 }), 7);
});

test("pipeTo never runs the sink's write inside the source's enqueue()", async () => {
  let controller;
  let wrote = false;
  const done = new ReadableStream({ start(c) { controller = c; } }, { highWaterMark: 0 })
    .pipeTo(new WritableStream({ write() { wrote = true; } }));
  await Promise.resolve();
  controller.enqueue("a");
  assert.equal(wrote, false);
  await new Promise((r) => setTimeout(r, 0));
  assert.equal(wrote, true);
  controller.close();
  await done;
});

test("TransformStream: controller.error() right after readable.cancel() errors the writable; cancel fulfills", async () => {
  const boom = new Error("boom");
  let controller;
  const ts = new TransformStream({ start(c) { controller = c; } });
  const cancelled = ts.readable.cancel(new Error("ignored"));
  controller.error(boom);
  await cancelled;
  await assert.rejects(ts.writable.getWriter().closed, { message: "boom" });
});

test("TransformStream: terminate() right after readable.cancel() errors the writable with a TypeError", async () => {
  let controller;
  const ts = new TransformStream({ start(c) { controller = c; } });
  const cancelled = ts.readable.cancel({ name: "reason" });
  controller.terminate();
  await cancelled;
  await assert.rejects(ts.writable.getWriter().closed, TypeError);
});

test("TransformStream: a transformer.cancel() that errors rejects both cancel() and a parallel close()", async () => {
  const boom = new Error("boom");
  let controller;
  const ts = new TransformStream({
    start(c) { controller = c; },
    async cancel() { controller.error(boom); },
    flush() { throw new Error("flush must not run"); },
  });
  const cancelled = ts.readable.cancel(new Error("reason"));
  const closed = ts.writable.close();
  await assert.rejects(cancelled, { message: "boom" });
  await assert.rejects(closed, { message: "boom" });
});

test("DecompressionStream takes any ArrayBufferView, Float16Array included", async () => {
  const gzip = [31, 139, 8, 0, 0, 0, 0, 0, 0, 3, 75, 52, 48, 52, 2, 0, 216, 252, 63, 136, 4, 0, 0, 0];
  const ds = new DecompressionStream("gzip");
  const writer = ds.writable.getWriter();
  writer.write(new Float16Array(new Uint8Array(gzip).buffer));
  writer.close();
  const { value } = await ds.readable.getReader().read();
  assert.equal(new TextDecoder().decode(value), "a012");
});

test("DecompressionStream delivers the data before trailing bytes, then errors", async () => {
  const deflate = [120, 156, 75, 173, 40, 72, 77, 46, 73, 77, 81, 200, 47, 45, 41, 40, 45, 1, 0, 48, 173, 6, 36];
  const ds = new DecompressionStream("deflate");
  const writer = ds.writable.getWriter();
  writer.write(new Uint8Array([...deflate, 0])).catch(() => {});
  const reader = ds.readable.getReader();
  const { value } = await reader.read();
  assert.equal(new TextDecoder().decode(value), "expected output");
  await assert.rejects(reader.read(), TypeError);
});
test("getReader() refuses a non-object options argument; read(view, { min }) enforces its range", async () => {
  assert.throws(() => new ReadableStream().getReader(5), TypeError);
  new ReadableStream().getReader(null);
  let pulled = false;
  const rs = new ReadableStream({ type: "bytes", pull() { pulled = true; } });
  const reader = rs.getReader({ mode: "byob" });
  await assert.rejects(reader.read(new Uint8Array(1), { min: -1 }), TypeError);
  await assert.rejects(reader.read(new Uint8Array(1), { min: 0 }), TypeError);
  assert.equal(pulled, false);
});

test("ReadableStream.from takes only iterable objects whose iterator is an object", () => {
  assert.throws(() => ReadableStream.from("ab"), TypeError);
  assert.throws(() => ReadableStream.from({ [Symbol.iterator]: () => 42 }), TypeError);
  assert.equal(ReadableStream.from(["a"]) instanceof ReadableStream, true);
});

test("structuredClone transferring a view's buffer keeps the view's offset and length", () => {
  const view = new Uint8Array([1, 2, 3, 4]).subarray(1, 3);
  const copy = structuredClone(view, { transfer: [view.buffer] });
  assert.equal(view.buffer.byteLength, 0);
  assert.equal(copy.byteOffset, 1);
  assert.equal(copy.length, 2);
  assert.deepEqual([...copy], [2, 3]);
  const buf = new ArrayBuffer(4);
  structuredClone(1, { transfer: [buf] });
  assert.equal(buf.detached, true);
});
test("the ReadableStream async iterator's methods are named next and return", () => {
  const proto = Object.getPrototypeOf(new ReadableStream().values());
  assert.equal(proto.next.name, "next");
  assert.equal(proto.return.name, "return");
  assert.equal(proto.return.length, 1);
});

test("tee() of a byte stream forwards a branch's BYOB read to the source and copies the bytes to the other branch", async () => {
  let byobRequestSeen = null;
  const rs = new ReadableStream({
    type: "bytes",
    pull(c) {
      const req = c.byobRequest;
      byobRequestSeen = req !== null;
      if (req === null) {
        c.enqueue(new Uint8Array([9]));
        return;
      }
      req.view[0] = 7;
      req.view[1] = 8;
      req.respond(2);
    },
  });
  const [b1, b2] = rs.tee();
  const r1 = b1.getReader({ mode: "byob" });
  const r2 = b2.getReader();
  const buf = new Uint8Array(4);
  const first = await r1.read(buf);
  assert.equal(byobRequestSeen, true);
  assert.equal(first.done, false);
  assert.deepEqual([...first.value], [7, 8]);
  assert.equal(first.value.buffer.byteLength, 4);
  const second = await r2.read();
  assert.deepEqual([...second.value], [7, 8]);
  assert.notEqual(second.value.buffer, first.value.buffer);
  // A default read of the other branch, with nothing queued, pulls with a default reader.
  const third = await r2.read();
  assert.equal(byobRequestSeen, false);
  assert.deepEqual([...third.value], [9]);
  const fourth = await r1.read(new Uint8Array(4));
  assert.deepEqual([...fourth.value], [9]);
});
`)
}
