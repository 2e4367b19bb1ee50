// node:buffer — Buffer as a Uint8Array subclass, with Node's encodings:
// utf8, hex, base64, base64url, latin1/binary, ascii, utf16le/ucs2.
import { TextEncoder, TextDecoder } from "../encoding.js";
import { atob, btoa } from "../base64.js";
import { Blob, File } from "../blob.js";

const encoder = new TextEncoder();
const utf8Decoder = new TextDecoder("utf-8");

const ENCODINGS = {
  "utf8": "utf8", "utf-8": "utf8", "hex": "hex", "base64": "base64", "base64url": "base64url",
  "latin1": "latin1", "binary": "latin1", "ascii": "ascii", "utf16le": "utf16le", "utf-16le": "utf16le",
  "ucs2": "utf16le", "ucs-2": "utf16le",
};

export function normalizeEncoding(enc) {
  if (enc === undefined || enc === null) return "utf8";
  const e = ENCODINGS[String(enc).toLowerCase()];
  if (!e) {
    const err = new TypeError(`Unknown encoding: ${enc}`);
    err.code = "ERR_UNKNOWN_ENCODING";
    throw err;
  }
  return e;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_VALUE = new Int8Array(256).fill(-1);
for (let i = 0; i < 64; i++) B64_VALUE[B64.charCodeAt(i)] = i;
B64_VALUE["-".charCodeAt(0)] = 62;
B64_VALUE["_".charCodeAt(0)] = 63;

// Node decodes base64 leniently: both alphabets, whitespace and stray
// characters skipped, decoding stops at the first "=".
function decodeBase64(s) {
  const out = new Uint8Array(Math.ceil(s.length * 3 / 4));
  let n = 0, acc = 0, bits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 61) break; // "="
    const v = c < 256 ? B64_VALUE[c] : -1;
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[n++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, n);
}

function encodeBase64(bytes, url) {
  let s = "";
  const alphabet = url ? B64.slice(0, 62) + "-_" : B64;
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8) | bytes[i + 2];
    s += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + alphabet[v & 63];
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const v = bytes[i] << 16;
    s += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + (url ? "" : "==");
  } else if (rest === 2) {
    const v = (bytes[i] << 16) | (bytes[i + 1] << 8);
    s += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + (url ? "" : "=");
  }
  return s;
}

function encodeString(str, enc) {
  switch (enc) {
    case "utf8": return encoder.encode(str);
    case "hex": {
      const n = str.length >>> 1;
      const out = new Uint8Array(n);
      let i = 0;
      for (; i < n; i++) {
        const v = parseInt(str.substr(i * 2, 2), 16);
        if (Number.isNaN(v) || !/^[0-9a-fA-F]{2}$/.test(str.substr(i * 2, 2))) break;
        out[i] = v;
      }
      return out.subarray(0, i);
    }
    case "base64":
    case "base64url": return decodeBase64(str);
    case "latin1":
    case "ascii": {
      const out = new Uint8Array(str.length);
      for (let i = 0; i < str.length; i++) out[i] = str.charCodeAt(i) & 0xff;
      return out;
    }
    case "utf16le": {
      const out = new Uint8Array(str.length * 2);
      for (let i = 0; i < str.length; i++) {
        const c = str.charCodeAt(i);
        out[i * 2] = c & 0xff;
        out[i * 2 + 1] = c >> 8;
      }
      return out;
    }
  }
  throw new TypeError(`Unknown encoding: ${enc}`);
}

function decodeBytes(bytes, enc) {
  switch (enc) {
    case "utf8": return utf8Decoder.decode(bytes);
    case "hex": {
      let s = "";
      for (let i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
      return s;
    }
    case "base64": return encodeBase64(bytes, false);
    case "base64url": return encodeBase64(bytes, true);
    case "latin1":
    case "ascii": {
      const mask = enc === "ascii" ? 0x7f : 0xff;
      let s = "";
      for (let i = 0; i < bytes.length; i += 4096) {
        const part = bytes.subarray(i, Math.min(i + 4096, bytes.length));
        s += String.fromCharCode.apply(null, mask === 0xff ? part : Array.from(part, (b) => b & mask));
      }
      return s;
    }
    case "utf16le": {
      let s = "";
      for (let i = 0; i + 1 < bytes.length; i += 2) s += String.fromCharCode(bytes[i] | (bytes[i + 1] << 8));
      return s;
    }
  }
  throw new TypeError(`Unknown encoding: ${enc}`);
}

function invalidArg(what, value) {
  const got = value === null ? "null" : typeof value === "object" ? `an instance of ${value?.constructor?.name ?? "Object"}` : `type ${typeof value} (${String(value)})`;
  const err = new TypeError(`${what}. Received ${got}`);
  err.code = "ERR_INVALID_ARG_TYPE";
  return err;
}

function outOfRange(name, range, value) {
  const err = new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${value}`);
  err.code = "ERR_OUT_OF_RANGE";
  return err;
}

function checkOffset(buf, offset, size) {
  if (offset === undefined) offset = 0;
  if (typeof offset !== "number") throw invalidArg('The "offset" argument must be of type number', offset);
  if (!Number.isInteger(offset) || offset < 0 || offset + size > buf.length) {
    throw outOfRange("offset", `>= 0 and <= ${buf.length - size}`, offset);
  }
  return offset;
}

function view(buf) {
  return new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
}

export const kMaxLength = 2 ** 32;
export const INSPECT_MAX_BYTES = 50;

export class Buffer extends Uint8Array {
  static from(value, encodingOrOffset, length) {
    if (typeof value === "string") {
      return fromBytes(encodeString(value, normalizeEncoding(encodingOrOffset)));
    }
    if (value instanceof ArrayBuffer || (typeof SharedArrayBuffer !== "undefined" && value instanceof SharedArrayBuffer)) {
      const off = encodingOrOffset === undefined ? 0 : Number(encodingOrOffset);
      if (off > value.byteLength) throw outOfRange("offset", `<= ${value.byteLength}`, off);
      const len = length === undefined ? value.byteLength - off : Number(length);
      return new Buffer(value, off, len);
    }
    if (ArrayBuffer.isView(value)) {
      if (value instanceof Uint8Array) return fromBytes(value.slice());
      return fromBytes(Uint8Array.from(value, (x) => Number(x) & 0xff));
    }
    if (value !== null && typeof value === "object") {
      if (value.type === "Buffer" && Array.isArray(value.data)) return fromBytes(Uint8Array.from(value.data));
      if (typeof value.length === "number" || Array.isArray(value)) return fromBytes(Uint8Array.from(value, (x) => Number(x) & 0xff));
      const prim = value.valueOf?.();
      if (prim !== value && prim != null) return Buffer.from(prim, encodingOrOffset, length);
      if (typeof value[Symbol.toPrimitive] === "function") return Buffer.from(value[Symbol.toPrimitive]("string"), encodingOrOffset);
    }
    throw invalidArg("The first argument must be of type string or an instance of Buffer, ArrayBuffer, or Array or an Array-like Object", value);
  }

  static alloc(size, fill, encoding) {
    checkSize(size);
    const b = new Buffer(size);
    if (fill !== undefined && fill !== 0) b.fill(fill, 0, b.length, encoding);
    return b;
  }
  static allocUnsafe(size) {
    checkSize(size);
    return new Buffer(size);
  }
  static allocUnsafeSlow(size) {
    return Buffer.allocUnsafe(size);
  }
  static isBuffer(v) {
    return v instanceof Buffer;
  }
  static isEncoding(enc) {
    return typeof enc === "string" && Object.hasOwn(ENCODINGS, enc.toLowerCase());
  }
  static byteLength(value, encoding) {
    if (typeof value !== "string") {
      if (ArrayBuffer.isView(value) || value instanceof ArrayBuffer) return value.byteLength;
      throw invalidArg('The "string" argument must be of type string or an instance of Buffer or ArrayBuffer', value);
    }
    return encodeString(value, normalizeEncoding(encoding)).length;
  }
  static concat(list, totalLength) {
    if (!Array.isArray(list)) throw invalidArg('The "list" argument must be an instance of Array', list);
    if (totalLength === undefined) totalLength = list.reduce((n, b) => n + b.length, 0);
    const out = Buffer.alloc(totalLength);
    let pos = 0;
    for (const b of list) {
      if (!(b instanceof Uint8Array)) throw invalidArg('The "list" argument must be an Array of Buffer or Uint8Array', b);
      const n = Math.min(b.length, totalLength - pos);
      if (n <= 0) break;
      out.set(n === b.length ? b : b.subarray(0, n), pos);
      pos += n;
    }
    return out;
  }
  static compare(a, b) {
    if (!(a instanceof Uint8Array)) throw invalidArg('The "buf1" argument must be an instance of Buffer or Uint8Array', a);
    if (!(b instanceof Uint8Array)) throw invalidArg('The "buf2" argument must be an instance of Buffer or Uint8Array', b);
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
    return a.length < b.length ? -1 : a.length > b.length ? 1 : 0;
  }

  get parent() { return this.buffer; }
  get offset() { return this.byteOffset; }

  toString(encoding, start = 0, end = this.length) {
    start = Math.max(0, start | 0);
    end = Math.min(this.length, end === undefined ? this.length : end | 0);
    if (end <= start) return "";
    return decodeBytes(this.subarray(start, end), normalizeEncoding(encoding));
  }
  toJSON() {
    return { type: "Buffer", data: Array.from(this) };
  }
  toLocaleString(encoding, start, end) {
    return this.toString(encoding, start, end);
  }
  equals(other) {
    if (!(other instanceof Uint8Array)) throw invalidArg('The "otherBuffer" argument must be an instance of Buffer or Uint8Array', other);
    return Buffer.compare(this, other) === 0;
  }
  compare(target, tStart = 0, tEnd = target.length, sStart = 0, sEnd = this.length) {
    return Buffer.compare(this.subarray(sStart, sEnd), target.subarray(tStart, tEnd));
  }
  // Unlike TypedArray.prototype.slice, Buffer#slice shares memory.
  slice(start, end) {
    return this.subarray(start, end);
  }
  write(string, offset, length, encoding) {
    if (typeof offset === "string") {
      encoding = offset;
      offset = 0;
      length = undefined;
    } else if (typeof length === "string") {
      encoding = length;
      length = undefined;
    }
    offset = offset === undefined ? 0 : offset >>> 0;
    const room = this.length - offset;
    length = length === undefined ? room : Math.min(room, length >>> 0);
    const enc = normalizeEncoding(encoding);
    let bytes = encodeString(String(string), enc);
    if (bytes.length > length) {
      bytes = bytes.subarray(0, length);
      // Never write part of a UTF-8 character.
      if (enc === "utf8") {
        let cut = bytes.length;
        while (cut > 0 && (bytes[cut - 1] & 0xc0) === 0x80) cut--;
        if (cut > 0) {
          const lead = bytes[cut - 1];
          const need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
          if (bytes.length - (cut - 1) < need) bytes = bytes.subarray(0, cut - 1);
        }
      }
    }
    this.set(bytes, offset);
    return bytes.length;
  }
  fill(value, offset = 0, end = this.length, encoding = undefined) {
    if (typeof offset === "string") {
      encoding = offset;
      offset = 0;
      end = this.length;
    } else if (typeof end === "string") {
      encoding = end;
      end = this.length;
    }
    if (typeof value === "number" || typeof value === "boolean") {
      return Uint8Array.prototype.fill.call(this, Number(value) & 0xff, offset, end);
    }
    const bytes = typeof value === "string" ? encodeString(value, normalizeEncoding(encoding)) : value;
    if (bytes.length === 0) {
      if (typeof value === "string" && value.length > 0) throw new TypeError(`The argument 'value' is invalid. Received '${value}'`);
      return Uint8Array.prototype.fill.call(this, 0, offset, end);
    }
    for (let i = offset, j = 0; i < end; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
    return this;
  }
  indexOf(value, byteOffset = 0, encoding = undefined) {
    return search(this, value, byteOffset, encoding, false);
  }
  lastIndexOf(value, byteOffset = undefined, encoding = undefined) {
    return search(this, value, byteOffset, encoding, true);
  }
  includes(value, byteOffset = 0, encoding = undefined) {
    return this.indexOf(value, byteOffset, encoding) !== -1;
  }
  copy(target, targetStart = 0, sourceStart = 0, sourceEnd = this.length) {
    const n = Math.max(0, Math.min(sourceEnd - sourceStart, target.length - targetStart));
    if (n > 0) target.set(this.subarray(sourceStart, sourceStart + n), targetStart);
    return n;
  }
  swap16() { return swap(this, 2); }
  swap32() { return swap(this, 4); }
  swap64() { return swap(this, 8); }

  readUIntBE(offset, byteLength) { return readUInt(this, offset, byteLength, false); }
  readUIntLE(offset, byteLength) { return readUInt(this, offset, byteLength, true); }
  readIntBE(offset, byteLength) { return toSigned(readUInt(this, offset, byteLength, false), byteLength); }
  readIntLE(offset, byteLength) { return toSigned(readUInt(this, offset, byteLength, true), byteLength); }
  writeUIntBE(value, offset, byteLength) { return writeUInt(this, value, offset, byteLength, false, 0, 2 ** (8 * byteLength) - 1); }
  writeUIntLE(value, offset, byteLength) { return writeUInt(this, value, offset, byteLength, true, 0, 2 ** (8 * byteLength) - 1); }
  writeIntBE(value, offset, byteLength) { return writeUInt(this, value, offset, byteLength, false, -(2 ** (8 * byteLength - 1)), 2 ** (8 * byteLength - 1) - 1); }
  writeIntLE(value, offset, byteLength) { return writeUInt(this, value, offset, byteLength, true, -(2 ** (8 * byteLength - 1)), 2 ** (8 * byteLength - 1) - 1); }
}

// Node's Buffer statics are plain enumerable properties: packages such as
// safer-buffer copy them with for…in.
for (const name of Object.getOwnPropertyNames(Buffer)) {
  if (name === "prototype" || name === "length" || name === "name") continue;
  const d = Object.getOwnPropertyDescriptor(Buffer, name);
  if (typeof d.value === "function") Object.defineProperty(Buffer, name, { ...d, enumerable: true });
}
if (!Object.hasOwn(Buffer, "poolSize")) Buffer.poolSize = 8192;

function checkSize(size) {
  if (typeof size !== "number") throw invalidArg('The "size" argument must be of type number', size);
  if (!(size >= 0 && size <= kMaxLength)) throw outOfRange("size", `>= 0 && <= ${kMaxLength}`, size);
}

function fromBytes(u8) {
  return new Buffer(u8.buffer, u8.byteOffset, u8.byteLength);
}

function swap(buf, size) {
  if (buf.length % size !== 0) throw new RangeError(`Buffer size must be a multiple of ${size * 8}-bits`);
  for (let i = 0; i < buf.length; i += size) buf.subarray(i, i + size).reverse();
  return buf;
}

function search(buf, value, byteOffset, encoding, last) {
  if (typeof byteOffset === "string") {
    encoding = byteOffset;
    byteOffset = undefined;
  }
  let needle;
  if (typeof value === "number") needle = new Uint8Array([value & 0xff]);
  else if (typeof value === "string") needle = encodeString(value, normalizeEncoding(encoding));
  else if (value instanceof Uint8Array) needle = value;
  else throw invalidArg('The "value" argument must be one of type number or string or an instance of Buffer or Uint8Array', value);
  const len = buf.length;
  let from = byteOffset === undefined ? (last ? len : 0) : Number(byteOffset);
  if (from < 0) from += len;
  from = Math.max(0, Math.min(from, len));
  if (needle.length === 0) return last ? Math.min(from, len) : Math.min(from, len);
  const match = (i) => {
    for (let j = 0; j < needle.length; j++) if (buf[i + j] !== needle[j]) return false;
    return true;
  };
  if (last) {
    for (let i = Math.min(from, len - needle.length); i >= 0; i--) if (match(i)) return i;
  } else {
    for (let i = from; i <= len - needle.length; i++) if (match(i)) return i;
  }
  return -1;
}

function readUInt(buf, offset, byteLength, le) {
  offset = checkOffset(buf, offset, byteLength);
  let v = 0;
  for (let i = 0; i < byteLength; i++) {
    const b = buf[offset + (le ? byteLength - 1 - i : i)];
    v = v * 256 + b;
  }
  return v;
}

function toSigned(v, byteLength) {
  const limit = 2 ** (8 * byteLength - 1);
  return v >= limit ? v - 2 * limit : v;
}

function writeUInt(buf, value, offset, byteLength, le, min, max) {
  offset = checkOffset(buf, offset, byteLength);
  value = Number(value);
  if (value < min || value > max) throw outOfRange("value", `>= ${min} and <= ${max}`, value);
  let v = value < 0 ? value + 2 ** (8 * byteLength) : value;
  for (let i = byteLength - 1; i >= 0; i--) {
    buf[offset + (le ? byteLength - 1 - i : i)] = v % 256;
    v = Math.floor(v / 256);
  }
  return offset + byteLength;
}

// The fixed-width readers and writers, over DataView.
const widths = [
  ["UInt8", 1, "Uint8"], ["Int8", 1, "Int8"], ["UInt16", 2, "Uint16"], ["Int16", 2, "Int16"],
  ["UInt32", 4, "Uint32"], ["Int32", 4, "Int32"], ["Float", 4, "Float32"], ["Double", 8, "Float64"],
  ["BigUInt64", 8, "BigUint64"], ["BigInt64", 8, "BigInt64"],
];
const ranges = {
  UInt8: [0, 0xff], Int8: [-0x80, 0x7f], UInt16: [0, 0xffff], Int16: [-0x8000, 0x7fff],
  UInt32: [0, 0xffffffff], Int32: [-0x80000000, 0x7fffffff],
};
for (const [name, size, dv] of widths) {
  const suffixes = size === 1 ? [""] : ["LE", "BE"];
  for (const sfx of suffixes) {
    const le = sfx === "LE";
    const read = function (offset = 0) {
      offset = checkOffset(this, offset, size);
      return view(this)[`get${dv}`](offset, le);
    };
    const write = function (value, offset = 0) {
      offset = checkOffset(this, offset, size);
      const r = ranges[name];
      if (r && (value < r[0] || value > r[1])) throw outOfRange("value", `>= ${r[0]} and <= ${r[1]}`, value);
      if (name.startsWith("Big") && typeof value !== "bigint") throw invalidArg('The "value" argument must be of type bigint', value);
      view(this)[`set${dv}`](offset, value, le);
      return offset + size;
    };
    for (const alias of name.startsWith("UInt") || name.startsWith("BigUInt") ? [name, name.replace("UInt", "Uint")] : [name]) {
      Object.defineProperty(Buffer.prototype, `read${alias}${sfx}`, { value: read, writable: true, configurable: true });
      Object.defineProperty(Buffer.prototype, `write${alias}${sfx}`, { value: write, writable: true, configurable: true });
    }
  }
}
for (const m of ["readUIntBE", "readUIntLE", "writeUIntBE", "writeUIntLE"]) {
  Object.defineProperty(Buffer.prototype, m.replace("UInt", "Uint"), { value: Buffer.prototype[m], writable: true, configurable: true });
}

// console.log(buf) shows <Buffer 68 69 …>, as in Node.
Object.defineProperty(Buffer.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value: function inspect() {
    const shown = Array.from(this.subarray(0, INSPECT_MAX_BYTES), (b) => (b < 16 ? "0" : "") + b.toString(16));
    const more = this.length > INSPECT_MAX_BYTES ? ` ... ${this.length - INSPECT_MAX_BYTES} more bytes` : "";
    return `<Buffer${shown.length ? " " + shown.join(" ") : ""}${more}>`;
  },
  writable: true, configurable: true,
});

export const constants = { MAX_LENGTH: kMaxLength, MAX_STRING_LENGTH: 2 ** 29 - 24 };

export function isUtf8(input) {
  try {
    new TextDecoder("utf-8", { fatal: true }).decode(input);
    return true;
  } catch {
    return false;
  }
}

export function isAscii(input) {
  const b = input instanceof Uint8Array ? input : new Uint8Array(input.buffer ?? input);
  return b.every((x) => x < 0x80);
}

export { atob, btoa, Blob, File };

export default { Buffer, kMaxLength, constants, INSPECT_MAX_BYTES, isUtf8, isAscii, atob, btoa, Blob, File, SlowBuffer: Buffer };
