// Durable Objects: the namespace binding (ids and stubs) and the host that
// runs this worker's objects (durablebinding). Each object has one live
// instance here, made on first use with new Class(state, env); its events
// run one at a time while blockConcurrencyWhile() holds them, and its
// storage calls are synchronous underneath, so nothing interleaves with a
// storage operation and a write is durable before what follows it.
import ops from "runtime:ops.js";
import { registerBindingFactory } from "runtime:bindings.js";
import { registerUncloneable } from "runtime:structuredclone.js";
import { Fetcher } from "runtime:fetcher.js";
import { entrypointStub, invokePath, reservedOnEntrypoints, pack, unpack } from "runtime:rpc.js";
import { currentEnv, exportedClass, registerObjectHost, registerLoopback, loopbackExports } from "runtime:dispatch.js";
import { DurableObject } from "runtime:entrypoints.js";
import { WebSocket } from "runtime:websocket.js";
import { structuredClone } from "runtime:structuredclone.js";

const kToken = Symbol("durable");

export class DurableObjectId {
  #id;
  #name;
  constructor(token, id, name) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#id = id;
    this.#name = name;
  }
  toString() {
    return this.#id;
  }
  equals(other) {
    return other instanceof DurableObjectId && other.toString() === this.#id;
  }
  get name() {
    return this.#name;
  }
  toJSON() {
    return this.#id;
  }
}
Object.defineProperty(DurableObjectId.prototype, Symbol.toStringTag, { value: "DurableObjectId", configurable: true });

export class DurableObjectNamespace {
  #host;
  constructor(token, host) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#host = host;
  }
  idFromName(name) {
    if (arguments.length === 0) throw new TypeError("DurableObjectNamespace.idFromName: 1 argument required");
    name = String(name);
    return new DurableObjectId(kToken, this.#host.idFromName(name), name);
  }
  newUniqueId(options = undefined) {
    if (options?.jurisdiction !== undefined && typeof options.jurisdiction !== "string") {
      throw new TypeError("jurisdiction must be a string");
    }
    return new DurableObjectId(kToken, this.#host.newUniqueId(), undefined);
  }
  idFromString(id) {
    id = String(id);
    this.#host.checkId(id);
    return new DurableObjectId(kToken, id.toLowerCase(), undefined);
  }
  get(id, options = undefined) {
    if (!(id instanceof DurableObjectId)) {
      throw new TypeError("DurableObjectNamespace.get(): the id must be a DurableObjectId (from idFromName, newUniqueId or idFromString)");
    }
    if (options !== undefined && (options === null || typeof options !== "object")) {
      throw new TypeError("DurableObjectNamespace.get(): options must be an object");
    }
    return makeStub(this.#host, id);
  }
  getByName(name, options = undefined) {
    return this.get(this.idFromName(name), options);
  }
  jurisdiction(name) {
    if (typeof name !== "string") throw new TypeError("jurisdiction must be a string");
    return this;
  }
}
Object.defineProperty(DurableObjectNamespace.prototype, Symbol.toStringTag, { value: "DurableObjectNamespace", configurable: true });
registerUncloneable(DurableObjectNamespace);

// A stub: fetch() and RPC methods reach the object; id and name say which.
function makeStub(host, id) {
  const name = id.name ?? "";
  const base = new Fetcher("DurableObject", (req) => host.fetch(id.toString(), name, req));
  Object.defineProperty(base, "id", { value: id, enumerable: true });
  Object.defineProperty(base, "name", { value: id.name, enumerable: true });
  return entrypointStub((path, message) => host.call(id.toString(), name, path, message), base, markRemote);
}

// An exception an object's method threw reaches the caller marked remote,
// as on Cloudflare (failures of Outpost's own come marked from Go).
function markRemote(e) {
  if (e !== null && typeof e === "object") {
    try {
      e.remote = true;
    } catch {}
  }
  return e;
}

registerBindingFactory("durable_object_namespace", (name, host) => new DurableObjectNamespace(kToken, host));

// ctx.exports.Class for the worker's own Durable Object classes.
registerLoopback((name, value) => {
  if (typeof value !== "function" || !(value.prototype instanceof DurableObject) || typeof ops.durableSelf !== "function") return undefined;
  return new DurableObjectNamespace(kToken, ops.durableSelf(name));
});

// --- The host side: this worker's objects. ---

const objects = new Map(); // "class/id" → { instance, state, gate }
// The sockets of objects hibernated with them open (evicted from memory
// while only hibernatable WebSockets kept them): "class/id" → the state
// the next instance takes over ({ sockets, autoResponse, eventTimeout }).
const hibernated = new Map();

function notSupported(what) {
  return new Error(`${what} is not supported by Outpost yet.`);
}

function checkKey(key) {
  return String(key);
}

class SqlStorageCursor {
  #columns;
  #rows;
  #i = 0;
  constructor(token, result) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#columns = result.columns;
    this.#rows = result.rows;
    this.rowsRead = result.rowsRead;
    this.rowsWritten = result.rowsWritten;
  }
  get columnNames() {
    return this.#columns.slice();
  }
  #object(row) {
    const o = {};
    this.#columns.forEach((c, j) => {
      o[c] = row[j] instanceof Uint8Array ? row[j].buffer.slice(row[j].byteOffset, row[j].byteOffset + row[j].byteLength) : row[j];
    });
    return o;
  }
  next() {
    if (this.#i >= this.#rows.length) return { done: true, value: undefined };
    return { done: false, value: this.#object(this.#rows[this.#i++]) };
  }
  toArray() {
    const out = [];
    for (let r = this.next(); !r.done; r = this.next()) out.push(r.value);
    return out;
  }
  one() {
    const rest = this.toArray();
    if (rest.length === 0) throw new Error("Expected exactly one result from SQL query, but got no results.");
    if (rest.length > 1) throw new Error("Expected exactly one result from SQL query, but got multiple results.");
    return rest[0];
  }
  *raw() {
    while (this.#i < this.#rows.length) yield this.#rows[this.#i++].slice();
  }
  [Symbol.iterator]() {
    return this;
  }
}

class SqlStorage {
  #host;
  constructor(token, host) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#host = host;
  }
  exec(query, ...bindings) {
    for (const b of bindings) {
      if (b !== null && typeof b === "object" && !(b instanceof ArrayBuffer) && !ArrayBuffer.isView(b)) {
        throw new TypeError("SQL bindings must be strings, numbers, null, ArrayBuffers or views of them.");
      }
    }
    return new SqlStorageCursor(kToken, this.#host.exec(String(query), bindings.map((b) => (b instanceof ArrayBuffer ? new Uint8Array(b) : b))));
  }
  get databaseSize() {
    return this.#host.size();
  }
}

class DurableObjectStorage {
  #host;
  #sql;
  #inTransaction = false;
  constructor(token, host, sqlite) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#host = host;
    this.#sql = sqlite ? new SqlStorage(kToken, host) : null;
  }
  async get(keys, options = undefined) {
    if (Array.isArray(keys)) {
      const out = new Map();
      for (const [k, v] of this.#host.get(keys.map(checkKey))) out.set(k, unpack(v));
      // In the order asked, as Cloudflare returns them.
      return new Map(keys.map(String).filter((k) => out.has(k)).map((k) => [k, out.get(k)]));
    }
    const [row] = this.#host.get([checkKey(keys)]);
    return row === undefined ? undefined : unpack(row[1]);
  }
  async put(keyOrEntries, value, options = undefined) {
    if (typeof keyOrEntries === "object" && keyOrEntries !== null) {
      this.#host.put(Object.entries(keyOrEntries).map(([k, v]) => [k, pack(v)]));
      return;
    }
    if (value === undefined) throw new TypeError("put() called with undefined value.");
    this.#host.put([[checkKey(keyOrEntries), pack(value)]]);
  }
  async delete(keys, options = undefined) {
    if (Array.isArray(keys)) return this.#host.delete(keys.map(checkKey));
    return this.#host.delete([checkKey(keys)]) > 0;
  }
  async list(options = {}) {
    if (options === null || typeof options !== "object") options = {};
    const o = {};
    for (const k of ["start", "startAfter", "end", "prefix"]) if (options[k] !== undefined) o[k] = String(options[k]);
    if (options.reverse !== undefined) o.reverse = !!options.reverse;
    if (options.limit !== undefined) o.limit = Number(options.limit);
    return new Map(this.#host.list(o).map(([k, v]) => [k, unpack(v)]));
  }
  async deleteAll(options = undefined) {
    this.#host.deleteAll();
  }
  async transaction(closure) {
    if (this.#inTransaction) throw notSupported("A nested transaction()");
    this.#host.begin();
    this.#inTransaction = true;
    let rolledBack = false;
    const txn = Object.create(this);
    txn.rollback = () => {
      rolledBack = true;
    };
    try {
      const result = await closure(txn);
      this.#inTransaction = false;
      this.#host.end(!rolledBack);
      return result;
    } catch (e) {
      this.#inTransaction = false;
      this.#host.end(false);
      throw e;
    }
  }
  transactionSync(closure) {
    if (!this.#sql) throw new Error("Durable Object is not backed by SQL.");
    this.#host.begin();
    try {
      const result = closure();
      this.#host.end(true);
      return result;
    } catch (e) {
      this.#host.end(false);
      throw e;
    }
  }
  async sync() {}
  get sql() {
    if (!this.#sql) {
      throw new Error("SQL is not enabled for this Durable Object class: declare it in new_sqlite_classes in your wrangler config's migrations.");
    }
    return this.#sql;
  }
  get kv() {
    if (!this.#sql) throw new Error("Durable Object is not backed by SQL.");
    const host = this.#host;
    return {
      get: (key) => {
        const [row] = host.get([checkKey(key)]);
        return row === undefined ? undefined : unpack(row[1]);
      },
      put: (key, value) => host.put([[checkKey(key), pack(value)]]),
      delete: (key) => host.delete([checkKey(key)]) > 0,
      *list(options = {}) {
        const o = {};
        for (const k of ["start", "startAfter", "end", "prefix"]) if (options?.[k] !== undefined) o[k] = String(options[k]);
        if (options?.reverse !== undefined) o.reverse = !!options.reverse;
        if (options?.limit !== undefined) o.limit = Number(options.limit);
        for (const [k, v] of host.list(o)) yield [k, unpack(v)];
      },
    };
  }
  async getAlarm(options = undefined) {
    return this.#host.getAlarm();
  }
  async setAlarm(scheduledTime, options = undefined) {
    const ms = scheduledTime instanceof Date ? scheduledTime.getTime() : Number(scheduledTime);
    if (!Number.isFinite(ms)) throw new TypeError("setAlarm() requires a Date or a number of milliseconds since the epoch");
    this.#host.setAlarm(ms);
  }
  async deleteAlarm(options = undefined) {
    this.#host.deleteAlarm();
  }
  getCurrentBookmark() {
    return Promise.reject(notSupported("Point-in-time recovery (getCurrentBookmark)"));
  }
  getBookmarkForTime() {
    return Promise.reject(notSupported("Point-in-time recovery (getBookmarkForTime)"));
  }
  onNextSessionRestoreBookmark() {
    return Promise.reject(notSupported("Point-in-time recovery (onNextSessionRestoreBookmark)"));
  }
}
Object.defineProperty(DurableObjectStorage.prototype, Symbol.toStringTag, { value: "DurableObjectStorage", configurable: true });

class DurableObjectState {
  #entry;
  constructor(token, entry) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#entry = entry;
  }
  get id() {
    return this.#entry.id;
  }
  get storage() {
    return this.#entry.storage;
  }
  get exports() {
    return loopbackExports();
  }
  waitUntil(promise) {
    ops.waitUntilCurrent(Promise.resolve(promise));
  }
  blockConcurrencyWhile(callback) {
    const entry = this.#entry;
    const run = Promise.resolve().then(callback);
    entry.gate = run.then(() => {}, () => {});
    return run;
  }
  // abort() resets the object: its instance goes, and the calls that fail
  // with the error report durableObjectReset (as workerd words it, the
  // reason is the message).
  abort(reason = undefined) {
    const error = new Error(reason === undefined ? "Application called abort() to reset Durable Object." : String(reason));
    reset(this.#entry, error);
    throw error;
  }
  // The WebSocket Hibernation API: the object's webSocketMessage,
  // webSocketClose and webSocketError handle the socket's events.
  acceptWebSocket(ws, tags = []) {
    if (!(ws instanceof WebSocket)) throw new TypeError("acceptWebSocket() expects a WebSocket");
    tags = Array.from(tags ?? [], String);
    if (tags.length > 10) throw new Error("A WebSocket can have at most 10 tags.");
    for (const t of tags) {
      if (t.length > 256) throw new Error(`"${t}" is longer than the max tag length (256 characters).`);
    }
    const entry = this.#entry;
    const shared = entry.shared;
    if (shared.sockets.size >= 32768) throw new Error("Too many hibernatable WebSockets: the limit is 32,768 per object.");
    shared.sockets.set(ws, tags);
    ws.accept();
    const handler = (name, ...args) => run(entry.address, (e) => {
      const fn = e.instance[name];
      return typeof fn === "function" ? withEventTimeout(e, fn.call(e.instance, ws, ...args)) : undefined;
    }).catch((err) => reportError(err));
    ws.addEventListener("message", (ev) => {
      const auto = shared.autoResponse;
      if (auto && typeof ev.data === "string" && ev.data === auto.request) {
        autoTimestamps.set(ws, new Date());
        ws.send(auto.response);
        return;
      }
      handler("webSocketMessage", ev.data);
    });
    ws.addEventListener("close", (ev) => {
      shared.sockets.delete(ws);
      handler("webSocketClose", ev.code, ev.reason, ev.wasClean);
    });
    ws.addEventListener("error", (ev) => handler("webSocketError", ev.error));
  }
  getWebSockets(tag = undefined) {
    const out = [];
    for (const [ws, tags] of this.#entry.shared.sockets) {
      if (tag === undefined || tags.includes(String(tag))) out.push(ws);
    }
    return out;
  }
  getTags(ws) {
    const tags = this.#entry.shared.sockets.get(ws);
    if (tags === undefined) throw new TypeError("getTags() was called on a WebSocket that was not accepted with acceptWebSocket().");
    return tags.slice();
  }
  setWebSocketAutoResponse(pair = undefined) {
    if (pair !== undefined && !(pair instanceof WebSocketRequestResponsePair)) {
      throw new TypeError("setWebSocketAutoResponse() expects a WebSocketRequestResponsePair");
    }
    this.#entry.shared.autoResponse = pair === undefined ? null : { request: pair.request, response: pair.response };
  }
  getWebSocketAutoResponse() {
    const a = this.#entry.shared.autoResponse;
    return a ? new WebSocketRequestResponsePair(a.request, a.response) : null;
  }
  getWebSocketAutoResponseTimestamp(ws) {
    return autoTimestamps.get(ws) ?? null;
  }
  // 0 or no argument removes the timeout, as in workerd.
  setHibernatableWebSocketEventTimeout(ms = undefined) {
    if (ms !== undefined && Number(ms) > 604800000) throw new Error("Event timeout should not exceed 604800000 ms.");
    this.#entry.shared.eventTimeout = ms === undefined || !(Number(ms) > 0) ? null : Math.floor(Number(ms));
  }
  getHibernatableWebSocketEventTimeout() {
    return this.#entry.shared.eventTimeout ?? null;
  }
}
Object.defineProperty(DurableObjectState.prototype, Symbol.toStringTag, { value: "DurableObjectState", configurable: true });

// withEventTimeout enforces setHibernatableWebSocketEventTimeout on a
// WebSocket event handler: one still running after the timeout is
// cancelled, and the object reset as on Cloudflare — its instance goes
// (its storage fails from then on), its hibernatable sockets stay open for
// the next instance.
function withEventTimeout(entry, result) {
  const ms = entry.shared.eventTimeout;
  if (!ms || result === null || typeof result?.then !== "function") return result;
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => {
      reset(entry, new Error("Actor exceeded event execution time and was disconnected."));
      reject(entry.broken);
    }, ms);
  });
  return Promise.race([result, timeout]).finally(() => clearTimeout(timer));
}

// reset drops an object's instance after a failure: the next event makes
// a new one, which takes over the sockets; the old one's storage calls
// throw the failure.
function reset(entry, error) {
  entry.broken = error;
  entry.storageHost.reset();
  if (objects.get(entry.key) === entry) {
    objects.delete(entry.key);
    hibernated.set(entry.key, entry.shared);
  }
}

function reportError(err) {
  console.error("Uncaught (in a WebSocket handler of a Durable Object)", err);
}

const autoTimestamps = new WeakMap();

export class WebSocketRequestResponsePair {
  #request;
  #response;
  constructor(request, response) {
    if (arguments.length < 2) throw new TypeError("WebSocketRequestResponsePair: 2 arguments required");
    this.#request = String(request);
    this.#response = String(response);
  }
  get request() {
    return this.#request;
  }
  get response() {
    return this.#response;
  }
}
Object.defineProperty(globalThis, "WebSocketRequestResponsePair", { value: WebSocketRequestResponsePair, writable: true, configurable: true, enumerable: false });

// Attachments: a small value kept with a WebSocket (at most 2,048 bytes
// serialized, as on Cloudflare).
const attachments = new WeakMap();
Object.defineProperty(WebSocket.prototype, "serializeAttachment", {
  value: function serializeAttachment(value) {
    const size = pack(value).byteLength;
    if (size > 2048) throw new Error(`A WebSocket attachment cannot be larger than 2048 bytes; this one is ${size} bytes serialized.`);
    attachments.set(this, structuredClone(value));
  },
  writable: true, configurable: true,
});
Object.defineProperty(WebSocket.prototype, "deserializeAttachment", {
  value: function deserializeAttachment() {
    return attachments.has(this) ? structuredClone(attachments.get(this)) : null;
  },
  writable: true, configurable: true,
});

// The output gate for WebSocket messages: once this instance runs objects,
// a message leaves only after the writes made before it are durable.
let runsObjects = false;
const wsSend = WebSocket.prototype.send;
Object.defineProperty(WebSocket.prototype, "send", {
  value: function send(message) {
    if (runsObjects) ops.durableFlush();
    return wsSend.call(this, message);
  },
  writable: true, configurable: true,
});

// entryFor finds or makes the live instance of an object.
function entryFor(address) {
  const key = `${address.class}/${address.id}`;
  let entry = objects.get(key);
  if (entry) return entry;
  const Class = exportedClass(address.class);
  if (typeof Class !== "function") {
    throw new Error(`Durable Object class "${address.class}" is not exported by this worker: export it from the worker's main module.`);
  }
  const host = ops.doStorage(address.class, address.id, address.name ?? "");
  runsObjects = true;
  // Once the instance is reset (reset()), its storage calls fail.
  const storageHost = new Proxy(host, {
    get(t, p) {
      const v = t[p];
      if (typeof v !== "function" || entry.broken === undefined || p === "stale" || p === "reset") return v;
      return () => {
        throw entry.broken;
      };
    },
  });
  const shared = hibernated.get(key) ?? { sockets: new Map(), autoResponse: null, eventTimeout: null };
  hibernated.delete(key);
  entry = { key, address, storageHost, gate: Promise.resolve(), instance: null, shared, lastActive: Date.now() };
  entry.id = new DurableObjectId(kToken, address.id, address.name || undefined);
  entry.storage = new DurableObjectStorage(kToken, storageHost, storageHost.sqlite === true);
  entry.state = new DurableObjectState(kToken, entry);
  objects.set(key, entry);
  try {
    entry.instance = new Class(entry.state, currentEnv());
  } catch (e) {
    objects.delete(key);
    throw e;
  }
  return entry;
}

// evict drops the object's live instance (idle, or its lease moved to
// another node): its in-memory state is gone, its storage stays. A forced
// eviction closes the sockets it accepted, as Cloudflare does when an
// object is reset. Otherwise an object still active within idleMs stays
// ("busy"), and one whose only open sockets (openSockets, as the host
// counts them) are hibernatable ones it accepted is hibernated: the
// sockets stay open and the next event on one makes a new instance.
function evict(address, force, openSockets = 0, idleMs = 0) {
  const key = `${address.class}/${address.id}`;
  const entry = objects.get(key);
  const shared = entry?.shared ?? hibernated.get(key);
  if (force) {
    objects.delete(key);
    hibernated.delete(key);
    for (const ws of shared?.sockets.keys() ?? []) {
      try {
        ws.close(1012, "Durable Object moved to another node");
      } catch {}
    }
    return "evicted";
  }
  if (entry && Date.now() - entry.lastActive < idleMs) return "busy";
  if (openSockets === 0) {
    objects.delete(key);
    hibernated.delete(key);
    return "evicted";
  }
  if ((shared?.sockets.size ?? 0) !== openSockets) return "busy";
  objects.delete(key);
  hibernated.set(key, shared);
  return "hibernated";
}

// run waits for the object's gate (blockConcurrencyWhile) and runs fn.
async function run(address, fn) {
  let entry = entryFor(address);
  if (entry.storageHost.stale()) {
    // Its storage was closed under it (evicted or lost on this node while
    // the instance stayed): start over from storage.
    objects.delete(entry.key);
    entry = entryFor(address);
  }
  entry.lastActive = Date.now();
  try {
    await entry.gate;
    return await fn(entry);
  } finally {
    entry.lastActive = Date.now();
  }
}

registerObjectHost({
  fetch(request, address, ctxId) {
    return run(address, (entry) => {
      if (typeof entry.instance.fetch !== "function") {
        throw new Error("Handler does not export a fetch() function.");
      }
      return entry.instance.fetch(request);
    });
  },
  call(address, path, args, ctxId) {
    if (path.length === 1 && path[0] === "\u0000evict") return evict(address, args[0] === true, args[1], args[2]);
    return run(address, (entry) => {
      if (path.length === 1 && path[0] === "\u0000alarm") {
        if (typeof entry.instance.alarm !== "function") {
          throw new Error("The Durable Object class has no alarm() handler, but an alarm was set.");
        }
        return entry.instance.alarm(args[0]);
      }
      if (!(entry.instance instanceof DurableObject)) {
        throw new TypeError(`The receiving Durable Object does not support RPC, because its class was not declared with \`extends DurableObject\`. In order to enable RPC, make sure your class extends the special class \`DurableObject\`, which can be imported from the module "cloudflare:workers".`);
      }
      return invokePath(entry.instance, path, args, reservedOnEntrypoints);
    });
  },
});
