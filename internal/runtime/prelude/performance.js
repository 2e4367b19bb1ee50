// performance and navigator.
import ops from "./ops.js";
import { illegalConstructor } from "./util.js";

let constructing = false;
const timeOrigin = Date.now() - ops.monotonicNow();

export class Performance {
  constructor() {
    if (!constructing) illegalConstructor();
  }
  get timeOrigin() { return timeOrigin; }
  now() { return ops.monotonicNow(); }
  toJSON() { return { timeOrigin }; }
}
Object.defineProperty(Performance.prototype, Symbol.toStringTag, { value: "Performance", configurable: true });

export class Navigator {
  constructor() {
    if (!constructing) illegalConstructor();
  }
  get userAgent() { return "Cloudflare-Workers"; }
  get hardwareConcurrency() { return 1; }
  get language() { return "en"; }
  get languages() { return ["en"]; }
}
Object.defineProperty(Navigator.prototype, Symbol.toStringTag, { value: "Navigator", configurable: true });

constructing = true;
export const performance = new Performance();
export const navigator = new Navigator();
constructing = false;
