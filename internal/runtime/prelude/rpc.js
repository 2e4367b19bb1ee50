// RPC as workerd does it (Workers RPC): values cross between workers by a
// serialization close to structured clone, functions and RpcTargets cross
// as stubs that call back into the worker that sent them, streams and
// Request/Response keep streaming, and thrown errors keep their name and
// message. Go carries the serialized form between VMs (internal/runtime/
// rpc.go); a stub is an import the receiving instance was given, and can
// reach nothing else.
import ops from "./ops.js";
import { DOMException } from "./domexception.js";
import { Request } from "./request.js";
import { Response } from "./response.js";
import { Headers } from "./headers.js";
import { ReadableStream } from "./readable.js";
import { WritableStream } from "./writable.js";
import { Blob, File, kBytes } from "./blob.js";

// RpcTarget marks a class whose instances cross RPC by reference (as a
// stub) instead of by value.
export class RpcTarget {}
Object.defineProperty(RpcTarget.prototype, Symbol.toStringTag, { value: "RpcTarget", configurable: true });

const kStub = Symbol("rpcStub");
const errorCtors = { Error, EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError };
const typedArrays = {
  Int8Array, Uint8Array, Uint8ClampedArray, Int16Array, Uint16Array, Int32Array, Uint32Array,
  Float32Array, Float64Array, BigInt64Array, BigUint64Array, DataView,
};
if (typeof Float16Array === "function") typedArrays.Float16Array = Float16Array;

export function isStub(v) {
  return (typeof v === "function" || (typeof v === "object" && v !== null)) && v[kStub] !== undefined;
}

function notSerializable(v) {
  const proto = Object.getPrototypeOf(v);
  const name = proto?.constructor?.name || "Object";
  return new DOMException(`Could not serialize object of type "${name}". This type does not support serialization.`, "DataCloneError");
}

// encode serializes value into { json, buffers, refs }: refs are the ids
// of the exports (ops.rpcExport) the receiver gets stubs to. For storage
// (forStorage) nothing crosses by reference: functions, stubs, RpcTargets
// and streams are a DataCloneError, as for structuredClone.
export function encode(value, forStorage = false) {
  const buffers = [];
  const refs = [];
  const memo = new Map();
  const exportRef = (v) => {
    if (forStorage) {
      const what = typeof v === "function" ? "function" : Object.prototype.toString.call(v);
      throw new DOMException(`${what} could not be cloned.`, "DataCloneError");
    }
    refs.push(ops.rpcExport(v));
    return refs.length - 1;
  };
  const buf = (bytes) => {
    buffers.push(bytes.slice());
    return buffers.length - 1;
  };
  const enc = (v) => {
    switch (typeof v) {
      case "string":
      case "boolean":
        return v;
      case "number":
        return Number.isFinite(v) && !Object.is(v, -0) ? v : ["n", Object.is(v, -0) ? "-0" : String(v)];
      case "undefined":
        return ["u"];
      case "bigint":
        return ["b", v.toString()];
      case "symbol":
        throw new DOMException(`${v.toString()} could not be cloned.`, "DataCloneError");
      case "function":
        // Functions and stubs (which are functions) cross by reference.
        return ["f", exportRef(v)];
    }
    if (v === null) return null;
    if (memo.has(v)) return ["@", memo.get(v)];
    if (isStub(v) || v instanceof RpcTarget) return ["t", exportRef(v)];
    if (v instanceof ReadableStream) {
      const reader = v.getReader();
      return ["rs", exportRef({ read: () => reader.read(), cancel: (reason) => reader.cancel(reason) })];
    }
    if (v instanceof WritableStream) {
      const writer = v.getWriter();
      return ["ws", exportRef({ write: (chunk) => writer.write(chunk), close: () => writer.close(), abort: (reason) => writer.abort(reason) })];
    }
    memo.set(v, memo.size);
    if (Array.isArray(v)) {
      const out = new Array(v.length);
      for (let i = 0; i < v.length; i++) out[i] = enc(v[i]);
      return ["a", out];
    }
    if (v instanceof Date) return ["d", v.getTime()];
    if (v instanceof RegExp) return ["r", v.source, v.flags];
    if (v instanceof ArrayBuffer) return ["ab", buf(new Uint8Array(v))];
    if (ArrayBuffer.isView(v)) {
      const name = Object.keys(typedArrays).find((n) => v instanceof typedArrays[n]);
      return ["v", name, buf(new Uint8Array(v.buffer, v.byteOffset, v.byteLength))];
    }
    if (v instanceof Map) return ["m", [...v].map(([k, x]) => [enc(k), enc(x)])];
    if (v instanceof Set) return ["s", [...v].map(enc)];
    if (v instanceof Error) {
      return ["e", String(v.name), String(v.message), Object.hasOwn(v, "cause") ? enc(v.cause) : ["u"]];
    }
    if (v instanceof File) return ["file", v.type, buf(v[kBytes]), v.name, v.lastModified];
    if (v instanceof Blob) return ["blob", v.type, buf(v[kBytes])];
    if (v instanceof Headers) return ["h", [...v]];
    if (v instanceof Request) {
      return ["req", v.url, v.method, [...v.headers], v.redirect, v.body === null ? null : enc(v.body)];
    }
    if (v instanceof Response) {
      return ["res", v.status, v.statusText, [...v.headers], v.body === null ? null : enc(v.body)];
    }
    if (v instanceof Boolean || v instanceof Number || v instanceof String) return ["box", enc(v.valueOf())];
    const proto = Object.getPrototypeOf(v);
    if (proto !== Object.prototype && proto !== null) throw notSerializable(v);
    const out = {};
    for (const k of Object.keys(v)) out[k] = enc(v[k]);
    return ["o", out];
  };
  const json = JSON.stringify(enc(value));
  return { json, buffers, refs };
}

// decode turns { json, buffers, imports } back into a value: each import
// becomes a stub.
export function decode(msg) {
  const memo = [];
  const buffers = msg.buffers;
  const imports = msg.imports ?? [];
  const dec = (t) => {
    if (t === null || typeof t !== "object") return t;
    const tag = t[0];
    switch (tag) {
      case "n": return Number(t[1]);
      case "u": return undefined;
      case "b": return BigInt(t[1]);
      case "f": return makeStub(imports[t[1]], [], true);
      case "t": return makeStub(imports[t[1]], [], false);
      case "@": return memo[t[1]];
      case "rs": return streamFromStub(makeStub(imports[t[1]], [], false));
      case "ws": return writableFromStub(makeStub(imports[t[1]], [], false));
    }
    const id = memo.length;
    memo.push(undefined);
    let out;
    switch (tag) {
      case "a":
        out = new Array(t[1].length);
        memo[id] = out;
        for (let i = 0; i < t[1].length; i++) out[i] = dec(t[1][i]);
        return out;
      case "o":
        out = {};
        memo[id] = out;
        for (const k of Object.keys(t[1])) out[k] = dec(t[1][k]);
        return out;
      case "m":
        out = new Map();
        memo[id] = out;
        for (const [k, x] of t[1]) out.set(dec(k), dec(x));
        return out;
      case "s":
        out = new Set();
        memo[id] = out;
        for (const x of t[1]) out.add(dec(x));
        return out;
      case "d": out = new Date(t[1]); break;
      case "r": out = new RegExp(t[1], t[2]); break;
      case "ab": out = buffers[t[1]].buffer; break;
      case "v": {
        const b = buffers[t[2]];
        const Ctor = typedArrays[t[1]] ?? Uint8Array;
        out = Ctor === DataView ? new DataView(b.buffer, b.byteOffset, b.byteLength)
          : new Ctor(b.buffer, b.byteOffset, b.byteLength / (Ctor.BYTES_PER_ELEMENT ?? 1));
        break;
      }
      case "e": {
        const Ctor = Object.hasOwn(errorCtors, t[1]) ? errorCtors[t[1]] : Error;
        out = new Ctor(t[2]);
        if (out.name !== t[1]) Object.defineProperty(out, "name", { value: t[1], writable: true, configurable: true, enumerable: false });
        memo[id] = out;
        const cause = dec(t[3]);
        if (cause !== undefined) Object.defineProperty(out, "cause", { value: cause, writable: true, configurable: true, enumerable: false });
        return out;
      }
      case "file": out = new File([buffers[t[2]]], t[3], { type: t[1], lastModified: t[4] }); break;
      case "blob": out = new Blob([buffers[t[2]]], { type: t[1] }); break;
      case "h": out = new Headers(t[1]); break;
      case "req": {
        const body = t[5] === null ? null : dec(t[5]);
        const init = { method: t[2], headers: t[3], redirect: t[4] };
        if (body !== null) {
          init.body = body;
          init.duplex = "half";
        }
        out = new Request(t[1], init);
        break;
      }
      case "res":
        out = new Response(t[4] === null ? null : dec(t[4]), { status: t[1], statusText: t[2], headers: t[3] });
        break;
      case "box": out = Object(dec(t[1])); break;
      default:
        throw new TypeError(`RPC: unknown serialized type "${tag}"`);
    }
    memo[id] = out;
    return out;
  };
  return dec(JSON.parse(msg.json));
}

function streamFromStub(stub) {
  return new ReadableStream({
    async pull(controller) {
      const { done, value } = await stub.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel(reason) {
      return stub.cancel(reason);
    },
  });
}

function writableFromStub(stub) {
  return new WritableStream({
    write: (chunk) => stub.write(chunk),
    close: () => stub.close(),
    abort: (reason) => stub.abort(reason),
  });
}

// A result crosses as ["ok", value] or ["throw", error]: a thrown error
// keeps its name and message on the caller's side.
export function encodeResult(value) {
  return encode({ ok: value });
}

export function encodeThrow(e) {
  try {
    return encode({ throw: e });
  } catch {
    return encode({ throw: new Error(String(e?.message ?? e)) });
  }
}

export function decodeResult(msg) {
  const r = decode(msg);
  if (Object.hasOwn(r, "throw")) throw r.throw;
  return r.ok;
}

// Calls on stubs. A call returns an RpcPromise: awaitable, and usable at
// once as the thing it will resolve to (promise pipelining), so
// env.SVC.getCounter().increment() works without awaiting getCounter().
function callImport(importId, path, args) {
  let message;
  try {
    message = args === null ? null : encode(args);
  } catch (e) {
    return Promise.reject(e);
  }
  return ops.rpcCall(importId, path, message).then(decodeResult);
}

// makeStub is the stub for an import (path empty) or for a property path
// of it. Awaiting a property path reads the property on the other side;
// calling one calls it there. Disposal is shared by the stub and its paths.
function makeStub(importId, path, callable, state = { disposed: false }) {
  const target = function () {};
  const check = () => {
    if (state.disposed) throw new Error("Attempted to use RPC stub after it has been disposed.");
  };
  return new Proxy(target, {
    get(_, prop) {
      if (prop === kStub) return { importId, path };
      if (prop === Symbol.dispose) {
        return () => {
          if (!state.disposed) {
            state.disposed = true;
            ops.rpcRelease(importId);
          }
        };
      }
      if (prop === "dup") return () => makeStub(importId, path, callable);
      if (typeof prop === "symbol") return undefined;
      if (prop === "then") {
        if (path.length === 0) return undefined;
        return (resolve, reject) => {
          try {
            check();
            return callImport(importId, path, null).then(resolve, reject);
          } catch (e) {
            return Promise.reject(e).then(resolve, reject);
          }
        };
      }
      return makeStub(importId, [...path, prop], true, state);
    },
    apply(_, thisArg, args) {
      try {
        check();
      } catch (e) {
        return rpcPromise(Promise.reject(e));
      }
      return rpcPromise(callImport(importId, path, args));
    },
    has(_, prop) {
      return prop === kStub;
    },
  });
}

// walk follows path on a resolved value without awaiting anything (on a
// stub it only builds the property path); it also returns the object the
// last step was read from, to call a local method on.
function walk(value, path) {
  let owner;
  for (const name of path) {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) {
      throw new TypeError("Can't pipeline on RPC that did not return an object.");
    }
    owner = value;
    value = value[name];
  }
  return { owner, value };
}

// rpcPromise is an RpcPromise for what promise resolves to, or, with a
// path, for a property of it: property reads and calls on it pipeline.
export function rpcPromise(promise, path = []) {
  const settled = () => promise.then((v) => {
    const { value } = walk(v, path);
    return value;
  });
  const target = function () {};
  return new Proxy(target, {
    get(_, prop) {
      if (prop === "then") return (res, rej) => settled().then(res, rej);
      if (prop === "catch") return (rej) => settled().catch(rej);
      if (prop === "finally") return (f) => settled().finally(f);
      if (prop === Symbol.toStringTag) return "RpcPromise";
      if (prop === Symbol.dispose) return () => promise.then((v) => v?.[Symbol.dispose]?.(), () => {});
      if (typeof prop === "symbol") return undefined;
      return rpcPromise(promise, [...path, prop]);
    },
    apply(_, thisArg, args) {
      return rpcPromise(promise.then((v) => {
        const { owner, value } = walk(v, path);
        if (typeof value !== "function") throw new TypeError("The RPC result is not a function.");
        return isStub(value) ? value(...args) : value.apply(owner, args);
      }));
    },
  });
}

// RpcStub wraps a local object so it crosses RPC by reference; locally,
// calls go straight to the object.
export class RpcStub {
  constructor(value) {
    if (value === null || (typeof value !== "object" && typeof value !== "function")) {
      throw new TypeError("RpcStubs can only wrap plain objects, functions, and RpcTarget derivatives.");
    }
    const local = new Proxy(value, {
      get(t, prop) {
        if (prop === kStub) return { local: true };
        if (prop === Symbol.dispose) return () => t[Symbol.dispose]?.();
        if (prop === "dup") return () => new RpcStub(t);
        const x = Reflect.get(t, prop);
        return typeof x === "function" ? (...args) => Promise.resolve().then(() => x.apply(t, args)) : x;
      },
    });
    return local;
  }
}

// The rules for what a caller may reach on a receiver, as workerd's: plain
// objects expose their own properties, class instances (RpcTarget,
// WorkerEntrypoint) what their classes define, never what Object.prototype
// has; reserved names are never callable.
const reservedAlways = new Set(["dup", "constructor"]);
export const reservedOnEntrypoints = new Set(["fetch", "connect", "alarm", "webSocketMessage", "webSocketClose", "webSocketError", "dup", "constructor"]);

function failLookup(name) {
  throw new TypeError(`The RPC receiver does not implement the method "${name}".`);
}

function getProperty(object, name, reserved) {
  if (reserved.has(name)) throw new TypeError(`'${name}' is a reserved method and cannot be called over RPC.`);
  const proto = Object.getPrototypeOf(object);
  const plain = typeof object === "function" || proto === Object.prototype || proto === null;
  if (isStub(object)) return object[name];
  if (plain) {
    if (!Object.hasOwn(object, name)) failLookup(name);
    return object[name];
  }
  if (Object.hasOwn(object, name)) failLookup(name);
  const value = object[name];
  if (value === undefined || value === Object.prototype[name]) failLookup(name);
  return value;
}

// invokePath calls (args an array) or reads (args null) path on object.
export function invokePath(object, path, args, reserved = reservedAlways) {
  if (path.length === 0) {
    if (args === null) return object;
    if (typeof object !== "function") throw new TypeError("The RPC receiver is not a function.");
    return object(...args);
  }
  for (const name of path.slice(0, -1)) {
    const next = getProperty(object, name, reserved);
    if (next === null || (typeof next !== "object" && typeof next !== "function")) failLookup(name);
    object = next;
  }
  const name = path[path.length - 1];
  const value = getProperty(object, name, reserved);
  if (args === null) return value;
  if (typeof value !== "function") throw new TypeError(`"${name}" is not a function.`);
  return value.apply(object, args);
}

// rpcInvoke is the host's entry for a call on one of this instance's
// exports: it answers with the encoded result, or the encoded throw.
export async function rpcInvoke(target, path, argsMsg) {
  try {
    const args = argsMsg === null ? null : decode(argsMsg);
    return encodeResult(await invokePath(target, path, args));
  } catch (e) {
    return encodeThrow(e);
  }
}

// Stubs for a service binding or an entrypoint: the host object's
// call(path, message) runs path on the other worker's entrypoint.
// thrown, when given, sees (and may mark) what the callee threw.
export function entrypointStub(call, base, thrown = undefined) {
  const decodeThrown = (m) => {
    try {
      return decodeResult(m);
    } catch (e) {
      throw thrown ? thrown(e) : e;
    }
  };
  const invoke = (path, args) => {
    let message;
    try {
      message = args === null ? null : encode(args);
    } catch (e) {
      return rpcPromise(Promise.reject(e));
    }
    return rpcPromise(call(path, message).then(decodeThrown));
  };
  const property = (path) => new Proxy(function () {}, {
    get(_, prop) {
      if (prop === "then") return (res, rej) => invoke(path, null).then(res, rej);
      if (typeof prop === "symbol") return undefined;
      return property([...path, prop]);
    },
    apply(_, thisArg, args) {
      return invoke(path, args);
    },
  });
  return new Proxy(base, {
    get(t, prop, receiver) {
      if (typeof prop === "symbol" || prop in t) {
        const v = Reflect.get(t, prop, t);
        return typeof v === "function" ? v.bind(t) : v;
      }
      if (prop === "then") return undefined;
      return property([prop]);
    },
  });
}

// pack and unpack turn a value into bytes and back (Durable Object
// storage): the serialization above, without references, in one buffer.
const textEncoder = { encode: (s) => ops.utf8Encode(s) };
export function pack(value) {
  const { json, buffers } = encode(value, true);
  const head = textEncoder.encode(json);
  let size = 8 + head.byteLength;
  for (const b of buffers) size += 4 + b.byteLength;
  const out = new Uint8Array(size);
  const view = new DataView(out.buffer);
  view.setUint32(0, head.byteLength);
  view.setUint32(4, buffers.length);
  out.set(head, 8);
  let at = 8 + head.byteLength;
  for (const b of buffers) {
    view.setUint32(at, b.byteLength);
    out.set(b, at + 4);
    at += 4 + b.byteLength;
  }
  return out;
}

export function unpack(bytes) {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const n = view.getUint32(0);
  const count = view.getUint32(4);
  const json = ops.utf8Decode(bytes.subarray(8, 8 + n), false, true);
  const buffers = [];
  let at = 8 + n;
  for (let i = 0; i < count; i++) {
    const len = view.getUint32(at);
    buffers.push(bytes.slice(at + 4, at + 4 + len));
    at += 4 + len;
  }
  return decode({ json, buffers, imports: [] });
}
