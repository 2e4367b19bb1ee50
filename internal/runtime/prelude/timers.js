// setTimeout/setInterval over the host's timer ops. The host calls
// fireTimer(id) (hooks.timer) when a timer is due; intervals re-arm here.
// fireTimer(id, true) forgets a timer the host dropped (its invocation
// ended). The host caps the active timers and the period of intervals.
import ops from "./ops.js";
import { DOMException } from "./domexception.js";
import { reportError } from "./events.js";

const timers = new Map();
let nextId = 1;

function delayOf(ms) {
  const n = Number(ms);
  return Number.isFinite(n) && n > 0 ? n : 0;
}

function start(callback, delay, args, repeat) {
  const id = nextId++;
  ops.timerStart(id, delayOf(delay), repeat);
  timers.set(id, { callback, args, delay: delayOf(delay), repeat });
  return id;
}

// Internal timers (AbortSignal.timeout, scheduler.wait) use the same queue.
export function startTimer(callback, delay) {
  return start(callback, delay, [], false);
}

export function cancelTimer(id) {
  if (timers.delete(id)) ops.timerCancel(id);
}

export function fireTimer(id, dropped = false) {
  const t = timers.get(id);
  if (!t) return;
  if (t.repeat && !dropped) {
    try {
      ops.timerStart(id, t.delay, true);
    } catch (e) {
      timers.delete(id);
      throw e;
    }
  } else {
    timers.delete(id);
  }
  if (dropped) return;
  const cb = t.callback;
  if (typeof cb === "function") {
    cb.apply(globalThis, t.args);
  } else {
    // A string callback is not evaluated: workers forbid eval.
    throw new TypeError("setTimeout/setInterval callback must be a function");
  }
}

export function setTimeout(callback, delay = 0, ...args) {
  if (typeof callback !== "function") throw new TypeError("The \"callback\" argument must be of type function.");
  return start(callback, delay, args, false);
}

export function setInterval(callback, delay = 0, ...args) {
  if (typeof callback !== "function") throw new TypeError("The \"callback\" argument must be of type function.");
  return start(callback, delay, args, true);
}

export function clearTimeout(id) {
  if (typeof id === "number") cancelTimer(id);
}

export const clearInterval = clearTimeout;

export class Scheduler {
  wait(delay, options = undefined) {
    const signal = options?.signal;
    return new Promise((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason);
        return;
      }
      let onAbort;
      const id = startTimer(() => {
        if (onAbort) signal.removeEventListener("abort", onAbort);
        resolve();
      }, delay);
      if (signal) {
        onAbort = () => {
          cancelTimer(id);
          reject(signal.reason ?? new DOMException("The operation was aborted", "AbortError"));
        };
        signal.addEventListener("abort", onAbort, { once: true });
      }
    });
  }
}
Object.defineProperty(Scheduler.prototype, Symbol.toStringTag, { value: "Scheduler", configurable: true });

const promiseThen = Promise.prototype.then;

export function queueMicrotask(callback) {
  if (typeof callback !== "function") {
    throw new TypeError("Failed to execute 'queueMicrotask': parameter 1 is not of type 'Function'.");
  }
  // The original then: the worker's code may have replaced Promise.prototype.then.
  Reflect.apply(promiseThen, Promise.resolve(), [() => {
    try {
      callback();
    } catch (e) {
      // Like an uncaught exception in a task: reported, not a rejection.
      reportError(e);
    }
  }]);
}
