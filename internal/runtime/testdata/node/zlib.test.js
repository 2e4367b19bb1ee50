const zlib = __outpost_require("node:zlib");
const { Readable, Writable } = __outpost_require("node:stream");
const { pipeline } = __outpost_require("node:stream/promises");
const util = __outpost_require("node:util");

const text = "hello hello hello hello zlib ".repeat(200);

test("sync round trips for every format", () => {
  for (const [c, d] of [["gzipSync", "gunzipSync"], ["deflateSync", "inflateSync"], ["deflateRawSync", "inflateRawSync"]]) {
    const z = zlib[c](text);
    assert.ok(Buffer.isBuffer(z), c + " returns a Buffer");
    assert.ok(z.length < text.length / 10, c + " compresses");
    assert.equal(zlib[d](z).toString(), text, d);
  }
  assert.equal(zlib.gzipSync("x")[0], 0x1f);
  assert.equal(zlib.gzipSync("x")[1], 0x8b);
  assert.equal(zlib.deflateSync("x")[0], 0x78);
  assert.equal(zlib.unzipSync(zlib.gzipSync(text)).toString(), text);
  assert.equal(zlib.unzipSync(zlib.deflateSync(text)).toString(), text);
  assert.ok(zlib.gzipSync(text, { level: 1 }).length >= zlib.gzipSync(text, { level: 9 }).length);
});

test("concatenated gzip members decode as one", () => {
  const both = Buffer.concat([zlib.gzipSync("one "), zlib.gzipSync("two")]);
  assert.equal(zlib.gunzipSync(both).toString(), "one two");
});

test("bad input gives zlib's errors", () => {
  assert.throws(() => zlib.gunzipSync(Buffer.from("not gzip at all")), { code: "Z_DATA_ERROR", errno: -3, message: "incorrect header check" });
  assert.throws(() => zlib.inflateSync(Buffer.from("nope nope")), { code: "Z_DATA_ERROR" });
  const gz = zlib.gzipSync(text);
  assert.throws(() => zlib.gunzipSync(gz.subarray(0, gz.length - 10)), { code: "Z_BUF_ERROR", message: "unexpected end of file" });
  assert.throws(() => zlib.gzipSync("x", { level: 12 }), { code: "ERR_OUT_OF_RANGE" });
});

test("callback and promisified forms", async () => {
  const gz = await new Promise((res, rej) => zlib.gzip(text, (err, out) => (err ? rej(err) : res(out))));
  const back = await util.promisify(zlib.gunzip)(gz);
  assert.equal(back.toString(), text);
  const err = await new Promise((res) => zlib.inflate(Buffer.from("zz"), res));
  assert.equal(err.code, "Z_DATA_ERROR");
});

test("streams: createGzip piped to createGunzip", async () => {
  const out = [];
  await pipeline(
    Readable.from([text.slice(0, 100), text.slice(100)]),
    zlib.createGzip(),
    zlib.createGunzip(),
    new Writable({ write(c, e, cb) { out.push(c); cb(); } }));
  assert.equal(Buffer.concat(out).toString(), text);
});

test("flush() emits the data written so far", async () => {
  const gz = zlib.createDeflate();
  const chunks = [];
  gz.on("data", (c) => chunks.push(c));
  gz.write("part one");
  await new Promise((res) => gz.flush(res));
  await new Promise((res) => setTimeout(res, 0));
  const soFar = Buffer.concat(chunks);
  assert.equal(zlib.inflateSync(soFar, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).toString(), "part one");
  gz.end();
});

test("a corrupt stream errors", async () => {
  const gunzip = zlib.createGunzip();
  const err = await new Promise((res) => { gunzip.on("error", res); gunzip.end(Buffer.from("garbage garbage")); gunzip.resume(); });
  assert.equal(err.code, "Z_DATA_ERROR");
});

test("crc32 and constants", () => {
  assert.equal(zlib.crc32("hello"), 907060870);
  assert.equal(zlib.crc32("lo", zlib.crc32("hel")), 907060870);
  assert.equal(zlib.constants.Z_BEST_COMPRESSION, 9);
  assert.equal(zlib.Z_SYNC_FLUSH, 2);
});

test("brotli: sync, streams, quality, errors", async () => {
  const br = zlib.brotliCompressSync(text);
  assert.ok(br.length < text.length / 10);
  assert.equal(zlib.brotliDecompressSync(br).toString(), text);
  const fast = zlib.brotliCompressSync(text, { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 1 } });
  assert.equal(zlib.brotliDecompressSync(fast).toString(), text);
  assert.throws(() => zlib.brotliCompressSync("x", { params: { [zlib.constants.BROTLI_PARAM_QUALITY]: 12 } }), { code: "ERR_OUT_OF_RANGE" });
  assert.throws(() => zlib.brotliDecompressSync(Buffer.from("definitely not brotli data at all")), { message: "Decompression failed" });
  const out = [];
  await pipeline(Readable.from([text.slice(0, 500), text.slice(500)]), zlib.createBrotliCompress(), zlib.createBrotliDecompress(),
    new Writable({ write(c, e, cb) { out.push(c); cb(); } }));
  assert.equal(Buffer.concat(out).toString(), text);
  const viaPromise = await util.promisify(zlib.brotliCompress)("hi");
  assert.equal(zlib.brotliDecompressSync(viaPromise).toString(), "hi");
});
