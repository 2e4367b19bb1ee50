// URL and URLSearchParams (WHATWG URL Standard). Parsing and the setters run
// in Go (ops.urlParse / ops.urlSet); a URL caches the nine components the ops
// return: [href, protocol, username, password, hostname, port, pathname,
// search, hash].
import ops from "./ops.js";
import { enumerableMembers, inspectSymbol, setToStringTag, toUSVString } from "./util.js";
import { formDecode, formEncode, parseForm } from "./urlencoded.js";

// The ops answer with the nine components joined by newlines (a parsed URL
// cannot contain one): one string crosses instead of nine.
//
// A worker parses the same few URLs again and again (its request URLs, the
// origins it fetches), and each parse is a call into Go, so the results of
// the last parses without a base are kept. A components array is never
// changed in place, so URLs can share one.
const parsed = new Map();
const parsedMax = 64;

function urlParse(input, base) {
  if (base === undefined) {
    const c = parsed.get(input);
    if (c !== undefined) return c;
  }
  const s = ops.urlParse(input, base);
  const c = s === null ? null : s.split("\n");
  if (base === undefined) {
    if (parsed.size >= parsedMax) parsed.clear();
    parsed.set(input, c);
  }
  return c;
}
function urlSet(href, component, value) {
  const s = ops.urlSet(href, component, value);
  return s === null ? null : s.split("\n");
}

const HREF = 0, PROTOCOL = 1, USERNAME = 2, PASSWORD = 3, HOSTNAME = 4, PORT = 5, PATHNAME = 6, SEARCH = 7, HASH = 8;

// Lets URL.parse build an instance from components it already has.
const kNoParse = Symbol("no parse");

function requireArgs(n, got, what) {
  if (got < n) {
    throw new TypeError(`Failed to ${what}: ${n} argument${n > 1 ? "s" : ""} required, but only ${got} present.`);
  }
}

function parseOrThrow(url, base) {
  const input = toUSVString(url);
  const b = base === undefined ? undefined : toUSVString(base);
  const c = urlParse(input, b);
  if (c === null) {
    if (b !== undefined && urlParse(b, undefined) === null) throw new TypeError("Invalid base URL string.");
    throw new TypeError("Invalid URL string.");
  }
  return c;
}

function originOf(c) {
  switch (c[PROTOCOL]) {
    case "http:": case "https:": case "ws:": case "wss:": case "ftp:":
      return c[PROTOCOL] + "//" + c[HOSTNAME] + (c[PORT] === "" ? "" : ":" + c[PORT]);
    case "blob:": {
      // blob:https://example.com/uuid has the origin of its inner http(s) URL.
      const inner = urlParse(c[PATHNAME], undefined);
      if (inner !== null && (inner[PROTOCOL] === "http:" || inner[PROTOCOL] === "https:")) return originOf(inner);
      return "null";
    }
  }
  return "null";
}

// Cross-class hooks, assigned in the classes' static blocks so each can stay
// behind the other's private fields.
let paramsFromQuery; // (params, search) => void
let paramsAttach; // (params, url) => void
let urlSetQuery; // (url, serialized) => void

export class URL {
  #c;
  #params = null;

  constructor(url, base = undefined) {
    if (url === kNoParse) {
      this.#c = base;
      return;
    }
    requireArgs(1, arguments.length, "construct 'URL'");
    this.#c = parseOrThrow(url, base);
  }

  static canParse(url, base = undefined) {
    requireArgs(1, arguments.length, "execute 'canParse' on 'URL'");
    return urlParse(toUSVString(url), base === undefined ? undefined : toUSVString(base)) !== null;
  }

  static parse(url, base = undefined) {
    requireArgs(1, arguments.length, "execute 'parse' on 'URL'");
    const c = urlParse(toUSVString(url), base === undefined ? undefined : toUSVString(base));
    return c === null ? null : new URL(kNoParse, c);
  }

  // Applies one setter in Go and refreshes the cached components.
  #set(component, value) {
    const v = toUSVString(value);
    const c = urlSet(this.#c[HREF], component, v);
    if (c === null) {
      if (component === "href") throw new TypeError("Invalid URL string.");
      return;
    }
    this.#c = c;
    if (this.#params !== null) {
      // The search setter parses the value as given (tabs and all); the href
      // setter parses the new URL's query.
      if (component === "search") paramsFromQuery(this.#params, v);
      else if (component === "href") paramsFromQuery(this.#params, c[SEARCH]);
    }
  }

  get href() { return this.#c[HREF]; }
  set href(v) { this.#set("href", v); }
  get origin() { return originOf(this.#c); }
  get protocol() { return this.#c[PROTOCOL]; }
  set protocol(v) { this.#set("protocol", v); }
  get username() { return this.#c[USERNAME]; }
  set username(v) { this.#set("username", v); }
  get password() { return this.#c[PASSWORD]; }
  set password(v) { this.#set("password", v); }
  get host() {
    const c = this.#c;
    return c[PORT] === "" ? c[HOSTNAME] : c[HOSTNAME] + ":" + c[PORT];
  }
  set host(v) { this.#set("host", v); }
  get hostname() { return this.#c[HOSTNAME]; }
  set hostname(v) { this.#set("hostname", v); }
  get port() { return this.#c[PORT]; }
  set port(v) { this.#set("port", v); }
  get pathname() { return this.#c[PATHNAME]; }
  set pathname(v) { this.#set("pathname", v); }
  get search() { return this.#c[SEARCH]; }
  set search(v) { this.#set("search", v); }
  get searchParams() {
    if (this.#params === null) {
      const p = new URLSearchParams(this.#c[SEARCH]);
      paramsAttach(p, this);
      this.#params = p;
    }
    return this.#params;
  }
  get hash() { return this.#c[HASH]; }
  set hash(v) { this.#set("hash", v); }

  toString() { return this.#c[HREF]; }
  toJSON() { return this.#c[HREF]; }

  [inspectSymbol](depth, options, inspect) {
    const fields = {
      href: this.href, origin: this.origin, protocol: this.protocol, username: this.username,
      password: this.password, host: this.host, hostname: this.hostname, port: this.port,
      pathname: this.pathname, search: this.search, searchParams: this.searchParams, hash: this.hash,
    };
    if (typeof inspect !== "function") return fields;
    return `URL ${inspect(fields, options)}`;
  }

  static {
    urlSetQuery = (url, serialized) => {
      // The URLSearchParams update steps: an empty list removes the query.
      const c = urlSet(url.#c[HREF], "search", serialized);
      if (c !== null) url.#c = c;
    };
  }
}

const iteratorProto = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]()));
const kKeys = 0, kValues = 1, kEntries = 2;
let paramsList; // (params) => list, for the iterator

// Iterators are live, like the Web IDL pair iterators: they walk the list by
// index and see entries appended or removed while iterating.
class URLSearchParamsIterator {
  #params;
  #kind;
  #index = 0;
  constructor(params, kind) {
    this.#params = params;
    this.#kind = kind;
  }
  next() {
    const list = paramsList(this.#params);
    if (this.#index >= list.length) return { value: undefined, done: true };
    const [name, value] = list[this.#index++];
    const v = this.#kind === kKeys ? name : this.#kind === kValues ? value : [name, value];
    return { value: v, done: false };
  }
}
Object.setPrototypeOf(URLSearchParamsIterator.prototype, iteratorProto);
Object.defineProperty(URLSearchParamsIterator.prototype, Symbol.toStringTag, {
  value: "URLSearchParams Iterator", configurable: true,
});

export class URLSearchParams {
  #list = [];
  #url = null;

  constructor(init = "") {
    if (init !== null && (typeof init === "object" || typeof init === "function")) {
      const iter = init[Symbol.iterator];
      if (iter !== undefined && iter !== null) {
        if (typeof iter !== "function") {
          throw new TypeError("Failed to construct 'URLSearchParams': The object must have a callable @@iterator property.");
        }
        for (const pair of init) {
          if (pair === null || (typeof pair !== "object" && typeof pair !== "function") || typeof pair[Symbol.iterator] !== "function") {
            throw new TypeError("Failed to construct 'URLSearchParams': The provided value cannot be converted to a sequence.");
          }
          const items = Array.from(pair);
          if (items.length !== 2) {
            throw new TypeError("Failed to construct 'URLSearchParams': Sequence initializer must only contain pair elements");
          }
          this.#list.push([toUSVString(items[0]), toUSVString(items[1])]);
        }
      } else {
        // A record<USVString, USVString>: own enumerable string keys. Keys
        // that become equal as USVStrings (lone surrogates → U+FFFD) are
        // one entry, at the first one's place, with the last one's value.
        const record = new Map();
        for (const key of Reflect.ownKeys(init)) {
          if (typeof key !== "string") continue;
          const d = Reflect.getOwnPropertyDescriptor(init, key);
          if (d === undefined || !d.enumerable) continue;
          record.set(toUSVString(key), toUSVString(init[key]));
        }
        for (const pair of record) this.#list.push(pair);
      }
    } else {
      let s = toUSVString(init);
      if (s.charCodeAt(0) === 0x3f) s = s.slice(1);
      this.#list = parseForm(s);
    }
  }

  #update() {
    if (this.#url !== null) urlSetQuery(this.#url, this.toString());
  }

  get size() { return this.#list.length; }

  append(name, value) {
    requireArgs(2, arguments.length, "execute 'append' on 'URLSearchParams'");
    this.#list.push([toUSVString(name), toUSVString(value)]);
    this.#update();
  }

  delete(name, value = undefined) {
    requireArgs(1, arguments.length, "execute 'delete' on 'URLSearchParams'");
    const n = toUSVString(name);
    if (value === undefined) {
      this.#list = this.#list.filter((e) => e[0] !== n);
    } else {
      const v = toUSVString(value);
      this.#list = this.#list.filter((e) => e[0] !== n || e[1] !== v);
    }
    this.#update();
  }

  get(name) {
    requireArgs(1, arguments.length, "execute 'get' on 'URLSearchParams'");
    const n = toUSVString(name);
    const e = this.#list.find((e) => e[0] === n);
    return e === undefined ? null : e[1];
  }

  getAll(name) {
    requireArgs(1, arguments.length, "execute 'getAll' on 'URLSearchParams'");
    const n = toUSVString(name);
    return this.#list.filter((e) => e[0] === n).map((e) => e[1]);
  }

  has(name, value = undefined) {
    requireArgs(1, arguments.length, "execute 'has' on 'URLSearchParams'");
    const n = toUSVString(name);
    if (value === undefined) return this.#list.some((e) => e[0] === n);
    const v = toUSVString(value);
    return this.#list.some((e) => e[0] === n && e[1] === v);
  }

  set(name, value) {
    requireArgs(2, arguments.length, "execute 'set' on 'URLSearchParams'");
    const n = toUSVString(name);
    const v = toUSVString(value);
    const i = this.#list.findIndex((e) => e[0] === n);
    if (i === -1) {
      this.#list.push([n, v]);
    } else {
      this.#list[i][1] = v;
      this.#list = this.#list.filter((e, j) => j <= i || e[0] !== n);
    }
    this.#update();
  }

  sort() {
    // Array.prototype.sort is stable; < compares UTF-16 code units.
    this.#list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    this.#update();
  }

  forEach(callback, thisArg = undefined) {
    requireArgs(1, arguments.length, "execute 'forEach' on 'URLSearchParams'");
    if (typeof callback !== "function") {
      throw new TypeError("Failed to execute 'forEach' on 'URLSearchParams': parameter 1 is not of type 'Function'.");
    }
    for (let i = 0; i < this.#list.length; i++) {
      const [name, value] = this.#list[i];
      callback.call(thisArg, value, name, this);
    }
  }

  keys() { return new URLSearchParamsIterator(this, kKeys); }
  values() { return new URLSearchParamsIterator(this, kValues); }
  entries() { return new URLSearchParamsIterator(this, kEntries); }

  toString() {
    let out = "";
    for (let i = 0; i < this.#list.length; i++) {
      if (i > 0) out += "&";
      out += formEncode(this.#list[i][0]) + "=" + formEncode(this.#list[i][1]);
    }
    return out;
  }

  [inspectSymbol](depth, options, inspect) {
    if (typeof inspect !== "function") return Object.fromEntries(this.#list);
    const body = this.#list.map(([k, v]) => `${inspect(k, options)} => ${inspect(v, options)}`).join(", ");
    return `URLSearchParams {${body === "" ? "" : " " + body + " "}}`;
  }

  static {
    paramsFromQuery = (p, search) => { p.#list = parseForm(search.startsWith("?") ? search.slice(1) : search); };
    paramsAttach = (p, url) => { p.#url = url; };
    paramsList = (p) => p.#list;
  }
}
Object.defineProperty(URLSearchParams.prototype, Symbol.iterator, {
  value: URLSearchParams.prototype.entries, writable: true, enumerable: false, configurable: true,
});

setToStringTag(URL, "URL");
setToStringTag(URLSearchParams, "URLSearchParams");
enumerableMembers(URL, ["href", "origin", "protocol", "username", "password", "host", "hostname", "port",
  "pathname", "search", "searchParams", "hash", "toString", "toJSON"]);
enumerableMembers(URLSearchParams, ["size", "append", "delete", "get", "getAll", "has", "set", "sort",
  "forEach", "keys", "values", "entries", "toString"]);

// Re-exported for Request/Response bodies (application/x-www-form-urlencoded).
export { formDecode, formEncode, parseForm };
