// WebSocket, WebSocketPair, MessageEvent, CloseEvent and ErrorEvent, as
// Workers implement them (workerd's api/web-socket.c++): a pair's two ends
// talk in JavaScript; an end returned in a 101 response, or a connection
// opened with new WebSocket()/fetch(), talks to a Go socket by number.
import ops from "./ops.js";
import { Event, EventTarget, dispatch, setTrusted } from "./events.js";
import { DOMException } from "./domexception.js";
import { URL } from "./url.js";
import { Blob } from "./blob.js";
import { isBufferSource, copyBytes } from "./util.js";

export class MessageEvent extends Event {
  #data;
  #ports;
  constructor(type, init = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'MessageEvent': 1 argument required, but only 0 present.");
    super(type, init);
    this.#data = init?.data ?? null;
    this.#ports = Object.freeze(init?.ports === undefined ? [] : [...init.ports]);
  }
  get data() { return this.#data; }
  get origin() { return null; }
  get lastEventId() { return null; }
  get source() { return null; }
  get ports() { return this.#ports; }
}
Object.defineProperty(MessageEvent.prototype, Symbol.toStringTag, { value: "MessageEvent", configurable: true });

export class CloseEvent extends Event {
  #code;
  #reason;
  #wasClean;
  constructor(type, init = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'CloseEvent': 1 argument required, but only 0 present.");
    super(type, init);
    this.#code = init?.code === undefined ? 0 : Number(init.code) | 0;
    this.#reason = init?.reason === undefined ? "" : String(init.reason);
    this.#wasClean = !!init?.wasClean;
  }
  get code() { return this.#code; }
  get reason() { return this.#reason; }
  get wasClean() { return this.#wasClean; }
}
Object.defineProperty(CloseEvent.prototype, Symbol.toStringTag, { value: "CloseEvent", configurable: true });

export class ErrorEvent extends Event {
  #init;
  constructor(type, init = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'ErrorEvent': 1 argument required, but only 0 present.");
    super(type, init);
    this.#init = { message: String(init?.message ?? ""), filename: String(init?.filename ?? ""), lineno: init?.lineno >>> 0, colno: init?.colno >>> 0, error: init?.error };
  }
  get message() { return this.#init.message; }
  get filename() { return this.#init.filename; }
  get lineno() { return this.#init.lineno; }
  get colno() { return this.#init.colno; }
  get error() { return this.#init.error; }
}
Object.defineProperty(ErrorEvent.prototype, Symbol.toStringTag, { value: "ErrorEvent", configurable: true });

const kWS = Symbol("#websocket");
const CONNECTING = 0, OPEN = 1, CLOSING = 2, CLOSED = 3;
let constructing = false;

// The socket's state, after workerd's: mode is "connecting" (new
// WebSocket() before the handshake), "waiting" (not yet accepted or
// returned), "accepted" or "released" (returned in a response, or gone).
function newState(url) {
  return {
    url, protocol: "", extensions: "", binaryType: "arraybuffer",
    mode: "waiting",
    peer: null, // the other end of a pair, while it talks in JavaScript
    host: 0, // the Go socket's number
    inbox: [], // what the peer sent before accept()
    queue: [], draining: false,
    closedOutgoing: false, closedIncoming: false, outgoingAborted: false,
    error: undefined,
    handlers: { open: null, message: null, close: null, error: null },
    handlerSet: {},
  };
}

function makeSocket() {
  constructing = true;
  try {
    return new WebSocket();
  } finally {
    constructing = false;
  }
}

function fire(ws, ev) {
  dispatch(ws, setTrusted(ev), false);
}

function validProtocol(p) {
  return p.length > 0 && /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(p);
}

function syntaxError(msg) {
  return new DOMException(`WebSocket Constructor: ${msg}`, "SyntaxError");
}

export class WebSocket extends EventTarget {
  constructor(url = undefined, protocols = undefined) {
    super();
    if (constructing) {
      this[kWS] = newState(null);
      return;
    }
    if (arguments.length === 0) throw new TypeError("Failed to construct 'WebSocket': 1 argument required, but only 0 present.");
    const href = String(url);
    let u;
    try {
      u = new URL(href);
    } catch {
      throw syntaxError("The url is invalid.");
    }
    if (u.protocol !== "ws:" && u.protocol !== "wss:") throw syntaxError("The url scheme must be ws or wss.");
    if (u.hash !== "" || href.includes("#")) throw syntaxError("The url fragment must be empty.");
    const headers = [];
    if (protocols !== undefined) {
      let list;
      if (typeof protocols === "string") {
        if (!validProtocol(protocols)) throw syntaxError("The protocol header token is invalid.");
        list = [protocols];
      } else {
        list = [...protocols].map(String);
        if (list.length === 0) throw syntaxError("The protocols array cannot be empty.");
        const seen = new Set();
        for (const p of list) {
          if (!validProtocol(p)) throw syntaxError("One of the protocol header tokens is invalid.");
          if (seen.has(p)) throw syntaxError("The protocols header cannot have repeating values.");
          seen.add(p);
        }
      }
      headers.push(["sec-websocket-protocol", list.join(", ")]);
    }
    const st = (this[kWS] = newState(href));
    st.mode = "connecting";
    u.protocol = u.protocol === "ws:" ? "http:" : "https:";
    let p;
    try {
      p = ops.wsConnect({ url: u.href, headers, fetch: false });
    } catch (e) {
      p = Promise.reject(e);
    }
    p.then((res) => {
      if (st.mode !== "connecting") {
        ops.wsAbort(res.id); // close() was called while connecting
        return;
      }
      st.protocol = res.protocol;
      st.extensions = res.extensions;
      st.host = res.id;
      startReading(this);
      fire(this, new Event("open"));
    }, (e) => {
      if (st.mode !== "connecting") return;
      st.mode = "released";
      st.closedIncoming = true;
      reportError(this, e);
      fire(this, new CloseEvent("close", { code: 1006, reason: "Failed to establish websocket connection", wasClean: false }));
    });
  }

  accept() {
    const st = this[kWS];
    if (st.mode === "connecting") throw new TypeError("Websockets obtained from the 'new WebSocket()' constructor cannot call accept");
    if (st.mode === "released") throw new TypeError("Can't accept() WebSocket that was already used in a response.");
    if (st.mode === "accepted") return;
    if (st.foreign) {
      throw new TypeError("Outpost cannot accept() a WebSocket that another worker or Durable Object returned: return it in a 101 response as it is.");
    }
    startReading(this);
  }

  send(message) {
    if (arguments.length === 0) throw new TypeError("Failed to execute 'send' on 'WebSocket': 1 argument required, but only 0 present.");
    const st = this[kWS];
    if (st.closedOutgoing) throw new TypeError("Can't call WebSocket send() after close().");
    if (st.outgoingAborted || st.mode === "released") return;
    if (st.mode !== "accepted") {
      throw new TypeError("You must call one of accept() or state.acceptWebSocket() on this WebSocket before sending messages.");
    }
    const data = isBufferSource(message) ? copyBytes(message) : String(message);
    transmit(st, { type: "message", data });
  }

  close(code = undefined, reason = undefined) {
    const st = this[kWS];
    if (st.mode === "connecting") {
      st.mode = "released";
      return;
    }
    if (st.closedOutgoing || st.outgoingAborted || st.mode === "released") return;
    if (st.mode !== "accepted") {
      throw new TypeError("You must call one of accept() or state.acceptWebSocket() on this WebSocket before sending messages.");
    }
    if (st.error !== undefined) throw st.error;
    if (code !== undefined) {
      code = Number(code);
      if (!Number.isInteger(code) || code < 1000 || code >= 5000 || code === 1004 || code === 1005 || code === 1006 || code === 1015) {
        throw new TypeError(`Invalid WebSocket close code: ${code}.`);
      }
    }
    if (reason !== undefined) {
      if (code === undefined) throw new TypeError("If you specify a WebSocket close reason, you must also specify a code.");
      reason = String(reason);
      // A close frame carries at most 123 bytes of reason.
      if (ops.utf8Encode(reason).byteLength > 123) throw new DOMException("The close reason must not be greater than 123 UTF-8 bytes.", "SyntaxError");
    }
    st.closedOutgoing = true;
    transmit(st, { type: "close", code: code ?? 1005, reason: reason ?? "" });
  }

  serializeAttachment() {
    throw new TypeError("serializeAttachment() is only available on WebSockets accepted with state.acceptWebSocket() in a Durable Object, which Outpost does not run.");
  }
  deserializeAttachment() { return null; }

  get readyState() {
    const st = this[kWS];
    if ((st.closedIncoming && st.closedOutgoing) || st.error !== undefined) return CLOSED;
    if (st.closedIncoming || st.closedOutgoing) return CLOSING;
    if (st.mode === "connecting") return CONNECTING;
    return OPEN;
  }
  get url() { return this[kWS].url; }
  get protocol() { return this[kWS].protocol; }
  get extensions() { return this[kWS].extensions; }
  get binaryType() { return this[kWS].binaryType; }
  set binaryType(v) {
    v = String(v);
    if (v === "arraybuffer" || v === "blob") this[kWS].binaryType = v;
  }
}
for (const [name, value] of Object.entries({ CONNECTING, OPEN, CLOSING, CLOSED })) {
  for (const target of [WebSocket, WebSocket.prototype]) {
    Object.defineProperty(target, name, { value, enumerable: true });
    Object.defineProperty(target, `READY_STATE_${name}`, { value, enumerable: true });
  }
}
for (const type of ["open", "message", "close", "error"]) {
  Object.defineProperty(WebSocket.prototype, `on${type}`, {
    get() { return this[kWS].handlers[type]; },
    // Like an event handler attribute: the first assignment adds one
    // listener that calls whatever the property holds at the time.
    set(v) {
      const st = this[kWS];
      st.handlers[type] = typeof v === "function" ? v : null;
      if (!st.handlerSet[type]) {
        st.handlerSet[type] = true;
        this.addEventListener(type, (e) => st.handlers[type]?.call(this, e));
      }
    },
    configurable: true,
    enumerable: true,
  });
}
Object.defineProperty(WebSocket.prototype, Symbol.toStringTag, { value: "WebSocket", configurable: true });

export class WebSocketPair {
  constructor() {
    const a = makeSocket();
    const b = makeSocket();
    a[kWS].peer = b;
    b[kWS].peer = a;
    Object.defineProperty(this, 0, { value: a, enumerable: true });
    Object.defineProperty(this, 1, { value: b, enumerable: true });
  }
  *[Symbol.iterator]() {
    yield this[0];
    yield this[1];
  }
}
Object.defineProperty(WebSocketPair.prototype, Symbol.toStringTag, { value: "WebSocketPair", configurable: true });

// A WebSocket for fetch()'s response to an Upgrade request.
export function webSocketFromHost(res) {
  const ws = makeSocket();
  const st = ws[kWS];
  st.host = res.id;
  st.protocol = res.protocol;
  st.extensions = res.extensions;
  st.foreign = !!res.foreign;
  return ws;
}

// transmit sends a message or close to wherever the socket's frames go.
function transmit(st, msg) {
  if (st.peer !== null) {
    deliver(st.peer, msg);
  } else if (st.host !== 0) {
    if (msg.type === "close") ops.wsClose(st.host, msg.code, msg.reason);
    else ops.wsSend(st.host, msg.data);
  }
}

// deliver hands a message from a pair's end to the other: queued until it
// is accepted, then dispatched in order on a later turn.
function deliver(ws, msg) {
  const st = ws[kWS];
  if (st.mode === "waiting") {
    st.inbox.push(msg);
    return;
  }
  if (st.mode !== "accepted") return;
  st.queue.push(msg);
  if (!st.draining) {
    st.draining = true;
    Promise.resolve().then(() => drain(ws));
  }
}

function drain(ws) {
  const st = ws[kWS];
  while (st.queue.length > 0) {
    const msg = st.queue.shift();
    if (msg.type === "message") {
      const data = typeof msg.data === "string" ? msg.data : msg.data.buffer;
      receivedMessage(ws, data);
    } else {
      receivedClose(ws, msg.code, msg.reason, true);
    }
  }
  st.draining = false;
}

function receivedMessage(ws, data) {
  const st = ws[kWS];
  if (typeof data !== "string" && st.binaryType === "blob") data = new Blob([data]);
  fire(ws, new MessageEvent("message", { data }));
}

function receivedClose(ws, code, reason, wasClean) {
  const st = ws[kWS];
  if (st.closedIncoming) return;
  st.closedIncoming = true;
  fire(ws, new CloseEvent("close", { code, reason, wasClean }));
}

function reportError(ws, e) {
  const st = ws[kWS];
  if (st.error !== undefined) return;
  st.error = e;
  st.outgoingAborted = true;
  fire(ws, new ErrorEvent("error", { message: String(e?.message ?? e), error: e }));
}

// startReading accepts the socket: a pair's end gets what its peer already
// sent; a Go socket is read until it closes.
function startReading(ws) {
  const st = ws[kWS];
  st.mode = "accepted";
  if (st.host === 0) {
    const pending = st.inbox;
    st.inbox = [];
    for (const msg of pending) deliver(ws, msg);
    return;
  }
  const id = st.host;
  const loop = () => ops.wsReceive(id).then((ev) => {
    if (ev.type === "message") {
      receivedMessage(ws, ev.data);
      return loop();
    }
    if (!ev.clean) st.outgoingAborted = true;
    receivedClose(ws, ev.code, ev.reason, ev.clean);
  }, (e) => {
    st.closedIncoming = true;
    reportError(ws, e);
  });
  loop();
}

// couple hands the socket of a 101 response to the host and returns the
// Go socket's number (workerd's WebSocket::couple).
export function coupleWebSocket(ws) {
  if (!(ws instanceof WebSocket)) throw new TypeError("Failed to construct 'Response': member webSocket is not of type WebSocket.");
  const st = ws[kWS];
  if (st.mode === "connecting") throw new TypeError("Can't return WebSocket in a Response if it was created with `new WebSocket()`");
  if (st.mode === "released") throw new TypeError("Can't return WebSocket that was already used in a response.");
  if (st.mode === "accepted") throw new TypeError("Can't return WebSocket in a Response after calling accept().");
  st.mode = "released";
  if (st.host !== 0) return st.host;
  // A pair's end: its peer now talks to the client through Go, starting
  // with what it sent before the response.
  const id = ops.wsNew();
  const peer = st.peer;
  st.peer = null;
  if (peer !== null) {
    const ps = peer[kWS];
    ps.peer = null;
    ps.host = id;
    for (const msg of st.inbox) transmit(ps, msg);
    if (ps.mode === "accepted") startReading(peer);
  }
  st.inbox = [];
  return id;
}
