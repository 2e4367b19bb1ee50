// node:async_hooks — AsyncLocalStorage and AsyncResource over the frames
// of async_context.js.
import { currentFrame, runInFrame, setFrame, bindToFrame } from "./async_context.js";

export class AsyncLocalStorage {
  #enabled = true;

  static bind(fn) {
    return bindToFrame(fn, currentFrame());
  }
  static snapshot() {
    const frame = currentFrame();
    return (fn, ...args) => runInFrame(frame, fn, undefined, args);
  }

  run(store, callback, ...args) {
    const frame = new Map(currentFrame());
    frame.set(this, store);
    this.#enabled = true;
    return runInFrame(frame, callback, undefined, args);
  }
  exit(callback, ...args) {
    const frame = new Map(currentFrame());
    frame.delete(this);
    return runInFrame(frame, callback, undefined, args);
  }
  getStore() {
    return this.#enabled ? currentFrame().get(this) : undefined;
  }
  enterWith(store) {
    const frame = new Map(currentFrame());
    frame.set(this, store);
    this.#enabled = true;
    setFrame(frame);
  }
  disable() {
    this.#enabled = false;
  }
}

export class AsyncResource {
  #frame;
  constructor(type) {
    this.type = type;
    this.#frame = currentFrame();
  }
  static bind(fn, type) {
    return new AsyncResource(type ?? "bound-anonymous-fn").bind(fn);
  }
  bind(fn, thisArg) {
    const frame = this.#frame;
    const bound = function (...args) {
      return runInFrame(frame, fn, thisArg === undefined ? this : thisArg, args);
    };
    return bound;
  }
  runInAsyncScope(fn, thisArg, ...args) {
    return runInFrame(this.#frame, fn, thisArg, args);
  }
  emitDestroy() {
    return this;
  }
  asyncId() { return 0; }
  triggerAsyncId() { return 0; }
}

export default { AsyncLocalStorage, AsyncResource };
