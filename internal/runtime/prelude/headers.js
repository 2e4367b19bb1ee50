// Headers (Fetch Standard, as workerd implements it): names are lowercased,
// iteration is sorted with values combined, except Set-Cookie.
import { toByteString } from "./util.js";

export const kList = Symbol("#list");
export const kGuard = Symbol("#guard");

const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const badValueRe = /[\0\r\n]/;
const trimRe = /^[\t\n\r ]+|[\t\n\r ]+$/g;

function normalizeName(name, op) {
  const n = toByteString(name, `Failed to execute '${op}' on 'Headers'`);
  if (!tokenRe.test(n)) throw new TypeError(`Invalid header name: "${n}"`);
  return n.toLowerCase();
}

function normalizeValue(value, op) {
  let v = toByteString(value, `Failed to execute '${op}' on 'Headers'`);
  if (v.length > 0 && (v.charCodeAt(0) <= 32 || v.charCodeAt(v.length - 1) <= 32)) v = v.replace(trimRe, "");
  if (badValueRe.test(v)) throw new TypeError(`Invalid header value: "${v}"`);
  return v;
}

function checkMutable(h) {
  if (h[kGuard] === "immutable") throw new TypeError("Can't modify immutable headers.");
}

export class Headers {
  constructor(init = undefined) {
    this[kList] = [];
    this[kGuard] = "none";
    if (init === undefined || init === null) {
      if (init === null) throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
      return;
    }
    fillHeaders(this, init);
  }
  append(name, value) {
    checkMutable(this);
    this[kList].push([normalizeName(name, "append"), normalizeValue(value, "append")]);
  }
  delete(name) {
    checkMutable(this);
    const n = normalizeName(name, "delete");
    const list = this[kList];
    for (let i = list.length - 1; i >= 0; i--) if (list[i][0] === n) list.splice(i, 1);
  }
  get(name) {
    const n = normalizeName(name, "get");
    let out = null;
    for (const [k, v] of this[kList]) {
      if (k === n) out = out === null ? v : `${out}, ${v}`;
    }
    return out;
  }
  getAll(name) {
    const n = normalizeName(name, "getAll");
    if (n !== "set-cookie") throw new TypeError("getAll() can only be used with the header name \"Set-Cookie\".");
    return this.getSetCookie();
  }
  getSetCookie() {
    const out = [];
    for (const [k, v] of this[kList]) if (k === "set-cookie") out.push(v);
    return out;
  }
  has(name) {
    const n = normalizeName(name, "has");
    return this[kList].some((p) => p[0] === n);
  }
  set(name, value) {
    checkMutable(this);
    const n = normalizeName(name, "set");
    const v = normalizeValue(value, "set");
    const list = this[kList];
    let found = false;
    for (let i = 0; i < list.length; i++) {
      if (list[i][0] !== n) continue;
      if (!found) {
        list[i] = [n, v];
        found = true;
      } else {
        list.splice(i--, 1);
      }
    }
    if (!found) list.push([n, v]);
  }
  forEach(callback, thisArg = undefined) {
    if (typeof callback !== "function") throw new TypeError("Failed to execute 'forEach' on 'Headers': parameter 1 is not of type 'Function'.");
    for (const [k, v] of sortedAndCombined(this[kList])) callback.call(thisArg, v, k, this);
  }
  entries() { return makeIterator(this, "entries"); }
  keys() { return makeIterator(this, "keys"); }
  values() { return makeIterator(this, "values"); }
}
const headersEntries = Headers.prototype.entries;
Object.defineProperty(Headers.prototype, Symbol.iterator, { value: headersEntries, writable: true, configurable: true });
Object.defineProperty(Headers.prototype, Symbol.toStringTag, { value: "Headers", configurable: true });
Object.defineProperty(Headers.prototype, Symbol.for("nodejs.util.inspect.custom"), {
  value: function inspect(depth, options, inspect) {
    const obj = {};
    for (const [k, v] of sortedAndCombined(this[kList])) obj[k] = v;
    return `Headers ${inspect(obj, options)}`;
  },
});

export function fillHeaders(h, init) {
  // A Headers is copied directly unless its iterator was replaced: WebIDL
  // reads any other iterable through its iterator.
  if (init instanceof Headers && init[Symbol.iterator] === headersEntries) {
    for (const p of init[kList]) h[kList].push([p[0], p[1]]);
    return;
  }
  if (typeof init !== "object" && typeof init !== "function") {
    throw new TypeError("Failed to construct 'Headers': The provided value is not of type '(record<ByteString, ByteString> or sequence<sequence<ByteString>>)'.");
  }
  if (typeof init[Symbol.iterator] === "function") {
    for (const pair of init) {
      const arr = typeof pair === "string" ? null : [...pair];
      if (arr === null || arr.length !== 2) throw new TypeError("Failed to construct 'Headers': Invalid value: each header must be a [name, value] pair");
      h.append(arr[0], arr[1]);
    }
    return;
  }
  for (const key of Reflect.ownKeys(init)) {
    const d = Reflect.getOwnPropertyDescriptor(init, key);
    if (!d?.enumerable) continue;
    if (typeof key === "symbol") throw new TypeError("Failed to construct 'Headers': record keys must be strings");
    h.append(key, init[key]);
  }
}

function sortedAndCombined(list) {
  const names = [];
  const values = new Map();
  const cookies = [];
  for (const [k, v] of list) {
    if (k === "set-cookie") {
      cookies.push(v);
      continue;
    }
    const cur = values.get(k);
    if (cur === undefined) {
      values.set(k, v);
      names.push(k);
    } else {
      values.set(k, `${cur}, ${v}`);
    }
  }
  if (cookies.length) names.push("set-cookie");
  names.sort();
  const out = [];
  for (const n of names) {
    if (n === "set-cookie") for (const c of cookies) out.push([n, c]);
    else out.push([n, values.get(n)]);
  }
  return out;
}

const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
const kIterState = Symbol("#iter");
const HeadersIteratorPrototype = Object.create(IteratorPrototype, {
  next: {
    value: function next() {
      const st = this?.[kIterState];
      if (!st) throw new TypeError("next() called on an object that is not a Headers iterator");
      // The list is re-sorted on each step so changes during iteration show.
      const pairs = sortedAndCombined(st.headers[kList]);
      if (st.index >= pairs.length) return { value: undefined, done: true };
      const [k, v] = pairs[st.index++];
      return { value: st.kind === "keys" ? k : st.kind === "values" ? v : [k, v], done: false };
    },
    writable: true, enumerable: true, configurable: true,
  },
  [Symbol.toStringTag]: { value: "Headers Iterator", configurable: true },
});

function makeIterator(headers, kind) {
  const it = Object.create(HeadersIteratorPrototype);
  it[kIterState] = { headers, kind, index: 0 };
  return it;
}

// Headers from host pairs (already valid): no re-validation on the hot path.
// headersFromPairs builds Headers from the host: an array of [name, value]
// pairs, or (the fast form) one string "name\nvalue\nname\nvalue" with
// lower-case names — header values cannot contain newlines.
export function headersFromPairs(pairs, guard) {
  const h = new Headers();
  const list = h[kList];
  if (typeof pairs === "string") {
    if (pairs !== "") {
      const parts = pairs.split("\n");
      for (let i = 0; i + 1 < parts.length; i += 2) list.push([parts[i], parts[i + 1]]);
    }
  } else {
    for (let i = 0; i < pairs.length; i++) {
      const p = pairs[i];
      list.push([String(p[0]).toLowerCase(), String(p[1])]);
    }
  }
  h[kGuard] = guard;
  return h;
}

export function headerPairs(h) {
  return h[kList];
}

// headerString is the fast form of headers for the host (see headersFromPairs).
export function headerString(h) {
  const list = h[kList];
  let s = "";
  for (let i = 0; i < list.length; i++) {
    s += (i === 0 ? "" : "\n") + list[i][0] + "\n" + list[i][1];
  }
  return s;
}

export function setGuard(h, guard) {
  h[kGuard] = guard;
}

export function getGuard(h) {
  return h[kGuard];
}
