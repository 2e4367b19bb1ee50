// node:events — EventEmitter.
let defaultMaxListeners = 10;
const kEvents = Symbol("kEvents");
const kMax = Symbol("kMaxListeners");

function listenersOf(em) {
  if (!Object.hasOwn(em, kEvents)) {
    Object.defineProperty(em, kEvents, { value: new Map(), configurable: true, writable: true });
  }
  return em[kEvents];
}

function checkListener(l) {
  if (typeof l !== "function") {
    const e = new TypeError(`The "listener" argument must be of type function. Received ${l === null ? "null" : typeof l}`);
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
}

function add(em, name, listener, prepend, once) {
  checkListener(listener);
  const map = listenersOf(em);
  if (map.has("newListener")) em.emit("newListener", name, listener.listener ?? listener);
  let fn = listener;
  if (once) {
    let fired = false;
    fn = function (...args) {
      if (fired) return undefined;
      fired = true;
      em.removeListener(name, fn);
      return listener.apply(this, args);
    };
    fn.listener = listener;
  }
  const list = map.get(name) ?? [];
  if (prepend) list.unshift(fn);
  else list.push(fn);
  map.set(name, list);
  return em;
}

class EventEmitterClass {
  static get defaultMaxListeners() { return defaultMaxListeners; }
  static set defaultMaxListeners(n) { defaultMaxListeners = n; }

  static once(emitter, name, options = undefined) {
    return new Promise((resolve, reject) => {
      const signal = options?.signal;
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      const onError = (err) => {
        emitter.removeListener(name, onEvent);
        reject(err);
      };
      const onEvent = (...args) => {
        if (name !== "error") emitter.removeListener("error", onError);
        resolve(args);
      };
      emitter.once(name, onEvent);
      if (name !== "error") emitter.once("error", onError);
    });
  }

  static listenerCount(emitter, name) {
    return emitter.listenerCount(name);
  }

  setMaxListeners(n) {
    this[kMax] = n;
    return this;
  }
  getMaxListeners() {
    return this[kMax] ?? defaultMaxListeners;
  }
  on(name, listener) { return add(this, name, listener, false, false); }
  addListener(name, listener) { return add(this, name, listener, false, false); }
  prependListener(name, listener) { return add(this, name, listener, true, false); }
  once(name, listener) { return add(this, name, listener, false, true); }
  prependOnceListener(name, listener) { return add(this, name, listener, true, true); }

  removeListener(name, listener) {
    checkListener(listener);
    const map = listenersOf(this);
    const list = map.get(name);
    if (!list) return this;
    for (let i = list.length - 1; i >= 0; i--) {
      if (list[i] === listener || list[i].listener === listener) {
        const [removed] = list.splice(i, 1);
        if (list.length === 0) map.delete(name);
        if (map.has("removeListener")) this.emit("removeListener", name, removed.listener ?? removed);
        break;
      }
    }
    return this;
  }
  off(name, listener) { return this.removeListener(name, listener); }

  removeAllListeners(name) {
    const map = listenersOf(this);
    if (name === undefined) map.clear();
    else map.delete(name);
    return this;
  }

  emit(name, ...args) {
    const list = listenersOf(this).get(name);
    if (!list || list.length === 0) {
      if (name === "error") {
        const err = args[0];
        if (err instanceof Error) throw err;
        const e = new Error(`Unhandled error. (${String(err)})`);
        e.code = "ERR_UNHANDLED_ERROR";
        e.context = err;
        throw e;
      }
      return false;
    }
    for (const fn of list.slice()) fn.apply(this, args);
    return true;
  }

  listeners(name) {
    return (listenersOf(this).get(name) ?? []).map((f) => f.listener ?? f);
  }
  rawListeners(name) {
    return (listenersOf(this).get(name) ?? []).slice();
  }
  listenerCount(name) {
    return (listenersOf(this).get(name) ?? []).length;
  }
  eventNames() {
    return [...listenersOf(this).keys()];
  }
}

// EventEmitter is a plain function, as in Node, so that packages written
// for old Node can call EventEmitter.call(this) from their constructors;
// classes extend it as before. Listener state is created on first use.
export function EventEmitter(opts) {
  if (opts?.captureRejections !== undefined && typeof opts.captureRejections !== "boolean") {
    const e = new TypeError('The "options.captureRejections" property must be of type boolean.');
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
}
EventEmitter.prototype = EventEmitterClass.prototype;
Object.defineProperty(EventEmitterClass.prototype, "constructor", { value: EventEmitter, writable: true, configurable: true, enumerable: false });
for (const key of Object.getOwnPropertyNames(EventEmitterClass)) {
  if (key === "prototype" || key === "length" || key === "name") continue;
  Object.defineProperty(EventEmitter, key, Object.getOwnPropertyDescriptor(EventEmitterClass, key));
}
EventEmitter.init = function (opts) { EventEmitter.call(this, opts); };

export const once = EventEmitter.once;
export function getEventListeners(emitter, name) {
  if (typeof emitter.listeners === "function") return emitter.listeners(name);
  return [];
}

// module.exports is the class itself, as in Node.
Object.assign(EventEmitter, { EventEmitter, once, getEventListeners, errorMonitor: Symbol("events.errorMonitor"), captureRejectionSymbol: Symbol.for("nodejs.rejection") });
export default EventEmitter;
