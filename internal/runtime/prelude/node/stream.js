// node:stream — Readable, Writable, Duplex, Transform, PassThrough,
// pipeline and finished, with Node's events, backpressure and error codes.
// The constructors are plain functions, so that packages written for old
// Node (util.inherits + Readable.call(this, options)) work as well as
// classes that extend them.
import EventEmitter from "./events.js";
import { Buffer } from "./buffer.js";
import { StringDecoder } from "./string_decoder.js";

const tick = (fn, ...args) => queueMicrotask(() => fn(...args));

function codeError(Ctor, code, message) {
  const e = new Ctor(message);
  e.code = code;
  return e;
}
const errPrematureClose = () => codeError(Error, "ERR_STREAM_PREMATURE_CLOSE", "Premature close");
const errDestroyed = (op) => codeError(Error, "ERR_STREAM_DESTROYED", `Cannot call ${op} after a stream was destroyed`);
const errNotImplemented = (m) => codeError(Error, "ERR_METHOD_NOT_IMPLEMENTED", `The ${m} method is not implemented`);
const errInvalidChunk = (chunk) =>
  codeError(TypeError, "ERR_INVALID_ARG_TYPE",
    `The "chunk" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${chunk === null ? "null" : typeof chunk}`);

let defaultHWM = 65536;
let defaultObjectHWM = 16;
export function getDefaultHighWaterMark(objectMode) { return objectMode ? defaultObjectHWM : defaultHWM; }
export function setDefaultHighWaterMark(objectMode, value) {
  if (objectMode) defaultObjectHWM = value;
  else defaultHWM = value;
}

function hwmFrom(options, key, objectMode) {
  const v = options?.highWaterMark ?? options?.[key];
  if (v == null) return getDefaultHighWaterMark(objectMode);
  if (!Number.isInteger(v) || v < 0) {
    throw codeError(TypeError, "ERR_INVALID_ARG_VALUE", `The property 'options.highWaterMark' is invalid. Received ${v}`);
  }
  return v;
}

function isUint8(v) { return v instanceof Uint8Array; }
function toBuffer(chunk) {
  if (Buffer.isBuffer(chunk)) return chunk;
  if (ArrayBuffer.isView(chunk)) return Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  return chunk;
}

// ---- Stream (legacy base) -------------------------------------------------

export function Stream(options) {
  if (!(this instanceof Stream)) return new Stream(options);
}
Object.setPrototypeOf(Stream.prototype, EventEmitter.prototype);
Object.setPrototypeOf(Stream, EventEmitter);

// Legacy pipe for streams that only emit data/end (Stream.prototype.pipe).
Stream.prototype.pipe = function (dest, options) {
  const source = this;
  const ondata = (chunk) => { if (dest.writable && dest.write(chunk) === false && source.pause) source.pause(); };
  const ondrain = () => { if (source.readable && source.resume) source.resume(); };
  source.on("data", ondata);
  dest.on("drain", ondrain);
  if (options?.end !== false) source.on("end", () => dest.end());
  dest.emit("pipe", source);
  return dest;
};

// ---- destroy, shared --------------------------------------------------------

function destroyImpl(err, cb) {
  const r = this._readableState, w = this._writableState;
  const s = w || r;
  if (typeof cb === "function") {
    if (s.closed) tick(cb, s.errored ?? null);
    else this.once("close", () => cb(s.errored ?? null));
  }
  if ((r && r.destroyed) || (w && w.destroyed)) {
    if (err && !s.errored) setErrored(this, err);
    return this;
  }
  if (err) setErrored(this, err);
  if (r) r.destroyed = true;
  if (w) w.destroyed = true;
  const finish = (e) => {
    if (e) setErrored(this, e);
    if (r) r.closed = true;
    if (w) w.closed = true;
    tick(() => {
      const errored = s.errored;
      if (errored && !s.errorEmitted) {
        if (r) r.errorEmitted = true;
        if (w) w.errorEmitted = true;
        this.emit("error", errored);
      }
      if ((r ? r.emitClose : true) && (w ? w.emitClose : true)) {
        if (r) r.closeEmitted = true;
        if (w) w.closeEmitted = true;
        this.emit("close");
      }
    });
  };
  let called = false;
  try {
    this._destroy(err ?? null, (e) => {
      if (called) return;
      called = true;
      finish(e);
    });
  } catch (e) {
    if (!called) { called = true; finish(e); }
  }
  return this;
}

function setErrored(stream, err) {
  const r = stream._readableState, w = stream._writableState;
  if (r && !r.errored) r.errored = err;
  if (w && !w.errored) w.errored = err;
}

function errorOrDestroy(stream, err) {
  const r = stream._readableState, w = stream._writableState;
  if ((r && r.destroyed) || (w && w.destroyed)) return;
  if ((r && r.autoDestroy) || (w && w.autoDestroy)) stream.destroy(err);
  else if (err) {
    setErrored(stream, err);
    tick(() => {
      if ((r && r.errorEmitted) || (w && w.errorEmitted)) return;
      if (r) r.errorEmitted = true;
      if (w) w.errorEmitted = true;
      stream.emit("error", err);
    });
  }
}

// ---- Readable -------------------------------------------------------------

function ReadableState(options, stream, isDuplex) {
  this.objectMode = !!(options?.objectMode || (isDuplex && options?.readableObjectMode));
  this.highWaterMark = hwmFrom(options, "readableHighWaterMark", this.objectMode);
  this.buffer = [];
  this.length = 0;
  this.pipes = [];
  this.flowing = null;
  this.ended = false;
  this.endEmitted = false;
  this.reading = false;
  this.constructed = true;
  this.sync = true;
  this.needReadable = false;
  this.emittedReadable = false;
  this.readableListening = false;
  this.resumeScheduled = false;
  this.errorEmitted = false;
  this.emitClose = options?.emitClose !== false;
  this.autoDestroy = options?.autoDestroy !== false;
  this.destroyed = false;
  this.errored = null;
  this.closed = false;
  this.closeEmitted = false;
  this.defaultEncoding = options?.defaultEncoding || "utf8";
  this.awaitDrainWriters = null;
  this.dataEmitted = false;
  this.decoder = null;
  this.encoding = null;
  if (options?.encoding) {
    this.decoder = new StringDecoder(options.encoding);
    this.encoding = options.encoding;
  }
}

export function Readable(options) {
  if (!(this instanceof Readable)) return new Readable(options);
  const isDuplex = this instanceof Duplex;
  this._readableState = new ReadableState(options, this, isDuplex);
  if (options) {
    if (typeof options.read === "function") this._read = options.read;
    if (typeof options.destroy === "function") this._destroy = options.destroy;
    if (typeof options.construct === "function") this._construct = options.construct;
    if (options.signal) addAbortSignal(options.signal, this);
  }
  Stream.call(this, options);
  if (typeof this._construct === "function") construct(this);
}
Object.setPrototypeOf(Readable.prototype, Stream.prototype);
Object.setPrototypeOf(Readable, Stream);

function construct(stream) {
  const r = stream._readableState, w = stream._writableState;
  if (r) r.constructed = false;
  if (w) w.constructed = false;
  tick(() => {
    let called = false;
    const done = (err) => {
      if (called) return;
      called = true;
      if (r) r.constructed = true;
      if (w) w.constructed = true;
      if (err) { errorOrDestroy(stream, err); return; }
      if (r && (r.needReadable || r.flowing)) maybeReadMore(stream, r);
      if (w) { clearBuffer(stream, w); finishMaybe(stream, w); }
    };
    try { stream._construct(done); } catch (e) { done(e); }
  });
}

Readable.prototype.destroy = destroyImpl;
Readable.prototype._destroy = function (err, cb) { cb(err); };
Readable.prototype._undestroy = function () {
  const r = this._readableState;
  Object.assign(r, { destroyed: false, closed: false, closeEmitted: false, errored: null, errorEmitted: false, ended: false, endEmitted: false, reading: false });
};
Readable.prototype[EventEmitter.captureRejectionSymbol] = function (err) { this.destroy(err); };
Readable.prototype._read = function () { throw errNotImplemented("_read()"); };

Readable.prototype.push = function (chunk, encoding) {
  return addChunk(this, chunk, encoding, false);
};
Readable.prototype.unshift = function (chunk, encoding) {
  return addChunk(this, chunk, encoding, true);
};

function addChunk(stream, chunk, encoding, front) {
  const state = stream._readableState;
  if (chunk === null) {
    state.reading = false;
    if (!state.ended) {
      if (state.decoder) {
        const rest = state.decoder.end();
        if (rest && rest.length) { state.buffer.push(rest); state.length += state.objectMode ? 1 : rest.length; }
      }
      state.ended = true;
      if (state.sync) emitReadable(stream);
      else {
        state.needReadable = false;
        state.emittedReadable = true;
        emitReadableNow(stream);
      }
    }
    return false;
  }
  if (!state.objectMode) {
    if (typeof chunk === "string") {
      encoding = encoding || state.defaultEncoding;
      if (state.encoding !== encoding) {
        chunk = front && state.encoding ? Buffer.from(chunk, encoding).toString(state.encoding) : Buffer.from(chunk, encoding);
      }
    } else if (isUint8(chunk) || ArrayBuffer.isView(chunk)) {
      chunk = toBuffer(chunk);
    } else if (chunk !== undefined) {
      errorOrDestroy(stream, errInvalidChunk(chunk));
      return false;
    }
  }
  if (chunk === undefined) { state.reading = false; return state.length < state.highWaterMark; }
  if (state.destroyed) return false;
  if (front) {
    if (state.endEmitted) { errorOrDestroy(stream, codeError(Error, "ERR_STREAM_UNSHIFT_AFTER_END_EVENT", "stream.unshift() after end event")); return false; }
    insert(stream, state, chunk, true);
  } else if (state.ended) {
    errorOrDestroy(stream, codeError(Error, "ERR_STREAM_PUSH_AFTER_EOF", "stream.push() after EOF"));
    return false;
  } else {
    state.reading = false;
    if (state.decoder && !encoding) {
      chunk = state.decoder.write(chunk);
      if (!state.objectMode && chunk.length === 0) { maybeReadMore(stream, state); return state.length < state.highWaterMark; }
    }
    insert(stream, state, chunk, false);
  }
  return !state.ended && (state.length < state.highWaterMark || state.length === 0);
}

function insert(stream, state, chunk, front) {
  if (state.flowing && state.length === 0 && !state.sync && stream.listenerCount("data") > 0) {
    state.dataEmitted = true;
    stream.emit("data", chunk);
  } else {
    state.length += state.objectMode ? 1 : chunk.length;
    if (front) state.buffer.unshift(chunk);
    else state.buffer.push(chunk);
    if (state.needReadable) emitReadable(stream);
  }
  maybeReadMore(stream, state);
}

Readable.prototype.isPaused = function () {
  const s = this._readableState;
  return s.paused === true || s.flowing === false;
};

Readable.prototype.setEncoding = function (enc) {
  const state = this._readableState;
  const decoder = new StringDecoder(enc);
  state.decoder = decoder;
  state.encoding = decoder.encoding;
  let content = "";
  for (const c of state.buffer) content += decoder.write(c);
  state.buffer = content ? [content] : [];
  state.length = content.length;
  return this;
};

function howMuchToRead(n, state) {
  if (n <= 0 || (state.length === 0 && state.ended)) return 0;
  if (state.objectMode) return 1;
  if (Number.isNaN(n)) {
    if (state.flowing && state.length) return state.objectMode ? 1 : chunkLength(state.buffer[0]);
    return state.length;
  }
  if (n <= state.length) return n;
  return state.ended ? state.length : 0;
}
const chunkLength = (c) => c.length;

Readable.prototype.read = function (n) {
  const state = this._readableState;
  n = n === undefined ? NaN : Number.parseInt(n, 10);
  const nOrig = n;
  if (n > state.highWaterMark) {
    // Grow the buffer target to the next power of two, as Node does.
    let h = 1;
    while (h < n) h *= 2;
    state.highWaterMark = h;
  }
  if (n !== 0) state.emittedReadable = false;
  if (n === 0 && state.needReadable &&
      ((state.highWaterMark !== 0 ? state.length >= state.highWaterMark : state.length > 0) || state.ended)) {
    if (state.length === 0 && state.ended) endReadable(this);
    else emitReadable(this);
    return null;
  }
  n = howMuchToRead(n, state);
  if (n === 0 && state.ended) {
    if (state.length === 0) endReadable(this);
    return null;
  }
  let doRead = state.needReadable;
  if (state.length === 0 || state.length - n < state.highWaterMark) doRead = true;
  if (state.ended || state.reading || state.destroyed || state.errored || !state.constructed) doRead = false;
  else if (doRead) {
    state.reading = true;
    state.sync = true;
    if (state.length === 0) state.needReadable = true;
    try {
      this._read(state.highWaterMark);
    } catch (err) {
      errorOrDestroy(this, err);
    }
    state.sync = false;
    if (!state.reading) n = howMuchToRead(nOrig, state);
  }
  const ret = n > 0 ? takeFromBuffer(n, state) : null;
  if (ret === null) {
    state.needReadable = state.length <= state.highWaterMark;
    n = 0;
  } else {
    state.length -= state.objectMode ? 1 : n;
    if (state.multiAwaitDrain) state.awaitDrainWriters.clear();
    else state.awaitDrainWriters = null;
  }
  if (state.length === 0) {
    if (!state.ended) state.needReadable = true;
    if (nOrig !== n && state.ended) endReadable(this);
  }
  if (ret !== null && !state.errorEmitted && !state.closeEmitted) {
    state.dataEmitted = true;
    this.emit("data", ret);
  }
  return ret;
};

function takeFromBuffer(n, state) {
  if (state.length === 0) return null;
  const buf = state.buffer;
  if (state.objectMode) return buf.shift();
  if (n >= state.length) {
    // Everything.
    const all = state.decoder ? buf.join("") : buf.length === 1 ? buf[0] : Buffer.concat(buf, state.length);
    state.buffer = [];
    return all;
  }
  if (n < buf[0].length) {
    const head = buf[0];
    buf[0] = head.slice(n);
    return head.slice(0, n);
  }
  if (n === buf[0].length) return buf.shift();
  if (state.decoder) {
    let out = "";
    while (out.length < n) {
      const c = buf[0];
      const need = n - out.length;
      if (c.length <= need) { out += c; buf.shift(); } else { out += c.slice(0, need); buf[0] = c.slice(need); }
    }
    return out;
  }
  const out = Buffer.allocUnsafe(n);
  let off = 0;
  while (off < n) {
    const c = buf[0];
    const need = n - off;
    if (c.length <= need) { out.set(c, off); off += c.length; buf.shift(); } else { out.set(c.subarray(0, need), off); buf[0] = c.subarray(need); off += need; }
  }
  return out;
}

function emitReadable(stream) {
  const state = stream._readableState;
  state.needReadable = false;
  if (!state.emittedReadable) {
    state.emittedReadable = true;
    tick(emitReadableNow, stream);
  }
}

function emitReadableNow(stream) {
  const state = stream._readableState;
  if (!state.destroyed && !state.errored && (state.length || state.ended)) {
    stream.emit("readable");
    state.emittedReadable = false;
  }
  state.needReadable = !state.flowing && !state.ended && state.length <= state.highWaterMark;
  flow(stream);
}

function maybeReadMore(stream, state) {
  if (!state.readingMore && state.constructed) {
    state.readingMore = true;
    tick(() => {
      while (!state.reading && !state.ended &&
             (state.length < state.highWaterMark || (state.flowing && state.length === 0))) {
        const len = state.length;
        stream.read(0);
        if (len === state.length) break;
      }
      state.readingMore = false;
    });
  }
}

function flow(stream) {
  const state = stream._readableState;
  while (state.flowing && stream.read() !== null);
}

Readable.prototype.on = function (ev, fn) {
  const res = Stream.prototype.on.call(this, ev, fn);
  const state = this._readableState;
  if (ev === "data") {
    state.readableListening = this.listenerCount("readable") > 0;
    if (state.flowing !== false) this.resume();
  } else if (ev === "readable") {
    if (!state.endEmitted && !state.readableListening) {
      state.readableListening = state.needReadable = true;
      state.flowing = false;
      state.emittedReadable = false;
      if (state.length) emitReadable(this);
      else if (!state.reading) tick(() => this.read(0));
    }
  }
  return res;
};
Readable.prototype.addListener = Readable.prototype.on;

function updateReadableListening(stream) {
  const state = stream._readableState;
  state.readableListening = stream.listenerCount("readable") > 0;
  if (state.resumeScheduled && state.paused === false) state.flowing = true;
  else if (stream.listenerCount("data") > 0) stream.resume();
  else if (!state.readableListening) state.flowing = null;
}
Readable.prototype.removeListener = function (ev, fn) {
  const res = Stream.prototype.removeListener.call(this, ev, fn);
  if (ev === "readable") tick(updateReadableListening, this);
  return res;
};
Readable.prototype.off = Readable.prototype.removeListener;
Readable.prototype.removeAllListeners = function (ev) {
  const res = Stream.prototype.removeAllListeners.call(this, ev);
  if (ev === "readable" || ev === undefined) tick(updateReadableListening, this);
  return res;
};

Readable.prototype.resume = function () {
  const state = this._readableState;
  if (!state.flowing) {
    state.flowing = !state.readableListening;
    if (!state.resumeScheduled) {
      state.resumeScheduled = true;
      tick(() => {
        if (!state.reading) this.read(0);
        state.resumeScheduled = false;
        this.emit("resume");
        flow(this);
        if (state.flowing && !state.reading) this.read(0);
      });
    }
  }
  state.paused = false;
  return this;
};

Readable.prototype.pause = function () {
  const state = this._readableState;
  if (state.flowing !== false) {
    state.flowing = false;
    this.emit("pause");
  }
  state.paused = true;
  return this;
};

function endReadable(stream) {
  const state = stream._readableState;
  if (!state.endEmitted) {
    state.ended = true;
    tick(() => {
      if (!state.errored && !state.closeEmitted && !state.endEmitted && state.length === 0) {
        state.endEmitted = true;
        stream.emit("end");
        const w = stream._writableState;
        if (w && w.autoDestroy && (w.finished || w.writable === false) && state.autoDestroy) stream.destroy();
        else if (!w && state.autoDestroy) stream.destroy();
        else if (w && !stream.allowHalfOpen && !w.ending && !w.destroyed) stream.end();
      }
    });
  }
}

Readable.prototype.pipe = function (dest, pipeOpts) {
  const src = this;
  const state = this._readableState;
  state.pipes.push(dest);
  const doEnd = (!pipeOpts || pipeOpts.end !== false);
  const endFn = doEnd ? onend : unpipe;
  if (state.endEmitted) tick(endFn);
  else src.once("end", endFn);
  dest.on("unpipe", onunpipe);
  function onunpipe(readable) {
    if (readable === src) cleanup();
  }
  function onend() { dest.end(); }
  let ondrain;
  let cleanedUp = false;
  function cleanup() {
    dest.removeListener("close", onclose);
    dest.removeListener("finish", onfinish);
    if (ondrain) dest.removeListener("drain", ondrain);
    dest.removeListener("error", onerror);
    dest.removeListener("unpipe", onunpipe);
    src.removeListener("end", onend);
    src.removeListener("end", unpipe);
    src.removeListener("data", ondata);
    cleanedUp = true;
    if (ondrain && state.awaitDrainWriters && (!dest._writableState || dest._writableState.needDrain)) ondrain();
  }
  function pause() {
    if (!cleanedUp) {
      if (state.pipes.length === 1 && state.pipes[0] === dest) {
        state.awaitDrainWriters = dest;
        state.multiAwaitDrain = false;
      } else if (state.pipes.length > 1 && state.pipes.includes(dest)) {
        if (!state.multiAwaitDrain) { state.multiAwaitDrain = true; state.awaitDrainWriters = new Set(state.awaitDrainWriters ? [state.awaitDrainWriters] : []); }
        state.awaitDrainWriters.add(dest);
      }
      src.pause();
    }
    if (!ondrain) {
      ondrain = () => {
        if (state.multiAwaitDrain) state.awaitDrainWriters.delete(dest);
        else if (state.awaitDrainWriters === dest) state.awaitDrainWriters = null;
        if ((!state.awaitDrainWriters || state.awaitDrainWriters.size === 0) && src.listenerCount("data")) src.resume();
      };
      dest.on("drain", ondrain);
    }
  }
  src.on("data", ondata);
  function ondata(chunk) {
    if (dest.write(chunk) === false) pause();
  }
  function onerror(er) {
    unpipe();
    dest.removeListener("error", onerror);
    if (dest.listenerCount("error") === 0) {
      const s = dest._writableState || dest._readableState;
      if (s && !s.errorEmitted) errorOrDestroy(dest, er);
      else dest.emit("error", er);
    }
  }
  dest.prependListener("error", onerror);
  function onclose() { dest.removeListener("finish", onfinish); unpipe(); }
  dest.once("close", onclose);
  function onfinish() { dest.removeListener("close", onclose); unpipe(); }
  dest.once("finish", onfinish);
  function unpipe() { src.unpipe(dest); }
  dest.emit("pipe", src);
  if (dest.writableNeedDrain === true) pause();
  else if (!state.flowing) src.resume();
  return dest;
};

Readable.prototype.unpipe = function (dest) {
  const state = this._readableState;
  if (state.pipes.length === 0) return this;
  const list = dest ? [dest] : state.pipes.slice();
  for (const d of list) {
    const i = state.pipes.indexOf(d);
    if (i < 0) continue;
    state.pipes.splice(i, 1);
    if (state.pipes.length === 0) this.pause();
    d.emit("unpipe", this, { hasUnpiped: false });
  }
  return this;
};

Readable.prototype.wrap = function (stream) {
  let paused = false;
  stream.on("data", (chunk) => {
    if (!this.push(chunk) && stream.pause) { paused = true; stream.pause(); }
  });
  stream.on("end", () => this.push(null));
  stream.on("error", (err) => errorOrDestroy(this, err));
  stream.on("close", () => this.destroy());
  stream.on("destroy", () => this.destroy());
  this._read = () => { if (paused && stream.resume) { paused = false; stream.resume(); } };
  return this;
};

Readable.prototype[Symbol.asyncIterator] = function () {
  return streamToAsyncIterator(this);
};
Readable.prototype.iterator = function (options) {
  return streamToAsyncIterator(this, options);
};

async function* streamToAsyncIterator(stream, options) {
  let wake = null;
  const next = () => new Promise((resolve) => { wake = resolve; });
  const notify = () => { const w = wake; wake = null; if (w) w(); };
  stream.on("readable", notify);
  let error = null;
  let done = false;
  const cleanup = finished(stream, { writable: false }, (err) => {
    error = err && err.code !== "ERR_STREAM_PREMATURE_CLOSE" ? err : null;
    if (err && err.code === "ERR_STREAM_PREMATURE_CLOSE" && !stream._readableState.endEmitted) error = err;
    done = true;
    notify();
  });
  try {
    while (true) {
      const chunk = stream.destroyed ? null : stream.read();
      if (chunk !== null) yield chunk;
      else if (error) throw error;
      else if (done) return;
      else await next();
    }
  } catch (e) {
    error = e;
    throw e;
  } finally {
    cleanup();
    stream.removeListener("readable", notify);
    if ((error || options?.destroyOnReturn !== false) && !stream._readableState.endEmitted) stream.destroy(error ?? null);
    else if (!stream.destroyed && stream._readableState.autoDestroy && stream._readableState.endEmitted) { /* destroyed by end */ }
  }
}

// Array-like helpers (Node 17+).
Readable.prototype.toArray = async function (options) {
  const out = [];
  for await (const c of this) {
    if (options?.signal?.aborted) throw options.signal.reason;
    out.push(c);
  }
  return out;
};
Readable.prototype.forEach = async function (fn, options) {
  for await (const c of this) {
    if (options?.signal?.aborted) throw options.signal.reason;
    await fn(c, { signal: options?.signal });
  }
};
Readable.prototype.map = function (fn, options) {
  const src = this;
  return Readable.from((async function* () {
    for await (const c of src) yield await fn(c, { signal: options?.signal });
  })(), { objectMode: true });
};
Readable.prototype.filter = function (fn, options) {
  const src = this;
  return Readable.from((async function* () {
    for await (const c of src) if (await fn(c, { signal: options?.signal })) yield c;
  })(), { objectMode: true });
};
Readable.prototype.reduce = async function (fn, initial, options) {
  let acc = initial, first = arguments.length < 2;
  for await (const c of this) {
    if (first) { acc = c; first = false; } else acc = await fn(acc, c, { signal: options?.signal });
  }
  if (first) throw codeError(TypeError, "ERR_INVALID_ARGS", "Reduce of an empty stream requires an initial value");
  return acc;
};

Readable.prototype.flatMap = function (fn, options) {
  const src = this;
  return Readable.from((async function* () {
    for await (const c of src) yield* await fn(c, { signal: options?.signal });
  })(), { objectMode: true });
};
Readable.prototype.take = function (limit) {
  const src = this;
  return Readable.from((async function* () {
    if (limit <= 0) return;
    let n = 0;
    for await (const c of src) {
      yield c;
      if (++n >= limit) return;
    }
  })(), { objectMode: true });
};
Readable.prototype.drop = function (limit) {
  const src = this;
  return Readable.from((async function* () {
    let n = 0;
    for await (const c of src) if (n++ >= limit) yield c;
  })(), { objectMode: true });
};
Readable.prototype.some = async function (fn, options) {
  for await (const c of this) if (await fn(c, { signal: options?.signal })) return true;
  return false;
};
Readable.prototype.every = async function (fn, options) {
  for await (const c of this) if (!(await fn(c, { signal: options?.signal }))) return false;
  return true;
};
Readable.prototype.find = async function (fn, options) {
  for await (const c of this) if (await fn(c, { signal: options?.signal })) return c;
  return undefined;
};
Readable.prototype.asIndexedPairs = function () {
  const src = this;
  return Readable.from((async function* () {
    let i = 0;
    for await (const c of src) yield [i++, c];
  })(), { objectMode: true });
};

const readableProps = {
  readable: {
    get() {
      const r = this._readableState;
      return !!r && r.readable !== false && !r.destroyed && !r.errorEmitted && !r.endEmitted;
    },
    set(v) { if (this._readableState) this._readableState.readable = !!v; },
  },
  readableDidRead: { get() { return this._readableState.dataEmitted; } },
  readableAborted: { get() { const r = this._readableState; return !!(r.readable !== false && (r.destroyed || r.errored) && !r.endEmitted); } },
  readableHighWaterMark: { get() { return this._readableState.highWaterMark; } },
  readableBuffer: { get() { return this._readableState?.buffer; } },
  readableFlowing: { get() { return this._readableState.flowing; }, set(v) { if (this._readableState) this._readableState.flowing = v; } },
  readableLength: { get() { return this._readableState.length; } },
  readableObjectMode: { get() { return this._readableState ? this._readableState.objectMode : false; } },
  readableEncoding: { get() { return this._readableState ? this._readableState.encoding : null; } },
  errored: { get() { return (this._readableState || this._writableState)?.errored ?? null; } },
  closed: { get() { return (this._readableState || this._writableState)?.closed ?? false; } },
  destroyed: {
    get() { return (this._readableState || this._writableState)?.destroyed ?? false; },
    set(v) { if (this._readableState) this._readableState.destroyed = v; if (this._writableState) this._writableState.destroyed = v; },
  },
  readableEnded: { get() { return this._readableState ? this._readableState.endEmitted : false; } },
};
Object.defineProperties(Readable.prototype, readableProps);

Readable.from = function (iterable, opts) {
  if (typeof iterable === "string" || iterable instanceof Uint8Array) {
    return new Readable({
      objectMode: true,
      ...opts,
      read() { this.push(iterable); this.push(null); },
    });
  }
  let iterator, isAsync;
  if (iterable && typeof iterable[Symbol.asyncIterator] === "function") {
    isAsync = true;
    iterator = iterable[Symbol.asyncIterator]();
  } else if (iterable && typeof iterable[Symbol.iterator] === "function") {
    isAsync = false;
    iterator = iterable[Symbol.iterator]();
  } else {
    throw codeError(TypeError, "ERR_INVALID_ARG_TYPE", `The "iterable" argument must be an instance of Iterable. Received ${typeof iterable}`);
  }
  let reading = false;
  const readable = new Readable({
    objectMode: true,
    highWaterMark: 1,
    ...opts,
  });
  readable._read = function () {
    if (!reading) { reading = true; next(); }
  };
  readable._destroy = function (error, cb) {
    close(error).then(() => tick(cb, error), (e) => tick(cb, e || error));
  };
  async function close(error) {
    const hadError = error !== undefined && error !== null;
    const hasThrow = typeof iterator.throw === "function";
    if (hadError && hasThrow) {
      const { value, done } = await iterator.throw(error);
      await value;
      if (done) return;
    }
    if (typeof iterator.return === "function") {
      const { value } = await iterator.return();
      await value;
    }
  }
  async function next() {
    for (;;) {
      try {
        const { value, done } = isAsync ? await iterator.next() : iterator.next();
        if (done) { readable.push(null); }
        else {
          const res = value && typeof value.then === "function" ? await value : value;
          if (res === null) { reading = false; throw codeError(TypeError, "ERR_STREAM_NULL_VALUES", "May not write null values to stream"); }
          else if (readable.push(res)) continue;
          else reading = false;
        }
      } catch (err) {
        readable.destroy(err);
      }
      break;
    }
  }
  return readable;
};

Readable.fromWeb = function (readableStream, options) {
  const reader = readableStream.getReader();
  let closed = false;
  const r = new Readable({
    objectMode: options?.objectMode,
    highWaterMark: options?.highWaterMark,
    encoding: options?.encoding,
    signal: options?.signal,
    read() {
      reader.read().then(({ value, done }) => {
        if (done) { closed = true; this.push(null); } else this.push(value);
      }, (err) => this.destroy(err));
    },
    destroy(err, cb) {
      if (closed) { cb(err); return; }
      reader.cancel(err ?? undefined).then(() => cb(err), (e) => cb(e || err));
    },
  });
  return r;
};

Readable.toWeb = function (readable, options) {
  const objectMode = readable.readableObjectMode;
  return new ReadableStream({
    start(controller) {
      readable.pause();
      readable.on("data", (chunk) => {
        if (!objectMode && typeof chunk === "string") chunk = Buffer.from(chunk);
        if (!objectMode && Buffer.isBuffer(chunk)) chunk = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
        controller.enqueue(chunk);
        if (controller.desiredSize <= 0) readable.pause();
      });
      finished(readable, (err) => {
        if (err) controller.error(err);
        else controller.close();
      });
    },
    pull() { readable.resume(); },
    cancel(reason) { readable.destroy(reason); },
  }, options?.strategy ?? { highWaterMark: 1 });
};

Readable.isDisturbed = function (stream) {
  if (stream instanceof ReadableStream) return stream.locked;
  const r = stream?._readableState;
  return !!r && (r.dataEmitted || r.endEmitted || r.errored != null || r.destroyed);
};

// ---- Writable -------------------------------------------------------------

function WritableState(options, stream, isDuplex) {
  this.objectMode = !!(options?.objectMode || (isDuplex && options?.writableObjectMode));
  this.highWaterMark = hwmFrom(options, "writableHighWaterMark", this.objectMode);
  this.finalCalled = false;
  this.needDrain = false;
  this.ending = false;
  this.ended = false;
  this.finished = false;
  this.destroyed = false;
  this.decodeStrings = options?.decodeStrings !== false;
  this.defaultEncoding = options?.defaultEncoding || "utf8";
  this.length = 0;
  this.writing = false;
  this.corked = 0;
  this.sync = true;
  this.bufferProcessing = false;
  this.writecb = null;
  this.writelen = 0;
  this.buffered = [];
  this.pendingcb = 0;
  this.constructed = true;
  this.prefinished = false;
  this.errorEmitted = false;
  this.emitClose = options?.emitClose !== false;
  this.autoDestroy = options?.autoDestroy !== false;
  this.errored = null;
  this.closed = false;
  this.closeEmitted = false;
  this.afterWriteTickInfo = null;
}

export function Writable(options) {
  const isDuplex = this instanceof Duplex;
  if (!isDuplex && !(this instanceof Writable)) return new Writable(options);
  this._writableState = new WritableState(options, this, isDuplex);
  if (options) {
    if (typeof options.write === "function") this._write = options.write;
    if (typeof options.writev === "function") this._writev = options.writev;
    if (typeof options.destroy === "function") this._destroy = options.destroy;
    if (typeof options.final === "function") this._final = options.final;
    if (typeof options.construct === "function") this._construct = options.construct;
    if (options.signal) addAbortSignal(options.signal, this);
  }
  Stream.call(this, options);
  if (!isDuplex && typeof this._construct === "function") construct(this);
}
Object.setPrototypeOf(Writable.prototype, Stream.prototype);
Object.setPrototypeOf(Writable, Stream);
Object.defineProperty(Writable, Symbol.hasInstance, {
  value(object) {
    if (Function.prototype[Symbol.hasInstance].call(this, object)) return true;
    if (this !== Writable) return false;
    return !!object?._writableState;
  },
});

Writable.prototype.destroy = function (err, cb) {
  const state = this._writableState;
  if (!state.destroyed && (state.buffered.length || state.writing)) {
    const buffered = state.buffered.splice(0);
    tick(() => { for (const b of buffered) b.callback(state.errored ?? errDestroyed("write")); });
  }
  return destroyImpl.call(this, err, cb);
};
Writable.prototype._destroy = function (err, cb) { cb(err); };
Writable.prototype[EventEmitter.captureRejectionSymbol] = function (err) { this.destroy(err); };

Writable.prototype.pipe = function () {
  errorOrDestroy(this, codeError(Error, "ERR_STREAM_CANNOT_PIPE", "Cannot pipe, not readable"));
};

Writable.prototype.write = function (chunk, encoding, cb) {
  return writeImpl(this, chunk, encoding, cb);
};

function writeImpl(stream, chunk, encoding, cb) {
  const state = stream._writableState;
  if (typeof encoding === "function") { cb = encoding; encoding = state.defaultEncoding; }
  else {
    if (!encoding) encoding = state.defaultEncoding;
    else if (encoding !== "buffer" && !Buffer.isEncoding(encoding)) throw codeError(TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${encoding}`);
    if (typeof cb !== "function") cb = () => {};
  }
  if (typeof cb !== "function") cb = () => {};
  if (chunk === null) throw codeError(TypeError, "ERR_STREAM_NULL_VALUES", "May not write null values to stream");
  if (!state.objectMode) {
    if (typeof chunk === "string") {
      if (state.decodeStrings !== false) { chunk = Buffer.from(chunk, encoding); encoding = "buffer"; }
    } else if (chunk instanceof Buffer) encoding = "buffer";
    else if (ArrayBuffer.isView(chunk)) { chunk = toBuffer(chunk); encoding = "buffer"; }
    else throw errInvalidChunk(chunk);
  }
  let err;
  if (state.ending) err = codeError(Error, "ERR_STREAM_WRITE_AFTER_END", "write after end");
  else if (state.destroyed) err = errDestroyed("write");
  if (err) {
    tick(cb, err);
    errorOrDestroy(stream, err);
    return err;
  }
  state.pendingcb++;
  const len = state.objectMode ? 1 : chunk.length;
  state.length += len;
  const ret = state.length < state.highWaterMark;
  if (!ret) state.needDrain = true;
  if (state.writing || state.corked || state.errored || !state.constructed) {
    state.buffered.push({ chunk, encoding, callback: cb });
  } else {
    state.writelen = len;
    state.writecb = cb;
    state.writing = true;
    state.sync = true;
    stream._write(chunk, encoding, (er) => onwrite(stream, er));
    state.sync = false;
  }
  return ret && !state.errored && !state.destroyed;
}

function doWrite(stream, state, writev, len, chunk, encoding, cb) {
  state.writelen = len;
  state.writecb = cb;
  state.writing = true;
  state.sync = true;
  const done = (er) => onwrite(stream, er);
  if (state.destroyed) done(errDestroyed("write"));
  else if (writev) stream._writev(chunk, done);
  else stream._write(chunk, encoding, done);
  state.sync = false;
}

function onwrite(stream, er) {
  const state = stream._writableState;
  const sync = state.sync;
  const cb = state.writecb;
  if (typeof cb !== "function") {
    errorOrDestroy(stream, codeError(Error, "ERR_MULTIPLE_CALLBACK", "Callback called multiple times"));
    return;
  }
  state.writing = false;
  state.writecb = null;
  state.length -= state.writelen;
  state.writelen = 0;
  if (er) {
    if (!state.errored) state.errored = er;
    if (stream._readableState && !stream._readableState.errored) stream._readableState.errored = er;
    if (sync) tick(onwriteError, stream, state, er, cb);
    else onwriteError(stream, state, er, cb);
    return;
  }
  if (state.buffered.length) clearBuffer(stream, state);
  if (sync) {
    if (state.afterWriteTickInfo && state.afterWriteTickInfo.cb === cb) state.afterWriteTickInfo.count++;
    else {
      const info = { count: 1, cb };
      state.afterWriteTickInfo = info;
      tick(afterWriteTick, stream, state, info);
    }
  } else afterWrite(stream, state, 1, cb);
}

function onwriteError(stream, state, er, cb) {
  --state.pendingcb;
  cb(er);
  errorBuffer(state);
  errorOrDestroy(stream, er);
}

function afterWriteTick(stream, state, info) {
  const { count, cb } = info;
  if (state.afterWriteTickInfo === info) state.afterWriteTickInfo = null;
  afterWrite(stream, state, count, cb);
}

function afterWrite(stream, state, count, cb) {
  const needDrain = !state.ending && !stream.destroyed && state.length === 0 && state.needDrain;
  if (needDrain) {
    state.needDrain = false;
    stream.emit("drain");
  }
  while (count-- > 0) {
    state.pendingcb--;
    cb(null);
  }
  if (state.destroyed) errorBuffer(state);
  finishMaybe(stream, state);
}

function errorBuffer(state) {
  if (state.writing) return;
  for (const { chunk, callback } of state.buffered.splice(0)) {
    state.length -= state.objectMode ? 1 : chunk.length;
    callback(state.errored ?? errDestroyed("write"));
  }
}

function clearBuffer(stream, state) {
  if (state.corked || state.bufferProcessing || state.destroyed || !state.constructed) return;
  const buffered = state.buffered;
  if (!buffered.length) return;
  state.bufferProcessing = true;
  if (buffered.length > 1 && typeof stream._writev === "function" && stream._writev !== Writable.prototype._writev) {
    const list = buffered.splice(0);
    state.pendingcb -= list.length - 1;
    const cb = (err) => { for (const b of list) b.callback(err); };
    const len = state.objectMode ? list.length : list.reduce((n, b) => n + b.chunk.length, 0);
    doWrite(stream, state, true, len, list, "", cb);
  } else {
    while (buffered.length && !state.writing) {
      const { chunk, encoding, callback } = buffered.shift();
      const len = state.objectMode ? 1 : chunk.length;
      doWrite(stream, state, false, len, chunk, encoding, callback);
    }
  }
  state.bufferProcessing = false;
}

Writable.prototype._write = function (chunk, encoding, cb) {
  if (this._writev && this._writev !== Writable.prototype._writev) this._writev([{ chunk, encoding }], cb);
  else throw errNotImplemented("_write()");
};
Writable.prototype._writev = null;

Writable.prototype.cork = function () { this._writableState.corked++; };
Writable.prototype.uncork = function () {
  const state = this._writableState;
  if (state.corked) {
    state.corked--;
    if (!state.writing) clearBuffer(this, state);
  }
};
Writable.prototype.setDefaultEncoding = function (encoding) {
  if (typeof encoding === "string") encoding = encoding.toLowerCase();
  if (!Buffer.isEncoding(encoding)) throw codeError(TypeError, "ERR_UNKNOWN_ENCODING", `Unknown encoding: ${encoding}`);
  this._writableState.defaultEncoding = encoding;
  return this;
};

Writable.prototype.end = function (chunk, encoding, cb) {
  const state = this._writableState;
  if (typeof chunk === "function") { cb = chunk; chunk = null; encoding = null; }
  else if (typeof encoding === "function") { cb = encoding; encoding = null; }
  let err;
  if (chunk !== null && chunk !== undefined) {
    const ret = writeImpl(this, chunk, encoding);
    if (ret instanceof Error) err = ret;
  }
  if (state.corked) { state.corked = 1; this.uncork(); }
  if (err) { /* reported by write */ }
  else if (!state.errored && !state.ending) {
    state.ending = true;
    finishMaybe(this, state, true);
    state.ended = true;
  } else if (state.finished) err = codeError(Error, "ERR_STREAM_ALREADY_FINISHED", "Cannot call end after a stream was finished");
  else if (state.destroyed) err = errDestroyed("end");
  if (typeof cb === "function") {
    if (err || state.finished) tick(cb, err);
    else {
      const onFinish = () => { this.removeListener("error", onError); cb(); };
      const onError = (e) => { this.removeListener("finish", onFinish); cb(e); };
      this.once("finish", onFinish);
      this.once("error", onError);
    }
  }
  return this;
};

function needFinish(state) {
  return state.ending && !state.destroyed && state.constructed && state.length === 0 &&
    !state.errored && state.buffered.length === 0 && !state.finished && !state.writing && !state.errorEmitted && !state.closeEmitted;
}

function prefinish(stream, state) {
  if (!state.prefinished && !state.finalCalled) {
    if (typeof stream._final === "function" && !state.destroyed) {
      state.finalCalled = true;
      state.sync = true;
      state.pendingcb++;
      let called = false;
      const done = (err) => {
        if (called) { errorOrDestroy(stream, codeError(Error, "ERR_MULTIPLE_CALLBACK", "Callback called multiple times")); return; }
        called = true;
        state.pendingcb--;
        if (err) {
          errorBuffer(state);
          errorOrDestroy(stream, err);
        } else if (needFinish(state)) {
          state.prefinished = true;
          stream.emit("prefinish");
          state.pendingcb++;
          tick(finish, stream, state);
        }
      };
      try { stream._final(done); } catch (err) { done(err); }
      state.sync = false;
    } else {
      state.prefinished = true;
      stream.emit("prefinish");
    }
  }
}

function finishMaybe(stream, state, sync) {
  if (needFinish(state)) {
    prefinish(stream, state);
    if (state.pendingcb === 0 && needFinish(state)) {
      state.pendingcb++;
      if (sync) tick(finish, stream, state);
      else finish(stream, state);
    }
  }
}

function finish(stream, state) {
  state.pendingcb--;
  if (state.errorEmitted || state.closeEmitted || state.destroyed) return;
  state.finished = true;
  stream.emit("finish");
  if (state.autoDestroy) {
    const r = stream._readableState;
    if (!r || (r.autoDestroy && (r.endEmitted || r.readable === false))) stream.destroy();
  }
}

const writableProps = {
  writable: {
    get() {
      const w = this._writableState;
      return !!w && w.writable !== false && !w.destroyed && !w.errored && !w.ending && !w.ended;
    },
    set(v) { if (this._writableState) this._writableState.writable = !!v; },
  },
  writableFinished: { get() { return this._writableState ? this._writableState.finished : false; } },
  writableObjectMode: { get() { return this._writableState ? this._writableState.objectMode : false; } },
  writableBuffer: { get() { return this._writableState?.buffered.map((b) => b.chunk); } },
  writableEnded: { get() { return this._writableState ? this._writableState.ending : false; } },
  writableNeedDrain: { get() { const w = this._writableState; return w ? !w.destroyed && !w.ending && w.needDrain : false; } },
  writableHighWaterMark: { get() { return this._writableState?.highWaterMark; } },
  writableCorked: { get() { return this._writableState ? this._writableState.corked : 0; } },
  writableLength: { get() { return this._writableState?.length; } },
  writableErrored: { get() { return this._writableState ? this._writableState.errored : null; } },
  writableAborted: { get() { const w = this._writableState; return !!(w.writable !== false && (w.destroyed || w.errored) && !w.finished); } },
};
Object.defineProperties(Writable.prototype, {
  ...writableProps,
  destroyed: readableProps.destroyed,
  closed: readableProps.closed,
  errored: readableProps.errored,
});

Writable.fromWeb = function (writableStream, options) {
  const writer = writableStream.getWriter();
  let closed = false;
  return new Writable({
    objectMode: options?.objectMode,
    highWaterMark: options?.highWaterMark,
    decodeStrings: options?.decodeStrings ?? true,
    signal: options?.signal,
    write(chunk, encoding, cb) {
      writer.ready.then(() => writer.write(chunk)).then(() => cb(), cb);
    },
    writev(chunks, cb) {
      writer.ready.then(() => Promise.all(chunks.map((c) => writer.write(c.chunk)))).then(() => cb(), cb);
    },
    final(cb) {
      closed = true;
      writer.close().then(() => cb(), cb);
    },
    destroy(err, cb) {
      if (closed) { cb(err); return; }
      writer.abort(err ?? undefined).then(() => cb(err), (e) => cb(e || err));
    },
  });
};

Writable.toWeb = function (writable) {
  return new WritableStream({
    start(controller) {
      finished(writable, { readable: false }, (err) => { if (err) controller.error(err); });
    },
    write(chunk) {
      return new Promise((resolve, reject) => {
        const ok = writable.write(chunk, (err) => { if (err) reject(err); else if (ok) resolve(); });
        if (!ok) writable.once("drain", resolve);
      });
    },
    close() {
      return new Promise((resolve, reject) => writable.end((err) => (err ? reject(err) : resolve())));
    },
    abort(reason) { writable.destroy(reason); },
  });
};

// ---- Duplex, Transform, PassThrough ----------------------------------------

export function Duplex(options) {
  if (!(this instanceof Duplex)) return new Duplex(options);
  Readable.call(this, options);
  this._writableState = new WritableState(options, this, true);
  if (options) {
    this.allowHalfOpen = options.allowHalfOpen !== false;
    if (options.readable === false) { this._readableState.readable = false; this._readableState.ended = true; this._readableState.endEmitted = true; }
    if (options.writable === false) { this._writableState.writable = false; this._writableState.ending = true; this._writableState.ended = true; this._writableState.finished = true; }
    if (typeof options.write === "function") this._write = options.write;
    if (typeof options.writev === "function") this._writev = options.writev;
    if (typeof options.final === "function") this._final = options.final;
  } else {
    this.allowHalfOpen = true;
  }
}
Object.setPrototypeOf(Duplex.prototype, Readable.prototype);
Object.setPrototypeOf(Duplex, Readable);
for (const key of Object.getOwnPropertyNames(Writable.prototype)) {
  if (key === "constructor" || key === "destroy" || Object.hasOwn(Duplex.prototype, key)) continue;
  if (Object.hasOwn(readableProps, key)) continue;
  Object.defineProperty(Duplex.prototype, key, Object.getOwnPropertyDescriptor(Writable.prototype, key));
}
Duplex.prototype.destroy = Writable.prototype.destroy;
Duplex.prototype.pipe = Readable.prototype.pipe;

Duplex.fromWeb = function (pair, options) {
  const r = Readable.fromWeb(pair.readable, options);
  const w = Writable.fromWeb(pair.writable, options);
  const d = new Duplex({
    ...options,
    read() { r.resume(); },
    write(chunk, enc, cb) { w.write(chunk, enc, cb); },
    final(cb) { w.end(cb); },
    destroy(err, cb) { r.destroy(err); w.destroy(err); cb(err); },
  });
  r.on("data", (c) => { if (!d.push(c)) r.pause(); });
  r.on("end", () => d.push(null));
  r.on("error", (e) => d.destroy(e));
  r.pause();
  return d;
};
Duplex.toWeb = function (duplex) {
  return { readable: Readable.toWeb(duplex), writable: Writable.toWeb(duplex) };
};
Duplex.from = function (body) {
  if (body instanceof Duplex) return body;
  if (body instanceof Readable || body instanceof Writable) return body;
  if (body && body.readable instanceof ReadableStream && body.writable instanceof WritableStream) return Duplex.fromWeb(body);
  if (body instanceof ReadableStream) return Readable.fromWeb(body);
  if (body instanceof WritableStream) return Writable.fromWeb(body);
  if (typeof body === "function") {
    throw codeError(TypeError, "ERR_INVALID_ARG_TYPE", "Duplex.from() of a function is not supported; use stream.pipeline()");
  }
  return Readable.from(body);
};

const kCallback = Symbol("kCallback");

export function Transform(options) {
  if (!(this instanceof Transform)) return new Transform(options);
  const rhwm = options ? hwmFrom(options, "readableHighWaterMark", !!(options.objectMode || options.readableObjectMode)) : null;
  if (rhwm === 0) options = { ...options, highWaterMark: null, readableHighWaterMark: rhwm, writableHighWaterMark: options.writableHighWaterMark || 0 };
  Duplex.call(this, options);
  this._readableState.sync = false;
  this[kCallback] = null;
  if (options) {
    if (typeof options.transform === "function") this._transform = options.transform;
    if (typeof options.flush === "function") this._flush = options.flush;
  }
  this.on("prefinish", prefinishTransform);
}
Object.setPrototypeOf(Transform.prototype, Duplex.prototype);
Object.setPrototypeOf(Transform, Duplex);

function finalTransform(cb) {
  if (typeof this._flush === "function" && !this.destroyed) {
    this._flush((er, data) => {
      if (er) { if (cb) cb(er); else this.destroy(er); return; }
      if (data != null) this.push(data);
      this.push(null);
      if (cb) cb();
    });
  } else {
    this.push(null);
    if (cb) cb();
  }
}
function prefinishTransform() {
  if (this._final !== finalTransform) finalTransform.call(this);
}
Transform.prototype._final = finalTransform;

Transform.prototype._transform = function () { throw errNotImplemented("_transform()"); };

Transform.prototype._write = function (chunk, encoding, callback) {
  const rState = this._readableState;
  const wState = this._writableState;
  const length = rState.length;
  this._transform(chunk, encoding, (err, val) => {
    if (err) { callback(err); return; }
    if (val != null) this.push(val);
    if (rState.ended) tick(callback);
    else if (wState.ended || length === rState.length || rState.length < rState.highWaterMark) callback();
    else this[kCallback] = callback;
  });
};

Transform.prototype._read = function () {
  if (this[kCallback]) {
    const cb = this[kCallback];
    this[kCallback] = null;
    cb();
  }
};

export function PassThrough(options) {
  if (!(this instanceof PassThrough)) return new PassThrough(options);
  Transform.call(this, options);
}
Object.setPrototypeOf(PassThrough.prototype, Transform.prototype);
Object.setPrototypeOf(PassThrough, Transform);
PassThrough.prototype._transform = function (chunk, encoding, cb) { cb(null, chunk); };

// ---- finished, pipeline ---------------------------------------------------

function isNodeStream(s) {
  return !!s && typeof s.on === "function" && (s._readableState || s._writableState || typeof s.pipe === "function" || typeof s.write === "function");
}
function isReadableNodeStream(s) {
  return !!s && typeof s.pipe === "function" && typeof s.on === "function" && (!s._writableState || s._readableState?.readable !== false) && (!s._writableState || s._readableState);
}
function isWritableNodeStream(s) {
  return !!s && typeof s.write === "function" && typeof s.on === "function" && (!s._readableState || s._writableState?.writable !== false);
}

export function finished(stream, options, callback) {
  if (typeof options === "function") { callback = options; options = {}; }
  options ??= {};
  let done = false;
  const cb = (err) => {
    if (done) return;
    done = true;
    callback.call(stream, err);
  };
  if (stream instanceof ReadableStream || stream instanceof WritableStream) {
    const p = stream instanceof ReadableStream ? stream.getReader().closed : stream.getWriter().closed;
    p.then(() => cb(), (e) => cb(e));
    return () => {};
  }
  const rState = stream._readableState, wState = stream._writableState;
  const readable = options.readable ?? isReadableNodeStream(stream);
  const writable = options.writable ?? isWritableNodeStream(stream);
  let writableFinished = !!wState?.finished;
  let readableFinished = !!rState?.endEmitted;
  const onfinish = () => {
    writableFinished = true;
    if (!readable || readableFinished || rState?.readable === false) cb();
  };
  const onend = () => {
    readableFinished = true;
    if (!writable || writableFinished || wState?.writable === false) cb();
  };
  const onerror = (err) => cb(err);
  const onclose = () => {
    const errored = (wState || rState)?.errored;
    if (errored) { cb(errored); return; }
    if (readable && !readableFinished && rState && rState.readable !== false && !(rState.ended && rState.length === 0 && rState.endEmitted)) {
      cb(errPrematureClose());
      return;
    }
    if (writable && !writableFinished && wState && wState.writable !== false) {
      cb(errPrematureClose());
      return;
    }
    cb();
  };
  const onlegacyfinish = () => { if (!stream.writable) onfinish(); };
  stream.on("end", onend);
  stream.on("finish", onfinish);
  if (options.error !== false) stream.on("error", onerror);
  stream.on("close", onclose);
  if (!rState && !wState) stream.on("end", onlegacyfinish);
  const closed = (wState || rState)?.closed;
  if (closed || (wState?.errorEmitted || rState?.errorEmitted)) tick(onclose);
  else if ((!readable || readableFinished) && (!writable || writableFinished)) tick(cb);
  const cleanup = () => {
    callback = () => {};
    stream.removeListener("end", onend);
    stream.removeListener("finish", onfinish);
    stream.removeListener("error", onerror);
    stream.removeListener("close", onclose);
    stream.removeListener("end", onlegacyfinish);
  };
  if (options.signal) {
    const abort = () => { const e = new DOMException("The operation was aborted", "AbortError"); cb(e); };
    if (options.signal.aborted) tick(abort);
    else options.signal.addEventListener("abort", abort, { once: true });
  }
  return cleanup;
}

function isIterable(v) {
  return v != null && (typeof v[Symbol.asyncIterator] === "function" || typeof v[Symbol.iterator] === "function");
}

export function pipeline(...streams) {
  const callback = typeof streams[streams.length - 1] === "function" ? streams.pop() : null;
  if (!callback) throw codeError(TypeError, "ERR_INVALID_ARG_TYPE", 'The "callback" argument must be of type function');
  if (streams.length === 1 && Array.isArray(streams[0])) streams = streams[0];
  return pipelineImpl(streams, callback);
}

function pipelineImpl(streams, callback, opts) {
  if (streams.length < 2) throw codeError(TypeError, "ERR_MISSING_ARGS", 'The "streams" argument must be specified');
  const destroys = [];
  let finalErr = null;
  let finishCount = 0;
  let called = false;
  let value;
  function finish(err) {
    if (err && (!finalErr || finalErr.code === "ERR_STREAM_PREMATURE_CLOSE")) finalErr = err;
    if (!finalErr && !err) { /* keep going */ }
    if (err || finalErr) for (const d of destroys.splice(0)) d(finalErr);
    if (--finishCount <= 0 && !called) {
      called = true;
      for (const d of destroys.splice(0)) d();
      tick(callback, finalErr, value);
    }
  }
  const outerSignal = opts?.signal;
  if (outerSignal) {
    const abort = () => finish(new DOMException("The operation was aborted", "AbortError"));
    if (outerSignal.aborted) tick(abort);
    else outerSignal.addEventListener("abort", abort, { once: true });
  }
  let ret;
  for (let i = 0; i < streams.length; i++) {
    let stream = streams[i];
    const reading = i < streams.length - 1;
    const writing = i > 0;
    const end = reading || opts?.end !== false;
    if (stream instanceof ReadableStream && i === 0) stream = Readable.fromWeb(stream);
    else if (stream instanceof WritableStream && !reading) stream = Writable.fromWeb(stream);
    else if (stream && stream.readable instanceof ReadableStream && stream.writable instanceof WritableStream) stream = Duplex.fromWeb(stream);
    if (isNodeStream(stream)) {
      if (end) {
        finishCount++;
        const cleanup = finished(stream, { readable: reading, writable: writing }, finish);
        destroys.push((err) => {
          cleanup();
          if (err && !stream.destroyed) stream.destroy(err);
        });
      }
      if (i === 0) ret = stream;
      else {
        pipeTo(ret, stream, end, finish);
        ret = stream;
      }
    } else if (typeof stream === "function") {
      const src = i === 0 ? undefined : toIterable(ret);
      ret = stream(src, { signal: outerSignal });
      if (reading) {
        if (!isIterable(ret)) throw codeError(TypeError, "ERR_INVALID_RETURN_VALUE", "Expected an Iterable, AsyncIterable or Stream to be returned from the pipeline stage");
      } else {
        finishCount++;
        Promise.resolve(ret).then((v) => { value = v; finish(null); }, (err) => finish(err));
        ret = null;
      }
    } else if (isIterable(stream)) {
      if (i === 0) ret = stream;
      else throw codeError(TypeError, "ERR_INVALID_ARG_TYPE", "An iterable can only be the first stage of a pipeline");
    } else {
      throw codeError(TypeError, "ERR_INVALID_ARG_TYPE", "A pipeline stage must be a stream, an iterable or a function");
    }
    if (ret != null && !isNodeStream(ret) && isIterable(ret) && (i < streams.length - 1) && isNodeStream(streams[i + 1])) {
      // An iterable feeds the next stream.
      ret = Readable.from(ret, { objectMode: true });
      finishCount++;
      const r = ret;
      const cleanup = finished(r, { readable: true, writable: false }, finish);
      destroys.push((err) => { cleanup(); if (err && !r.destroyed) r.destroy(err); });
    }
  }
  return ret;
}

function pipeTo(src, dst, end, finish) {
  src.pipe(dst, { end: false });
  if (end) {
    const onend = () => { dst.end(); };
    if (src._readableState?.endEmitted) tick(onend);
    else src.once("end", onend);
  }
  finished(src, { readable: true, writable: false }, (err) => {
    if (err && err.code === "ERR_STREAM_PREMATURE_CLOSE" && src._readableState?.endEmitted) return;
    if (err) finish(err);
  });
}

function toIterable(v) {
  if (isNodeStream(v)) return v[Symbol.asyncIterator] ? v[Symbol.asyncIterator]() : streamToAsyncIterator(v);
  return v;
}

export function addAbortSignal(signal, stream) {
  if (!signal || typeof signal.aborted !== "boolean") {
    throw codeError(TypeError, "ERR_INVALID_ARG_TYPE", 'The "signal" argument must be an instance of AbortSignal');
  }
  const onAbort = () => stream.destroy(new DOMException("The operation was aborted", "AbortError"));
  if (signal.aborted) onAbort();
  else signal.addEventListener("abort", onAbort, { once: true });
  return stream;
}

export function isReadable(stream) {
  if (stream instanceof ReadableStream) return !stream.locked;
  const r = stream?._readableState;
  if (!r) return null;
  return r.readable !== false && !r.destroyed && !r.errored && !r.endEmitted;
}
export function isWritable(stream) {
  const w = stream?._writableState;
  if (!w) return null;
  return w.writable !== false && !w.destroyed && !w.errored && !w.ending;
}
export function isErrored(stream) {
  const s = stream?._readableState || stream?._writableState;
  return !!(s && (s.errored || s.errorEmitted));
}
export function isDisturbed(stream) { return Readable.isDisturbed(stream); }

// ---- promises and consumers -------------------------------------------------

export const promises = {
  pipeline(...streams) {
    let opts;
    const last = streams[streams.length - 1];
    if (last && typeof last === "object" && !isNodeStream(last) && !isIterable(last) &&
        !(last instanceof ReadableStream) && !(last instanceof WritableStream) && !(last.readable && last.writable)) {
      opts = streams.pop();
    }
    if (streams.length === 1 && Array.isArray(streams[0])) streams = streams[0];
    return new Promise((resolve, reject) => {
      pipelineImpl(streams, (err, value) => (err ? reject(err) : resolve(value)), opts);
    });
  },
  finished(stream, opts) {
    return new Promise((resolve, reject) => {
      finished(stream, opts, (err) => (err ? reject(err) : resolve()));
    });
  },
};

async function collect(stream) {
  const chunks = [];
  if (stream instanceof ReadableStream) {
    for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : toBuffer(c));
  } else {
    for await (const c of stream) chunks.push(typeof c === "string" ? Buffer.from(c) : toBuffer(c));
  }
  return Buffer.concat(chunks);
}

export const consumers = {
  async arrayBuffer(stream) {
    const b = await collect(stream);
    return b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength);
  },
  async buffer(stream) { return collect(stream); },
  async text(stream) {
    const dec = new TextDecoder();
    let s = "";
    for await (const c of stream) s += typeof c === "string" ? c : dec.decode(c, { stream: true });
    return s + dec.decode();
  },
  async json(stream) { return JSON.parse(await consumers.text(stream)); },
  async blob(stream) { return new Blob([await collect(stream)]); },
};

// node:stream/web: the global Web Streams classes.
export function webStreams() {
  const out = {};
  for (const name of ["ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader",
    "ReadableStreamBYOBRequest", "ReadableByteStreamController", "ReadableStreamDefaultController",
    "TransformStream", "TransformStreamDefaultController", "WritableStream", "WritableStreamDefaultWriter",
    "WritableStreamDefaultController", "ByteLengthQueuingStrategy", "CountQueuingStrategy",
    "TextEncoderStream", "TextDecoderStream", "CompressionStream", "DecompressionStream"]) {
    if (globalThis[name] !== undefined) out[name] = globalThis[name];
  }
  return out;
}

Object.assign(Stream, {
  Stream, Readable, Writable, Duplex, Transform, PassThrough,
  pipeline, finished, addAbortSignal, promises,
  isReadable, isWritable, isErrored, isDisturbed,
  getDefaultHighWaterMark, setDefaultHighWaterMark,
  _isUint8Array: (v) => v instanceof Uint8Array,
  _uint8ArrayToBuffer: (v) => toBuffer(v),
});
Object.defineProperty(pipeline, Symbol.for("nodejs.util.promisify.custom"), { value: promises.pipeline });
Object.defineProperty(finished, Symbol.for("nodejs.util.promisify.custom"), { value: promises.finished });

export default Stream;
