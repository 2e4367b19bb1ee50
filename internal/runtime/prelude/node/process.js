// node:process and the process global: env (the text bindings, when the
// compatibility date or flag populates it), nextTick, hrtime and the
// static facts of a Workers isolate.
import ops from "../ops.js";
import { EventEmitter } from "./events.js";
import { bindToFrame } from "./async_context.js";

function hrtime(prev) {
  const ms = ops.monotonicNow();
  let sec = Math.floor(ms / 1000);
  let ns = Math.round((ms % 1000) * 1e6);
  if (Array.isArray(prev)) {
    sec -= prev[0];
    ns -= prev[1];
    if (ns < 0) {
      sec--;
      ns += 1e9;
    }
  }
  return [sec, ns];
}
hrtime.bigint = () => BigInt(Math.round(ops.monotonicNow() * 1e6));

// As in Node, values stored in process.env become strings.
function envObject(initial) {
  return new Proxy(initial, {
    set(target, key, value) {
      if (typeof key === "symbol") return Reflect.set(target, key, value);
      target[key] = String(value);
      return true;
    },
    defineProperty(target, key, desc) {
      if (typeof key !== "symbol" && "value" in desc) desc = { ...desc, value: String(desc.value) };
      return Reflect.defineProperty(target, key, desc);
    },
  });
}

export function createProcess(env) {
  const process = new EventEmitter();
  Object.assign(process, {
    env: envObject(env),
    argv: [],
    execArgv: [],
    title: "workerd",
    version: "v22.14.0",
    versions: { node: "22.14.0" },
    platform: "linux",
    arch: "x64",
    pid: 1,
    ppid: 0,
    release: { name: "node" },
    features: {},
    exitCode: undefined,
    hrtime,
    nextTick(callback, ...args) {
      if (typeof callback !== "function") throw new TypeError('The "callback" argument must be of type function');
      const bound = bindToFrame(callback);
      Promise.resolve().then(() => bound(...args));
    },
    cwd: () => "/",
    chdir() {
      throw Object.assign(new Error("process.chdir() is not supported in workers"), { code: "ERR_UNSUPPORTED_OPERATION" });
    },
    umask: () => 0o22,
    uptime: () => ops.monotonicNow() / 1000,
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
    emitWarning(warning) {
      console.warn(typeof warning === "string" ? `Warning: ${warning}` : String(warning));
    },
    exit() {
      throw new Error("process.exit() is not supported in workers");
    },
    abort() {
      throw new Error("process.abort() is not supported in workers");
    },
    getBuiltinModule: (name) => globalThis.__outpost_require?.(name),
  });
  return process;
}
