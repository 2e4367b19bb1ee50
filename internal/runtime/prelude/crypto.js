// crypto.getRandomValues/randomUUID and crypto.subtle.digest over the host;
// the key operations come from subtle.js.
import ops from "./ops.js";
import { subtleMethods, timingSafeEqual, CryptoKey } from "./subtle.js";
import { DOMException } from "./domexception.js";
import { illegalConstructor, isBufferSource, copyBytes } from "./util.js";

const integerArrays = [Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array, BigInt64Array, BigUint64Array];
let constructing = false;

export const digestAlgorithms = new Map([["sha-1", "SHA-1"], ["sha-256", "SHA-256"], ["sha-384", "SHA-384"], ["sha-512", "SHA-512"], ["md5", "MD5"]]);

export function normalizeDigest(algorithm) {
  const name = typeof algorithm === "string" ? algorithm : algorithm?.name;
  if (name === undefined) throw new TypeError("Algorithm: name is missing");
  const norm = digestAlgorithms.get(String(name).toLowerCase());
  if (!norm) throw new DOMException(`Unrecognized hash algorithm name: "${name}"`, "NotSupportedError");
  return norm;
}

export class SubtleCrypto {
  constructor() {
    if (!constructing) illegalConstructor();
  }
  digest(algorithm, data) {
    try {
      const alg = normalizeDigest(algorithm);
      if (!isBufferSource(data)) throw new TypeError("Failed to execute 'digest' on 'SubtleCrypto': parameter 2 is not of type 'ArrayBuffer' or 'ArrayBufferView'.");
      // Copy first: the caller may change the buffer before the promise settles.
      const out = ops.digest(alg, copyBytes(data));
      return Promise.resolve(out.buffer.byteLength === out.byteLength ? out.buffer : out.slice().buffer);
    } catch (e) {
      return Promise.reject(e);
    }
  }
}
for (const [name, fn] of Object.entries({ ...subtleMethods, timingSafeEqual })) {
  Object.defineProperty(fn, "name", { value: name });
  Object.defineProperty(SubtleCrypto.prototype, name, { value: fn, writable: true, enumerable: true, configurable: true });
}
Object.defineProperty(SubtleCrypto.prototype, Symbol.toStringTag, { value: "SubtleCrypto", configurable: true });

export { CryptoKey };

export class Crypto {
  #subtle;
  constructor() {
    if (!constructing) illegalConstructor();
    this.#subtle = new SubtleCrypto();
  }
  get subtle() { return this.#subtle; }
  getRandomValues(array) {
    if (!integerArrays.some((C) => array instanceof C)) {
      throw new DOMException("The data argument must be an integer-type TypedArray", "TypeMismatchError");
    }
    if (array.byteLength > 65536) {
      throw new DOMException(`The ArrayBufferView's byte length (${array.byteLength}) exceeds the number of bytes of entropy available via this API (65536)`, "QuotaExceededError");
    }
    ops.randomFill(new Uint8Array(array.buffer, array.byteOffset, array.byteLength));
    return array;
  }
  randomUUID() {
    const b = new Uint8Array(16);
    ops.randomFill(b);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
    return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
  }
}
Object.defineProperty(Crypto.prototype, Symbol.toStringTag, { value: "Crypto", configurable: true });

export function createCrypto() {
  constructing = true;
  try {
    return new Crypto();
  } finally {
    constructing = false;
  }
}
