// Small helpers shared by the Web API classes (WebIDL-style conversions).

export const inspectSymbol = Symbol.for("nodejs.util.inspect.custom");

// A promise with its resolve/reject; `settled` tells whether either ran.
export function deferred() {
  const d = { promise: undefined, resolve: undefined, reject: undefined, settled: false };
  d.promise = new Promise((res, rej) => {
    d.resolve = (v) => {
      d.settled = true;
      res(v);
    };
    d.reject = (e) => {
      d.settled = true;
      rej(e);
    };
  });
  return d;
}

// Marks a promise as handled so an expected rejection is not reported.
// The original Promise.prototype.then: the worker's code may replace it, and
// the platform's own reactions must not call the replacement.
const promiseThen = Promise.prototype.then;
const ignore = () => {};
export function markHandled(p) {
  Reflect.apply(promiseThen, p, [undefined, ignore]);
  return p;
}

export function illegalConstructor() {
  throw new TypeError("Illegal constructor");
}

export function isBufferSource(v) {
  return v instanceof ArrayBuffer || ArrayBuffer.isView(v) ||
    (typeof SharedArrayBuffer !== "undefined" && v instanceof SharedArrayBuffer);
}

// Whether v is, or views, a SharedArrayBuffer: a BufferSource argument
// without [AllowShared] must refuse it.
export function isShared(v) {
  if (typeof SharedArrayBuffer === "undefined") return false;
  return v instanceof SharedArrayBuffer || (ArrayBuffer.isView(v) && v.buffer instanceof SharedArrayBuffer);
}

// A Uint8Array over the bytes of an ArrayBuffer or view (no copy).
export function bytesView(v) {
  if (v instanceof Uint8Array) return v;
  if (ArrayBuffer.isView(v)) return new Uint8Array(v.buffer, v.byteOffset, v.byteLength);
  return new Uint8Array(v);
}

// A fresh copy of the bytes of a BufferSource.
// A copy of the bytes of an ArrayBuffer or view; WebIDL's "get a copy of the
// buffer source": a detached buffer has no bytes.
export function copyBytes(v) {
  const buffer = ArrayBuffer.isView(v) ? v.buffer : v;
  if (buffer.detached === true) return new Uint8Array(0);
  return bytesView(v).slice();
}

export function toUSVString(v) {
  const s = String(v);
  return s.isWellFormed() ? s : s.toWellFormed();
}

export function toByteString(v, what) {
  const s = String(v);
  for (let i = 0; i < s.length; i++) {
    if (s.charCodeAt(i) > 255) {
      throw new TypeError(`${what}: Cannot convert argument to a ByteString because the character at index ${i} has a value of ${s.charCodeAt(i)} which is greater than 255.`);
    }
  }
  return s;
}

export function concatBytes(chunks, total) {
  if (chunks.length === 1) return chunks[0];
  if (total === undefined) {
    total = 0;
    for (const c of chunks) total += c.byteLength;
  }
  const out = new Uint8Array(total);
  let off = 0;
  for (const c of chunks) {
    out.set(c, off);
    off += c.byteLength;
  }
  return out;
}

// Defines properties the way Web IDL does on prototypes: non-enumerable
// methods become enumerable per spec, but toStringTag is not.
export function setToStringTag(cls, name) {
  Object.defineProperty(cls.prototype, Symbol.toStringTag, {
    value: name, writable: false, enumerable: false, configurable: true,
  });
}

// Web IDL makes accessors and methods on interface prototypes enumerable.
export function enumerableMembers(cls, names) {
  for (const n of names) {
    const d = Object.getOwnPropertyDescriptor(cls.prototype, n);
    if (d) {
      d.enumerable = true;
      Object.defineProperty(cls.prototype, n, d);
    }
  }
}

// Bundling renames some classes (Request becomes _Request); each global
// class keeps its own name, as esbuild's keepNames would give every
// function at a cost to start-up.
export function nameGlobals(globals) {
  for (const name of Object.keys(globals)) {
    const v = globals[name];
    if (typeof v === "function" && /^[A-Z]/.test(name) && v.name !== name) {
      Object.defineProperty(v, "name", { value: name, configurable: true });
    }
  }
}
