// node:crypto — randomBytes, randomUUID, randomInt, createHash, createHmac,
// timingSafeEqual, webcrypto. Hashes collect their input and hash it in Go
// at digest() (ops.digest / ops.hmac).
import ops from "../ops.js";
import { Buffer } from "./buffer.js";

const HASHES = { md5: "MD5", sha1: "SHA-1", sha256: "SHA-256", sha384: "SHA-384", sha512: "SHA-512",
  "sha-1": "SHA-1", "sha-256": "SHA-256", "sha-384": "SHA-384", "sha-512": "SHA-512" };

function hashName(algorithm) {
  const name = HASHES[String(algorithm).toLowerCase()];
  if (!name) throw new Error("Digest method not supported");
  return name;
}

function toBytes(data, encoding) {
  if (typeof data === "string") return Buffer.from(data, encoding);
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const e = new TypeError(`The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${data === null ? "null" : typeof data}`);
  e.code = "ERR_INVALID_ARG_TYPE";
  throw e;
}

function concat(parts) {
  return Buffer.concat(parts.map((p) => (p instanceof Buffer ? p : Buffer.from(p.buffer, p.byteOffset, p.byteLength))));
}

class Digester {
  #alg;
  #key;
  #parts = [];
  #done = false;
  constructor(alg, key) {
    this.#alg = alg;
    this.#key = key;
  }
  update(data, encoding) {
    if (this.#done) throw Object.assign(new Error("Digest already called"), { code: "ERR_CRYPTO_HASH_FINALIZED" });
    this.#parts.push(Buffer.from(toBytes(data, encoding)));
    return this;
  }
  digest(encoding) {
    if (this.#done) throw Object.assign(new Error("Digest already called"), { code: "ERR_CRYPTO_HASH_FINALIZED" });
    this.#done = true;
    const data = concat(this.#parts);
    this.#parts = [];
    const out = this.#key ? ops.hmac(this.#alg, this.#key, data) : ops.digest(this.#alg, data);
    const buf = Buffer.from(out.buffer, out.byteOffset, out.byteLength);
    return encoding === undefined || encoding === "buffer" ? buf : buf.toString(encoding);
  }
  copy() {
    if (this.#done) throw Object.assign(new Error("Digest already called"), { code: "ERR_CRYPTO_HASH_FINALIZED" });
    const c = new this.constructor(this.#alg, this.#key, true);
    for (const p of this.#parts) c.update(p);
    return c;
  }
}

export class Hash extends Digester {
  constructor(algorithm, _key, internal) {
    super(internal ? algorithm : hashName(algorithm), null);
  }
}

export class Hmac extends Digester {
  constructor(algorithm, key, internal) {
    super(internal ? algorithm : hashName(algorithm), internal ? key : toBytes(key?.export ? key.export() : key).slice());
  }
}

export function createHash(algorithm) {
  return new Hash(algorithm);
}

export function createHmac(algorithm, key) {
  return new Hmac(algorithm, key);
}

export function randomBytes(size, callback) {
  if (typeof size !== "number" || !(size >= 0 && size <= 2 ** 31 - 1)) {
    throw Object.assign(new RangeError(`The value of "size" is out of range. It must be >= 0 && <= 2147483647. Received ${size}`), { code: "ERR_OUT_OF_RANGE" });
  }
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i += 65536) ops.randomFill(buf.subarray(i, Math.min(size, i + 65536)));
  if (typeof callback === "function") {
    queueMicrotask(() => callback(null, buf));
    return undefined;
  }
  return buf;
}

export function randomFillSync(buf, offset = 0, size = undefined) {
  const view = new Uint8Array(buf.buffer ?? buf, (buf.byteOffset ?? 0) + offset, size ?? (buf.byteLength - offset));
  for (let i = 0; i < view.length; i += 65536) ops.randomFill(view.subarray(i, Math.min(view.length, i + 65536)));
  return buf;
}

export function randomInt(min, max, callback) {
  if (max === undefined || typeof max === "function") {
    callback = max;
    max = min;
    min = 0;
  }
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max <= min) {
    throw Object.assign(new RangeError(`The value of "max" is out of range. It must be greater than the value of "min" (${min}). Received ${max}`), { code: "ERR_OUT_OF_RANGE" });
  }
  const range = max - min;
  // Rejection sampling over 48 random bits avoids modulo bias.
  const limit = 2 ** 48 - (2 ** 48 % range);
  let v;
  do {
    const b = randomBytes(6);
    v = b.readUIntBE(0, 6);
  } while (v >= limit);
  const n = min + (v % range);
  if (typeof callback === "function") {
    queueMicrotask(() => callback(null, n));
    return undefined;
  }
  return n;
}

export function randomUUID() {
  return globalThis.crypto.randomUUID();
}

export function timingSafeEqual(a, b) {
  const x = toBytes(a);
  const y = toBytes(b);
  if (x.byteLength !== y.byteLength) {
    throw Object.assign(new RangeError("Input buffers must have the same byte length"), { code: "ERR_CRYPTO_TIMING_SAFE_EQUAL_LENGTH" });
  }
  let diff = 0;
  for (let i = 0; i < x.length; i++) diff |= x[i] ^ y[i];
  return diff === 0;
}

export function getHashes() {
  return ["md5", "sha1", "sha256", "sha384", "sha512"];
}

export default {
  createHash, createHmac, Hash, Hmac, randomBytes, randomFillSync, randomInt, randomUUID, timingSafeEqual, getHashes,
  get webcrypto() { return globalThis.crypto; },
  get subtle() { return globalThis.crypto.subtle; },
  getRandomValues: (a) => globalThis.crypto.getRandomValues(a),
};
