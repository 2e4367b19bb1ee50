// Shared pieces of the Streams Standard: queues with sizes, strategy
// extraction, promise-calling of underlying source/sink methods.

// The internal slot holding a stream object's spec record.
export const S = Symbol("#streams");

// The spec record of obj, after WebIDL's brand check: obj must be a stream
// object the platform made as a C (or a subclass instance), not an object
// that merely inherits C.prototype nor another kind of stream object.
export function slot(obj, C) {
  const r = brandOf(obj, C);
  if (r === undefined) throw brandError(C);
  return r;
}

// brandOf is slot's check without the throw (undefined when obj is not a
// C), for the methods that return a promise: they reject instead.
export function brandOf(obj, C) {
  return obj instanceof C && Object.hasOwn(obj, S) ? obj[S] : undefined;
}

export function rejectBrand(C) {
  return Promise.reject(brandError(C));
}

function brandError(C) {
  return new TypeError(`Illegal invocation: the receiver is not a ${C.name}`);
}

// A FIFO with O(1) shift.
export class Queue {
  constructor() {
    this.items = [];
    this.head = 0;
  }
  get length() { return this.items.length - this.head; }
  push(v) { this.items.push(v); }
  peek() { return this.items[this.head]; }
  shift() {
    const v = this.items[this.head];
    this.items[this.head++] = undefined;
    if (this.head > 64 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return v;
  }
  clear() {
    this.items = [];
    this.head = 0;
  }
}

// Web IDL's conversion of a QueuingStrategy argument: highWaterMark (read
// and converted to a number), then size. The constructors convert it before
// reading the underlying source's members; size is checked where it is used
// (a byte stream refuses any size, even a non-function, with a RangeError).
export function queuingStrategy(strategy, what) {
  if (strategy === undefined || strategy === null) return {};
  if (typeof strategy !== "object" && typeof strategy !== "function") {
    throw new TypeError(`Failed to construct '${what}': The provided value is not of type 'QueuingStrategy'.`);
  }
  const hwm = strategy.highWaterMark;
  const highWaterMark = hwm === undefined ? undefined : Number(hwm);
  return { highWaterMark, size: strategy.size };
}

export function extractHighWaterMark(strategy, defaultHWM) {
  const hwm = strategy?.highWaterMark;
  if (hwm === undefined) return defaultHWM;
  const n = Number(hwm);
  if (Number.isNaN(n) || n < 0) throw new RangeError("Invalid highWaterMark: it must be a non-negative number");
  return n;
}

const one = () => 1;
export function extractSizeAlgorithm(strategy) {
  const size = strategy?.size;
  if (size === undefined) return one;
  if (typeof size !== "function") throw new TypeError("The strategy's size must be a function");
  return (chunk) => size(chunk);
}

// Records in a value queue are {value, size}.
export function enqueueValueWithSize(c, value, size) {
  const n = Number(size);
  if (!Number.isFinite(n) || n < 0) throw new RangeError("The return value of a queuing strategy's size function must be a finite, non-NaN, non-negative number");
  c.queue.push({ value, size: n });
  c.queueTotalSize += n;
}

export function dequeueValue(c) {
  const pair = c.queue.shift();
  c.queueTotalSize -= pair.size;
  if (c.queueTotalSize < 0) c.queueTotalSize = 0;
  return pair.value;
}

export function resetQueue(c) {
  c.queue.clear();
  c.queueTotalSize = 0;
}

// Calls an underlying source/sink method, turning throws into rejections.
// Reflect.apply, not fn.apply: the method may have an own "apply".
export function promiseCall(fn, thisArg, ...args) {
  try {
    return resolvedWith(Reflect.apply(fn, thisArg, args));
  } catch (e) {
    return Promise.reject(e);
  }
}

export function method(obj, name) {
  const fn = obj?.[name];
  if (fn === undefined || fn === null) return undefined;
  if (typeof fn !== "function") throw new TypeError(`${name} must be a function`);
  return fn;
}

export const resolvedUndefined = () => Promise.resolve(undefined);

// Web IDL's "a promise resolved with x": a new promise resolved with x. When
// x is itself a promise it is adopted a job later (Promise.resolve would
// return x as is), which the order of the streams' start steps depends on.
const NativePromise = Promise;
export function resolvedWith(x) {
  return new NativePromise((resolve) => resolve(x));
}

export function transferBuffer(buf) {
  if (buf.detached) throw new TypeError("Cannot transfer a detached ArrayBuffer");
  return buf.transfer();
}

export function isDetached(buf) {
  return buf.detached === true;
}

// Reacts to a promise as the spec's "react" does: with the original
// Promise.prototype.then, which the worker's code may have replaced.
const promiseThen = Promise.prototype.then;
export function react(p, onFulfilled, onRejected) {
  return Reflect.apply(promiseThen, p, [onFulfilled, onRejected]);
}
