// WritableStream (WHATWG Streams) with its default writer and controller.
import {
  S, Queue, queuingStrategy, extractHighWaterMark, extractSizeAlgorithm, enqueueValueWithSize, dequeueValue,
  resetQueue, promiseCall, method, resolvedUndefined, resolvedWith, react, slot, brandOf, rejectBrand } from "./streamutil.js";
import { deferred, markHandled, illegalConstructor } from "./util.js";
import { AbortController } from "./abort.js";

const closeSentinel = Symbol("close");
let internalConstruct = false;

function initRecord(pub) {
  const w = {
    writable: true, state: "writable", storedError: undefined, writer: undefined, controller: undefined,
    inFlightWriteRequest: undefined, closeRequest: undefined, inFlightCloseRequest: undefined,
    pendingAbortRequest: undefined, writeRequests: [], backpressure: false, pub,
  };
  pub[S] = w;
  return w;
}

export function isWritableStream(v) {
  return v !== null && typeof v === "object" && v[S] !== undefined && v[S].pub === v && v[S].writable === true;
}

export function isWritableStreamLocked(pub) {
  return pub[S].writer !== undefined;
}

export function createWritableStream(start, write, close, abort, hwm = 1, size = () => 1) {
  const pub = Object.create(WritableStream.prototype);
  const w = initRecord(pub);
  setUpController(w, start, write, close, abort, hwm, size);
  return pub;
}

// --- stream abstract operations

export function writableStreamAbort(w, reason) {
  if (w.state === "closed" || w.state === "errored") return Promise.resolve(undefined);
  w.controller.abortController.abort(reason);
  const state = w.state;
  if (state === "closed" || state === "errored") return Promise.resolve(undefined);
  if (w.pendingAbortRequest !== undefined) return w.pendingAbortRequest.promise.promise;
  let wasAlreadyErroring = false;
  if (state === "erroring") {
    wasAlreadyErroring = true;
    reason = undefined;
  }
  const promise = deferred();
  w.pendingAbortRequest = { promise, reason, wasAlreadyErroring };
  if (!wasAlreadyErroring) writableStreamStartErroring(w, reason);
  return promise.promise;
}

export function writableStreamClose(w) {
  const state = w.state;
  if (state === "closed" || state === "errored") {
    return Promise.reject(new TypeError(`The stream (in ${state} state) is not in the writable state and cannot be closed`));
  }
  const promise = deferred();
  w.closeRequest = promise;
  const writer = w.writer;
  if (writer !== undefined && w.backpressure && state === "writable") writer.ready.resolve(undefined);
  enqueueValueWithSize(w.controller, closeSentinel, 0);
  controllerAdvanceQueueIfNeeded(w.controller);
  return promise.promise;
}

function writableStreamDealWithRejection(w, error) {
  if (w.state === "writable") {
    writableStreamStartErroring(w, error);
    return;
  }
  writableStreamFinishErroring(w);
}

function writableStreamFinishErroring(w) {
  w.state = "errored";
  resetQueue(w.controller);
  const storedError = w.storedError;
  const reqs = w.writeRequests;
  w.writeRequests = [];
  for (const r of reqs) r.reject(storedError);
  if (w.pendingAbortRequest === undefined) {
    rejectCloseAndClosedPromiseIfNeeded(w);
    return;
  }
  const abortRequest = w.pendingAbortRequest;
  w.pendingAbortRequest = undefined;
  if (abortRequest.wasAlreadyErroring) {
    abortRequest.promise.reject(storedError);
    rejectCloseAndClosedPromiseIfNeeded(w);
    return;
  }
  const c = w.controller;
  const p = c.abort(abortRequest.reason);
  controllerClearAlgorithms(c);
  react(p, () => {
    abortRequest.promise.resolve(undefined);
    rejectCloseAndClosedPromiseIfNeeded(w);
  }, (reason) => {
    abortRequest.promise.reject(reason);
    rejectCloseAndClosedPromiseIfNeeded(w);
  });
}

function writableStreamFinishInFlightClose(w) {
  w.inFlightCloseRequest.resolve(undefined);
  w.inFlightCloseRequest = undefined;
  if (w.state === "erroring") {
    w.storedError = undefined;
    if (w.pendingAbortRequest !== undefined) {
      w.pendingAbortRequest.promise.resolve(undefined);
      w.pendingAbortRequest = undefined;
    }
  }
  w.state = "closed";
  if (w.writer !== undefined) w.writer.closed.resolve(undefined);
}

function writableStreamFinishInFlightCloseWithError(w, error) {
  w.inFlightCloseRequest.reject(error);
  w.inFlightCloseRequest = undefined;
  if (w.pendingAbortRequest !== undefined) {
    w.pendingAbortRequest.promise.reject(error);
    w.pendingAbortRequest = undefined;
  }
  writableStreamDealWithRejection(w, error);
}

export function writableStreamCloseQueuedOrInFlight(w) {
  return w.closeRequest !== undefined || w.inFlightCloseRequest !== undefined;
}

function rejectCloseAndClosedPromiseIfNeeded(w) {
  if (w.closeRequest !== undefined) {
    w.closeRequest.reject(w.storedError);
    w.closeRequest = undefined;
  }
  const writer = w.writer;
  if (writer !== undefined) {
    writer.closed.reject(w.storedError);
    markHandled(writer.closed.promise);
  }
}

function writableStreamStartErroring(w, reason) {
  const c = w.controller;
  w.state = "erroring";
  w.storedError = reason;
  if (w.writer !== undefined) writerEnsureReadyPromiseRejected(w.writer, reason);
  if (w.inFlightWriteRequest === undefined && w.inFlightCloseRequest === undefined && c.started) writableStreamFinishErroring(w);
}

function writableStreamUpdateBackpressure(w, backpressure) {
  const writer = w.writer;
  if (writer !== undefined && backpressure !== w.backpressure) {
    if (backpressure) writer.ready = deferred();
    else writer.ready.resolve(undefined);
  }
  w.backpressure = backpressure;
}

// --- writer

export function acquireWriter(w) {
  const pub = makeWriter();
  setUpWriter(pub, w);
  return pub[S];
}

function makeWriter() {
  internalConstruct = true;
  try {
    return new WritableStreamDefaultWriter();
  } finally {
    internalConstruct = false;
  }
}

function settled(resolve, value) {
  const d = deferred();
  if (resolve) d.resolve(value);
  else {
    d.reject(value);
    markHandled(d.promise);
  }
  return d;
}

function setUpWriter(pub, w) {
  if (w.writer !== undefined) throw new TypeError("Cannot create writer when WritableStream is locked");
  const r = { stream: w, ready: undefined, closed: undefined, pub };
  pub[S] = r;
  w.writer = r;
  const state = w.state;
  if (state === "writable") {
    r.ready = !writableStreamCloseQueuedOrInFlight(w) && w.backpressure ? deferred() : settled(true);
    r.closed = deferred();
  } else if (state === "erroring") {
    r.ready = settled(false, w.storedError);
    r.closed = deferred();
  } else if (state === "closed") {
    r.ready = settled(true);
    r.closed = settled(true);
  } else {
    r.ready = settled(false, w.storedError);
    r.closed = settled(false, w.storedError);
  }
}

function writerEnsureClosedPromiseRejected(r, error) {
  if (r.closed.settled) {
    r.closed = settled(false, error);
  } else {
    r.closed.reject(error);
    markHandled(r.closed.promise);
  }
}

function writerEnsureReadyPromiseRejected(r, error) {
  if (r.ready.settled) {
    r.ready = settled(false, error);
  } else {
    r.ready.reject(error);
    markHandled(r.ready.promise);
  }
}

export function writerCloseWithErrorPropagation(r) {
  const w = r.stream;
  const state = w.state;
  if (writableStreamCloseQueuedOrInFlight(w) || state === "closed") return Promise.resolve(undefined);
  if (state === "errored") return Promise.reject(w.storedError);
  return writableStreamClose(w);
}

export function writerGetDesiredSize(r) {
  const w = r.stream;
  const state = w.state;
  if (state === "errored" || state === "erroring") return null;
  if (state === "closed") return 0;
  return w.controller.strategyHWM - w.controller.queueTotalSize;
}

export function writerRelease(r) {
  const w = r.stream;
  const err = new TypeError("Writer was released and can no longer be used to monitor the stream's closedness");
  writerEnsureReadyPromiseRejected(r, err);
  writerEnsureClosedPromiseRejected(r, err);
  w.writer = undefined;
  r.stream = undefined;
}

export function writerWrite(r, chunk) {
  const w = r.stream;
  const c = w.controller;
  const chunkSize = controllerGetChunkSize(c, chunk);
  if (w !== r.stream) return Promise.reject(new TypeError("The writer was released while writing"));
  const state = w.state;
  if (state === "errored") return Promise.reject(w.storedError);
  if (writableStreamCloseQueuedOrInFlight(w) || state === "closed") {
    return Promise.reject(new TypeError("The stream is closing or closed and cannot be written to"));
  }
  if (state === "erroring") return Promise.reject(w.storedError);
  const d = deferred();
  w.writeRequests.push(d);
  controllerWrite(c, chunk, chunkSize);
  return d.promise;
}

export class WritableStreamDefaultWriter {
  constructor(stream) {
    if (internalConstruct) return;
    if (!isWritableStream(stream)) throw new TypeError("Failed to construct 'WritableStreamDefaultWriter': parameter 1 is not of type 'WritableStream'.");
    setUpWriter(this, stream[S]);
  }
  get closed() {
    const r = brandOf(this, WritableStreamDefaultWriter);
    return r === undefined ? rejectBrand(WritableStreamDefaultWriter) : r.closed.promise;
  }
  get ready() {
    const r = brandOf(this, WritableStreamDefaultWriter);
    return r === undefined ? rejectBrand(WritableStreamDefaultWriter) : r.ready.promise;
  }
  get desiredSize() {
    const r = slot(this, WritableStreamDefaultWriter);
    if (r.stream === undefined) throw new TypeError("This writer has been released and cannot be used");
    return writerGetDesiredSize(r);
  }
  abort(reason = undefined) {
    const r = brandOf(this, WritableStreamDefaultWriter);
    if (r === undefined) return rejectBrand(WritableStreamDefaultWriter);
    if (r.stream === undefined) return Promise.reject(new TypeError("This writer has been released and cannot be used to abort the stream"));
    return writableStreamAbort(r.stream, reason);
  }
  close() {
    const r = brandOf(this, WritableStreamDefaultWriter);
    if (r === undefined) return rejectBrand(WritableStreamDefaultWriter);
    const w = r.stream;
    if (w === undefined) return Promise.reject(new TypeError("This writer has been released and cannot be used to close the stream"));
    if (writableStreamCloseQueuedOrInFlight(w)) return Promise.reject(new TypeError("Cannot close an already-closing stream"));
    return writableStreamClose(w);
  }
  releaseLock() {
    const r = slot(this, WritableStreamDefaultWriter);
    if (r.stream === undefined) return;
    writerRelease(r);
  }
  write(chunk = undefined) {
    const r = brandOf(this, WritableStreamDefaultWriter);
    if (r === undefined) return rejectBrand(WritableStreamDefaultWriter);
    if (r.stream === undefined) return Promise.reject(new TypeError("This writer has been released and cannot be used to write to the stream"));
    return writerWrite(r, chunk);
  }
}
Object.defineProperty(WritableStreamDefaultWriter.prototype, Symbol.toStringTag, { value: "WritableStreamDefaultWriter", configurable: true });

// --- controller

function setUpController(w, start, write, close, abort, hwm, size) {
  internalConstruct = true;
  let pub;
  try {
    pub = new WritableStreamDefaultController();
  } finally {
    internalConstruct = false;
  }
  const c = {
    stream: w, queue: new Queue(), queueTotalSize: 0, started: false, strategySize: size, strategyHWM: hwm,
    write, close, abort, abortController: new AbortController(), pub,
  };
  pub[S] = c;
  w.controller = c;
  writableStreamUpdateBackpressure(w, controllerGetBackpressure(c));
  const startResult = start(pub);
  react(resolvedWith(startResult), () => {
    c.started = true;
    controllerAdvanceQueueIfNeeded(c);
  }, (r) => {
    c.started = true;
    writableStreamDealWithRejection(w, r);
  });
}

// The UnderlyingSink dictionary as Web IDL converts it: its members read in
// lexicographic order, each checked as it is read.
function underlyingSinkDict(sink) {
  const abort = method(sink, "abort");
  const close = method(sink, "close");
  const start = method(sink, "start");
  const type = sink?.type;
  const write = method(sink, "write");
  return { abort, close, start, type, write };
}

function setUpControllerFromSink(w, sink, dict, hwm, size) {
  const { start, write, close, abort } = dict;
  setUpController(w,
    start ? (c) => Reflect.apply(start, sink, [c]) : () => undefined,
    write ? (chunk) => promiseCall(write, sink, chunk, w.controller.pub) : resolvedUndefined,
    close ? () => promiseCall(close, sink) : resolvedUndefined,
    abort ? (r) => promiseCall(abort, sink, r) : resolvedUndefined,
    hwm, size);
}

function controllerClearAlgorithms(c) {
  c.write = undefined;
  c.close = undefined;
  c.abort = undefined;
  c.strategySize = undefined;
}

function controllerGetChunkSize(c, chunk) {
  if (c.strategySize === undefined) return 1;
  try {
    return c.strategySize(chunk);
  } catch (e) {
    controllerErrorIfNeeded(c, e);
    return 1;
  }
}

function controllerGetBackpressure(c) {
  return c.strategyHWM - c.queueTotalSize <= 0;
}

function controllerWrite(c, chunk, size) {
  try {
    enqueueValueWithSize(c, chunk, size);
  } catch (e) {
    controllerErrorIfNeeded(c, e);
    return;
  }
  const w = c.stream;
  if (!writableStreamCloseQueuedOrInFlight(w) && w.state === "writable") {
    writableStreamUpdateBackpressure(w, controllerGetBackpressure(c));
  }
  controllerAdvanceQueueIfNeeded(c);
}

function controllerAdvanceQueueIfNeeded(c) {
  const w = c.stream;
  if (!c.started) return;
  if (w.inFlightWriteRequest !== undefined) return;
  const state = w.state;
  if (state === "erroring") {
    writableStreamFinishErroring(w);
    return;
  }
  if (c.queue.length === 0) return;
  const value = c.queue.peek().value;
  if (value === closeSentinel) controllerProcessClose(c);
  else controllerProcessWrite(c, value);
}

export function controllerErrorIfNeeded(c, e) {
  if (c.stream.state === "writable") controllerError(c, e);
}

function controllerProcessClose(c) {
  const w = c.stream;
  w.inFlightCloseRequest = w.closeRequest;
  w.closeRequest = undefined;
  dequeueValue(c);
  const p = c.close();
  controllerClearAlgorithms(c);
  react(p, () => writableStreamFinishInFlightClose(w), (r) => writableStreamFinishInFlightCloseWithError(w, r));
}

function controllerProcessWrite(c, chunk) {
  const w = c.stream;
  w.inFlightWriteRequest = w.writeRequests.shift();
  react(c.write(chunk), () => {
    w.inFlightWriteRequest.resolve(undefined);
    w.inFlightWriteRequest = undefined;
    const state = w.state;
    dequeueValue(c);
    if (!writableStreamCloseQueuedOrInFlight(w) && state === "writable") {
      writableStreamUpdateBackpressure(w, controllerGetBackpressure(c));
    }
    controllerAdvanceQueueIfNeeded(c);
  }, (reason) => {
    if (w.state === "writable") controllerClearAlgorithms(c);
    w.inFlightWriteRequest.reject(reason);
    w.inFlightWriteRequest = undefined;
    writableStreamDealWithRejection(w, reason);
  });
}

function controllerError(c, e) {
  controllerClearAlgorithms(c);
  writableStreamStartErroring(c.stream, e);
}

export class WritableStreamDefaultController {
  constructor() {
    if (!internalConstruct) illegalConstructor();
  }
  get signal() { return slot(this, WritableStreamDefaultController).abortController.signal; }
  error(e = undefined) {
    const c = slot(this, WritableStreamDefaultController);
    if (c.stream.state !== "writable") return;
    controllerError(c, e);
  }
}
Object.defineProperty(WritableStreamDefaultController.prototype, Symbol.toStringTag, { value: "WritableStreamDefaultController", configurable: true });

// --- WritableStream

export class WritableStream {
  constructor(underlyingSink = undefined, strategy = undefined) {
    if (underlyingSink !== undefined && underlyingSink !== null && typeof underlyingSink !== "object" && typeof underlyingSink !== "function") {
      throw new TypeError("Failed to construct 'WritableStream': The provided value is not of type 'UnderlyingSink'.");
    }
    // Web IDL order: the strategy argument, then the sink's members.
    const strat = queuingStrategy(strategy, "WritableStream");
    const sink = underlyingSink ?? undefined;
    const dict = underlyingSinkDict(sink);
    if (dict.type !== undefined) throw new RangeError("Invalid type is specified");
    const w = initRecord(this);
    const size = extractSizeAlgorithm(strat);
    setUpControllerFromSink(w, sink, dict, extractHighWaterMark(strat, 1), size);
  }
  get locked() { return slot(this, WritableStream).writer !== undefined; }
  abort(reason = undefined) {
    const w = brandOf(this, WritableStream);
    if (w === undefined) return rejectBrand(WritableStream);
    if (w.writer !== undefined) return Promise.reject(new TypeError("Cannot abort a stream that already has a writer"));
    return writableStreamAbort(w, reason);
  }
  close() {
    const w = brandOf(this, WritableStream);
    if (w === undefined) return rejectBrand(WritableStream);
    if (w.writer !== undefined) return Promise.reject(new TypeError("Cannot close a stream that already has a writer"));
    if (writableStreamCloseQueuedOrInFlight(w)) return Promise.reject(new TypeError("Cannot close an already-closing stream"));
    return writableStreamClose(w);
  }
  getWriter() {
    const pub = makeWriter();
    setUpWriter(pub, slot(this, WritableStream));
    return pub;
  }
}
Object.defineProperty(WritableStream.prototype, Symbol.toStringTag, { value: "WritableStream", configurable: true });
