// ReadableStream (WHATWG Streams): default and byte streams, default and
// BYOB readers, tee, async iteration, ReadableStream.from.
import {
  S, Queue, queuingStrategy, extractHighWaterMark, extractSizeAlgorithm, enqueueValueWithSize, dequeueValue,
  resetQueue, promiseCall, method, resolvedUndefined, resolvedWith, transferBuffer, isDetached, react, slot, brandOf, rejectBrand } from "./streamutil.js";
import { deferred, markHandled, illegalConstructor } from "./util.js";
import { isAbortSignal } from "./abort.js";
import { readableStreamPipeTo } from "./pipe.js";
import { isWritableStream, isWritableStreamLocked } from "./writable.js";

let internalConstruct = false;
function makeInternal(Cls) {
  internalConstruct = true;
  try {
    return new Cls();
  } finally {
    internalConstruct = false;
  }
}

// ---------------------------------------------------------------------------
// Stream records

function initStreamRecord(pub) {
  const s = { state: "readable", reader: undefined, storedError: undefined, disturbed: false, controller: undefined, pub };
  pub[S] = s;
  return s;
}

// CreateReadableStream: a default stream driven by algorithms (for platform use).
export function createReadableStream(start, pull, cancel, hwm = 1, size = () => 1) {
  const pub = Object.create(ReadableStream.prototype);
  const s = initStreamRecord(pub);
  setUpDefaultController(s, start, pull, cancel, hwm, size);
  return pub;
}

export function createReadableByteStream(start, pull, cancel, hwm = 0, autoAllocateChunkSize = undefined) {
  const pub = Object.create(ReadableStream.prototype);
  const s = initStreamRecord(pub);
  setUpByteController(s, start, pull, cancel, hwm, autoAllocateChunkSize);
  return pub;
}

export function isReadableStream(v) {
  return v !== null && typeof v === "object" && v[S] !== undefined && v[S].pub === v && "disturbed" in v[S];
}

export function isReadableStreamLocked(s) {
  return s.reader !== undefined;
}

export function readableStreamCancel(s, reason) {
  s.disturbed = true;
  if (s.state === "closed") return Promise.resolve(undefined);
  if (s.state === "errored") return Promise.reject(s.storedError);
  readableStreamClose(s);
  const reader = s.reader;
  if (reader !== undefined && reader.byob) {
    const reqs = reader.readIntoRequests;
    reader.readIntoRequests = [];
    for (const r of reqs) r.close(undefined);
  }
  return react(s.controller.cancelSteps(reason), () => undefined);
}

export function readableStreamClose(s) {
  s.state = "closed";
  const reader = s.reader;
  if (reader === undefined) return;
  reader.closed.resolve(undefined);
  if (!reader.byob) {
    const reqs = reader.readRequests;
    reader.readRequests = [];
    for (const r of reqs) r.close();
  }
}

export function readableStreamError(s, e) {
  s.state = "errored";
  s.storedError = e;
  const reader = s.reader;
  if (reader === undefined) return;
  reader.closed.reject(e);
  markHandled(reader.closed.promise);
  if (!reader.byob) {
    const reqs = reader.readRequests;
    reader.readRequests = [];
    for (const r of reqs) r.error(e);
  } else {
    const reqs = reader.readIntoRequests;
    reader.readIntoRequests = [];
    for (const r of reqs) r.error(e);
  }
}

function fulfillReadRequest(s, chunk, done) {
  const r = s.reader.readRequests.shift();
  if (done) r.close();
  else r.chunk(chunk);
}

function fulfillReadIntoRequest(s, chunk, done) {
  const r = s.reader.readIntoRequests.shift();
  if (done) r.close(chunk);
  else r.chunk(chunk);
}

function numReadRequests(s) {
  return s.reader.readRequests.length;
}

function numReadIntoRequests(s) {
  return s.reader.readIntoRequests.length;
}

function hasDefaultReader(s) {
  return s.reader !== undefined && !s.reader.byob;
}

function hasBYOBReader(s) {
  return s.reader !== undefined && s.reader.byob;
}

// ---------------------------------------------------------------------------
// Default controller

function setUpDefaultController(s, start, pull, cancel, hwm, size) {
  const pub = makeInternal(ReadableStreamDefaultController);
  const c = {
    byte: false, stream: s, queue: new Queue(), queueTotalSize: 0, started: false, closeRequested: false,
    pullAgain: false, pulling: false, strategySize: size, strategyHWM: hwm, pull, cancel, pub,
    cancelSteps: (reason) => defaultControllerCancelSteps(c, reason),
    pullSteps: (rr) => defaultControllerPullSteps(c, rr),
    releaseSteps: () => {},
  };
  pub[S] = c;
  s.controller = c;
  const startResult = start(pub);
  react(resolvedWith(startResult), () => {
    c.started = true;
    defaultControllerCallPullIfNeeded(c);
  }, (r) => defaultControllerError(c, r));
}

// The UnderlyingSource dictionary as Web IDL converts it: its members read in
// lexicographic order, each checked as it is read.
function underlyingSourceDict(src) {
  let autoAllocateChunkSize = src?.autoAllocateChunkSize;
  if (autoAllocateChunkSize !== undefined) autoAllocateChunkSize = Number(autoAllocateChunkSize);
  const cancel = method(src, "cancel");
  const pull = method(src, "pull");
  const start = method(src, "start");
  let type = src?.type;
  if (type !== undefined) {
    type = String(type);
    if (type !== "bytes") throw new TypeError(`Failed to construct 'ReadableStream': The provided value '${type}' is not a valid enum value of type ReadableStreamType.`);
  }
  return { autoAllocateChunkSize, cancel, pull, start, type };
}

function setUpDefaultControllerFromSource(s, src, dict, hwm, size) {
  const { start, pull, cancel } = dict;
  setUpDefaultController(s,
    start ? (c) => Reflect.apply(start, src, [c]) : () => undefined,
    pull ? (c) => promiseCall(pull, src, c) : resolvedUndefined,
    cancel ? (r) => promiseCall(cancel, src, r) : resolvedUndefined,
    hwm, size);
}

function defaultControllerCallPullIfNeeded(c) {
  if (!defaultControllerShouldCallPull(c)) return;
  if (c.pulling) {
    c.pullAgain = true;
    return;
  }
  c.pulling = true;
  react(c.pull(c.pub), () => {
    c.pulling = false;
    if (c.pullAgain) {
      c.pullAgain = false;
      defaultControllerCallPullIfNeeded(c);
    }
  }, (e) => defaultControllerError(c, e));
}

function defaultControllerShouldCallPull(c) {
  const s = c.stream;
  if (!defaultControllerCanCloseOrEnqueue(c)) return false;
  if (!c.started) return false;
  if (isReadableStreamLocked(s) && numReadRequests(s) > 0) return true;
  return defaultControllerGetDesiredSize(c) > 0;
}

function defaultControllerClearAlgorithms(c) {
  c.pull = undefined;
  c.cancel = undefined;
  c.strategySize = undefined;
}

export function defaultControllerCanCloseOrEnqueue(c) {
  return !c.closeRequested && c.stream.state === "readable";
}

export function defaultControllerClose(c) {
  if (!defaultControllerCanCloseOrEnqueue(c)) return;
  c.closeRequested = true;
  if (c.queue.length === 0) {
    defaultControllerClearAlgorithms(c);
    readableStreamClose(c.stream);
  }
}

export function defaultControllerEnqueue(c, chunk) {
  if (!defaultControllerCanCloseOrEnqueue(c)) return;
  const s = c.stream;
  if (isReadableStreamLocked(s) && numReadRequests(s) > 0) {
    fulfillReadRequest(s, chunk, false);
  } else {
    let size;
    try {
      size = c.strategySize(chunk);
      enqueueValueWithSize(c, chunk, size);
    } catch (e) {
      defaultControllerError(c, e);
      throw e;
    }
  }
  defaultControllerCallPullIfNeeded(c);
}

export function defaultControllerError(c, e) {
  if (c.stream.state !== "readable") return;
  resetQueue(c);
  defaultControllerClearAlgorithms(c);
  readableStreamError(c.stream, e);
}

export function defaultControllerGetDesiredSize(c) {
  const state = c.stream.state;
  if (state === "errored") return null;
  if (state === "closed") return 0;
  return c.strategyHWM - c.queueTotalSize;
}

export function defaultControllerHasBackpressure(c) {
  return !defaultControllerShouldCallPull(c);
}

function defaultControllerCancelSteps(c, reason) {
  resetQueue(c);
  const result = c.cancel(reason);
  defaultControllerClearAlgorithms(c);
  return result;
}

function defaultControllerPullSteps(c, readRequest) {
  const s = c.stream;
  if (c.queue.length > 0) {
    const chunk = dequeueValue(c);
    if (c.closeRequested && c.queue.length === 0) {
      defaultControllerClearAlgorithms(c);
      readableStreamClose(s);
    } else {
      defaultControllerCallPullIfNeeded(c);
    }
    readRequest.chunk(chunk);
  } else {
    s.reader.readRequests.push(readRequest);
    defaultControllerCallPullIfNeeded(c);
  }
}

export class ReadableStreamDefaultController {
  constructor() {
    if (!internalConstruct) illegalConstructor();
  }
  get desiredSize() { return defaultControllerGetDesiredSize(slot(this, ReadableStreamDefaultController)); }
  close() {
    const c = slot(this, ReadableStreamDefaultController);
    if (!defaultControllerCanCloseOrEnqueue(c)) throw new TypeError("The stream is not in a state that permits close");
    defaultControllerClose(c);
  }
  enqueue(chunk = undefined) {
    const c = slot(this, ReadableStreamDefaultController);
    if (!defaultControllerCanCloseOrEnqueue(c)) throw new TypeError("The stream is not in a state that permits enqueue");
    defaultControllerEnqueue(c, chunk);
  }
  error(e = undefined) { defaultControllerError(slot(this, ReadableStreamDefaultController), e); }
}
Object.defineProperty(ReadableStreamDefaultController.prototype, Symbol.toStringTag, { value: "ReadableStreamDefaultController", configurable: true });

// ---------------------------------------------------------------------------
// Byte controller

function setUpByteController(s, start, pull, cancel, hwm, autoAllocateChunkSize) {
  const pub = makeInternal(ReadableByteStreamController);
  const c = {
    byte: true, stream: s, queue: new Queue(), queueTotalSize: 0, started: false, closeRequested: false,
    pullAgain: false, pulling: false, strategyHWM: hwm, pull, cancel, autoAllocateChunkSize,
    pendingPullIntos: [], byobRequest: null, pub,
    cancelSteps: (reason) => byteControllerCancelSteps(c, reason),
    pullSteps: (rr) => byteControllerPullSteps(c, rr),
    releaseSteps: () => byteControllerReleaseSteps(c),
  };
  pub[S] = c;
  s.controller = c;
  const startResult = start(pub);
  react(resolvedWith(startResult), () => {
    c.started = true;
    byteControllerCallPullIfNeeded(c);
  }, (r) => byteControllerError(c, r));
}

function setUpByteControllerFromSource(s, src, dict, hwm) {
  const { start, pull, cancel } = dict;
  const auto = dict.autoAllocateChunkSize;
  if (auto !== undefined && (!Number.isInteger(auto) || auto <= 0)) throw new TypeError("autoAllocateChunkSize must be a positive integer");
  setUpByteController(s,
    start ? (c) => Reflect.apply(start, src, [c]) : () => undefined,
    pull ? (c) => promiseCall(pull, src, c) : resolvedUndefined,
    cancel ? (r) => promiseCall(cancel, src, r) : resolvedUndefined,
    hwm, auto);
}

function byteControllerCallPullIfNeeded(c) {
  if (!byteControllerShouldCallPull(c)) return;
  if (c.pulling) {
    c.pullAgain = true;
    return;
  }
  c.pulling = true;
  react(c.pull(c.pub), () => {
    c.pulling = false;
    if (c.pullAgain) {
      c.pullAgain = false;
      byteControllerCallPullIfNeeded(c);
    }
  }, (e) => byteControllerError(c, e));
}

function byteControllerShouldCallPull(c) {
  const s = c.stream;
  if (s.state !== "readable" || c.closeRequested || !c.started) return false;
  if (hasDefaultReader(s) && numReadRequests(s) > 0) return true;
  if (hasBYOBReader(s) && numReadIntoRequests(s) > 0) return true;
  return byteControllerGetDesiredSize(c) > 0;
}

function byteControllerClearAlgorithms(c) {
  c.pull = undefined;
  c.cancel = undefined;
}

function byteControllerClearPendingPullIntos(c) {
  byteControllerInvalidateBYOBRequest(c);
  c.pendingPullIntos = [];
}

export function byteControllerClose(c) {
  const s = c.stream;
  if (c.closeRequested || s.state !== "readable") return;
  if (c.queueTotalSize > 0) {
    c.closeRequested = true;
    return;
  }
  if (c.pendingPullIntos.length > 0) {
    const first = c.pendingPullIntos[0];
    if (first.bytesFilled % first.elementSize !== 0) {
      const e = new TypeError("Insufficient bytes to fill elements in the given buffer");
      byteControllerError(c, e);
      throw e;
    }
  }
  byteControllerClearAlgorithms(c);
  readableStreamClose(s);
}

function commitPullIntoDescriptor(s, pid) {
  let done = false;
  if (s.state === "closed") done = true;
  const filledView = convertPullIntoDescriptor(pid);
  if (pid.readerType === "default") fulfillReadRequest(s, filledView, done);
  else fulfillReadIntoRequest(s, filledView, done);
}

function convertPullIntoDescriptor(pid) {
  const buffer = transferBuffer(pid.buffer);
  return new pid.viewConstructor(buffer, pid.byteOffset, pid.bytesFilled / pid.elementSize);
}

function enqueueChunkToQueue(c, buffer, byteOffset, byteLength) {
  c.queue.push({ buffer, byteOffset, byteLength });
  c.queueTotalSize += byteLength;
}

function enqueueClonedChunkToQueue(c, buffer, byteOffset, byteLength) {
  let clone;
  try {
    clone = buffer.slice(byteOffset, byteOffset + byteLength);
  } catch (e) {
    byteControllerError(c, e);
    throw e;
  }
  enqueueChunkToQueue(c, clone, 0, byteLength);
}

function enqueueDetachedPullIntoToQueue(c, pid) {
  if (pid.bytesFilled > 0) enqueueClonedChunkToQueue(c, pid.buffer, pid.byteOffset, pid.bytesFilled);
  shiftPendingPullInto(c);
}

export function byteControllerEnqueue(c, chunk) {
  const s = c.stream;
  if (c.closeRequested || s.state !== "readable") return;
  const { buffer, byteOffset, byteLength } = chunk;
  if (isDetached(buffer)) throw new TypeError("The chunk's buffer is detached");
  const transferred = transferBuffer(buffer);
  if (c.pendingPullIntos.length > 0) {
    const first = c.pendingPullIntos[0];
    if (isDetached(first.buffer)) throw new TypeError("The BYOB request's buffer has been detached and so cannot be filled with an enqueued chunk");
    byteControllerInvalidateBYOBRequest(c);
    first.buffer = transferBuffer(first.buffer);
    if (first.readerType === "none") enqueueDetachedPullIntoToQueue(c, first);
  }
  if (hasDefaultReader(s)) {
    processReadRequestsUsingQueue(c);
    if (numReadRequests(s) === 0) {
      enqueueChunkToQueue(c, transferred, byteOffset, byteLength);
    } else {
      if (c.pendingPullIntos.length > 0) shiftPendingPullInto(c);
      fulfillReadRequest(s, new Uint8Array(transferred, byteOffset, byteLength), false);
    }
  } else if (hasBYOBReader(s)) {
    enqueueChunkToQueue(c, transferred, byteOffset, byteLength);
    for (const pid of processPullIntoDescriptorsUsingQueue(c)) commitPullIntoDescriptor(s, pid);
  } else {
    enqueueChunkToQueue(c, transferred, byteOffset, byteLength);
  }
  byteControllerCallPullIfNeeded(c);
}

export function byteControllerError(c, e) {
  const s = c.stream;
  if (s.state !== "readable") return;
  byteControllerClearPendingPullIntos(c);
  c.queue.clear();
  c.queueTotalSize = 0;
  byteControllerClearAlgorithms(c);
  readableStreamError(s, e);
}

function fillPullIntoDescriptorFromQueue(c, pid) {
  const maxBytesToCopy = Math.min(c.queueTotalSize, pid.byteLength - pid.bytesFilled);
  const maxBytesFilled = pid.bytesFilled + maxBytesToCopy;
  let totalBytesToCopyRemaining = maxBytesToCopy;
  let ready = false;
  const maxAlignedBytes = maxBytesFilled - (maxBytesFilled % pid.elementSize);
  if (maxAlignedBytes >= pid.minimumFill) {
    totalBytesToCopyRemaining = maxAlignedBytes - pid.bytesFilled;
    ready = true;
  }
  const dest = new Uint8Array(pid.buffer);
  while (totalBytesToCopyRemaining > 0) {
    const head = c.queue.peek();
    const bytesToCopy = Math.min(totalBytesToCopyRemaining, head.byteLength);
    const destStart = pid.byteOffset + pid.bytesFilled;
    dest.set(new Uint8Array(head.buffer, head.byteOffset, bytesToCopy), destStart);
    if (head.byteLength === bytesToCopy) {
      c.queue.shift();
    } else {
      head.byteOffset += bytesToCopy;
      head.byteLength -= bytesToCopy;
    }
    c.queueTotalSize -= bytesToCopy;
    pid.bytesFilled += bytesToCopy;
    totalBytesToCopyRemaining -= bytesToCopy;
  }
  return ready;
}

function fillReadRequestFromQueue(c, readRequest) {
  const entry = c.queue.shift();
  c.queueTotalSize -= entry.byteLength;
  byteControllerHandleQueueDrain(c);
  readRequest.chunk(new Uint8Array(entry.buffer, entry.byteOffset, entry.byteLength));
}

function byteControllerGetBYOBRequest(c) {
  if (c.byobRequest === null && c.pendingPullIntos.length > 0) {
    const first = c.pendingPullIntos[0];
    const view = new Uint8Array(first.buffer, first.byteOffset + first.bytesFilled, first.byteLength - first.bytesFilled);
    const req = makeInternal(ReadableStreamBYOBRequest);
    req[S] = { controller: c, view };
    c.byobRequest = req;
  }
  return c.byobRequest;
}

export function byteControllerGetDesiredSize(c) {
  const state = c.stream.state;
  if (state === "errored") return null;
  if (state === "closed") return 0;
  return c.strategyHWM - c.queueTotalSize;
}

export function byteControllerHasBackpressure(c) {
  return !byteControllerShouldCallPull(c);
}

function byteControllerHandleQueueDrain(c) {
  if (c.queueTotalSize === 0 && c.closeRequested) {
    byteControllerClearAlgorithms(c);
    readableStreamClose(c.stream);
  } else {
    byteControllerCallPullIfNeeded(c);
  }
}

function byteControllerInvalidateBYOBRequest(c) {
  if (c.byobRequest === null) return;
  c.byobRequest[S].controller = undefined;
  c.byobRequest[S].view = null;
  c.byobRequest = null;
}

function processPullIntoDescriptorsUsingQueue(c) {
  const filled = [];
  while (c.pendingPullIntos.length > 0) {
    if (c.queueTotalSize === 0) break;
    const pid = c.pendingPullIntos[0];
    if (fillPullIntoDescriptorFromQueue(c, pid)) {
      shiftPendingPullInto(c);
      filled.push(pid);
    } else {
      break;
    }
  }
  return filled;
}

function processReadRequestsUsingQueue(c) {
  const reader = c.stream.reader;
  while (reader.readRequests.length > 0) {
    if (c.queueTotalSize === 0) return;
    fillReadRequestFromQueue(c, reader.readRequests.shift());
  }
}

function byteControllerPullInto(c, view, min, readIntoRequest) {
  const s = c.stream;
  let elementSize = 1;
  let ctor = DataView;
  if (!(view instanceof DataView)) {
    elementSize = view.BYTES_PER_ELEMENT;
    ctor = view.constructor;
  }
  const minimumFill = min * elementSize;
  const byteOffset = view.byteOffset;
  const byteLength = view.byteLength;
  let buffer;
  try {
    buffer = transferBuffer(view.buffer);
  } catch (e) {
    readIntoRequest.error(e);
    return;
  }
  const pid = {
    buffer, bufferByteLength: buffer.byteLength, byteOffset, byteLength, bytesFilled: 0,
    minimumFill, elementSize, viewConstructor: ctor, readerType: "byob",
  };
  if (c.pendingPullIntos.length > 0) {
    c.pendingPullIntos.push(pid);
    s.reader.readIntoRequests.push(readIntoRequest);
    return;
  }
  if (s.state === "closed") {
    readIntoRequest.close(new ctor(pid.buffer, pid.byteOffset, 0));
    return;
  }
  if (c.queueTotalSize > 0) {
    if (fillPullIntoDescriptorFromQueue(c, pid)) {
      const filledView = convertPullIntoDescriptor(pid);
      byteControllerHandleQueueDrain(c);
      readIntoRequest.chunk(filledView);
      return;
    }
    if (c.closeRequested) {
      const e = new TypeError("Insufficient bytes to fill elements in the given buffer");
      byteControllerError(c, e);
      readIntoRequest.error(e);
      return;
    }
  }
  c.pendingPullIntos.push(pid);
  s.reader.readIntoRequests.push(readIntoRequest);
  byteControllerCallPullIfNeeded(c);
}

export function byteControllerRespond(c, bytesWritten) {
  const first = c.pendingPullIntos[0];
  const state = c.stream.state;
  if (state === "closed") {
    if (bytesWritten !== 0) throw new TypeError("bytesWritten must be 0 when calling respond() on a closed stream");
  } else {
    if (bytesWritten === 0) throw new TypeError("bytesWritten must be greater than 0 when calling respond() on a readable stream");
    if (first.bytesFilled + bytesWritten > first.byteLength) throw new RangeError("bytesWritten out of range");
  }
  first.buffer = transferBuffer(first.buffer);
  byteControllerRespondInternal(c, bytesWritten);
}

function byteControllerRespondInClosedState(c, first) {
  if (first.readerType === "none") shiftPendingPullInto(c);
  const s = c.stream;
  if (hasBYOBReader(s)) {
    while (numReadIntoRequests(s) > 0) commitPullIntoDescriptor(s, shiftPendingPullInto(c));
  }
}

function byteControllerRespondInReadableState(c, bytesWritten, pid) {
  pid.bytesFilled += bytesWritten;
  if (pid.readerType === "none") {
    enqueueDetachedPullIntoToQueue(c, pid);
    for (const p of processPullIntoDescriptorsUsingQueue(c)) commitPullIntoDescriptor(c.stream, p);
    return;
  }
  if (pid.bytesFilled < pid.minimumFill) return;
  shiftPendingPullInto(c);
  const remainder = pid.bytesFilled % pid.elementSize;
  if (remainder > 0) {
    const end = pid.byteOffset + pid.bytesFilled;
    enqueueClonedChunkToQueue(c, pid.buffer, end - remainder, remainder);
  }
  pid.bytesFilled -= remainder;
  const filled = processPullIntoDescriptorsUsingQueue(c);
  commitPullIntoDescriptor(c.stream, pid);
  for (const p of filled) commitPullIntoDescriptor(c.stream, p);
}

function byteControllerRespondInternal(c, bytesWritten) {
  const first = c.pendingPullIntos[0];
  byteControllerInvalidateBYOBRequest(c);
  if (c.stream.state === "closed") byteControllerRespondInClosedState(c, first);
  else byteControllerRespondInReadableState(c, bytesWritten, first);
  byteControllerCallPullIfNeeded(c);
}

function byteControllerRespondWithNewView(c, view) {
  const first = c.pendingPullIntos[0];
  if (c.stream.state === "closed") {
    if (view.byteLength !== 0) throw new TypeError("The view's length must be 0 when calling respondWithNewView() on a closed stream");
  } else if (view.byteLength === 0) {
    throw new TypeError("The view's length must be greater than 0 when calling respondWithNewView() on a readable stream");
  }
  if (first.byteOffset + first.bytesFilled !== view.byteOffset) throw new RangeError("The region specified by view does not match byobRequest");
  if (first.bufferByteLength !== view.buffer.byteLength) throw new RangeError("The buffer of view has different capacity than byobRequest");
  if (first.bytesFilled + view.byteLength > first.byteLength) throw new RangeError("The region specified by view is larger than byobRequest");
  const n = view.byteLength;
  first.buffer = transferBuffer(view.buffer);
  byteControllerRespondInternal(c, n);
}

function shiftPendingPullInto(c) {
  return c.pendingPullIntos.shift();
}

function byteControllerCancelSteps(c, reason) {
  byteControllerClearPendingPullIntos(c);
  c.queue.clear();
  c.queueTotalSize = 0;
  const result = c.cancel(reason);
  byteControllerClearAlgorithms(c);
  return result;
}

function byteControllerPullSteps(c, readRequest) {
  const s = c.stream;
  if (c.queueTotalSize > 0) {
    fillReadRequestFromQueue(c, readRequest);
    return;
  }
  const auto = c.autoAllocateChunkSize;
  if (auto !== undefined) {
    let buffer;
    try {
      buffer = new ArrayBuffer(auto);
    } catch (e) {
      readRequest.error(e);
      return;
    }
    c.pendingPullIntos.push({
      buffer, bufferByteLength: auto, byteOffset: 0, byteLength: auto, bytesFilled: 0,
      minimumFill: 1, elementSize: 1, viewConstructor: Uint8Array, readerType: "default",
    });
  }
  s.reader.readRequests.push(readRequest);
  byteControllerCallPullIfNeeded(c);
}

function byteControllerReleaseSteps(c) {
  if (c.pendingPullIntos.length > 0) {
    const first = c.pendingPullIntos[0];
    first.readerType = "none";
    c.pendingPullIntos = [first];
  }
}

export class ReadableByteStreamController {
  constructor() {
    if (!internalConstruct) illegalConstructor();
  }
  get byobRequest() { return byteControllerGetBYOBRequest(slot(this, ReadableByteStreamController)); }
  get desiredSize() { return byteControllerGetDesiredSize(slot(this, ReadableByteStreamController)); }
  close() {
    const c = slot(this, ReadableByteStreamController);
    if (c.closeRequested) throw new TypeError("The stream has already been closed.");
    if (c.stream.state !== "readable") throw new TypeError(`The stream (in ${c.stream.state} state) is not in the readable state and cannot be closed`);
    byteControllerClose(c);
  }
  enqueue(chunk) {
    const c = slot(this, ReadableByteStreamController);
    if (!ArrayBuffer.isView(chunk)) throw new TypeError("Failed to execute 'enqueue' on 'ReadableByteStreamController': parameter 1 is not of type 'ArrayBufferView'.");
    if (chunk.byteLength === 0) throw new TypeError("chunk must have non-zero byteLength");
    if (chunk.buffer.byteLength === 0) throw new TypeError("chunk's buffer must have non-zero byteLength");
    if (c.closeRequested) throw new TypeError("The stream is closed or draining");
    if (c.stream.state !== "readable") throw new TypeError(`The stream (in ${c.stream.state} state) is not in the readable state and cannot be enqueued to`);
    byteControllerEnqueue(c, chunk);
  }
  error(e = undefined) { byteControllerError(slot(this, ReadableByteStreamController), e); }
}
Object.defineProperty(ReadableByteStreamController.prototype, Symbol.toStringTag, { value: "ReadableByteStreamController", configurable: true });

export class ReadableStreamBYOBRequest {
  constructor() {
    if (!internalConstruct) illegalConstructor();
  }
  get view() { return slot(this, ReadableStreamBYOBRequest).view; }
  respond(bytesWritten) {
    const r = slot(this, ReadableStreamBYOBRequest);
    const n = Number(bytesWritten);
    if (!Number.isFinite(n) || n < 0) throw new TypeError("bytesWritten must be a non-negative number");
    if (r.controller === undefined) throw new TypeError("This BYOB request has been invalidated");
    if (isDetached(r.view.buffer)) throw new TypeError("The BYOB request's buffer has been detached and so cannot be used as a response");
    byteControllerRespond(r.controller, Math.trunc(n));
  }
  respondWithNewView(view) {
    const r = slot(this, ReadableStreamBYOBRequest);
    if (!ArrayBuffer.isView(view)) throw new TypeError("Failed to execute 'respondWithNewView' on 'ReadableStreamBYOBRequest': parameter 1 is not of type 'ArrayBufferView'.");
    if (r.controller === undefined) throw new TypeError("This BYOB request has been invalidated");
    if (isDetached(view.buffer)) throw new TypeError("The given view's buffer has been detached and so cannot be used as a response");
    byteControllerRespondWithNewView(r.controller, view);
  }
}
Object.defineProperty(ReadableStreamBYOBRequest.prototype, Symbol.toStringTag, { value: "ReadableStreamBYOBRequest", configurable: true });

// ---------------------------------------------------------------------------
// Readers

function readerGenericInitialize(r, s) {
  r.stream = s;
  s.reader = r;
  r.closed = deferred();
  if (s.state === "closed") {
    r.closed.resolve(undefined);
  } else if (s.state === "errored") {
    r.closed.reject(s.storedError);
    markHandled(r.closed.promise);
  }
}

function readerGenericRelease(r) {
  const s = r.stream;
  const err = new TypeError("Reader was released and can no longer be used to monitor the stream's closedness");
  if (s.state === "readable") {
    r.closed.reject(err);
  } else {
    r.closed = deferred();
    r.closed.reject(err);
  }
  markHandled(r.closed.promise);
  s.controller.releaseSteps();
  s.reader = undefined;
  r.stream = undefined;
}

export function acquireDefaultReader(s) {
  const pub = makeInternal(ReadableStreamDefaultReader);
  setUpDefaultReader(pub, s);
  return pub[S];
}

function setUpDefaultReader(pub, s) {
  if (isReadableStreamLocked(s)) throw new TypeError("ReadableStreamDefaultReader constructor can only accept readable streams that are not yet locked to a reader");
  const r = { byob: false, stream: undefined, closed: undefined, readRequests: [], pub };
  pub[S] = r;
  readerGenericInitialize(r, s);
}

export function defaultReaderRead(r, readRequest) {
  const s = r.stream;
  s.disturbed = true;
  if (s.state === "closed") readRequest.close();
  else if (s.state === "errored") readRequest.error(s.storedError);
  else s.controller.pullSteps(readRequest);
}

export function defaultReaderRelease(r) {
  readerGenericRelease(r);
  const e = new TypeError("Reader was released");
  const reqs = r.readRequests;
  r.readRequests = [];
  for (const q of reqs) q.error(e);
}

// Promise-returning read used by platform code (bodies, pipes).
export function readerReadPromise(r) {
  return new Promise((resolve, reject) => {
    defaultReaderRead(r, {
      chunk: (value) => resolve({ value, done: false }),
      close: () => resolve({ value: undefined, done: true }),
      error: reject,
    });
  });
}

export class ReadableStreamDefaultReader {
  constructor(stream) {
    if (internalConstruct) return;
    if (!isReadableStream(stream)) throw new TypeError("Failed to construct 'ReadableStreamDefaultReader': parameter 1 is not of type 'ReadableStream'.");
    setUpDefaultReader(this, stream[S]);
  }
  get closed() {
    const r = brandOf(this, ReadableStreamDefaultReader);
    return r === undefined ? rejectBrand(ReadableStreamDefaultReader) : r.closed.promise;
  }
  cancel(reason = undefined) {
    const r = brandOf(this, ReadableStreamDefaultReader);
    if (r === undefined) return rejectBrand(ReadableStreamDefaultReader);
    if (r.stream === undefined) return Promise.reject(new TypeError("This readable stream reader has been released and cannot be used to cancel its previous owner stream"));
    return readableStreamCancel(r.stream, reason);
  }
  read() {
    const r = brandOf(this, ReadableStreamDefaultReader);
    if (r === undefined) return rejectBrand(ReadableStreamDefaultReader);
    if (r.stream === undefined) return Promise.reject(new TypeError("This readable stream reader has been released and cannot be used to read from its previous owner stream"));
    return readerReadPromise(r);
  }
  releaseLock() {
    const r = slot(this, ReadableStreamDefaultReader);
    if (r.stream === undefined) return;
    defaultReaderRelease(r);
  }
}
Object.defineProperty(ReadableStreamDefaultReader.prototype, Symbol.toStringTag, { value: "ReadableStreamDefaultReader", configurable: true });

function setUpBYOBReader(pub, s) {
  if (isReadableStreamLocked(s)) throw new TypeError("ReadableStreamBYOBReader constructor can only accept readable streams that are not yet locked to a reader");
  if (!s.controller.byte) throw new TypeError("Cannot construct a ReadableStreamBYOBReader for a stream not constructed with a byte source");
  const r = { byob: true, stream: undefined, closed: undefined, readIntoRequests: [], pub };
  pub[S] = r;
  readerGenericInitialize(r, s);
}

function acquireBYOBReader(s) {
  const pub = makeInternal(ReadableStreamBYOBReader);
  setUpBYOBReader(pub, s);
  return pub[S];
}

// ReadableStreamBYOBReaderRead
function byobReaderRead(r, view, min, readIntoRequest) {
  const s = r.stream;
  s.disturbed = true;
  if (s.state === "errored") readIntoRequest.error(s.storedError);
  else byteControllerPullInto(s.controller, view, min, readIntoRequest);
}

// ReadableStreamBYOBReaderRelease
function byobReaderRelease(r) {
  readerGenericRelease(r);
  const e = new TypeError("Reader was released");
  const reqs = r.readIntoRequests;
  r.readIntoRequests = [];
  for (const q of reqs) q.error(e);
}

export class ReadableStreamBYOBReader {
  constructor(stream) {
    if (internalConstruct) return;
    if (!isReadableStream(stream)) throw new TypeError("Failed to construct 'ReadableStreamBYOBReader': parameter 1 is not of type 'ReadableStream'.");
    setUpBYOBReader(this, stream[S]);
  }
  get closed() {
    const r = brandOf(this, ReadableStreamBYOBReader);
    return r === undefined ? rejectBrand(ReadableStreamBYOBReader) : r.closed.promise;
  }
  cancel(reason = undefined) {
    const r = brandOf(this, ReadableStreamBYOBReader);
    if (r === undefined) return rejectBrand(ReadableStreamBYOBReader);
    if (r.stream === undefined) return Promise.reject(new TypeError("This readable stream reader has been released and cannot be used to cancel its previous owner stream"));
    return readableStreamCancel(r.stream, reason);
  }
  read(view, options = undefined) {
    const r = brandOf(this, ReadableStreamBYOBReader);
    if (r === undefined) return rejectBrand(ReadableStreamBYOBReader);
    if (!ArrayBuffer.isView(view)) return Promise.reject(new TypeError("Failed to execute 'read' on 'ReadableStreamBYOBReader': parameter 1 is not of type 'ArrayBufferView'."));
    if (view.byteLength === 0) return Promise.reject(new TypeError("view must have non-zero byteLength"));
    if (view.buffer.byteLength === 0) return Promise.reject(new TypeError("view's buffer must have non-zero byteLength"));
    if (isDetached(view.buffer)) return Promise.reject(new TypeError("view's buffer has been detached"));
    let min = 1;
    if (options?.min !== undefined) {
      min = Number(options.min);
      if (!Number.isFinite(min)) return Promise.reject(new TypeError("options.min must be a finite number"));
      min = Math.trunc(min);
      // [EnforceRange] unsigned long long
      if (min < 0 || min > Number.MAX_SAFE_INTEGER) return Promise.reject(new TypeError("options.min is outside the range of an unsigned long long"));
    }
    if (min === 0) return Promise.reject(new TypeError("options.min must be greater than 0"));
    if (!(view instanceof DataView)) {
      if (min > view.length) return Promise.reject(new RangeError("options.min must be less than or equal to view's length"));
    } else if (min > view.byteLength) {
      return Promise.reject(new RangeError("options.min must be less than or equal to view's byteLength"));
    }
    if (r.stream === undefined) return Promise.reject(new TypeError("This readable stream reader has been released and cannot be used to read from its previous owner stream"));
    return new Promise((resolve, reject) => {
      byobReaderRead(r, view, min, {
        chunk: (value) => resolve({ value, done: false }),
        close: (value) => resolve({ value, done: true }),
        error: reject,
      });
    });
  }
  // Workers' extension: read(view, { min }) counted in bytes.
  readAtLeast(minBytes, view) {
    if (!ArrayBuffer.isView(view)) return Promise.reject(new TypeError("readAtLeast: view must be an ArrayBufferView"));
    const size = view instanceof DataView ? 1 : view.BYTES_PER_ELEMENT;
    const n = Number(minBytes);
    if (!Number.isInteger(n) || n <= 0) return Promise.reject(new TypeError("readAtLeast: minBytes must be a positive integer"));
    return this.read(view, { min: Math.ceil(n / size) });
  }
  releaseLock() {
    const r = slot(this, ReadableStreamBYOBReader);
    if (r.stream === undefined) return;
    byobReaderRelease(r);
  }
}
Object.defineProperty(ReadableStreamBYOBReader.prototype, Symbol.toStringTag, { value: "ReadableStreamBYOBReader", configurable: true });

// ---------------------------------------------------------------------------
// Tee. A default stream tees into two default streams (ReadableStreamDefaultTee);
// a byte stream into two byte streams (ReadableByteStreamTee), which forwards
// a branch's BYOB read to the source as a BYOB read and copies each chunk to
// the other branch.

export function readableStreamTee(s, cloneForBranch2) {
  if (s.controller.byte) return readableByteStreamTee(s);
  const reader = acquireDefaultReader(s);
  let reading = false;
  let readAgain = false;
  let canceled1 = false;
  let canceled2 = false;
  let reason1;
  let reason2;
  let branch1;
  let branch2;
  const cancelPromise = deferred();
  const enqueue = (b, chunk) => defaultControllerEnqueue(b[S].controller, chunk);
  const close = (b) => defaultControllerClose(b[S].controller);
  const error = (b, e) => defaultControllerError(b[S].controller, e);
  const pull = () => {
    if (reading) {
      readAgain = true;
      return Promise.resolve(undefined);
    }
    reading = true;
    defaultReaderRead(reader, {
      chunk: (value) => {
        queueMicrotask(() => {
          readAgain = false;
          let chunk1 = value;
          let chunk2 = value;
          if (!canceled2 && cloneForBranch2) {
            try {
              chunk2 = structuredClone(value);
            } catch (e) {
              error(branch1, e);
              error(branch2, e);
              cancelPromise.resolve(readableStreamCancel(s, e));
              return;
            }
          }
          if (!canceled1) enqueue(branch1, chunk1);
          if (!canceled2) enqueue(branch2, chunk2);
          chunk1 = chunk2 = undefined;
          reading = false;
          if (readAgain) pull();
        });
      },
      close: () => {
        reading = false;
        if (!canceled1) close(branch1);
        if (!canceled2) close(branch2);
        if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
      },
      error: () => {
        reading = false;
      },
    });
    return Promise.resolve(undefined);
  };
  const cancel1 = (reason) => {
    canceled1 = true;
    reason1 = reason;
    if (canceled2) cancelPromise.resolve(readableStreamCancel(s, [reason1, reason2]));
    return cancelPromise.promise;
  };
  const cancel2 = (reason) => {
    canceled2 = true;
    reason2 = reason;
    if (canceled1) cancelPromise.resolve(readableStreamCancel(s, [reason1, reason2]));
    return cancelPromise.promise;
  };
  const start = () => undefined;
  branch1 = createReadableStream(start, pull, cancel1);
  branch2 = createReadableStream(start, pull, cancel2);
  react(reader.closed.promise, undefined, (r) => {
    error(branch1, r);
    error(branch2, r);
    if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
  });
  return [branch1, branch2];
}

// CloneAsUint8Array
function cloneAsUint8Array(view) {
  return new Uint8Array(view.buffer.slice(view.byteOffset, view.byteOffset + view.byteLength));
}

// ReadableByteStreamTee
function readableByteStreamTee(s) {
  let reader = acquireDefaultReader(s);
  let reading = false;
  let readAgainForBranch1 = false;
  let readAgainForBranch2 = false;
  let canceled1 = false;
  let canceled2 = false;
  let reason1;
  let reason2;
  let branch1;
  let branch2;
  const cancelPromise = deferred();
  const ctl = (b) => b[S].controller;
  const forwardReaderError = (thisReader) => {
    react(thisReader.closed.promise, undefined, (r) => {
      if (thisReader !== reader) return;
      byteControllerError(ctl(branch1), r);
      byteControllerError(ctl(branch2), r);
      if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
    });
  };
  const cloneFailed = (e) => {
    byteControllerError(ctl(branch1), e);
    byteControllerError(ctl(branch2), e);
    cancelPromise.resolve(readableStreamCancel(s, e));
  };
  const readAgain = () => {
    if (readAgainForBranch1) pull1();
    else if (readAgainForBranch2) pull2();
  };
  const pullWithDefaultReader = () => {
    if (reader.byob) {
      byobReaderRelease(reader);
      reader = acquireDefaultReader(s);
      forwardReaderError(reader);
    }
    defaultReaderRead(reader, {
      chunk: (chunk) => {
        queueMicrotask(() => {
          readAgainForBranch1 = false;
          readAgainForBranch2 = false;
          const chunk1 = chunk;
          let chunk2 = chunk;
          if (!canceled1 && !canceled2) {
            try {
              chunk2 = cloneAsUint8Array(chunk);
            } catch (e) {
              cloneFailed(e);
              return;
            }
          }
          if (!canceled1) byteControllerEnqueue(ctl(branch1), chunk1);
          if (!canceled2) byteControllerEnqueue(ctl(branch2), chunk2);
          reading = false;
          readAgain();
        });
      },
      close: () => {
        reading = false;
        if (!canceled1) byteControllerClose(ctl(branch1));
        if (!canceled2) byteControllerClose(ctl(branch2));
        if (ctl(branch1).pendingPullIntos.length > 0) byteControllerRespond(ctl(branch1), 0);
        if (ctl(branch2).pendingPullIntos.length > 0) byteControllerRespond(ctl(branch2), 0);
        if (!canceled1 || !canceled2) cancelPromise.resolve(undefined);
      },
      error: () => {
        reading = false;
      },
    });
  };
  const pullWithBYOBReader = (view, forBranch2) => {
    if (!reader.byob) {
      defaultReaderRelease(reader);
      reader = acquireBYOBReader(s);
      forwardReaderError(reader);
    }
    const byobBranch = forBranch2 ? branch2 : branch1;
    const otherBranch = forBranch2 ? branch1 : branch2;
    byobReaderRead(reader, view, 1, {
      chunk: (chunk) => {
        queueMicrotask(() => {
          readAgainForBranch1 = false;
          readAgainForBranch2 = false;
          const byobCanceled = forBranch2 ? canceled2 : canceled1;
          const otherCanceled = forBranch2 ? canceled1 : canceled2;
          if (!otherCanceled) {
            let cloned;
            try {
              cloned = cloneAsUint8Array(chunk);
            } catch (e) {
              cloneFailed(e);
              return;
            }
            if (!byobCanceled) byteControllerRespondWithNewView(ctl(byobBranch), chunk);
            byteControllerEnqueue(ctl(otherBranch), cloned);
          } else if (!byobCanceled) {
            byteControllerRespondWithNewView(ctl(byobBranch), chunk);
          }
          reading = false;
          readAgain();
        });
      },
      close: (chunk) => {
        reading = false;
        const byobCanceled = forBranch2 ? canceled2 : canceled1;
        const otherCanceled = forBranch2 ? canceled1 : canceled2;
        if (!byobCanceled) byteControllerClose(ctl(byobBranch));
        if (!otherCanceled) byteControllerClose(ctl(otherBranch));
        if (chunk !== undefined) {
          if (!byobCanceled) byteControllerRespondWithNewView(ctl(byobBranch), chunk);
          if (!otherCanceled && ctl(otherBranch).pendingPullIntos.length > 0) byteControllerRespond(ctl(otherBranch), 0);
        }
        if (!byobCanceled || !otherCanceled) cancelPromise.resolve(undefined);
      },
      error: () => {
        reading = false;
      },
    });
  };
  const pull = (branch, forBranch2) => {
    if (reading) {
      if (forBranch2) readAgainForBranch2 = true;
      else readAgainForBranch1 = true;
      return resolvedUndefined();
    }
    reading = true;
    const req = byteControllerGetBYOBRequest(ctl(branch));
    if (req === null) pullWithDefaultReader();
    else pullWithBYOBReader(req[S].view, forBranch2);
    return resolvedUndefined();
  };
  const pull1 = () => pull(branch1, false);
  const pull2 = () => pull(branch2, true);
  const cancel1 = (reason) => {
    canceled1 = true;
    reason1 = reason;
    if (canceled2) cancelPromise.resolve(readableStreamCancel(s, [reason1, reason2]));
    return cancelPromise.promise;
  };
  const cancel2 = (reason) => {
    canceled2 = true;
    reason2 = reason;
    if (canceled1) cancelPromise.resolve(readableStreamCancel(s, [reason1, reason2]));
    return cancelPromise.promise;
  };
  const start = () => undefined;
  branch1 = createReadableByteStream(start, pull1, cancel1);
  branch2 = createReadableByteStream(start, pull2, cancel2);
  forwardReaderError(reader);
  return [branch1, branch2];
}

// ---------------------------------------------------------------------------
// Async iteration

const AsyncIteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf(async function* () {}).prototype);
const kIter = Symbol("#iter");

const ReadableStreamAsyncIteratorPrototype = Object.create(AsyncIteratorPrototype, {
  next: {
    value: function next() {
      const it = this[kIter];
      if (!it) return Promise.reject(new TypeError("next() called on an object that is not a ReadableStream async iterator"));
      const run = () => {
        if (it.reader === undefined) return Promise.resolve({ value: undefined, done: true });
        return readerReadPromise(it.reader).then((res) => {
          if (res.done) {
            defaultReaderRelease(it.reader);
            it.reader = undefined;
          }
          return res;
        }, (e) => {
          defaultReaderRelease(it.reader);
          it.reader = undefined;
          throw e;
        });
      };
      it.ongoing = it.ongoing ? it.ongoing.then(run, run) : run();
      return it.ongoing;
    },
    writable: true, configurable: true, enumerable: true,
  },
  return: {
    // A method definition, so the function is named "return".
    value: { return(value) {
      const it = this[kIter];
      if (!it) return Promise.reject(new TypeError("return() called on an object that is not a ReadableStream async iterator"));
      const run = () => {
        const r = it.reader;
        if (r === undefined) return Promise.resolve({ value, done: true });
        it.reader = undefined;
        if (!it.preventCancel) {
          const result = readableStreamCancel(r.stream, value);
          defaultReaderRelease(r);
          return result.then(() => ({ value, done: true }));
        }
        defaultReaderRelease(r);
        return Promise.resolve({ value, done: true });
      };
      it.ongoing = it.ongoing ? it.ongoing.then(run, run) : run();
      return it.ongoing;
    } }.return,
    writable: true, configurable: true, enumerable: true,
  },
  [Symbol.toStringTag]: { value: "ReadableStream AsyncIterator", configurable: true },
});

// ---------------------------------------------------------------------------
// ReadableStream

export class ReadableStream {
  constructor(underlyingSource = undefined, strategy = undefined) {
    if (underlyingSource !== undefined && underlyingSource !== null && typeof underlyingSource !== "object" && typeof underlyingSource !== "function") {
      throw new TypeError("Failed to construct 'ReadableStream': The provided value is not of type 'UnderlyingSource'.");
    }
    // Web IDL order: the strategy argument, then the source's members.
    const strat = queuingStrategy(strategy, "ReadableStream");
    const src = underlyingSource ?? undefined;
    const dict = underlyingSourceDict(src);
    const s = initStreamRecord(this);
    if (dict.type === "bytes") {
      if (strat.size !== undefined) throw new RangeError("The strategy for a byte stream cannot have a size function");
      setUpByteControllerFromSource(s, src, dict, extractHighWaterMark(strat, 0));
    } else {
      const size = extractSizeAlgorithm(strat);
      setUpDefaultControllerFromSource(s, src, dict, extractHighWaterMark(strat, 1), size);
    }
  }
  get locked() { return isReadableStreamLocked(slot(this, ReadableStream)); }
  cancel(reason = undefined) {
    const s = brandOf(this, ReadableStream);
    if (s === undefined) return rejectBrand(ReadableStream);
    if (isReadableStreamLocked(s)) return Promise.reject(new TypeError("Cannot cancel a stream that already has a reader"));
    return readableStreamCancel(s, reason);
  }
  getReader(options = undefined) {
    if (options !== undefined && options !== null && typeof options !== "object" && typeof options !== "function") {
      throw new TypeError("Failed to execute 'getReader' on 'ReadableStream': The provided value is not of type 'ReadableStreamGetReaderOptions'.");
    }
    const mode = options?.mode;
    if (mode === undefined) {
      const r = makeInternal(ReadableStreamDefaultReader);
      setUpDefaultReader(r, slot(this, ReadableStream));
      return r;
    }
    if (String(mode) !== "byob") throw new TypeError(`Failed to execute 'getReader' on 'ReadableStream': The provided value '${mode}' is not a valid enum value of type ReadableStreamReaderMode.`);
    const r = makeInternal(ReadableStreamBYOBReader);
    setUpBYOBReader(r, slot(this, ReadableStream));
    return r;
  }
  pipeThrough(transform, options = undefined) {
    const s = slot(this, ReadableStream);
    // ReadableWritablePair: each member is read, then checked, in order.
    if (transform === null || (typeof transform !== "object" && typeof transform !== "function")) {
      throw new TypeError("Failed to execute 'pipeThrough' on 'ReadableStream': parameter 1 is not of type 'ReadableWritablePair'.");
    }
    const readable = transform.readable;
    if (!isReadableStream(readable)) throw new TypeError("Failed to execute 'pipeThrough' on 'ReadableStream': transform.readable is not a ReadableStream");
    const writable = transform.writable;
    if (!isWritableStream(writable)) throw new TypeError("Failed to execute 'pipeThrough' on 'ReadableStream': transform.writable is not a WritableStream");
    const opts = pipeOptions(options, "pipeThrough");
    if (isReadableStreamLocked(s)) throw new TypeError("Cannot pipe a locked stream");
    if (isWritableStreamLocked(writable)) throw new TypeError("Cannot pipe to a locked stream");
    markHandled(readableStreamPipeTo(s, writable, opts.preventClose, opts.preventAbort, opts.preventCancel, opts.signal));
    return readable;
  }
  pipeTo(destination, options = undefined) {
    const s = brandOf(this, ReadableStream);
    if (s === undefined) return rejectBrand(ReadableStream);
    if (!isWritableStream(destination)) return Promise.reject(new TypeError("Failed to execute 'pipeTo' on 'ReadableStream': parameter 1 is not of type 'WritableStream'."));
    let opts;
    try {
      opts = pipeOptions(options, "pipeTo");
    } catch (e) {
      return Promise.reject(e);
    }
    if (isReadableStreamLocked(s)) return Promise.reject(new TypeError("Cannot pipe a locked stream"));
    if (isWritableStreamLocked(destination)) return Promise.reject(new TypeError("Cannot pipe to a locked stream"));
    return readableStreamPipeTo(s, destination, opts.preventClose, opts.preventAbort, opts.preventCancel, opts.signal);
  }
  tee() {
    return readableStreamTee(slot(this, ReadableStream), false);
  }
  values(options = undefined) {
    const reader = acquireDefaultReader(slot(this, ReadableStream));
    const it = Object.create(ReadableStreamAsyncIteratorPrototype);
    it[kIter] = { reader, preventCancel: !!options?.preventCancel, ongoing: null };
    return it;
  }
  static from(asyncIterable) {
    return readableStreamFromIterable(asyncIterable);
  }
}
Object.defineProperty(ReadableStream.prototype, Symbol.asyncIterator, {
  value: ReadableStream.prototype.values, writable: true, configurable: true, enumerable: false,
});
Object.defineProperty(ReadableStream.prototype, Symbol.toStringTag, { value: "ReadableStream", configurable: true });

// StreamPipeOptions as Web IDL converts it: members read in lexicographic
// order (preventAbort, preventCancel, preventClose, signal).
function pipeOptions(options, method) {
  if (options !== undefined && options !== null && typeof options !== "object" && typeof options !== "function") {
    throw new TypeError(`Failed to execute '${method}' on 'ReadableStream': The provided value is not of type 'StreamPipeOptions'.`);
  }
  const preventAbort = !!options?.preventAbort;
  const preventCancel = !!options?.preventCancel;
  const preventClose = !!options?.preventClose;
  const signal = options?.signal;
  if (signal !== undefined && !isAbortSignal(signal)) {
    throw new TypeError(`Failed to execute '${method}' on 'ReadableStream': member signal is not of type AbortSignal.`);
  }
  return { preventClose, preventAbort, preventCancel, signal };
}

function readableStreamFromIterable(asyncIterable) {
  // Web IDL's async_sequence conversion: only objects (so not strings).
  if (asyncIterable === null || (typeof asyncIterable !== "object" && typeof asyncIterable !== "function")) {
    throw new TypeError("ReadableStream.from: the argument is not an async iterable object");
  }
  let iterator;
  let nextMethod;
  const asyncMethod = asyncIterable?.[Symbol.asyncIterator];
  if (asyncMethod !== undefined && asyncMethod !== null) {
    iterator = asyncMethod.call(asyncIterable);
  } else {
    const syncMethod = asyncIterable?.[Symbol.iterator];
    if (typeof syncMethod !== "function") throw new TypeError("ReadableStream.from: the argument is not async iterable");
    const syncIterator = syncMethod.call(asyncIterable);
    if (syncIterator === null || typeof syncIterator !== "object") throw new TypeError("ReadableStream.from: the iterator is not an object");
    const syncNext = syncIterator.next;
    // CreateAsyncFromSyncIterator: values that are promises are awaited.
    iterator = {
      next: () => {
        const r = syncNext.call(syncIterator);
        return Promise.resolve(r.value).then((value) => ({ value, done: !!r.done }));
      },
      return: typeof syncIterator.return === "function"
        ? (v) => Promise.resolve(syncIterator.return(v))
        : undefined,
    };
  }
  if (iterator === null || typeof iterator !== "object") throw new TypeError("ReadableStream.from: the iterator is not an object");
  nextMethod = iterator.next;
  let stream;
  const pull = () => {
    let result;
    try {
      result = nextMethod.call(iterator);
    } catch (e) {
      return Promise.reject(e);
    }
    return Promise.resolve(result).then((r) => {
      if (r === null || typeof r !== "object") throw new TypeError("The promise returned by the iterator.next() method must fulfill with an object");
      if (r.done) defaultControllerClose(stream[S].controller);
      else defaultControllerEnqueue(stream[S].controller, r.value);
    });
  };
  const cancel = (reason) => {
    let ret;
    try {
      ret = iterator.return;
    } catch (e) {
      return Promise.reject(e);
    }
    if (ret === undefined || ret === null) return Promise.resolve(undefined);
    let result;
    try {
      result = ret.call(iterator, reason);
    } catch (e) {
      return Promise.reject(e);
    }
    return Promise.resolve(result).then((r) => {
      if (r === null || typeof r !== "object") throw new TypeError("The promise returned by the iterator.return() method must fulfill with an object");
    });
  };
  stream = createReadableStream(() => undefined, pull, cancel, 0);
  return stream;
}
