// cloudflare:sockets — connect() opens an outbound TCP connection (plain,
// TLS, or plain then upgraded with startTls()) as a Socket with a readable
// and a writable byte stream. The bundler maps the module to the object
// installed here.
import ops from "./ops.js";
import { ReadableStream } from "./readable.js";
import { WritableStream } from "./writable.js";

const kToken = Symbol("socket");

function handled(p) {
  p.catch(() => {});
  return p;
}

function parseAddress(address) {
  let hostname, port;
  if (typeof address === "string") {
    const m = /^(?:\[([^\]]+)\]|([^:]+)):(\d+)$/.exec(address);
    if (!m) throw new TypeError(`The address must be "hostname:port" or { hostname, port }; got "${address}".`);
    hostname = m[1] ?? m[2];
    port = Number(m[3]);
  } else if (address !== null && typeof address === "object") {
    hostname = String(address.hostname ?? "");
    port = Number(address.port);
  } else {
    throw new TypeError("The address must be a string or an object with hostname and port.");
  }
  if (!hostname) throw new TypeError("The address has no hostname.");
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new TypeError(`The port must be an integer between 0 and 65535; got ${port}.`);
  return { hostname, port };
}

function toBytes(chunk) {
  if (chunk instanceof Uint8Array) return chunk;
  if (ArrayBuffer.isView(chunk)) return new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw new TypeError("The socket's writable stream takes ArrayBuffer or ArrayBufferView chunks.");
}

export class Socket {
  #id = 0;
  #ready; // promise of the Go socket id
  #opened;
  #closed;
  #resolveClosed;
  #rejectClosed;
  #readable;
  #writable;
  #secureTransport;
  #allowHalfOpen;
  #hostname;
  #upgraded = false;
  #startedTls = false;
  #readDone = false;
  #writeDone = false;
  #isClosed = false;
  #readController = null;

  constructor(token, connecting, { secureTransport, allowHalfOpen, hostname }) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#secureTransport = secureTransport;
    this.#allowHalfOpen = allowHalfOpen;
    this.#hostname = hostname;
    this.#closed = handled(new Promise((resolve, reject) => {
      this.#resolveClosed = resolve;
      this.#rejectClosed = reject;
    }));
    this.#opened = handled(connecting.then((info) => {
      this.#id = info.id;
      return { remoteAddress: info.remoteAddress, localAddress: info.localAddress };
    }));
    this.#ready = handled(this.#opened.then(() => this.#id));
    this.#opened.catch((err) => this.#fail(err));

    this.#readable = new ReadableStream({
      type: "bytes",
      start: (controller) => { this.#readController = controller; },
      pull: async (controller) => {
        const id = await this.#ready;
        if (this.#isClosed || this.#upgraded) { controller.close(); return; }
        let chunk;
        try {
          chunk = await ops.sockRead(id);
        } catch (err) {
          this.#fail(err);
          throw err;
        }
        if (this.#isClosed && chunk !== null) return; // closed meanwhile
        if (chunk === null) {
          try { controller.close(); } catch {}
          this.#readDone = true;
          if (!this.#allowHalfOpen && !this.#writeDone && !this.#upgraded) {
            this.#writeDone = true;
            ops.sockCloseWrite(id);
          }
          this.#maybeClosed();
          return;
        }
        controller.enqueue(chunk);
      },
      cancel: () => {
        this.#readDone = true;
        this.#maybeClosed();
      },
    });
    this.#writable = new WritableStream({
      write: async (chunk) => {
        const bytes = toBytes(chunk);
        const id = await this.#ready;
        if (this.#isClosed || this.#writeDone) throw new Error("Socket is closed.");
        if (bytes.byteLength === 0) return;
        try {
          await ops.sockWrite(id, bytes);
        } catch (err) {
          this.#fail(err);
          throw err;
        }
      },
      close: async () => {
        const id = await this.#ready;
        if (!this.#writeDone && !this.#isClosed) {
          this.#writeDone = true;
          ops.sockCloseWrite(id);
        }
        this.#maybeClosed();
      },
      abort: async () => {
        await this.#ready.catch(() => {});
        this.close();
      },
    });
  }

  get readable() { return this.#readable; }
  get writable() { return this.#writable; }
  get opened() { return this.#opened; }
  get closed() { return this.#closed; }
  get upgraded() { return this.#upgraded; }
  get secureTransport() { return this.#secureTransport; }

  #maybeClosed() {
    if (this.#readDone && this.#writeDone) this.#finish();
  }

  #finish() {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (this.#id !== 0 && !this.#upgraded) ops.sockClose(this.#id);
    this.#resolveClosed();
  }

  #fail(err) {
    if (this.#isClosed) return;
    this.#isClosed = true;
    if (this.#id !== 0 && !this.#upgraded) ops.sockClose(this.#id);
    try { this.#readController?.error(err); } catch {}
    this.#rejectClosed(err);
  }

  close() {
    if (!this.#isClosed) {
      this.#readDone = this.#writeDone = true;
      this.#finish();
      try { this.#readController?.close(); } catch {}
    }
    return this.#closed;
  }

  startTls(options = undefined) {
    if (this.#secureTransport !== "starttls") {
      throw new TypeError("The socket was not created with secureTransport: \"starttls\", so startTls() cannot be used.");
    }
    if (this.#startedTls) throw new TypeError("startTls() can only be called once.");
    if (this.#isClosed) throw new TypeError("The socket is closed.");
    this.#startedTls = true;
    const hostname = options?.expectedServerHostname ?? this.#hostname;
    const upgrading = this.#ready.then((id) => {
      this.#upgraded = true;
      return ops.sockStartTls(id, hostname);
    });
    const next = new Socket(kToken, upgrading, { secureTransport: "on", allowHalfOpen: this.#allowHalfOpen, hostname });
    // The plain socket is done: its streams end, its closed promise resolves.
    upgrading.then(() => {
      this.#isClosed = true;
      try { this.#readController?.close(); } catch {}
      this.#resolveClosed();
    }, (err) => this.#fail(err));
    return next;
  }
}

export function connect(address, options = undefined) {
  const { hostname, port } = parseAddress(address);
  const secureTransport = options?.secureTransport ?? "off";
  if (secureTransport !== "off" && secureTransport !== "on" && secureTransport !== "starttls") {
    throw new TypeError(`secureTransport must be "off", "on" or "starttls"; got "${secureTransport}".`);
  }
  const allowHalfOpen = !!options?.allowHalfOpen;
  // The op counts the subrequest and may throw synchronously (too many
  // subrequests); as in workerd, that surfaces from connect().
  const connecting = ops.sockConnect(hostname, port, secureTransport === "on");
  return new Socket(kToken, connecting, { secureTransport, allowHalfOpen, hostname });
}

const sockets = Object.freeze({ connect, Socket });
Object.defineProperty(globalThis, "__outpost_sockets", { value: sockets, enumerable: false, configurable: false, writable: false });

export default sockets;
