// node:zlib (nodejs_zlib) — gzip, deflate and raw deflate, their inverses,
// unzip and Brotli, as streams (Transform), with callbacks and
// synchronously, over Go's compress packages and a Go Brotli codec.
import ops from "../ops.js";
import { Buffer } from "./buffer.js";
import { Transform } from "./stream.js";

const constants = Object.freeze({
  Z_NO_FLUSH: 0, Z_PARTIAL_FLUSH: 1, Z_SYNC_FLUSH: 2, Z_FULL_FLUSH: 3, Z_FINISH: 4, Z_BLOCK: 5, Z_TREES: 6,
  Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3,
  Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6,
  Z_NO_COMPRESSION: 0, Z_BEST_SPEED: 1, Z_BEST_COMPRESSION: 9, Z_DEFAULT_COMPRESSION: -1,
  Z_FILTERED: 1, Z_HUFFMAN_ONLY: 2, Z_RLE: 3, Z_FIXED: 4, Z_DEFAULT_STRATEGY: 0, ZLIB_VERNUM: 4865,
  DEFLATE: 1, INFLATE: 2, GZIP: 3, GUNZIP: 4, DEFLATERAW: 5, INFLATERAW: 6, UNZIP: 7,
  BROTLI_DECODE: 8, BROTLI_ENCODE: 9,
  Z_MIN_WINDOWBITS: 8, Z_MAX_WINDOWBITS: 15, Z_DEFAULT_WINDOWBITS: 15,
  Z_MIN_CHUNK: 64, Z_MAX_CHUNK: Infinity, Z_DEFAULT_CHUNK: 16384,
  Z_MIN_MEMLEVEL: 1, Z_MAX_MEMLEVEL: 9, Z_DEFAULT_MEMLEVEL: 8,
  Z_MIN_LEVEL: -1, Z_MAX_LEVEL: 9, Z_DEFAULT_LEVEL: -1,
  BROTLI_OPERATION_PROCESS: 0, BROTLI_OPERATION_FLUSH: 1, BROTLI_OPERATION_FINISH: 2, BROTLI_OPERATION_EMIT_METADATA: 3,
  BROTLI_PARAM_MODE: 0, BROTLI_MODE_GENERIC: 0, BROTLI_MODE_TEXT: 1, BROTLI_MODE_FONT: 2, BROTLI_DEFAULT_MODE: 0,
  BROTLI_PARAM_QUALITY: 1, BROTLI_MIN_QUALITY: 0, BROTLI_MAX_QUALITY: 11, BROTLI_DEFAULT_QUALITY: 11,
  BROTLI_PARAM_LGWIN: 2, BROTLI_MIN_WINDOW_BITS: 10, BROTLI_MAX_WINDOW_BITS: 24, BROTLI_DEFAULT_WINDOW: 22,
  BROTLI_PARAM_SIZE_HINT: 5,
});

const errnoOf = { Z_NEED_DICT: 2, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3, Z_BUF_ERROR: -5, ERR_BROTLI_DECOMPRESSION_FAILED: -6 };

const isBrotli = (mode) => mode.startsWith("brotli");
// Brotli operations as the engine's zlib flush modes.
const brotliOps = { 0: 0, 1: 2, 2: 4, 3: 0 };

function brotliQuality(opts) {
  const q = opts?.params?.[constants.BROTLI_PARAM_QUALITY];
  if (q === undefined) return -1;
  if (!Number.isInteger(q) || q < 0 || q > 11) {
    const e = new RangeError(`The value of "options.params[key]" is out of range. It must be >= 0 and <= 11. Received ${q}`);
    e.code = "ERR_OUT_OF_RANGE";
    throw e;
  }
  return q;
}

function zlibError(e) {
  const msg = String(e?.message ?? e);
  const i = msg.indexOf(":");
  const code = i > 0 && /^(Z|ERR)_[A-Z_]+$/.test(msg.slice(0, i)) ? msg.slice(0, i) : null;
  if (!code) return e;
  const err = new Error(msg.slice(i + 1));
  err.errno = errnoOf[code] ?? -2;
  err.code = code;
  return err;
}

function checkFlush(v, name, def) {
  if (v === undefined) return def;
  if (!Number.isInteger(v) || v < 0 || v > 6) {
    const e = new RangeError(`The value of "options.${name}" is out of range. It must be >= 0 and <= 6. Received ${v}`);
    e.code = "ERR_OUT_OF_RANGE";
    throw e;
  }
  return v;
}

function checkLevel(level) {
  if (level === undefined) return -1;
  if (typeof level !== "number" || !Number.isInteger(level) || level < -1 || level > 9) {
    const e = new RangeError(`The value of "options.level" is out of range. It must be >= -1 and <= 9. Received ${level}`);
    e.code = "ERR_OUT_OF_RANGE";
    throw e;
  }
  return level;
}

function toBytes(buffer) {
  if (typeof buffer === "string") return Buffer.from(buffer);
  if (buffer instanceof ArrayBuffer) return new Uint8Array(buffer);
  if (ArrayBuffer.isView(buffer)) return new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  const e = new TypeError(`The "buffer" argument must be of type string or an instance of Buffer, TypedArray, DataView, or ArrayBuffer. Received ${buffer === null ? "null" : typeof buffer}`);
  e.code = "ERR_INVALID_ARG_TYPE";
  throw e;
}

const asBuffer = (u8) => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);

// One zlib engine in Go.
class Engine {
  constructor(mode, opts) {
    this.id = ops.zlibNew(mode, isBrotli(mode) ? brotliQuality(opts) : checkLevel(opts?.level));
  }
  write(bytes, flush) {
    if (this.id === 0) {
      const e = new Error("zlib binding closed");
      e.code = "ERR_ZLIB_BINDING_CLOSED";
      throw e;
    }
    try {
      const out = ops.zlibWrite(this.id, bytes, flush);
      if (flush === constants.Z_FINISH) this.id = 0;
      return out;
    } catch (e) {
      this.id = 0;
      throw zlibError(e);
    }
  }
  close() {
    if (this.id !== 0) ops.zlibClose(this.id);
    this.id = 0;
  }
}

function ZlibBase(mode, opts) {
  opts = opts ?? {};
  this._mode = mode;
  if (isBrotli(mode)) {
    this._finishFlushFlag = brotliOps[opts.finishFlush ?? constants.BROTLI_OPERATION_FINISH] ?? constants.Z_FINISH;
    this._defaultFlushFlag = brotliOps[opts.flush ?? constants.BROTLI_OPERATION_PROCESS] ?? constants.Z_NO_FLUSH;
  } else {
    this._finishFlushFlag = checkFlush(opts.finishFlush, "finishFlush", constants.Z_FINISH);
    this._defaultFlushFlag = checkFlush(opts.flush, "flush", constants.Z_NO_FLUSH);
  }
  this._info = !!opts.info;
  this._engine = new Engine(mode, opts);
  this.bytesWritten = 0;
  this._closed = false;
  Transform.call(this, { ...opts, highWaterMark: opts.chunkSize ?? 16384, objectMode: false, readableObjectMode: false, writableObjectMode: false });
}
Object.setPrototypeOf(ZlibBase.prototype, Transform.prototype);
Object.setPrototypeOf(ZlibBase, Transform);

Object.defineProperty(ZlibBase.prototype, "_handle", { get() { return this._engine.id !== 0 ? this._engine : null; } });
Object.defineProperty(ZlibBase.prototype, "bytesRead", { get() { return this.bytesWritten; } });

ZlibBase.prototype._transform = function (chunk, encoding, cb) {
  let out;
  try {
    const bytes = toBytes(chunk);
    this.bytesWritten += bytes.byteLength;
    const flush = this._pendingFlush ?? this._defaultFlushFlag;
    this._pendingFlush = undefined;
    out = this._engine.write(bytes, flush === constants.Z_FINISH ? constants.Z_SYNC_FLUSH : flush);
  } catch (e) {
    cb(e);
    return;
  }
  if (out.byteLength) this.push(asBuffer(out));
  cb();
};

ZlibBase.prototype._flush = function (cb) {
  let out;
  try {
    out = this._engine.write(null, this._finishFlushFlag === constants.Z_FINISH ? constants.Z_FINISH : this._finishFlushFlag);
    if (this._finishFlushFlag !== constants.Z_FINISH) this._engine.close();
  } catch (e) {
    cb(e);
    return;
  }
  if (out.byteLength) this.push(asBuffer(out));
  cb();
};

ZlibBase.prototype._destroy = function (err, cb) {
  this._engine.close();
  this._closed = true;
  cb(err);
};

// flush([kind], [callback]): emit what is buffered, with a sync flush by
// default, once the writes before it are processed.
ZlibBase.prototype.flush = function (kind, callback) {
  if (typeof kind === "function" || kind === undefined) {
    callback = kind;
    kind = isBrotli(this._mode) ? constants.BROTLI_OPERATION_FLUSH : constants.Z_FULL_FLUSH;
  }
  if (isBrotli(this._mode)) kind = brotliOps[kind] ?? constants.Z_SYNC_FLUSH;
  if (this.writableFinished) { if (callback) queueMicrotask(callback); return; }
  if (this.writableEnded) { if (callback) this.once("end", callback); return; }
  this.write(Buffer.alloc(0), () => {
    try {
      const out = this._engine.write(null, kind);
      if (out.byteLength) this.push(asBuffer(out));
    } catch (e) {
      this.destroy(zlibError(e));
      return;
    }
    if (callback) callback();
  });
};

ZlibBase.prototype.close = function (callback) {
  if (callback) queueMicrotask(callback);
  this.destroy();
};
ZlibBase.prototype.params = function (level, strategy, callback) {
  checkLevel(level);
  const e = new Error("zlib.params() is not supported");
  e.code = "ERR_METHOD_NOT_IMPLEMENTED";
  throw e;
};
ZlibBase.prototype.reset = function () {
  this._engine.close();
  this._engine = new Engine(this._mode, {});
};

const classes = {};
function defineClass(name, mode) {
  const C = function (opts) {
    if (!(this instanceof C)) return new C(opts);
    ZlibBase.call(this, mode, opts);
  };
  Object.defineProperty(C, "name", { value: name });
  Object.setPrototypeOf(C.prototype, ZlibBase.prototype);
  Object.setPrototypeOf(C, ZlibBase);
  classes[name] = C;
  return C;
}

const Gzip = defineClass("Gzip", "gzip");
const Gunzip = defineClass("Gunzip", "gunzip");
const Deflate = defineClass("Deflate", "deflate");
const Inflate = defineClass("Inflate", "inflate");
const DeflateRaw = defineClass("DeflateRaw", "deflateRaw");
const InflateRaw = defineClass("InflateRaw", "inflateRaw");
const Unzip = defineClass("Unzip", "unzip");
const BrotliCompress = defineClass("BrotliCompress", "brotliCompress");
const BrotliDecompress = defineClass("BrotliDecompress", "brotliDecompress");

function zlibSync(mode, buffer, opts) {
  const bytes = toBytes(buffer);
  const engine = new Engine(mode, opts);
  const finish = isBrotli(mode) ? brotliOps[opts?.finishFlush ?? constants.BROTLI_OPERATION_FINISH] ?? constants.Z_FINISH
    : checkFlush(opts?.finishFlush, "finishFlush", constants.Z_FINISH);
  let out;
  try {
    out = engine.write(bytes, finish === constants.Z_FINISH ? constants.Z_FINISH : finish);
  } finally {
    engine.close();
  }
  const maxOutputLength = opts?.maxOutputLength;
  if (maxOutputLength !== undefined && out.byteLength > maxOutputLength) {
    const e = new RangeError(`Cannot create a Buffer larger than ${maxOutputLength} bytes`);
    e.code = "ERR_BUFFER_TOO_LARGE";
    throw e;
  }
  const result = asBuffer(out);
  if (opts?.info) return { buffer: result, engine: null };
  return result;
}

function zlibAsync(mode) {
  return function (buffer, opts, callback) {
    if (typeof opts === "function") { callback = opts; opts = {}; }
    if (typeof callback !== "function") {
      const e = new TypeError(`The "callback" argument must be of type function. Received ${typeof callback}`);
      e.code = "ERR_INVALID_ARG_TYPE";
      throw e;
    }
    let result, error = null;
    try {
      result = zlibSync(mode, buffer, opts);
    } catch (e) {
      error = e;
    }
    queueMicrotask(() => (error ? callback(error) : callback(null, result)));
  };
}

function promisified(fn) {
  const custom = (buffer, opts) => new Promise((resolve, reject) => fn(buffer, opts ?? {}, (err, res) => (err ? reject(err) : resolve(res))));
  Object.defineProperty(fn, Symbol.for("nodejs.util.promisify.custom"), { value: custom });
  return fn;
}

// zlib.crc32(data[, value]) — CRC-32 as zlib computes it.
let crcTable;
function crc32(data, value = 0) {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  const bytes = toBytes(data);
  let c = (value ^ 0xffffffff) >>> 0;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const codes = {
  Z_OK: 0, Z_STREAM_END: 1, Z_NEED_DICT: 2, Z_ERRNO: -1, Z_STREAM_ERROR: -2, Z_DATA_ERROR: -3,
  Z_MEM_ERROR: -4, Z_BUF_ERROR: -5, Z_VERSION_ERROR: -6,
};
for (const [k, v] of Object.entries({ ...codes })) codes[v] = k;

const zlib = {
  constants,
  codes: Object.freeze(codes),
  crc32,
  Gzip, Gunzip, Deflate, Inflate, DeflateRaw, InflateRaw, Unzip,
  createGzip: (o) => new Gzip(o),
  createGunzip: (o) => new Gunzip(o),
  createDeflate: (o) => new Deflate(o),
  createInflate: (o) => new Inflate(o),
  createDeflateRaw: (o) => new DeflateRaw(o),
  createInflateRaw: (o) => new InflateRaw(o),
  createUnzip: (o) => new Unzip(o),
  gzip: promisified(zlibAsync("gzip")),
  gunzip: promisified(zlibAsync("gunzip")),
  deflate: promisified(zlibAsync("deflate")),
  inflate: promisified(zlibAsync("inflate")),
  deflateRaw: promisified(zlibAsync("deflateRaw")),
  inflateRaw: promisified(zlibAsync("inflateRaw")),
  unzip: promisified(zlibAsync("unzip")),
  gzipSync: (b, o) => zlibSync("gzip", b, o),
  gunzipSync: (b, o) => zlibSync("gunzip", b, o),
  deflateSync: (b, o) => zlibSync("deflate", b, o),
  inflateSync: (b, o) => zlibSync("inflate", b, o),
  deflateRawSync: (b, o) => zlibSync("deflateRaw", b, o),
  inflateRawSync: (b, o) => zlibSync("inflateRaw", b, o),
  unzipSync: (b, o) => zlibSync("unzip", b, o),
  BrotliCompress, BrotliDecompress,
  createBrotliCompress: (o) => new BrotliCompress(o),
  createBrotliDecompress: (o) => new BrotliDecompress(o),
  brotliCompress: promisified(zlibAsync("brotliCompress")),
  brotliDecompress: promisified(zlibAsync("brotliDecompress")),
  brotliCompressSync: (b, o) => zlibSync("brotliCompress", b, o),
  brotliDecompressSync: (b, o) => zlibSync("brotliDecompress", b, o),
};
// The constants are also on the module itself, as in Node.
for (const [k, v] of Object.entries(constants)) if (!(k in zlib)) zlib[k] = v;
export default zlib;
