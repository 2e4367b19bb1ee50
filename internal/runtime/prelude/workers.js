// The cloudflare:workers module (import { WorkerEntrypoint, env } from
// "cloudflare:workers"), served to bundles through __outpost_builtin.
import ops from "./ops.js";
import { RpcTarget, RpcStub } from "./rpc.js";
import { WorkerEntrypoint, DurableObject, WorkflowEntrypoint } from "./entrypoints.js";
import { currentEnv, loopbackExports } from "./dispatch.js";

let envOverride = null;

// env is the worker's env, valid at the top level of the script as in
// workerd (bindings are set up before the script runs).
const env = new Proxy({}, {
  get: (_, prop) => (envOverride ?? currentEnv())[prop],
  has: (_, prop) => prop in (envOverride ?? currentEnv()),
  ownKeys: () => Reflect.ownKeys(envOverride ?? currentEnv()),
  getOwnPropertyDescriptor: (_, prop) => {
    const d = Reflect.getOwnPropertyDescriptor(envOverride ?? currentEnv(), prop);
    return d === undefined ? undefined : { ...d, configurable: true };
  },
});

function unsupported(what) {
  return () => {
    throw new Error(`${what} is not supported by Outpost yet.`);
  };
}

// withEnv runs fn with env replaced by newEnv for its synchronous part.
function withEnv(newEnv, fn) {
  const prev = envOverride;
  envOverride = newEnv;
  try {
    return fn();
  } finally {
    envOverride = prev;
  }
}

class RpcPromise {
  constructor() {
    throw new TypeError("Illegal constructor: RpcPromises are made by RPC calls.");
  }
}

export const workersModule = Object.freeze({
  WorkerEntrypoint,
  DurableObject,
  WorkflowEntrypoint,
  RpcTarget,
  RpcStub,
  RpcPromise,
  RpcProperty: RpcPromise,
  ServiceStub: RpcStub,
  env,
  waitUntil(promise) {
    ops.waitUntilCurrent(Promise.resolve(promise));
  },
  withEnv,
  withExports: unsupported("withExports() from cloudflare:workers"),
  withEnvAndExports: unsupported("withEnvAndExports() from cloudflare:workers"),
  // The worker's own entrypoints and Durable Object namespaces (ctx.exports).
  exports: new Proxy({}, {
    get: (_, prop) => loopbackExports()[prop],
    has: (_, prop) => prop in loopbackExports(),
    ownKeys: () => Reflect.ownKeys(loopbackExports()),
    getOwnPropertyDescriptor: (_, prop) => {
      const d = Reflect.getOwnPropertyDescriptor(loopbackExports(), prop);
      return d === undefined ? undefined : { ...d, configurable: true };
    },
  }),
  restore: unsupported("restore() from cloudflare:workers"),
  abortIsolate(reason) {
    throw new Error(`abortIsolate() is not supported by Outpost${reason === undefined ? "" : ` (reason: ${reason})`}.`);
  },
  tracing: Object.freeze({ enterSpan: (name, fn, ...args) => fn(...args) }),
  cache: new Proxy({}, { get: (_, prop) => (typeof prop === "symbol" ? undefined : unsupported(`cache.${String(prop)} from cloudflare:workers`)()) }),
});
