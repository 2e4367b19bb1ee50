// structuredClone (HTML Standard): the serializable types workers use,
// with cycles and shared references preserved.
import { DOMException } from "./domexception.js";
import { Blob, File, kBytes } from "./blob.js";

const errorCtors = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayTag = Object.getOwnPropertyDescriptor(typedArrayProto, Symbol.toStringTag).get;

function uncloneable(v) {
  let desc;
  try {
    desc = typeof v === "symbol" ? v.toString() : typeof v === "function" ? Function.prototype.toString.call(v).slice(0, 60) : Object.prototype.toString.call(v);
  } catch {
    desc = typeof v;
  }
  return new DOMException(`${desc} could not be cloned.`, "DataCloneError");
}

// Marks, in the memo, a buffer on the transfer list not yet reached.
const TRANSFER = {};

function cloneBuffer(buf, memo) {
  let out = memo.get(buf);
  if (out === TRANSFER) {
    out = buf.transfer();
    memo.set(buf, out);
  } else if (!out) {
    if (!(buf instanceof ArrayBuffer)) {
      // A SharedArrayBuffer can only be shared with a cross-origin
      // isolated agent, which a worker is not.
      throw new DOMException("A SharedArrayBuffer could not be cloned.", "DataCloneError");
    }
    if (buf.detached) throw new DOMException("An ArrayBuffer is detached and could not be cloned.", "DataCloneError");
    if (buf.resizable) {
      out = new ArrayBuffer(buf.byteLength, { maxByteLength: buf.maxByteLength });
      new Uint8Array(out).set(new Uint8Array(buf));
    } else {
      out = buf.slice(0);
    }
    memo.set(buf, out);
  }
  return out;
}

function clone(v, memo) {
  if (typeof v === "symbol" || typeof v === "function") throw uncloneable(v);
  if (v === null || typeof v !== "object") return v;
  const seen = memo.get(v);
  if (seen === TRANSFER) return cloneBuffer(v, memo);
  if (seen !== undefined) return seen;
  let out;
  if (Array.isArray(v)) {
    out = new Array(v.length);
    memo.set(v, out);
    for (const k of Object.keys(v)) out[k] = clone(v[k], memo);
    return out;
  }
  if (v instanceof Date) out = new Date(v.getTime());
  else if (v instanceof RegExp) out = new RegExp(v.source, v.flags);
  else if (v instanceof ArrayBuffer || (typeof SharedArrayBuffer === "function" && v instanceof SharedArrayBuffer)) return cloneBuffer(v, memo);
  // A view reads its geometry before its buffer is cloned: a transferred
  // buffer is detached then.
  else if (v instanceof DataView) {
    const { byteOffset, byteLength } = v;
    out = new DataView(cloneBuffer(v.buffer, memo), byteOffset, byteLength);
  } else if (ArrayBuffer.isView(v)) {
    const Ctor = globalThis[typedArrayTag.call(v)];
    const { byteOffset, length } = v;
    out = new Ctor(cloneBuffer(v.buffer, memo), byteOffset, length);
  } else if (v instanceof Map) {
    out = new Map();
    memo.set(v, out);
    for (const [k, val] of v) out.set(clone(k, memo), clone(val, memo));
    return out;
  } else if (v instanceof Set) {
    out = new Set();
    memo.set(v, out);
    for (const val of v) out.add(clone(val, memo));
    return out;
  } else if (v instanceof Error) {
    const name = String(v.name);
    const Ctor = Object.hasOwn(errorCtors, name) ? errorCtors[name] : Error;
    out = Object.create(Ctor.prototype);
    memo.set(v, out);
    const msgDesc = Object.getOwnPropertyDescriptor(v, "message");
    if (msgDesc && "value" in msgDesc) {
      Object.defineProperty(out, "message", { value: String(msgDesc.value), writable: true, configurable: true, enumerable: false });
    }
    if (typeof v.stack === "string") {
      Object.defineProperty(out, "stack", { value: v.stack, writable: true, configurable: true, enumerable: false });
    }
    if (Object.hasOwn(v, "cause")) {
      Object.defineProperty(out, "cause", { value: clone(v.cause, memo), writable: true, configurable: true, enumerable: false });
    }
    return out;
  } else if (v instanceof Blob) {
    // Blobs are immutable: the clone shares the bytes.
    out = v instanceof File ? new File([], v.name, { type: v.type, lastModified: v.lastModified }) : new Blob([], { type: v.type });
    out[kBytes] = v[kBytes];
  } else if (v instanceof Boolean) out = new Boolean(v.valueOf());
  else if (v instanceof Number) out = new Number(v.valueOf());
  else if (v instanceof String) out = new String(v.valueOf());
  else if (Object.prototype.toString.call(v) === "[object BigInt]") out = Object(BigInt.prototype.valueOf.call(v));
  else if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet || v instanceof WeakRef) throw uncloneable(v);
  else {
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null && platformUncloneable(v)) throw uncloneable(v);
    out = {};
    memo.set(v, out);
    for (const k of Object.keys(v)) out[k] = clone(v[k], memo);
    return out;
  }
  memo.set(v, out);
  return out;
}

// Platform objects (Request, streams...) are not serializable; plain class
// instances are cloned as plain objects, as in browsers.
const platformClasses = [];
export function registerUncloneable(cls) {
  platformClasses.push(cls);
}
function platformUncloneable(v) {
  return platformClasses.some((c) => v instanceof c);
}

export function structuredClone(value, options = undefined) {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'structuredClone': 1 argument required, but only 0 present.");
  const transfer = options?.transfer ?? [];
  const list = [...transfer];
  for (const t of list) {
    if (!(t instanceof ArrayBuffer)) throw new DOMException("Value not transferable", "DataCloneError");
    if (t.detached) throw new DOMException("An ArrayBuffer is detached and could not be cloned.", "DataCloneError");
  }
  if (new Set(list).size !== list.length) throw new DOMException("ArrayBuffer is marked as transferable twice", "DataCloneError");
  const memo = new Map();
  // Transferred buffers move (the original is detached) instead of being
  // copied: when the clone reaches them, or at the end.
  for (const t of list) memo.set(t, TRANSFER);
  const out = clone(value, memo);
  for (const t of list) if (memo.get(t) === TRANSFER) memo.set(t, t.transfer());
  return out;
}
