// Async context for AsyncLocalStorage. JavaScriptCore has no async context
// API, so the current frame (storage → store) is captured where work is
// scheduled — Promise.prototype.then (and so catch/finally and lowered
// async functions), timers, queueMicrotask — and restored when it runs.
const EMPTY = new Map();
let current = EMPTY;

export function currentFrame() {
  return current;
}

export function runInFrame(frame, fn, thisArg, args) {
  const prev = current;
  current = frame;
  try {
    return fn.apply(thisArg, args);
  } finally {
    current = prev;
  }
}

export function setFrame(frame) {
  current = frame;
}

export function bindToFrame(fn, frame = current) {
  if (typeof fn !== "function" || frame === EMPTY) return fn;
  return function (...args) {
    return runInFrame(frame, fn, this, args);
  };
}

let installed = false;

// install wraps the scheduling points; it runs once, only with nodejs_compat.
export function installAsyncContext() {
  if (installed) return;
  installed = true;
  const then = Promise.prototype.then;
  // Continuations scheduled from the empty frame run in the empty frame
  // anyway (microtasks run on an empty stack), so those skip the wrapper.
  Object.defineProperty(Promise.prototype, "then", {
    value: function then_(onFulfilled, onRejected) {
      const frame = current;
      if (frame === EMPTY) return then.call(this, onFulfilled, onRejected);
      return then.call(this, bindToFrame(onFulfilled, frame), bindToFrame(onRejected, frame));
    },
    writable: true, configurable: true, enumerable: false,
  });
  Object.defineProperty(Promise.prototype.then, "name", { value: "then" });
  for (const name of ["setTimeout", "setInterval", "queueMicrotask"]) {
    const orig = globalThis[name];
    const desc = Object.getOwnPropertyDescriptor(globalThis, name);
    const wrapped = {
      [name](callback, ...rest) {
        return orig.call(globalThis, bindToFrame(callback), ...rest);
      },
    }[name];
    Object.defineProperty(globalThis, name, { ...desc, value: wrapped });
  }
}
