// node:http and node:https (enable_nodejs_http_modules): clients over
// fetch(), and — with enable_nodejs_http_server_modules — createServer(),
// whose servers take the worker's requests through cloudflare:node's
// httpServerHandler, as in workerd.
import EventEmitter from "./events.js";
import { Buffer } from "./buffer.js";
import { Readable, Writable } from "./stream.js";

export const STATUS_CODES = {
  100: "Continue", 101: "Switching Protocols", 102: "Processing", 103: "Early Hints",
  200: "OK", 201: "Created", 202: "Accepted", 203: "Non-Authoritative Information", 204: "No Content",
  205: "Reset Content", 206: "Partial Content", 207: "Multi-Status", 208: "Already Reported", 226: "IM Used",
  300: "Multiple Choices", 301: "Moved Permanently", 302: "Found", 303: "See Other", 304: "Not Modified",
  305: "Use Proxy", 307: "Temporary Redirect", 308: "Permanent Redirect",
  400: "Bad Request", 401: "Unauthorized", 402: "Payment Required", 403: "Forbidden", 404: "Not Found",
  405: "Method Not Allowed", 406: "Not Acceptable", 407: "Proxy Authentication Required", 408: "Request Timeout",
  409: "Conflict", 410: "Gone", 411: "Length Required", 412: "Precondition Failed", 413: "Payload Too Large",
  414: "URI Too Long", 415: "Unsupported Media Type", 416: "Range Not Satisfiable", 417: "Expectation Failed",
  418: "I'm a Teapot", 421: "Misdirected Request", 422: "Unprocessable Entity", 423: "Locked",
  424: "Failed Dependency", 425: "Too Early", 426: "Upgrade Required", 428: "Precondition Required",
  429: "Too Many Requests", 431: "Request Header Fields Too Large", 451: "Unavailable For Legal Reasons",
  500: "Internal Server Error", 501: "Not Implemented", 502: "Bad Gateway", 503: "Service Unavailable",
  504: "Gateway Timeout", 505: "HTTP Version Not Supported", 506: "Variant Also Negotiates",
  507: "Insufficient Storage", 508: "Loop Detected", 509: "Bandwidth Limit Exceeded", 510: "Not Extended",
  511: "Network Authentication Required",
};

export const METHODS = ["ACL", "BIND", "CHECKOUT", "CONNECT", "COPY", "DELETE", "GET", "HEAD", "LINK", "LOCK",
  "M-SEARCH", "MERGE", "MKACTIVITY", "MKCALENDAR", "MKCOL", "MOVE", "NOTIFY", "OPTIONS", "PATCH", "POST",
  "PROPFIND", "PROPPATCH", "PURGE", "PUT", "QUERY", "REBIND", "REPORT", "SEARCH", "SOURCE", "SUBSCRIBE",
  "TRACE", "UNBIND", "UNLINK", "UNLOCK", "UNSUBSCRIBE"];

function codeError(Ctor, code, message) {
  const e = new Ctor(message);
  e.code = code;
  return e;
}

const tokenRe = /^[\^_`a-zA-Z\-0-9!#$%&'*+.|~]+$/;
const invalidValueRe = /[^\t\x20-\x7e\x80-\xff]/;

export function validateHeaderName(name) {
  if (typeof name !== "string" || !name || !tokenRe.test(name)) {
    throw codeError(TypeError, "ERR_INVALID_HTTP_TOKEN", `Header name must be a valid HTTP token ["${name}"]`);
  }
}
export function validateHeaderValue(name, value) {
  if (value === undefined) throw codeError(TypeError, "ERR_HTTP_INVALID_HEADER_VALUE", `Invalid value "${value}" for header "${name}"`);
  if (invalidValueRe.test(String(value))) throw codeError(TypeError, "ERR_INVALID_CHAR", `Invalid character in header content ["${name}"]`);
}

// Node joins repeated request headers with ", " except these, of which it
// keeps the first; set-cookie stays an array.
const keepFirst = new Set(["age", "authorization", "content-length", "content-type", "etag", "expires", "from",
  "host", "if-modified-since", "if-unmodified-since", "last-modified", "location", "max-forwards",
  "proxy-authorization", "referer", "retry-after", "server", "user-agent"]);

function headerPairs(headers) {
  const pairs = [];
  if (typeof headers.getSetCookie === "function") {
    for (const c of headers.getSetCookie()) pairs.push(["set-cookie", c]);
  }
  for (const [k, v] of headers) if (k !== "set-cookie") pairs.push([k, v]);
  return pairs;
}

// ---- IncomingMessage ----------------------------------------------------------

export function IncomingMessage(socket) {
  if (!(this instanceof IncomingMessage)) return new IncomingMessage(socket);
  Readable.call(this);
  this.socket = socket ?? null;
  this.httpVersionMajor = 1;
  this.httpVersionMinor = 1;
  this.httpVersion = "1.1";
  this.complete = false;
  this.rawHeaders = [];
  this.rawTrailers = [];
  this.headers = {};
  this.headersDistinct = {};
  this.trailers = {};
  this.trailersDistinct = {};
  this.aborted = false;
  this.upgrade = false;
  this.url = "";
  this.method = null;
  this.statusCode = null;
  this.statusMessage = null;
  this._reader = null;
}
Object.setPrototypeOf(IncomingMessage.prototype, Readable.prototype);
Object.setPrototypeOf(IncomingMessage, Readable);
Object.defineProperty(IncomingMessage.prototype, "connection", {
  get() { return this.socket; },
  set(v) { this.socket = v; },
});

IncomingMessage.prototype._addHeaderLine = function (field, value) {
  const key = field.toLowerCase();
  (this.headersDistinct[key] ??= []).push(value);
  if (key === "set-cookie") (this.headers[key] ??= []).push(value);
  else if (!(key in this.headers)) this.headers[key] = value;
  else if (!keepFirst.has(key)) this.headers[key] += (key === "cookie" ? "; " : ", ") + value;
};
IncomingMessage.prototype._setHeaders = function (headers) {
  for (const [k, v] of headerPairs(headers)) {
    this.rawHeaders.push(k, v);
    this._addHeaderLine(k, v);
  }
};
IncomingMessage.prototype._setBody = function (body) {
  if (!body) {
    this.complete = true;
    this.push(null);
    return;
  }
  this._reader = body.getReader();
};
IncomingMessage.prototype._read = function () {
  if (!this._reader) return;
  this._reader.read().then(({ value, done }) => {
    if (done) {
      this.complete = true;
      this.push(null);
    } else {
      this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
    }
  }, (err) => {
    this.aborted = true;
    this.destroy(err);
  });
};
IncomingMessage.prototype._destroy = function (err, cb) {
  if (this._reader && !this.complete) this._reader.cancel(err ?? undefined).catch(() => {});
  cb(err);
};
IncomingMessage.prototype.setTimeout = function (msecs, callback) {
  if (callback) this.once("timeout", callback);
  return this;
};

// ---- OutgoingMessage -----------------------------------------------------------

const kHeaders = Symbol("kOutHeaders");

export function OutgoingMessage(options) {
  if (!(this instanceof OutgoingMessage)) return new OutgoingMessage(options);
  // Not destroyed when finished: a request still waits for its response.
  Writable.call(this, { highWaterMark: options?.highWaterMark, decodeStrings: true, autoDestroy: false });
  this[kHeaders] = new Map(); // lower-case name → [name, value]
  this._headerSent = false;
  this.sendDate = false;
  this.finished = false;
  this.chunkedEncoding = false;
  this.useChunkedEncodingByDefault = true;
  this.shouldKeepAlive = true;
  this.socket = null;
}
Object.setPrototypeOf(OutgoingMessage.prototype, Writable.prototype);
Object.setPrototypeOf(OutgoingMessage, Writable);

Object.defineProperty(OutgoingMessage.prototype, "headersSent", { get() { return this._headerSent; } });
Object.defineProperty(OutgoingMessage.prototype, "connection", { get() { return this.socket; } });

function checkNotSent(msg, op) {
  if (msg._headerSent) throw codeError(Error, "ERR_HTTP_HEADERS_SENT", `Cannot ${op} headers after they are sent to the client`);
}

OutgoingMessage.prototype.setHeader = function (name, value) {
  checkNotSent(this, "set");
  validateHeaderName(name);
  validateHeaderValue(name, value);
  this[kHeaders].set(name.toLowerCase(), [name, value]);
  return this;
};
OutgoingMessage.prototype.appendHeader = function (name, value) {
  checkNotSent(this, "append");
  validateHeaderName(name);
  validateHeaderValue(name, value);
  const key = name.toLowerCase();
  const cur = this[kHeaders].get(key);
  if (!cur) this[kHeaders].set(key, [name, value]);
  else cur[1] = [].concat(cur[1], value);
  return this;
};
OutgoingMessage.prototype.setHeaders = function (headers) {
  for (const [k, v] of headers instanceof Map || headers instanceof Headers ? headers : Object.entries(headers)) this.setHeader(k, v);
  return this;
};
OutgoingMessage.prototype.getHeader = function (name) {
  return this[kHeaders].get(String(name).toLowerCase())?.[1];
};
OutgoingMessage.prototype.getHeaders = function () {
  const out = Object.create(null);
  for (const [k, [, v]] of this[kHeaders]) out[k] = v;
  return out;
};
OutgoingMessage.prototype.getHeaderNames = function () { return [...this[kHeaders].keys()]; };
OutgoingMessage.prototype.getRawHeaderNames = function () { return [...this[kHeaders].values()].map(([n]) => n); };
OutgoingMessage.prototype.hasHeader = function (name) { return this[kHeaders].has(String(name).toLowerCase()); };
OutgoingMessage.prototype.removeHeader = function (name) {
  checkNotSent(this, "remove");
  this[kHeaders].delete(String(name).toLowerCase());
};
OutgoingMessage.prototype.flushHeaders = function () { this._sendHeaders(); };
OutgoingMessage.prototype.setTimeout = function (msecs, callback) {
  if (callback) this.once("timeout", callback);
  return this;
};
OutgoingMessage.prototype.addTrailers = function () {};
OutgoingMessage.prototype._headersList = function () {
  const h = new Headers();
  for (const [, [name, value]] of this[kHeaders]) {
    if (Array.isArray(value)) for (const v of value) h.append(name, String(v));
    else h.append(name, String(value));
  }
  return h;
};

// ---- ServerResponse -----------------------------------------------------------

let serverModulesEnabled = false;

function serverDisabled(what) {
  return codeError(Error, "ERR_METHOD_NOT_IMPLEMENTED",
    `The ${what} method is not implemented: node:http servers need the enable_nodejs_http_server_modules compatibility flag (or a compatibility_date of 2025-09-01 or later)`);
}

export function ServerResponse(req, options) {
  if (!serverModulesEnabled) throw serverDisabled("ServerResponse");
  if (!(this instanceof ServerResponse)) return new ServerResponse(req, options);
  OutgoingMessage.call(this, options);
  this.req = req;
  this.statusCode = 200;
  this.statusMessage = undefined;
  this._hasBody = req?.method !== "HEAD";
  this._controller = null;
  this._pendingWrite = null;
  this._response = new Promise((resolve, reject) => {
    this._resolveResponse = resolve;
    this._rejectResponse = reject;
  });
  this._response.catch(() => {});
}
Object.setPrototypeOf(ServerResponse.prototype, OutgoingMessage.prototype);
Object.setPrototypeOf(ServerResponse, OutgoingMessage);

ServerResponse.prototype.writeHead = function (statusCode, reason, headers) {
  checkNotSent(this, "write");
  if (typeof reason !== "string") { headers = reason; reason = undefined; }
  statusCode |= 0;
  if (statusCode < 100 || statusCode > 999) throw codeError(RangeError, "ERR_HTTP_INVALID_STATUS_CODE", `Invalid status code: ${statusCode}`);
  this.statusCode = statusCode;
  if (reason !== undefined) this.statusMessage = reason;
  if (Array.isArray(headers)) {
    if (headers.length && Array.isArray(headers[0])) for (const [k, v] of headers) this.appendHeader(k, v);
    else for (let i = 0; i < headers.length; i += 2) this.appendHeader(headers[i], headers[i + 1]);
  } else if (headers) {
    for (const k of Object.keys(headers)) if (headers[k] !== undefined) this.setHeader(k, headers[k]);
  }
  this._sendHeaders();
  return this;
};
ServerResponse.prototype.writeContinue = function () {};
ServerResponse.prototype.writeProcessing = function () {};
ServerResponse.prototype.writeEarlyHints = function () {};

ServerResponse.prototype._sendHeaders = function () {
  if (this._headerSent) return;
  this._headerSent = true;
  const status = this.statusCode;
  if (status < 100 || status > 999) throw codeError(RangeError, "ERR_HTTP_INVALID_STATUS_CODE", `Invalid status code: ${status}`);
  const noBody = !this._hasBody || status === 204 || status === 304 || (status >= 100 && status < 200);
  let body = null;
  if (!noBody) {
    body = new ReadableStream({
      type: "bytes",
      start: (c) => { this._controller = c; },
      pull: () => {
        const w = this._pendingWrite;
        this._pendingWrite = null;
        if (w) w();
      },
      // The client went away: the response closes, as when a socket closes in Node.
      cancel: () => { this.destroy(); },
    });
  }
  const headers = this._headersList();
  // The Response sets Content-Length or chunking itself.
  headers.delete("transfer-encoding");
  headers.delete("connection");
  headers.delete("keep-alive");
  this._resolveResponse(new Response(body, {
    status: status === 101 ? 500 : status,
    statusText: this.statusMessage ?? STATUS_CODES[status] ?? "",
    headers,
  }));
};

ServerResponse.prototype._write = function (chunk, encoding, cb) {
  try {
    this._sendHeaders();
  } catch (e) {
    cb(e);
    return;
  }
  const c = this._controller;
  if (!c || chunk.length === 0) { cb(); return; }
  try {
    c.enqueue(new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice());
  } catch (e) {
    cb(e);
    return;
  }
  if (c.desiredSize > 0) cb();
  else this._pendingWrite = () => cb();
};
ServerResponse.prototype._final = function (cb) {
  try {
    this._sendHeaders();
  } catch (e) {
    cb(e);
    return;
  }
  this.finished = true;
  try { this._controller?.close(); } catch {}
  cb();
  queueMicrotask(() => this.emit("close"));
};
ServerResponse.prototype._destroy = function (err, cb) {
  const pending = this._pendingWrite;
  this._pendingWrite = null;
  if (pending) queueMicrotask(pending);
  if (!this._headerSent) this._rejectResponse(err ?? new Error("The response was destroyed before it was sent"));
  else if (this._controller) { try { this._controller.error(err ?? new Error("aborted")); } catch {} }
  cb(err);
};
ServerResponse.prototype.end = function (chunk, encoding, cb) {
  if (typeof chunk === "function") { cb = chunk; chunk = undefined; }
  else if (typeof encoding === "function") { cb = encoding; encoding = undefined; }
  if (chunk != null && !this._headerSent && !this.hasHeader("content-length") && this._hasBody) {
    const len = typeof chunk === "string" ? Buffer.byteLength(chunk, encoding) : chunk.byteLength;
    this.setHeader("Content-Length", String(len));
  }
  Writable.prototype.end.call(this, chunk, encoding, cb);
  return this;
};

// ---- Server -------------------------------------------------------------------

const ports = new Map(); // port → server

function socketFor(request, port) {
  const ip = request.headers.get("cf-connecting-ip") ?? "127.0.0.1";
  const encrypted = new URL(request.url).protocol === "https:";
  const socket = new EventEmitter();
  Object.assign(socket, {
    remoteAddress: ip, remotePort: 0, remoteFamily: ip.includes(":") ? "IPv6" : "IPv4",
    localAddress: "127.0.0.1", localPort: port, encrypted, readable: true, writable: true,
    destroy() {}, end() {}, setTimeout() { return this; }, setNoDelay() { return this; }, setKeepAlive() { return this; },
    ref() { return this; }, unref() { return this; }, address() { return { port, family: "IPv4", address: "127.0.0.1" }; },
  });
  return socket;
}

export function Server(options, requestListener) {
  if (!serverModulesEnabled) throw serverDisabled("createServer");
  if (!(this instanceof Server)) return new Server(options, requestListener);
  if (typeof options === "function") { requestListener = options; options = {}; }
  this._options = options ?? {};
  this._port = null;
  this.timeout = 0;
  this.keepAliveTimeout = 5000;
  this.headersTimeout = 60000;
  this.requestTimeout = 300000;
  this.maxHeadersCount = null;
  this.highWaterMark = this._options.highWaterMark;
  if (requestListener) this.on("request", requestListener);
}
Object.setPrototypeOf(Server.prototype, EventEmitter.prototype);
Object.setPrototypeOf(Server, EventEmitter);

Server.prototype.listen = function (...args) {
  let port, callback;
  for (const a of args) {
    if (typeof a === "function") callback = a;
    else if (typeof a === "number" || (typeof a === "string" && /^\d+$/.test(a))) port ??= Number(a);
    else if (a && typeof a === "object" && a.port !== undefined) port ??= Number(a.port);
  }
  port ??= 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw codeError(RangeError, "ERR_SOCKET_BAD_PORT", `options.port should be >= 0 and < 65536. Received ${port}.`);
  }
  if (this._port !== null || ports.has(port)) throw codeError(Error, "ERR_SERVER_ALREADY_LISTEN", "Listen method has been called more than once without closing.");
  if (port === 0) {
    for (let i = 0; i < 10 && (port === 0 || ports.has(port)); i++) port = 1 + Math.floor(Math.random() * 65535);
    if (ports.has(port)) throw new Error("Failed to find a suitable port after 10 attempts");
  }
  this._port = port;
  ports.set(port, this);
  if (callback) this.once("listening", callback);
  queueMicrotask(() => this.emit("listening"));
  return this;
};
Server.prototype.close = function (callback) {
  if (this._port !== null) {
    ports.delete(this._port);
    this._port = null;
    queueMicrotask(() => this.emit("close"));
    if (callback) queueMicrotask(() => callback());
  } else if (callback) {
    queueMicrotask(() => callback(codeError(Error, "ERR_SERVER_NOT_RUNNING", "Server is not running.")));
  }
  return this;
};
Server.prototype.closeAllConnections = function () {};
Server.prototype.closeIdleConnections = function () {};
Server.prototype.address = function () {
  return this._port === null ? null : { port: this._port, family: "IPv4", address: "127.0.0.1" };
};
Object.defineProperty(Server.prototype, "listening", { get() { return this._port !== null; } });
Server.prototype.setTimeout = function (msecs, callback) {
  if (typeof msecs === "function") callback = msecs;
  else if (typeof msecs === "number") this.timeout = msecs;
  if (callback) this.once("timeout", callback);
  return this;
};
Server.prototype.getConnections = function (cb) { if (cb) queueMicrotask(() => cb(null, 0)); return this; };
Server.prototype.ref = function () { return this; };
Server.prototype.unref = function () { return this; };
Server.prototype[Symbol.asyncDispose] = function () { return new Promise((resolve) => this.close(() => resolve())); };

// A worker request as a Node request/response pair, handed to the server.
Server.prototype._handle = async function (request, env, ctx) {
  const IM = this._options.IncomingMessage ?? IncomingMessage;
  const SR = this._options.ServerResponse ?? ServerResponse;
  const socket = socketFor(request, this._port);
  const req = new IM(socket);
  const u = new URL(request.url);
  req.url = u.pathname + u.search;
  req.method = request.method;
  req._setHeaders(request.headers);
  req._setBody(request.body);
  req.cloudflare = { env, ctx };
  if ("cf" in request) req.cloudflare.cf = request.cf;
  const res = new SR(req, { highWaterMark: this.highWaterMark });
  res.socket = socket;
  this.emit("connection", socket);
  // A listener that throws, or an async one that rejects, before the
  // response started fails the request (an error the worker reports)
  // instead of leaving it unanswered.
  const fail = (err) => {
    if (!res.headersSent) res._rejectResponse(err);
    else if (res._controller) { try { res._controller.error(err); } catch {} }
    res.destroy();
  };
  try {
    for (const listener of this.rawListeners("request")) {
      const r = listener.call(this, req, res);
      if (r && typeof r.then === "function") r.then(undefined, fail);
    }
  } catch (err) {
    fail(err);
  }
  return await res._response;
};

export function createServer(options, requestListener) {
  return new Server(options, requestListener);
}

// cloudflare:node's handlers.
function serverForPort(port) {
  if (!Number.isFinite(port) || port < 0 || port > 65535) throw new Error("Failed to determine port for server");
  const server = ports.get(port);
  if (!server) {
    throw codeError(Error, "ERR_INVALID_ARG_VALUE",
      `Http server with port ${port} not found. This is likely a bug with your code. You should check if server.listen() was called with the same port (${port})`);
  }
  return server;
}

export async function handleAsNodeRequest(desc, request, env, ctx) {
  if (typeof desc === "number") desc = { port: desc };
  return serverForPort(desc?.port)._handle(request, env, ctx);
}

export function httpServerHandler(desc) {
  if (typeof desc === "number") desc = { port: desc };
  if (desc == null) throw new Error("Server descriptor cannot be null or undefined");
  let port = null;
  if (desc.port == null && typeof desc.listen === "function") {
    port = desc.address()?.port;
    if (typeof port !== "number") {
      desc.listen();
      port = desc.address()?.port;
    }
  } else if (typeof desc.port === "number") {
    port = desc.port;
  }
  if (!Number.isFinite(port) || port < 0 || port > 65535) throw new Error("Failed to determine port for server");
  return {
    async fetch(request, env, ctx) {
      return handleAsNodeRequest({ port }, request, env, ctx);
    },
  };
}

// ---- client -------------------------------------------------------------------

export function Agent(options) {
  if (!(this instanceof Agent)) return new Agent(options);
  this.options = { ...options };
  this.keepAlive = !!options?.keepAlive;
  this.maxSockets = options?.maxSockets ?? Infinity;
  this.maxFreeSockets = options?.maxFreeSockets ?? 256;
  this.defaultPort = 80;
  this.protocol = "http:";
  this.requests = Object.create(null);
  this.sockets = Object.create(null);
  this.freeSockets = Object.create(null);
}
Object.setPrototypeOf(Agent.prototype, EventEmitter.prototype);
Agent.prototype.destroy = function () {};
Agent.prototype.getName = function (o = {}) { return `${o.host || "localhost"}:${o.port || ""}:${o.localAddress || ""}`; };
export const globalAgent = new Agent();

function requestArgs(defaultProtocol, input, options, cb) {
  let opts = {};
  if (typeof input === "string" || input instanceof URL) {
    const u = new URL(String(input));
    opts = { protocol: u.protocol, hostname: u.hostname, port: u.port, path: u.pathname + u.search, auth: u.username ? `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}` : undefined };
    if (typeof options === "function") { cb = options; options = undefined; }
    if (options) opts = { ...opts, ...options };
  } else {
    if (typeof options === "function") { cb = options; options = undefined; }
    opts = { ...input, ...options };
  }
  return { opts, cb, defaultProtocol };
}

export function ClientRequest(input, options, cb, defaultProtocol = "http:") {
  if (!(this instanceof ClientRequest)) return new ClientRequest(input, options, cb, defaultProtocol);
  const args = requestArgs(defaultProtocol, input, options, cb);
  const opts = args.opts;
  OutgoingMessage.call(this);
  const protocol = opts.protocol ?? opts.agent?.protocol ?? args.defaultProtocol;
  if (protocol !== "http:" && protocol !== "https:") {
    throw codeError(TypeError, "ERR_INVALID_PROTOCOL", `Protocol "${protocol}" not supported. Expected "${args.defaultProtocol}"`);
  }
  this.method = String(opts.method ?? "GET").toUpperCase();
  this.path = opts.path ?? "/";
  if (/[\u0000-\u0020]/.test(this.path)) throw codeError(TypeError, "ERR_UNESCAPED_CHARACTERS", "Request path contains unescaped characters");
  const host = opts.hostname ?? (opts.host ? String(opts.host).replace(/:\d+$/, "") : "localhost");
  const port = opts.port ? Number(opts.port) : (protocol === "https:" ? 443 : 80);
  this.host = host;
  this.protocol = protocol;
  this.agent = opts.agent;
  this.reusedSocket = false;
  this.aborted = false;
  this.timeout = opts.timeout;
  this._chunks = [];
  this._abort = new AbortController();
  const defaultPort = protocol === "https:" ? 443 : 80;
  const hostPart = host.includes(":") && !host.startsWith("[") ? `[${host}]` : host;
  this._url = `${protocol}//${hostPart}${port === defaultPort ? "" : ":" + port}${this.path}`;
  if (opts.headers) {
    if (Array.isArray(opts.headers)) for (let i = 0; i < opts.headers.length; i += 2) this.appendHeader(opts.headers[i], opts.headers[i + 1]);
    else for (const k of Object.keys(opts.headers)) if (opts.headers[k] !== undefined) this.setHeader(k, opts.headers[k]);
  }
  if (opts.auth && !this.hasHeader("authorization")) this.setHeader("Authorization", "Basic " + Buffer.from(opts.auth).toString("base64"));
  if (opts.signal) {
    if (opts.signal.aborted) queueMicrotask(() => this.destroy(opts.signal.reason));
    else opts.signal.addEventListener("abort", () => this.destroy(opts.signal.reason), { once: true });
  }
  if (args.cb) this.once("response", args.cb);
}
Object.setPrototypeOf(ClientRequest.prototype, OutgoingMessage.prototype);
Object.setPrototypeOf(ClientRequest, OutgoingMessage);

ClientRequest.prototype._sendHeaders = function () { this._headerSent = true; };
ClientRequest.prototype._write = function (chunk, encoding, cb) {
  this._headerSent = true;
  this._chunks.push(chunk);
  cb();
};
ClientRequest.prototype._final = function (cb) {
  this._headerSent = true;
  const headers = this._headersList();
  headers.delete("connection");
  headers.delete("transfer-encoding");
  headers.delete("content-length");
  const body = this._chunks.length && this.method !== "GET" && this.method !== "HEAD" ? Buffer.concat(this._chunks) : undefined;
  let timer;
  if (this.timeout) timer = setTimeout(() => this.emit("timeout"), this.timeout);
  fetch(this._url, { method: this.method, headers, body, redirect: "manual", signal: this._abort.signal }).then((response) => {
    clearTimeout(timer);
    const res = new IncomingMessage(null);
    res.statusCode = response.status;
    res.statusMessage = response.statusText || STATUS_CODES[response.status] || "";
    res.url = "";
    res._setHeaders(response.headers);
    res._setBody(response.body);
    res.req = this;
    this.res = res;
    res.once("end", () => queueMicrotask(() => this.emit("close")));
    if (!this.emit("response", res)) res.resume();
    this.finished = true;
  }, (err) => {
    clearTimeout(timer);
    if (this.destroyed && this.aborted) return;
    const e = err?.name === "AbortError" ? codeError(Error, "ECONNRESET", "socket hang up") : codeError(Error, "ECONNREFUSED", `request to ${this._url} failed: ${err?.message ?? err}`);
    e.cause = err;
    this.destroy(e);
  });
  cb();
};
ClientRequest.prototype._destroy = function (err, cb) {
  this._abort.abort(err ?? undefined);
  if (this.res && !this.res.complete) this.res.destroy(err);
  cb(err);
};
ClientRequest.prototype.abort = function () {
  if (this.aborted) return;
  this.aborted = true;
  queueMicrotask(() => this.emit("abort"));
  this.destroy();
};
ClientRequest.prototype.setTimeout = function (msecs, callback) {
  this.timeout = msecs;
  if (callback) this.once("timeout", callback);
  return this;
};
ClientRequest.prototype.setNoDelay = function () {};
ClientRequest.prototype.setSocketKeepAlive = function () {};

export function request(input, options, cb) {
  return new ClientRequest(input, options, cb, "http:");
}
export function get(input, options, cb) {
  const req = request(input, options, cb);
  req.end();
  return req;
}

export const maxHeaderSize = 16384;

const http = {
  STATUS_CODES, METHODS, maxHeaderSize,
  validateHeaderName, validateHeaderValue,
  IncomingMessage, OutgoingMessage, ServerResponse, Server, ClientRequest, Agent, globalAgent,
  createServer, request, get,
  setMaxIdleHTTPParsers() {},
  WebSocket: globalThis.WebSocket, CloseEvent: globalThis.CloseEvent, MessageEvent: globalThis.MessageEvent,
};

// node:https: the same over TLS.
export const https = {
  Agent, globalAgent: new Agent(),
  Server, createServer,
  request: (input, options, cb) => new ClientRequest(input, options, cb, "https:"),
  get(input, options, cb) {
    const req = new ClientRequest(input, options, cb, "https:");
    req.end();
    return req;
  },
};
https.globalAgent.defaultPort = 443;
https.globalAgent.protocol = "https:";

export function loadHTTP(opts) {
  if (opts?.server) serverModulesEnabled = true;
  return http;
}
export function loadHTTPS(opts) {
  if (opts?.server) serverModulesEnabled = true;
  return https;
}
export const cloudflareNode = { httpServerHandler, handleAsNodeRequest };
export default http;
