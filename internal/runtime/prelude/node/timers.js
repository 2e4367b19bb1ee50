// node:timers and node:timers/promises over the global timers.
function setImmediate(callback, ...args) {
  return globalThis.setTimeout(callback, 0, ...args);
}

const promises = {
  setTimeout(delay, value, options = undefined) {
    return globalThis.scheduler.wait(delay, options).then(() => value);
  },
  setImmediate(value, options = undefined) {
    return globalThis.scheduler.wait(0, options).then(() => value);
  },
  async *setInterval(delay, value, options = undefined) {
    for (;;) {
      await globalThis.scheduler.wait(delay, options);
      yield value;
    }
  },
  scheduler: {
    wait: (delay, options) => globalThis.scheduler.wait(delay, options),
    yield: () => globalThis.scheduler.wait(0),
  },
};

// Looked up at call time so wrappers installed later (async context) apply.
export default {
  setTimeout: (...a) => globalThis.setTimeout(...a),
  clearTimeout: (id) => globalThis.clearTimeout(id),
  setInterval: (...a) => globalThis.setInterval(...a),
  clearInterval: (id) => globalThis.clearInterval(id),
  setImmediate,
  clearImmediate: (id) => globalThis.clearTimeout(id),
  promises,
};
export { promises };
