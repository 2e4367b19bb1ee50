// TransformStream (WHATWG Streams). The readable side may also be a byte
// stream (used by IdentityTransformStream) so BYOB readers work on it.
import { S, queuingStrategy, extractHighWaterMark, extractSizeAlgorithm, promiseCall, method, react, slot } from "./streamutil.js";
import { deferred, illegalConstructor } from "./util.js";
import {
  createReadableStream, createReadableByteStream, defaultControllerCanCloseOrEnqueue, defaultControllerEnqueue,
  defaultControllerClose, defaultControllerError, defaultControllerGetDesiredSize, defaultControllerHasBackpressure,
  byteControllerEnqueue, byteControllerClose, byteControllerError, byteControllerGetDesiredSize, byteControllerHasBackpressure,
  byteControllerRespond,
} from "./readable.js";
import { createWritableStream, controllerErrorIfNeeded } from "./writable.js";

let internalConstruct = false;
// Lets a subclass (IdentityTransformStream) replace the default set-up.
let pendingInit = null;
export function setPendingTransformInit(fn) {
  pendingInit = fn;
}

// Readable-controller operations that work for default and byte controllers.
function rcCanCloseOrEnqueue(c) {
  return c.byte ? !c.closeRequested && c.stream.state === "readable" : defaultControllerCanCloseOrEnqueue(c);
}
function rcEnqueue(c, chunk) {
  if (c.byte) byteControllerEnqueue(c, chunk);
  else defaultControllerEnqueue(c, chunk);
}
function rcClose(c) {
  if (!c.byte) {
    defaultControllerClose(c);
    return;
  }
  byteControllerClose(c);
  // A pending BYOB read completes as done once the stream closed.
  if (c.pendingPullIntos.length > 0 && c.stream.state === "closed") byteControllerRespond(c, 0);
}
function rcError(c, e) {
  if (c.byte) byteControllerError(c, e);
  else defaultControllerError(c, e);
}
function rcDesiredSize(c) {
  return c.byte ? byteControllerGetDesiredSize(c) : defaultControllerGetDesiredSize(c);
}
function rcHasBackpressure(c) {
  return c.byte ? byteControllerHasBackpressure(c) : defaultControllerHasBackpressure(c);
}

function readableController(t) {
  return t.readable[S].controller;
}

// InitializeTransformStream + SetUpTransformStreamDefaultController.
export function initTransformStream(pub, startPromise, algorithms, wHWM, wSize, rHWM, rSize, byteReadable) {
  const t = { readable: undefined, writable: undefined, backpressure: undefined, backpressureChange: undefined, controller: undefined, pub };
  pub[S] = t;
  const start = () => startPromise;
  t.writable = createWritableStream(start, (chunk) => sinkWrite(t, chunk), () => sinkClose(t), (r) => sinkAbort(t, r), wHWM, wSize);
  const pull = () => sourcePull(t);
  const cancel = (r) => sourceCancel(t, r);
  t.readable = byteReadable ? createReadableByteStream(start, pull, cancel, rHWM) : createReadableStream(start, pull, cancel, rHWM, rSize);
  setBackpressure(t, true);
  internalConstruct = true;
  let cpub;
  try {
    cpub = new TransformStreamDefaultController();
  } finally {
    internalConstruct = false;
  }
  const c = { stream: t, transform: algorithms.transform, flush: algorithms.flush, cancel: algorithms.cancel, finish: undefined, pub: cpub };
  cpub[S] = c;
  t.controller = c;
  return t;
}

function transformStreamError(t, e) {
  rcError(readableController(t), e);
  errorWritableAndUnblockWrite(t, e);
}

function errorWritableAndUnblockWrite(t, e) {
  clearAlgorithms(t.controller);
  controllerErrorIfNeeded(t.writable[S].controller, e);
  unblockWrite(t);
}

function unblockWrite(t) {
  if (t.backpressure) setBackpressure(t, false);
}

function setBackpressure(t, bp) {
  if (t.backpressureChange !== undefined) t.backpressureChange.resolve(undefined);
  t.backpressureChange = deferred();
  t.backpressure = bp;
}

function clearAlgorithms(c) {
  c.transform = undefined;
  c.flush = undefined;
  c.cancel = undefined;
}

export function transformControllerEnqueue(c, chunk) {
  const t = c.stream;
  const rc = readableController(t);
  if (!rcCanCloseOrEnqueue(rc)) throw new TypeError("Readable side is not in a state that permits enqueue");
  try {
    rcEnqueue(rc, chunk);
  } catch (e) {
    errorWritableAndUnblockWrite(t, e);
    throw t.readable[S].storedError;
  }
  const bp = rcHasBackpressure(rc);
  if (bp !== t.backpressure) setBackpressure(t, true);
}

function transformControllerTerminate(c) {
  const t = c.stream;
  rcClose(readableController(t));
  errorWritableAndUnblockWrite(t, new TypeError("TransformStream terminated"));
}

function performTransform(c, chunk) {
  return react(c.transform(chunk), undefined, (r) => {
    transformStreamError(c.stream, r);
    throw r;
  });
}

function sinkWrite(t, chunk) {
  const c = t.controller;
  if (t.backpressure) {
    return react(t.backpressureChange.promise, () => {
      const w = t.writable[S];
      if (w.state === "erroring") throw w.storedError;
      return performTransform(c, chunk);
    });
  }
  return performTransform(c, chunk);
}

function sinkAbort(t, reason) {
  const c = t.controller;
  if (c.finish !== undefined) return c.finish.promise;
  const readable = t.readable[S];
  c.finish = deferred();
  const p = c.cancel(reason);
  clearAlgorithms(c);
  react(p, () => {
    if (readable.state === "errored") c.finish.reject(readable.storedError);
    else {
      rcError(readable.controller, reason);
      c.finish.resolve(undefined);
    }
  }, (r) => {
    rcError(readable.controller, r);
    c.finish.reject(r);
  });
  return c.finish.promise;
}

function sinkClose(t) {
  const c = t.controller;
  if (c.finish !== undefined) return c.finish.promise;
  const readable = t.readable[S];
  c.finish = deferred();
  const p = c.flush();
  clearAlgorithms(c);
  react(p, () => {
    if (readable.state === "errored") c.finish.reject(readable.storedError);
    else {
      rcClose(readable.controller);
      c.finish.resolve(undefined);
    }
  }, (r) => {
    rcError(readable.controller, r);
    c.finish.reject(r);
  });
  return c.finish.promise;
}

function sourceCancel(t, reason) {
  const c = t.controller;
  if (c.finish !== undefined) return c.finish.promise;
  const writable = t.writable[S];
  c.finish = deferred();
  const p = c.cancel(reason);
  clearAlgorithms(c);
  react(p, () => {
    if (writable.state === "errored") c.finish.reject(writable.storedError);
    else {
      controllerErrorIfNeeded(writable.controller, reason);
      unblockWrite(t);
      c.finish.resolve(undefined);
    }
  }, (r) => {
    controllerErrorIfNeeded(writable.controller, r);
    unblockWrite(t);
    c.finish.reject(r);
  });
  return c.finish.promise;
}

function sourcePull(t) {
  setBackpressure(t, false);
  return t.backpressureChange.promise;
}

export class TransformStreamDefaultController {
  constructor() {
    if (!internalConstruct) illegalConstructor();
  }
  get desiredSize() { return rcDesiredSize(readableController(slot(this, TransformStreamDefaultController).stream)); }
  enqueue(chunk = undefined) { transformControllerEnqueue(slot(this, TransformStreamDefaultController), chunk); }
  error(reason = undefined) { transformStreamError(slot(this, TransformStreamDefaultController).stream, reason); }
  terminate() { transformControllerTerminate(slot(this, TransformStreamDefaultController)); }
}
Object.defineProperty(TransformStreamDefaultController.prototype, Symbol.toStringTag, { value: "TransformStreamDefaultController", configurable: true });

export class TransformStream {
  constructor(transformer = undefined, writableStrategy = undefined, readableStrategy = undefined) {
    if (pendingInit !== null) {
      const init = pendingInit;
      pendingInit = null;
      init(this);
      return;
    }
    // Web IDL order: the two strategy arguments, then the transformer's
    // members in lexicographic order, each checked as it is read.
    const wStrat = queuingStrategy(writableStrategy, "TransformStream");
    const rStrat = queuingStrategy(readableStrategy, "TransformStream");
    const tr = transformer ?? undefined;
    const cancelFn = method(tr, "cancel");
    const flushFn = method(tr, "flush");
    const readableType = tr?.readableType;
    const startFn = method(tr, "start");
    const transformFn = method(tr, "transform");
    const writableType = tr?.writableType;
    if (readableType !== undefined) throw new RangeError("Invalid readableType specified");
    if (writableType !== undefined) throw new RangeError("Invalid writableType specified");
    const rHWM = extractHighWaterMark(rStrat, 0);
    const rSize = extractSizeAlgorithm(rStrat);
    const wHWM = extractHighWaterMark(wStrat, 1);
    const wSize = extractSizeAlgorithm(wStrat);
    const startPromise = deferred();
    let t;
    const algorithms = {
      transform: transformFn
        ? (chunk) => promiseCall(transformFn, tr, chunk, t.controller.pub)
        : (chunk) => {
          try {
            transformControllerEnqueue(t.controller, chunk);
            return Promise.resolve(undefined);
          } catch (e) {
            return Promise.reject(e);
          }
        },
      flush: flushFn ? () => promiseCall(flushFn, tr, t.controller.pub) : () => Promise.resolve(undefined),
      cancel: cancelFn ? (r) => promiseCall(cancelFn, tr, r) : () => Promise.resolve(undefined),
    };
    t = initTransformStream(this, startPromise.promise, algorithms, wHWM, wSize, rHWM, rSize, false);
    if (startFn) startPromise.resolve(Reflect.apply(startFn, tr, [t.controller.pub]));
    else startPromise.resolve(undefined);
  }
  get readable() { return slot(this, TransformStream).readable; }
  get writable() { return slot(this, TransformStream).writable; }
}
Object.defineProperty(TransformStream.prototype, Symbol.toStringTag, { value: "TransformStream", configurable: true });
