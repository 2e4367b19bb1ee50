test("structuredClone copies nested values and keeps cycles", () => {
  const a = { n: 1, s: "x", d: new Date(5), r: /a/gi, m: new Map([["k", { v: 1 }]]), set: new Set([1, 2]), arr: [1, , 3] };
  a.self = a;
  const b = structuredClone(a);
  assert.notEqual(b, a);
  assert.equal(b.self, b);
  assert.equal(b.d.getTime(), 5);
  assert.ok(b.d instanceof Date);
  assert.equal(String(b.r), "/a/gi");
  assert.deepEqual(b.m.get("k"), { v: 1 });
  assert.notEqual(b.m.get("k"), a.m.get("k"));
  assert.deepEqual([...b.set], [1, 2]);
  assert.equal(1 in b.arr, false);
  assert.equal(b.arr.length, 3);
});

test("structuredClone copies buffers and shares them between views", () => {
  const buf = new ArrayBuffer(4);
  const v = { a: new Uint8Array(buf, 1, 2), b: new DataView(buf) };
  v.a[0] = 7;
  const c = structuredClone(v);
  assert.equal(c.a.buffer, c.b.buffer);
  assert.notEqual(c.a.buffer, buf);
  assert.equal(c.b.getUint8(1), 7);
  assert.equal(c.a.byteOffset, 1);
});

test("structuredClone clones errors by type", () => {
  const e = structuredClone(new RangeError("bad", { cause: 1 }));
  assert.ok(e instanceof RangeError);
  assert.equal(e.message, "bad");
  assert.equal(e.cause, 1);
});

test("structuredClone rejects functions and symbols with DataCloneError", () => {
  const e = assert.throws(() => structuredClone({ f() {} }), { name: "DataCloneError" });
  assert.ok(e instanceof DOMException);
  assert.equal(e.code, 25);
  assert.throws(() => structuredClone(Symbol("s")), { name: "DataCloneError" });
  assert.throws(() => structuredClone(new Response("x")), { name: "DataCloneError" });
});

test("structuredClone transfer detaches the source buffer", () => {
  const buf = new Uint8Array([1, 2, 3]).buffer;
  const out = structuredClone(buf, { transfer: [buf] });
  assert.equal(buf.byteLength, 0);
  assert.deepEqual(new Uint8Array(out), new Uint8Array([1, 2, 3]));
});

test("crypto.getRandomValues fills integer arrays and enforces limits", () => {
  const a = new Uint32Array(16);
  assert.equal(crypto.getRandomValues(a), a);
  assert.ok(a.some((x) => x !== 0));
  crypto.getRandomValues(new Uint8Array(65536));
  const q = assert.throws(() => crypto.getRandomValues(new Uint8Array(65537)), { name: "QuotaExceededError" });
  assert.ok(q instanceof DOMException);
  assert.throws(() => crypto.getRandomValues(new Float32Array(4)), { name: "TypeMismatchError" });
});

test("crypto.randomUUID is a v4 UUID", () => {
  const u = crypto.randomUUID();
  assert.ok(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(u), u);
  assert.notEqual(u, crypto.randomUUID());
});

const hex = (buf) => Array.from(new Uint8Array(buf), (b) => b.toString(16).padStart(2, "0")).join("");

test("crypto.subtle.digest gives the known hashes", async () => {
  const data = new TextEncoder().encode("abc");
  assert.equal(hex(await crypto.subtle.digest("SHA-256", data)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.equal(hex(await crypto.subtle.digest({ name: "sha-1" }, data)), "a9993e364706816aba3e25717850c26c9cd0d89d");
  assert.equal(hex(await crypto.subtle.digest("MD5", data)), "900150983cd24fb0d6963f7d28e17f72");
  assert.ok((await crypto.subtle.digest("SHA-512", data)) instanceof ArrayBuffer);
  await assert.rejects(crypto.subtle.digest("SHA-3", data), { name: "NotSupportedError" });
});

test("crypto.DigestStream hashes what is written", async () => {
  const ds = new crypto.DigestStream("SHA-256");
  const w = ds.getWriter();
  await w.write(new TextEncoder().encode("a"));
  await w.write("bc");
  await w.close();
  assert.equal(hex(await ds.digest), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  assert.ok(ds instanceof WritableStream);
});

test("structuredClone copies Blob and File", async () => {
  const f = structuredClone(new File(["abc"], "a.txt", { type: "text/plain", lastModified: 7 }));
  assert.ok(f instanceof File);
  assert.equal(f.name, "a.txt");
  assert.equal(f.lastModified, 7);
  assert.equal(f.type, "text/plain");
  assert.equal(await f.text(), "abc");
});
