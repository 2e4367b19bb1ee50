// console: formats arguments like Node/workerd and hands each line to the host.
import ops from "./ops.js";
import { formatArgs, inspectValue, formatError } from "./inspect.js";

const counts = new Map();
const timers = new Map();
let groupIndent = "";

function emit(level, text) {
  ops.log(level, groupIndent ? groupIndent + text.replace(/\n/g, "\n" + groupIndent) : text);
}

function labelOf(label) {
  return label === undefined ? "default" : String(label);
}

export class Console {
  log(...args) { emit("log", formatArgs(args)); }
  info(...args) { emit("info", formatArgs(args)); }
  debug(...args) { emit("debug", formatArgs(args)); }
  warn(...args) { emit("warn", formatArgs(args)); }
  error(...args) { emit("error", formatArgs(args)); }
  trace(...args) {
    const err = new Error(formatArgs(args));
    err.name = "Trace";
    emit("error", formatError(err));
  }
  assert(condition, ...args) {
    if (condition) return;
    if (args.length === 0) emit("error", "Assertion failed");
    else if (typeof args[0] === "string") emit("error", formatArgs([`Assertion failed: ${args[0]}`, ...args.slice(1)]));
    else emit("error", formatArgs(["Assertion failed:", ...args]));
  }
  dir(obj, options = undefined) { emit("log", inspectValue(obj, options)); }
  dirxml(...args) { this.log(...args); }
  table(...args) { this.log(...args); }
  count(label = undefined) {
    const l = labelOf(label);
    const n = (counts.get(l) ?? 0) + 1;
    counts.set(l, n);
    emit("info", `${l}: ${n}`);
  }
  countReset(label = undefined) {
    const l = labelOf(label);
    if (!counts.has(l)) emit("warn", `Count for '${l}' does not exist`);
    else counts.set(l, 0);
  }
  time(label = undefined) {
    const l = labelOf(label);
    if (timers.has(l)) {
      emit("warn", `Label '${l}' already exists for console.time()`);
      return;
    }
    timers.set(l, ops.monotonicNow());
  }
  timeLog(label = undefined, ...data) {
    const l = labelOf(label);
    const t = timers.get(l);
    if (t === undefined) {
      emit("warn", `No such label '${l}' for console.timeLog()`);
      return;
    }
    const rest = data.length ? " " + formatArgs(data) : "";
    emit("info", `${l}: ${formatMs(ops.monotonicNow() - t)}${rest}`);
  }
  timeEnd(label = undefined) {
    const l = labelOf(label);
    const t = timers.get(l);
    if (t === undefined) {
      emit("warn", `No such label '${l}' for console.timeEnd()`);
      return;
    }
    timers.delete(l);
    emit("info", `${l}: ${formatMs(ops.monotonicNow() - t)}`);
  }
  group(...label) {
    if (label.length) this.log(...label);
    groupIndent += "  ";
  }
  groupCollapsed(...label) { this.group(...label); }
  groupEnd() { groupIndent = groupIndent.slice(0, -2); }
}

function formatMs(ms) {
  if (ms >= 1000) return `${(ms / 1000).toFixed(3)}s`;
  return `${ms.toFixed(3)}ms`;
}

export const console = new Console();
// console's methods work detached (const { log } = console).
for (const k of Object.getOwnPropertyNames(Console.prototype)) {
  if (k !== "constructor") console[k] = Console.prototype[k].bind(console);
}
