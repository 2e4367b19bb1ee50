// AbortController and AbortSignal (DOM Standard).
import { EventTarget, Event, setTrusted, dispatch } from "./events.js";
import { DOMException } from "./domexception.js";
import { startTimer } from "./timers.js";

const kAborted = Symbol("aborted");
const kReason = Symbol("reason");
const kAlgorithms = Symbol("algorithms");
const kDependents = Symbol("dependents");
const kOnAbort = Symbol("onabort");
let constructing = false;

function createSignal() {
  constructing = true;
  try {
    return new AbortSignal();
  } finally {
    constructing = false;
  }
}

export class AbortSignal extends EventTarget {
  constructor() {
    if (!constructing) throw new TypeError("Illegal constructor");
    super();
    this[kAborted] = false;
    this[kReason] = undefined;
    this[kAlgorithms] = new Set();
    this[kDependents] = [];
    this[kOnAbort] = null;
  }
  get onabort() { return this[kOnAbort]; }
  set onabort(v) { this[kOnAbort] = typeof v === "function" || (v !== null && typeof v === "object") ? v : null; }
  get aborted() { return this[kAborted]; }
  get reason() { return this[kReason]; }
  throwIfAborted() {
    if (this[kAborted]) throw this[kReason];
  }
  static abort(reason = undefined) {
    const s = createSignal();
    s[kAborted] = true;
    s[kReason] = reason === undefined ? new DOMException("signal is aborted without reason", "AbortError") : reason;
    return s;
  }
  static timeout(ms) {
    const delay = Number(ms);
    if (!Number.isFinite(delay) || delay < 0) throw new TypeError("AbortSignal.timeout: the delay must be a non-negative finite number");
    const s = createSignal();
    startTimer(() => signalAbort(s, new DOMException("The operation was aborted due to timeout", "TimeoutError")), delay);
    return s;
  }
  static any(signals) {
    const s = createSignal();
    const list = [...signals];
    for (const dep of list) {
      if (!(dep instanceof AbortSignal)) throw new TypeError("Failed to execute 'any' on 'AbortSignal': Failed to convert value to 'AbortSignal'.");
      if (dep[kAborted]) {
        s[kAborted] = true;
        s[kReason] = dep[kReason];
        return s;
      }
    }
    for (const dep of list) dep[kDependents].push(new WeakRef(s));
    return s;
  }
}
Object.defineProperty(AbortSignal.prototype, Symbol.toStringTag, { value: "AbortSignal", configurable: true });

// Whether v is an AbortSignal made by the platform (a brand check: an object
// that merely inherits from AbortSignal.prototype is not one).
export function isAbortSignal(v) {
  return v !== null && typeof v === "object" && Object.hasOwn(v, kAlgorithms);
}

// Registers a platform reaction to abort; returns a function that removes it.
export function addAbortAlgorithm(signal, fn) {
  signal[kAlgorithms].add(fn);
  return () => signal[kAlgorithms].delete(fn);
}

export function signalAbort(signal, reason) {
  if (signal[kAborted]) return;
  signal[kAborted] = true;
  signal[kReason] = reason === undefined ? new DOMException("signal is aborted without reason", "AbortError") : reason;
  // Dependent signals (AbortSignal.any) are marked aborted before any abort
  // event fires, then run their abort steps after this signal's.
  const deps = [];
  for (const ref of signal[kDependents]) {
    const d = ref.deref();
    if (d && !d[kAborted]) {
      d[kAborted] = true;
      d[kReason] = signal[kReason];
      deps.push(d);
    }
  }
  signal[kDependents] = [];
  abortSteps(signal);
  for (const d of deps) {
    d[kDependents] = [];
    abortSteps(d);
  }
}

function abortSteps(signal) {
  for (const fn of signal[kAlgorithms]) fn();
  signal[kAlgorithms].clear();
  const handler = signal.onabort;
  dispatch(signal, setTrusted(new Event("abort")), false, typeof handler === "function" ? handler : null);
}

export class AbortController {
  #signal = createSignal();
  get signal() { return this.#signal; }
  abort(reason = undefined) {
    signalAbort(this.#signal, reason);
  }
}
Object.defineProperty(AbortController.prototype, Symbol.toStringTag, { value: "AbortController", configurable: true });
