// Event, CustomEvent and EventTarget (DOM Standard, without a tree: there
// is no capturing or bubbling path, only the target itself).
import { DOMException } from "./domexception.js";

const kStop = Symbol("stop");
const kStopImmediate = Symbol("stopImmediate");
const kCanceled = Symbol("canceled");
const kDispatch = Symbol("dispatching");
const kTarget = Symbol("target");
const kCurrent = Symbol("current");
const kPassive = Symbol("passive");
const kTrusted = Symbol("trusted");

export class Event {
  #type;
  #bubbles;
  #cancelable;
  #composed;
  #timeStamp;
  constructor(type, init = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'Event': 1 argument required, but only 0 present.");
    this.#type = String(type);
    this.#bubbles = !!init?.bubbles;
    this.#cancelable = !!init?.cancelable;
    this.#composed = !!init?.composed;
    this.#timeStamp = Date.now();
    this[kStop] = false;
    this[kStopImmediate] = false;
    this[kCanceled] = false;
    this[kDispatch] = false;
    this[kTarget] = null;
    this[kCurrent] = null;
    this[kPassive] = false;
    this[kTrusted] = false;
  }
  get type() { return this.#type; }
  get target() { return this[kTarget]; }
  get srcElement() { return this[kTarget]; }
  get currentTarget() { return this[kCurrent]; }
  get eventPhase() { return this[kDispatch] ? Event.AT_TARGET : Event.NONE; }
  get bubbles() { return this.#bubbles; }
  get cancelable() { return this.#cancelable; }
  get composed() { return this.#composed; }
  get defaultPrevented() { return this[kCanceled]; }
  get timeStamp() { return this.#timeStamp; }
  get isTrusted() { return this[kTrusted]; }
  get returnValue() { return !this[kCanceled]; }
  set returnValue(v) { if (!v) this.preventDefault(); }
  get cancelBubble() { return this[kStop]; }
  set cancelBubble(v) { if (v) this[kStop] = true; }
  composedPath() { return this[kDispatch] && this[kCurrent] ? [this[kCurrent]] : []; }
  stopPropagation() { this[kStop] = true; }
  stopImmediatePropagation() { this[kStop] = true; this[kStopImmediate] = true; }
  preventDefault() { if (this.#cancelable && !this[kPassive]) this[kCanceled] = true; }
  // The legacy initializer: ignored while the event is being dispatched.
  initEvent(type, bubbles = false, cancelable = false) {
    if (arguments.length === 0) throw new TypeError("Failed to execute 'initEvent' on 'Event': 1 argument required, but only 0 present.");
    if (this[kDispatch]) return;
    this.#type = String(type);
    this.#bubbles = !!bubbles;
    this.#cancelable = !!cancelable;
    this[kStop] = false;
    this[kStopImmediate] = false;
    this[kCanceled] = false;
    this[kTrusted] = false;
    this[kTarget] = null;
  }
}
for (const [k, v] of Object.entries({ NONE: 0, CAPTURING_PHASE: 1, AT_TARGET: 2, BUBBLING_PHASE: 3 })) {
  Object.defineProperty(Event, k, { value: v, enumerable: true });
  Object.defineProperty(Event.prototype, k, { value: v, enumerable: true });
}
Object.defineProperty(Event.prototype, Symbol.toStringTag, { value: "Event", configurable: true });

export class CustomEvent extends Event {
  #detail;
  constructor(type, init = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'CustomEvent': 1 argument required, but only 0 present.");
    super(type, init);
    this.#detail = init?.detail ?? null;
  }
  get detail() { return this.#detail; }
}
Object.defineProperty(CustomEvent.prototype, Symbol.toStringTag, { value: "CustomEvent", configurable: true });

// Marks an event as created by the platform (isTrusted).
export function setTrusted(event) {
  event[kTrusted] = true;
  return event;
}

function normalizeOptions(options) {
  if (typeof options === "boolean") return { capture: options, once: false, passive: false, signal: undefined };
  if (options === null || typeof options !== "object") return { capture: false, once: false, passive: false, signal: undefined };
  const signal = options.signal;
  if (signal !== undefined && (signal === null || typeof signal !== "object" || !("aborted" in signal))) {
    throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': member signal is not of type AbortSignal.");
  }
  return { capture: !!options.capture, once: !!options.once, passive: !!options.passive, signal };
}

const kListeners = Symbol("listeners");

export class EventTarget {
  constructor() {
    this[kListeners] = new Map();
  }
  addEventListener(type, callback, options = undefined) {
    if (arguments.length < 2) throw new TypeError(`Failed to execute 'addEventListener' on 'EventTarget': 2 arguments required, but only ${arguments.length} present.`);
    // Web IDL converts every argument, options included, before anything else.
    type = String(type);
    if (callback !== null && callback !== undefined && typeof callback !== "function" && typeof callback !== "object") {
      throw new TypeError("Failed to execute 'addEventListener' on 'EventTarget': The callback provided as parameter 2 is not an object.");
    }
    const opts = normalizeOptions(options);
    if (callback === null || callback === undefined) return;
    if (opts.signal !== undefined && opts.signal.aborted) return;
    const map = listenersOf(this);
    let list = map.get(type);
    if (!list) map.set(type, (list = []));
    if (list.some((l) => l.callback === callback && l.capture === opts.capture)) return;
    const entry = { callback, capture: opts.capture, once: opts.once, passive: opts.passive, removed: false };
    list.push(entry);
    if (opts.signal !== undefined) {
      opts.signal.addEventListener("abort", () => this.removeEventListener(type, callback, { capture: opts.capture }), { once: true });
    }
  }
  removeEventListener(type, callback, options = undefined) {
    if (callback === null || callback === undefined) return;
    const capture = normalizeOptions(options).capture;
    const list = listenersOf(this).get(String(type));
    if (!list) return;
    const i = list.findIndex((l) => l.callback === callback && l.capture === capture);
    if (i >= 0) {
      list[i].removed = true;
      list.splice(i, 1);
    }
  }
  dispatchEvent(event) {
    if (!(event instanceof Event)) {
      throw new TypeError("Failed to execute 'dispatchEvent' on 'EventTarget': parameter 1 is not of type 'Event'.");
    }
    if (event[kDispatch]) {
      throw new DOMException("The event is already being dispatched.", "InvalidStateError");
    }
    return dispatch(this, event, false);
  }
}
Object.defineProperty(EventTarget.prototype, Symbol.toStringTag, { value: "EventTarget", configurable: true });

function listenersOf(target) {
  let map = target[kListeners];
  if (!map) {
    // Objects made via Object.create(EventTarget.prototype) or subclasses
    // that skipped construction still work.
    Object.defineProperty(target, kListeners, { value: (map = new Map()) });
  }
  return map;
}

// Whether any listener is registered for a type.
export function hasListeners(target, type) {
  const list = listenersOf(target).get(type);
  return !!list && list.length > 0;
}

// Runs the listeners; when rethrow is set the first listener exception is
// thrown after all listeners ran (used for platform events whose errors
// must fail the request). Otherwise listener errors are reported.
// dispatch fires event at target; handler, when given, is the target's
// on<type> event handler, called first.
export function dispatch(target, event, rethrow, handler = null) {
  event[kDispatch] = true;
  event[kTarget] = target;
  event[kCurrent] = target;
  let firstError;
  let failed = false;
  if (handler) {
    try {
      handler.call(target, event);
    } catch (e) {
      if (rethrow) {
        failed = true;
        firstError = e;
      } else {
        reportError(e);
      }
    }
  }
  const list = listenersOf(target).get(event.type);
  if (list) {
    for (const l of list.slice()) {
      if (l.removed) continue;
      if (l.once) target.removeEventListener(event.type, l.callback, { capture: l.capture });
      event[kPassive] = l.passive;
      try {
        if (typeof l.callback === "function") {
          l.callback.call(target, event);
        } else {
          const h = l.callback.handleEvent;
          if (typeof h !== "function") throw new TypeError("'handleEvent' property of event listener should be a function.");
          h.call(l.callback, event);
        }
      } catch (e) {
        if (rethrow) {
          if (!failed) { failed = true; firstError = e; }
        } else {
          reportError(e);
        }
      }
      event[kPassive] = false;
      if (event[kStopImmediate]) break;
    }
  }
  event[kDispatch] = false;
  event[kCurrent] = null;
  if (failed) throw firstError;
  return !event[kCanceled];
}

let reporter = (e) => { throw e; };
export function setErrorReporter(fn) { reporter = fn; }
export function reportError(e) { reporter(e); }
