// Vectors made with Go's compress/gzip, compress/zlib and compress/flate
// over the same text.
const TEXT = "Outpost runs Workers. ".repeat(40);
const VECTORS = {
  "gzip": "H4sIAAAAAAAA//IvLSnILy5RKCrNK1YIzy/KTi0q1lMYFR0VHRWlhSggAAD//5MYyUhwAwAA",
  "deflate": "eJzyLy0pyC8uUSgqzStWCM8vyk4tKtZTGBUdFR0VpYUoIAAA///5WEo4",
  "deflate-raw": "8i8tKcgvLlEoKs0rVgjPL8pOLSrWUxgVHRUdFaWFKCAAAP//",
};
const fromB64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));

async function collect(readable) {
  const chunks = [];
  const reader = readable.getReader();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    chunks.push(value);
  }
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.byteLength, 0));
  let pos = 0;
  for (const c of chunks) {
    out.set(c, pos);
    pos += c.byteLength;
  }
  return out;
}

async function pipeChunks(stream, chunks) {
  const writer = stream.writable.getWriter();
  const done = collect(stream.readable);
  for (const c of chunks) await writer.write(c);
  await writer.close();
  return done;
}

for (const format of Object.keys(VECTORS)) {
  test(`DecompressionStream(${format}) decodes Go-made data fed byte by byte`, async () => {
    const data = fromB64(VECTORS[format]);
    const chunks = Array.from(data, (b) => new Uint8Array([b]));
    const out = await pipeChunks(new DecompressionStream(format), chunks);
    assert.equal(new TextDecoder().decode(out), TEXT);
  });

  test(`CompressionStream(${format}) round-trips random data in chunks`, async () => {
    const data = new Uint8Array(200000);
    for (let i = 0; i < data.length; i += 65536) crypto.getRandomValues(data.subarray(i, i + 65536));
    data.fill(7, 50000, 150000); // something compressible
    const chunks = [];
    for (let i = 0; i < data.length; i += 30000) chunks.push(data.subarray(i, i + 30000));
    const compressed = await pipeChunks(new CompressionStream(format), chunks);
    assert.ok(compressed.length < data.length, "compressed is smaller");
    const out = await pipeChunks(new DecompressionStream(format), [compressed.subarray(0, 1000), compressed.subarray(1000)]);
    assert.deepEqual(out, data);
  });
}

test("gzip output has the gzip magic and decodes to the input", async () => {
  const out = await pipeChunks(new CompressionStream("gzip"), [new TextEncoder().encode("hello")]);
  assert.equal(out[0], 0x1f);
  assert.equal(out[1], 0x8b);
  const back = await pipeChunks(new DecompressionStream("gzip"), [out]);
  assert.equal(new TextDecoder().decode(back), "hello");
});

test("Response bodies pipe through CompressionStream and back", async () => {
  const body = new Response(TEXT).body.pipeThrough(new CompressionStream("deflate")).pipeThrough(new DecompressionStream("deflate"));
  assert.equal(await new Response(body).text(), TEXT);
});

test("an unknown format is a TypeError", () => {
  assert.throws(() => new CompressionStream("brotli"), TypeError);
  assert.throws(() => new DecompressionStream("zip"), TypeError);
  assert.throws(() => new CompressionStream(), TypeError);
});

test("corrupt input errors the stream", async () => {
  const ds = new DecompressionStream("gzip");
  await assert.rejects(pipeChunks(ds, [new TextEncoder().encode("this is not gzip data at all")]), TypeError);
});

test("truncated input errors at close", async () => {
  const data = fromB64(VECTORS.gzip);
  await assert.rejects(pipeChunks(new DecompressionStream("gzip"), [data.subarray(0, data.length - 6)]), /ended early/);
});

test("bytes after the end of the data are an error", async () => {
  const data = fromB64(VECTORS["deflate"]);
  const extra = new Uint8Array([...data, 1, 2, 3]);
  await assert.rejects(pipeChunks(new DecompressionStream("deflate"), [extra]), /trailing/);
});

test("chunks must be buffer sources", async () => {
  await assert.rejects(pipeChunks(new CompressionStream("gzip"), ["text"]), TypeError);
});

test("cancelling a DecompressionStream releases it", async () => {
  const ds = new DecompressionStream("gzip");
  const writer = ds.writable.getWriter();
  await ds.readable.cancel("stop");
  await assert.rejects(writer.write(new Uint8Array([1])));
});
