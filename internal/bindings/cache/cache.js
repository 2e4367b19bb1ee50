// The Cache API as workerd exposes it: caches.default, caches.open(name),
// and Cache's match/put/delete over the host's cacheMatch/cachePut/
// cacheDelete ops. Without those ops (outpost dev --cache=false) every cache
// is a no-op that always misses, as on workers.dev; arguments are still
// validated so code that would fail in production fails here too.
import ops from "runtime:ops.js";
import { Request, kReq } from "runtime:request.js";
import { Response, kRes, responseFromHost } from "runtime:response.js";
import { kBody, bodyUsed, consumeBody } from "runtime:body.js";
import { headerPairs } from "runtime:headers.js";
import { S } from "runtime:streamutil.js";
import { illegalConstructor, setToStringTag, enumerableMembers } from "runtime:util.js";

const kName = Symbol("#cacheName");
const kToken = Symbol("#internal");
// workerd's bound on a cache name in UTF-8 bytes (it travels in a header).
const MAX_CACHE_NAME_LENGTH = 1024;

function notImplemented(method, type) {
  return new Error(`Failed to execute '${method}' on '${type}': the method is not implemented.`);
}

// Request::coerce: a Request is used as it is, anything else is a URL.
function coerceRequest(input) {
  return input instanceof Request ? input : new Request(`${input}`);
}

// CacheQueryOptions: only ignoreMethod; the others must stay undefined.
function ignoreMethodOption(method, options) {
  if (options === undefined || options === null) return false;
  if (typeof options !== "object" && typeof options !== "function") {
    throw new TypeError(`Failed to execute '${method}' on 'Cache': parameter 2 is not of type 'CacheQueryOptions'.`);
  }
  for (const field of ["ignoreSearch", "ignoreVary", "cacheName"]) {
    if (options[field] !== undefined) throw new TypeError(`The '${field}' field on 'CacheQueryOptions' is not implemented.`);
  }
  return !!options.ignoreMethod;
}

function hostRequest(req) {
  const r = req[kReq];
  const cacheKey = r.cf !== null && typeof r.cf === "object" && typeof r.cf.cacheKey === "string" ? r.cf.cacheKey : undefined;
  // A copy: put() reads the body first, and the caller may change the headers meanwhile.
  return { url: r.url, method: r.method, headers: headerPairs(r.headers).map((p) => [p[0], p[1]]), cacheKey };
}

// The response body for the host: a fetch() body not yet read is handed on
// by its stream id; anything else is read to bytes. Either way the body is
// used once this returns, as put() must make it.
function hostBody(b) {
  if (b.kind === "sid" && b.stream === null && !b.used) {
    b.used = true;
    return Promise.resolve(b.source);
  }
  return consumeBody(b, false);
}

function reject(fn) {
  try {
    return fn();
  } catch (e) {
    return Promise.reject(e);
  }
}

export class Cache {
  constructor(token, name) {
    if (token !== kToken) illegalConstructor();
    this[kName] = name;
  }
  match(request, options = undefined) {
    return reject(() => {
      const req = coerceRequest(request);
      const ignoreMethod = ignoreMethodOption("match", options);
      if ((!ignoreMethod && req[kReq].method !== "GET") || ops.cacheMatch === undefined) return Promise.resolve(undefined);
      return ops.cacheMatch(this[kName], hostRequest(req), ignoreMethod).then((res) => (res === null ? undefined : responseFromHost(res)));
    });
  }
  put(request, response) {
    return reject(() => {
      if (!(response instanceof Response)) {
        throw new TypeError("Failed to execute 'put' on 'Cache': parameter 2 is not of type 'Response'.");
      }
      const res = response[kRes];
      if (res.type === "error") throw new TypeError("Cache is unable to store an error response");
      const req = coerceRequest(request);
      if (req[kReq].method !== "GET") throw new TypeError("Cannot cache response to non-GET request.");
      if (res.status === 206) throw new TypeError("Cannot cache response to a range request (206 Partial Content).");
      const vary = res.headers.get("vary");
      if (vary !== null && vary.includes("*")) throw new TypeError("Cannot cache response with 'Vary: *' header.");
      if (res.webSocket !== null) throw new TypeError("Cannot cache WebSocket upgrade response.");
      // A 304 is dropped without touching its body.
      if (res.status === 304) return Promise.resolve(undefined);
      const b = response[kBody];
      if (bodyUsed(b)) throw new TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
      if (b.stream !== null && b.stream[S].reader !== undefined) throw new TypeError("The body's ReadableStream is locked to a reader.");
      const hreq = hostRequest(req);
      const headers = headerPairs(res.headers).map((p) => [p[0], p[1]]);
      return hostBody(b).then((body) => {
        if (ops.cachePut === undefined) {
          if (typeof body === "number") ops.streamCancel(body);
          return undefined;
        }
        return ops.cachePut(this[kName], hreq, { status: res.status, headers, body }).then(() => undefined);
      });
    });
  }
  delete(request, options = undefined) {
    return reject(() => {
      const req = coerceRequest(request);
      const ignoreMethod = ignoreMethodOption("delete", options);
      if ((!ignoreMethod && req[kReq].method !== "GET") || ops.cacheDelete === undefined) return Promise.resolve(false);
      return ops.cacheDelete(this[kName], hostRequest(req), ignoreMethod);
    });
  }
  add() { throw notImplemented("add", "Cache"); }
  addAll() { throw notImplemented("addAll", "Cache"); }
  matchAll() { throw notImplemented("matchAll", "Cache"); }
  keys() { throw notImplemented("keys", "Cache"); }
}
setToStringTag(Cache, "Cache");
enumerableMembers(Cache, ["match", "put", "delete", "add", "addAll", "matchAll", "keys"]);

export class CacheStorage {
  #default;
  constructor(token) {
    if (token !== kToken) illegalConstructor();
    this.#default = new Cache(kToken, "");
  }
  get default() { return this.#default; }
  open(cacheName) {
    return reject(() => {
      const name = `${cacheName}`;
      if (ops.utf8Encode(name).byteLength >= MAX_CACHE_NAME_LENGTH) throw new TypeError("Cache name is too long.");
      return Promise.resolve(new Cache(kToken, name));
    });
  }
  match() { throw notImplemented("match", "CacheStorage"); }
  has() { throw notImplemented("has", "CacheStorage"); }
  delete() { throw notImplemented("delete", "CacheStorage"); }
  keys() { throw notImplemented("keys", "CacheStorage"); }
}
setToStringTag(CacheStorage, "CacheStorage");
enumerableMembers(CacheStorage, ["default", "open", "match", "has", "delete", "keys"]);

// The globals: caches and its two classes, like the core's globals
// writable, configurable and not enumerable.
const globals = { caches: new CacheStorage(kToken), CacheStorage, Cache };
for (const name of Object.keys(globals)) {
  Object.defineProperty(globalThis, name, { value: globals[name], writable: true, configurable: true, enumerable: false });
}
