// node:net — client sockets over cloudflare:sockets' connect(), as in
// workerd: net.Socket is a Duplex over the TCP socket's streams. Servers
// (net.createServer) cannot listen in a worker.
import { Buffer } from "./buffer.js";
import { Duplex } from "./stream.js";

function sockets() {
  return globalThis.__outpost_sockets;
}

function codeError(Ctor, code, message) {
  const e = new Ctor(message);
  e.code = code;
  return e;
}

const v4Seg = "(?:25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9][0-9]|[0-9])";
const v4Str = `(?:${v4Seg}\\.){3}${v4Seg}`;
const IPv4Reg = new RegExp(`^${v4Str}$`);
const v6Seg = "(?:[0-9a-fA-F]{1,4})";
const IPv6Reg = new RegExp("^(?:" +
  `(?:${v6Seg}:){7}(?:${v6Seg}|:)|` +
  `(?:${v6Seg}:){6}(?:${v4Str}|:${v6Seg}|:)|` +
  `(?:${v6Seg}:){5}(?::${v4Str}|(?::${v6Seg}){1,2}|:)|` +
  `(?:${v6Seg}:){4}(?:(?::${v6Seg}){0,1}:${v4Str}|(?::${v6Seg}){1,3}|:)|` +
  `(?:${v6Seg}:){3}(?:(?::${v6Seg}){0,2}:${v4Str}|(?::${v6Seg}){1,4}|:)|` +
  `(?:${v6Seg}:){2}(?:(?::${v6Seg}){0,3}:${v4Str}|(?::${v6Seg}){1,5}|:)|` +
  `(?:${v6Seg}:){1}(?:(?::${v6Seg}){0,4}:${v4Str}|(?::${v6Seg}){1,6}|:)|` +
  `(?::(?:(?::${v6Seg}){0,5}:${v4Str}|(?::${v6Seg}){1,7}|:))` +
  ")(?:%[0-9a-zA-Z-.:]{1,})?$");

export function isIPv4(s) { return IPv4Reg.test(String(s)); }
export function isIPv6(s) { return IPv6Reg.test(String(s)); }
export function isIP(s) { return isIPv4(s) ? 4 : isIPv6(s) ? 6 : 0; }

function splitAddress(addr) {
  // "1.2.3.4:5" or "[::1]:5"
  const m = /^(?:\[([^\]]+)\]|(.*)):(\d+)$/.exec(addr ?? "");
  if (!m) return { address: undefined, port: undefined };
  return { address: m[1] ?? m[2], port: Number(m[3]) };
}

// normalizeConnectArgs: (port[, host][, cb]) or (options[, cb]) or (path[, cb]).
function normalizeArgs(args) {
  let options = {};
  let cb = null;
  const a0 = args[0];
  if (a0 !== null && typeof a0 === "object") options = { ...a0 };
  else if (typeof a0 === "string" && !/^\d+$/.test(a0)) options = { path: a0 };
  else {
    options.port = a0;
    if (typeof args[1] === "string") options.host = args[1];
  }
  const last = args[args.length - 1];
  if (typeof last === "function") cb = last;
  return [options, cb];
}

export function Socket(options) {
  if (!(this instanceof Socket)) return new Socket(options);
  options = { ...options };
  Duplex.call(this, { allowHalfOpen: !!options.allowHalfOpen, highWaterMark: options.highWaterMark, emitClose: true, autoDestroy: true, decodeStrings: true });
  this.connecting = false;
  this._cf = null;
  this._reader = null;
  this._writer = null;
  this._timeout = 0;
  this._timer = null;
  this._secure = options._secureTransport ?? "off";
  this._host = null;
  this.bytesRead = 0;
  this._bytesWritten = 0;
  this.remoteAddress = undefined;
  this.remotePort = undefined;
  this.remoteFamily = undefined;
  this.localAddress = undefined;
  this.localPort = undefined;
  if (options.signal) {
    const signal = options.signal;
    if (signal.aborted) queueMicrotask(() => this.destroy(signal.reason));
    else signal.addEventListener("abort", () => this.destroy(signal.reason), { once: true });
  }
}
Object.setPrototypeOf(Socket.prototype, Duplex.prototype);
Object.setPrototypeOf(Socket, Duplex);

Object.defineProperty(Socket.prototype, "pending", { get() { return !this._cf || this.connecting; } });
Object.defineProperty(Socket.prototype, "readyState", {
  get() {
    if (this.connecting) return "opening";
    if (!this._cf || this.destroyed) return "closed";
    if (this.readable && this.writable) return "open";
    if (this.readable && !this.writable) return "readOnly";
    if (!this.readable && this.writable) return "writeOnly";
    return "closed";
  },
});
Object.defineProperty(Socket.prototype, "bytesWritten", { get() { return this._bytesWritten; } });
Object.defineProperty(Socket.prototype, "remoteFamily", {
  get() { return this.remoteAddress === undefined ? undefined : isIPv6(this.remoteAddress) ? "IPv6" : "IPv4"; },
  set() {},
});

Socket.prototype.connect = function (...args) {
  const [options, cb] = normalizeArgs(args);
  if (options.path !== undefined) {
    throw codeError(Error, "ERR_METHOD_NOT_IMPLEMENTED", "Unix domain sockets are not supported in Workers");
  }
  const port = Number(options.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw codeError(RangeError, "ERR_SOCKET_BAD_PORT", `Port should be >= 0 and < 65536. Received ${options.port}.`);
  }
  if (this._cf || this.connecting) throw codeError(Error, "ERR_SOCKET_CONNECTING", "Socket is already connecting or connected");
  const host = options.host ?? "localhost";
  this._host = host;
  if (cb) this.once("connect", cb);
  this.connecting = true;
  this.emit("lookup", null, isIP(host) ? host : undefined, isIP(host) || undefined, host);
  let cf;
  try {
    cf = sockets().connect({ hostname: host, port }, { secureTransport: options._secureTransport ?? this._secure, allowHalfOpen: true });
  } catch (err) {
    this.connecting = false;
    queueMicrotask(() => this.destroy(err));
    return this;
  }
  this._attach(cf);
  return this;
};

Socket.prototype._attach = function (cf) {
  this._cf = cf;
  this.connecting = true;
  cf.opened.then((info) => {
    if (this.destroyed) return;
    this.connecting = false;
    const remote = splitAddress(info.remoteAddress);
    const local = splitAddress(info.localAddress);
    this.remoteAddress = remote.address;
    this.remotePort = remote.port;
    this.localAddress = local.address;
    this.localPort = local.port;
    this._reader = cf.readable.getReader();
    this._writer = cf.writable.getWriter();
    this._touch();
    this.emit("connect");
    this.emit("ready");
    // Reads asked for before the connection opened.
    if (this._wantRead) { this._wantRead = false; this._read(); }
    if (this._pendingWrites) {
      const pending = this._pendingWrites;
      this._pendingWrites = null;
      for (const [chunk, cb] of pending) this._doWrite(chunk, cb);
    }
    if (this._pendingFinal) { const f = this._pendingFinal; this._pendingFinal = null; this._final(f); }
  }, (err) => {
    this.connecting = false;
    const e = codeError(Error, /refused/i.test(err?.message) ? "ECONNREFUSED" : "ECONNRESET", `connect ${err?.message ?? err}`);
    e.cause = err;
    this.destroy(e);
  });
};

Socket.prototype._touch = function () {
  if (!this._timeout) return;
  clearTimeout(this._timer);
  this._timer = setTimeout(() => this.emit("timeout"), this._timeout);
};

Socket.prototype._read = function () {
  if (!this._reader) { this._wantRead = true; return; }
  if (this._reading) return;
  this._reading = true;
  this._reader.read().then(({ value, done }) => {
    this._reading = false;
    if (done) { this.push(null); return; }
    this.bytesRead += value.byteLength;
    this._touch();
    if (this.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength))) this._read();
  }, (err) => {
    this._reading = false;
    this.destroy(codeError(Error, "ECONNRESET", err?.message ?? String(err)));
  });
};

Socket.prototype._doWrite = function (chunk, cb) {
  const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength).slice();
  this._writer.write(bytes).then(() => {
    this._bytesWritten += bytes.byteLength;
    this._touch();
    cb();
  }, (err) => cb(codeError(Error, "EPIPE", err?.message ?? String(err))));
};

Socket.prototype._write = function (chunk, encoding, cb) {
  if (!this._writer) {
    if (!this.connecting) { cb(codeError(Error, "ERR_SOCKET_CLOSED", "Socket is closed")); return; }
    (this._pendingWrites ??= []).push([chunk, cb]);
    return;
  }
  this._doWrite(chunk, cb);
};

Socket.prototype._final = function (cb) {
  if (!this._writer) {
    if (this.connecting) { this._pendingFinal = cb; return; }
    cb();
    return;
  }
  this._writer.close().then(() => cb(), (err) => cb(err));
};

Socket.prototype._destroy = function (err, cb) {
  clearTimeout(this._timer);
  this.connecting = false;
  if (this._cf) {
    this._cf.close().catch(() => {});
  }
  cb(err);
};

Socket.prototype.setTimeout = function (msecs, callback) {
  this._timeout = msecs;
  if (callback) {
    if (msecs === 0) this.removeListener("timeout", callback);
    else this.once("timeout", callback);
  }
  if (msecs === 0) clearTimeout(this._timer);
  else this._touch();
  return this;
};
Socket.prototype.setNoDelay = function () { return this; };
Socket.prototype.setKeepAlive = function () { return this; };
Socket.prototype.ref = function () { return this; };
Socket.prototype.unref = function () { return this; };
Socket.prototype.address = function () {
  if (this.localAddress === undefined) return {};
  return { address: this.localAddress, family: isIPv6(this.localAddress) ? "IPv6" : "IPv4", port: this.localPort };
};
Socket.prototype.resetAndDestroy = function () { return this.destroy(); };

export function connect(...args) {
  const [options] = normalizeArgs(args);
  const socket = new Socket(options);
  if (options.timeout) socket.setTimeout(options.timeout);
  return socket.connect(...args);
}

function serverUnsupported() {
  throw codeError(Error, "ERR_METHOD_NOT_IMPLEMENTED", "net.Server is not implemented: a worker cannot listen for TCP connections");
}

export function Server() { serverUnsupported(); }
export function createServer() { serverUnsupported(); }

let autoSelectFamily = true;
let autoSelectFamilyAttemptTimeout = 250;

const net = {
  Socket, Stream: Socket, connect, createConnection: connect, Server, createServer,
  isIP, isIPv4, isIPv6,
  getDefaultAutoSelectFamily: () => autoSelectFamily,
  setDefaultAutoSelectFamily: (v) => { autoSelectFamily = !!v; },
  getDefaultAutoSelectFamilyAttemptTimeout: () => autoSelectFamilyAttemptTimeout,
  setDefaultAutoSelectFamilyAttemptTimeout: (v) => { autoSelectFamilyAttemptTimeout = v; },
};

// node:tls — TLSSocket over connect() with secureTransport "on".
export function TLSSocket(socket, options) {
  if (!(this instanceof TLSSocket)) return new TLSSocket(socket, options);
  if (socket instanceof Socket) {
    throw codeError(Error, "ERR_METHOD_NOT_IMPLEMENTED", "Upgrading an existing net.Socket with new tls.TLSSocket() is not supported; use tls.connect()");
  }
  Socket.call(this, { ...options, _secureTransport: "on" });
  this.encrypted = true;
  this.authorized = false;
  this.authorizationError = null;
  this.alpnProtocol = false;
  this.servername = options?.servername;
  this.once("connect", () => {
    this.authorized = true;
    this.emit("secureConnect");
  });
}
Object.setPrototypeOf(TLSSocket.prototype, Socket.prototype);
Object.setPrototypeOf(TLSSocket, Socket);
TLSSocket.prototype.getPeerCertificate = function () { return {}; };
TLSSocket.prototype.getProtocol = function () { return this.authorized ? "TLSv1.3" : null; };
TLSSocket.prototype.getCipher = function () { return null; };
TLSSocket.prototype.setServername = function (name) { this.servername = name; };

export const tls = {
  TLSSocket,
  connect(...args) {
    let [options, cb] = normalizeArgs(args);
    if (typeof args[0] === "number" && args[2] && typeof args[2] === "object") options = { ...args[2], ...options };
    if (options.rejectUnauthorized === false) {
      throw codeError(Error, "ERR_OPTION_NOT_IMPLEMENTED", "The rejectUnauthorized option is not supported: Workers always verify certificates");
    }
    const socket = new TLSSocket(null, options);
    if (cb) socket.once("secureConnect", cb);
    return socket.connect({ ...options, _secureTransport: "on" });
  },
  createServer() { throw codeError(Error, "ERR_METHOD_NOT_IMPLEMENTED", "tls.createServer is not implemented: a worker cannot listen for TCP connections"); },
  checkServerIdentity() { return undefined; },
  createSecureContext(options) { return { context: {}, options }; },
  DEFAULT_MIN_VERSION: "TLSv1.2",
  DEFAULT_MAX_VERSION: "TLSv1.3",
  DEFAULT_ECDH_CURVE: "auto",
  getCiphers: () => ["tls_aes_128_gcm_sha256", "tls_aes_256_gcm_sha384", "tls_chacha20_poly1305_sha256"],
  rootCertificates: Object.freeze([]),
};

export default net;
