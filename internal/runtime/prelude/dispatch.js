// Handler dispatch: the hooks the host calls (init, fetch, scheduled, timer).
import ops from "./ops.js";
import { Event, EventTarget, dispatch, hasListeners, setTrusted } from "./events.js";
import { Response, kRes } from "./response.js";
import { kBody, bodyForHost } from "./body.js";
import { incomingRequest } from "./request.js";
import { buildEnv } from "./bindings.js";
import { fireTimer } from "./timers.js";
import { DOMException } from "./domexception.js";
import { illegalConstructor } from "./util.js";
import { headerString } from "./headers.js";
import { coupleWebSocket } from "./websocket.js";
import { decode, encodeResult, encodeThrow, invokePath, reservedOnEntrypoints, rpcInvoke } from "./rpc.js";
import { WorkerEntrypoint } from "./entrypoints.js";

// The global scope's event target in service-worker format.
export const globalEvents = new EventTarget();

let format = null;
let env = {};
let handler = null; // modules: the default export
let handlerIsClass = false;
let moduleExports = {}; // modules: every export, for named entrypoints

// The env the worker was given (cloudflare:workers' env).
export function currentEnv() {
  return env;
}

// A class the worker's module exports (Durable Object classes).
export function exportedClass(name) {
  const v = moduleExports[name];
  return typeof v === "function" ? v : undefined;
}

// ctx.exports (and exports from cloudflare:workers): for each of the
// worker's own entrypoints a stub that calls it as a service binding would,
// and for each Durable Object class a namespace. Extensions say how to make
// them (registerLoopback); the object is made once.
const loopbackMakers = [];
export function registerLoopback(maker) {
  loopbackMakers.push(maker);
}
let loopback = null;
export function loopbackExports() {
  if (loopback !== null) return loopback;
  loopback = {};
  if (format !== "modules") return loopback;
  for (const name of Object.keys(moduleExports)) {
    for (const make of loopbackMakers) {
      let v;
      try {
        v = make(name === "default" ? "" : name, moduleExports[name]);
      } catch (e) {
        // Unusable (an undeclared Durable Object class): say why on use.
        Object.defineProperty(loopback, name, { get() { throw e; }, enumerable: true });
        break;
      }
      if (v !== undefined) {
        loopback[name] = v;
        break;
      }
    }
  }
  return Object.freeze(loopback);
}

// The Durable Objects extension runs objects through this host:
// { fetch(request, address, ctxId), call(address, path, args, ctxId) }.
let objectHost = null;
export function registerObjectHost(host) {
  objectHost = host;
}

// The Queues extension makes consumer batches through this host:
// { batch(queueName, messages) → { batch, result() }, event(batch, ctx) }.
let queueHost = null;
export function registerQueueHost(host) {
  queueHost = host;
}

function noObjects() {
  return new Error("This worker cannot run Durable Objects here.");
}

const kCtx = Symbol("#ctx");
let constructingCtx = false;

export class ExecutionContext {
  constructor() {
    if (!constructingCtx) illegalConstructor();
  }
  waitUntil(promise) {
    ops.waitUntil(this[kCtx].id, Promise.resolve(promise));
  }
  passThroughOnException() {
    this[kCtx].passThrough = true;
  }
  get props() { return this[kCtx].props; }
  get exports() { return loopbackExports(); }
}
Object.defineProperty(ExecutionContext.prototype, Symbol.toStringTag, { value: "ExecutionContext", configurable: true });

export function makeContext(id) {
  constructingCtx = true;
  const ctx = new ExecutionContext();
  constructingCtx = false;
  ctx[kCtx] = { id, passThrough: false, props: {} };
  return ctx;
}

const kEv = Symbol("#event");

export class FetchEvent extends Event {
  constructor(type, init = undefined) {
    super(type);
    this[kEv] = { request: init?.request ?? null, response: null, responded: false, ctx: null, dispatched: false };
  }
  get request() { return this[kEv].request; }
  respondWith(response) {
    const st = this[kEv];
    if (st.responded) throw new DOMException("FetchEvent.respondWith() may only be called once.", "InvalidStateError");
    if (st.dispatched) throw new DOMException("FetchEvent.respondWith() must be called synchronously from within the event listener.", "InvalidStateError");
    st.responded = true;
    st.response = response;
    this.stopImmediatePropagation();
  }
  waitUntil(promise) {
    const ctx = this[kEv].ctx;
    if (ctx) ctx.waitUntil(promise);
  }
  passThroughOnException() {
    const ctx = this[kEv].ctx;
    if (ctx) ctx.passThroughOnException();
  }
}
Object.defineProperty(FetchEvent.prototype, Symbol.toStringTag, { value: "FetchEvent", configurable: true });

export class ScheduledEvent extends Event {
  constructor(type, init = undefined) {
    super(type);
    this[kEv] = { cron: String(init?.cron ?? ""), scheduledTime: Number(init?.scheduledTime ?? Date.now()), noRetry: false, ctx: null };
  }
  get cron() { return this[kEv].cron; }
  get scheduledTime() { return this[kEv].scheduledTime; }
  noRetry() { this[kEv].noRetry = true; }
  waitUntil(promise) {
    const ctx = this[kEv].ctx;
    if (ctx) ctx.waitUntil(promise);
  }
}
Object.defineProperty(ScheduledEvent.prototype, Symbol.toStringTag, { value: "ScheduledEvent", configurable: true });

// setup runs before the worker's script: it builds env and, for
// service-worker scripts, installs the bindings as globals so that
// top-level code can use them, as on Cloudflare.
function setup(info) {
  format = info?.format;
  if (format !== "modules" && format !== "service-worker") {
    throw new Error(`hooks.setup: unknown script format "${format}" (want "modules" or "service-worker")`);
  }
  env = buildEnv(info?.vars, info?.bindings);
  if (format === "service-worker") {
    for (const name of Object.keys(env)) {
      Object.defineProperty(globalThis, name, { value: env[name], writable: true, configurable: true, enumerable: true });
    }
  }
}

// init runs after the worker's script and checks it has a handler.
function init() {
  if (format === "modules") {
    const entry = globalThis.__outpost_entry;
    delete globalThis.__outpost_entry;
    moduleExports = entry ?? {};
    const def = entry?.default;
    const proto = typeof def === "function" ? def.prototype : undefined;
    handlerIsClass = proto instanceof WorkerEntrypoint || typeof proto?.fetch === "function" || typeof proto?.scheduled === "function" ||
      typeof proto?.queue === "function";
    const namedEntrypoints = Object.keys(moduleExports).some((k) => k !== "default" && isEntrypointClass(moduleExports[k]));
    if (!handlerIsClass && !namedEntrypoints && (def === null || typeof def !== "object" ||
        (typeof def.fetch !== "function" && typeof def.scheduled !== "function" && typeof def.queue !== "function"))) {
      throw new Error("The worker's default export has no fetch, scheduled or queue handler. Export one: export default { async fetch(request, env, ctx) { return new Response(\"Hello\"); } }");
    }
    handler = def;
  } else if (!hasListeners(globalEvents, "fetch") && !hasListeners(globalEvents, "scheduled") && !hasListeners(globalEvents, "queue")) {
    throw new Error("The worker script registered no \"fetch\" event listener. Add one: addEventListener(\"fetch\", (event) => event.respondWith(new Response(\"Hello\")))");
  }
}

const notResponse = "Incorrect type for Promise: the Promise did not resolve to 'Response'.";

export function toHostResult(response) {
  if (!(response instanceof Response)) throw new TypeError(notResponse);
  const r = response[kRes];
  if (r.type === "error") throw new TypeError("Return value from serve handler must not be an error response (like Response.error())");
  // One string for the head: the host reads it in one call (dispatch.go's
  // responseFromJS). statusText and header values hold no newlines.
  const ws = r.webSocket !== null ? coupleWebSocket(r.webSocket) : "";
  const encodeBody = r.encodeBody === "manual" ? "manual" : "";
  return { head: r.status + "\n" + r.statusText + "\n" + encodeBody + "\n" + ws + "\n" + headerString(r.headers), body: bodyForHost(response[kBody]) };
}

const passThroughResult = { passThrough: true };

function isEntrypointClass(v) {
  return typeof v === "function" && v.prototype instanceof WorkerEntrypoint;
}

// entrypoint finds the export a call is for: "" is the default export.
function entrypoint(name) {
  if (!name) return { target: handler, isClass: handlerIsClass };
  const v = moduleExports[name];
  if (!isEntrypointClass(v) && !(typeof v === "object" && v !== null)) {
    throw new Error(`The worker has no entrypoint named "${name}": export a class extending WorkerEntrypoint with that name.`);
  }
  return { target: v, isClass: typeof v === "function" };
}

function fetchModules(request, ctx, entrypointName) {
  let result;
  let ep;
  try {
    ep = entrypoint(entrypointName);
  } catch (e) {
    return Promise.reject(e);
  }
  const hasFetch = ep.isClass ? typeof ep.target?.prototype?.fetch === "function" : typeof ep.target?.fetch === "function";
  if (!hasFetch) return Promise.reject(new Error("Handler does not export a fetch() function."));
  try {
    result = ep.isClass ? new ep.target(ctx, env).fetch(request) : ep.target.fetch(request, env, ctx);
  } catch (e) {
    if (ctx[kCtx].passThrough) return Promise.resolve(passThroughResult);
    return Promise.reject(e);
  }
  // Synchronous Response: answered without a promise turn.
  if (result instanceof Response) {
    try {
      return toHostResult(result);
    } catch (e) {
      return Promise.reject(e);
    }
  }
  return Promise.resolve(result).then(toHostResult, (e) => {
    if (ctx[kCtx].passThrough) return passThroughResult;
    throw e;
  });
}

function fetchServiceWorker(request, ctx) {
  if (!hasListeners(globalEvents, "fetch")) {
    return Promise.reject(new Error("No fetch event listener was registered by the worker script."));
  }
  const ev = setTrusted(new FetchEvent("fetch", { request }));
  ev[kEv].ctx = ctx;
  try {
    dispatch(globalEvents, ev, true);
  } catch (e) {
    if (ctx[kCtx].passThrough) return Promise.resolve(passThroughResult);
    return Promise.reject(e);
  } finally {
    ev[kEv].dispatched = true;
  }
  if (!ev[kEv].responded) return Promise.resolve(passThroughResult);
  return Promise.resolve(ev[kEv].response).then(toHostResult, (e) => {
    if (ctx[kCtx].passThrough) return passThroughResult;
    throw e;
  });
}

function fetchHook(req, ctxId, entrypointName, object) {
  const request = incomingRequest(req);
  if (object) {
    if (!objectHost) return Promise.reject(noObjects());
    return Promise.resolve().then(() => objectHost.fetch(request, object, ctxId)).then(toHostResult);
  }
  const ctx = makeContext(ctxId);
  return format === "modules" ? fetchModules(request, ctx, entrypointName) : fetchServiceWorker(request, ctx);
}

// fetchArgs is fetchHook with the request's parts as arguments: building
// the object here is cheaper than setting its properties one by one from Go.
function fetchArgs(method, url, headers, body, cf, ctxId, entrypointName, object) {
  return fetchHook({ method, url, headers, body, cf }, ctxId, entrypointName, object);
}

// rpcObject runs a method of a Durable Object (or its alarm handler).
async function rpcObject(className, id, name, path, argsMsg, ctxId) {
  try {
    if (!objectHost) throw noObjects();
    const args = argsMsg === null ? null : decode(argsMsg);
    return encodeResult(await objectHost.call({ class: className, id, name }, path, args, ctxId));
  } catch (e) {
    return encodeThrow(e);
  }
}

// rpcEntrypoint runs a call that came over RPC (a service binding's
// method): on a class entrypoint, a method of a new instance made with
// ctx and env; on an object entrypoint, a handler function taking
// (arg, env, ctx), as workerd allows.
async function rpcEntrypoint(entrypointName, path, argsMsg, ctxId) {
  try {
    if (format !== "modules") throw new TypeError("This worker does not export any entrypoints: it is written in service-worker syntax, which RPC cannot call.");
    const args = argsMsg === null ? null : decode(argsMsg);
    const ep = entrypoint(entrypointName);
    const ctx = makeContext(ctxId);
    if (ep.isClass) {
      return encodeResult(await invokePath(new ep.target(ctx, env), path, args, reservedOnEntrypoints));
    }
    const name = path[0];
    if (path.length !== 1 || reservedOnEntrypoints.has(name)) {
      throw new TypeError(`'${name}' is a reserved method and cannot be called over RPC.`);
    }
    const fn = Object.hasOwn(ep.target, name) ? ep.target[name] : undefined;
    if (typeof fn !== "function") throw new TypeError(`The RPC receiver does not implement the method "${name}".`);
    if (args === null) return encodeResult(fn);
    if (fn.length !== 3) {
      throw new TypeError(`Cannot call handler function "${name}" over RPC because it has the wrong number of arguments. ` +
        "A simple function handler can only be called over RPC if it has exactly the arguments (arg, env, ctx), where only the first argument comes from the client. " +
        "To support multi-argument RPC functions, use class-based syntax (extending WorkerEntrypoint) instead.");
    }
    if (args.length !== 1) {
      throw new TypeError(`Attempted to call RPC function "${name}" with the wrong number of arguments. ` +
        "When calling a top-level handler function that is not declared as part of a class, you must always send exactly one argument. " +
        "In order to support variable numbers of arguments, the server must use class-based syntax (extending WorkerEntrypoint) instead.");
    }
    return encodeResult(await fn.call(ep.target, args[0], env, ctx));
  } catch (e) {
    return encodeThrow(e);
  }
}

function scheduledHook(ev, ctxId) {
  const ctx = makeContext(ctxId);
  const cron = String(ev?.cron ?? "");
  const scheduledTime = Number(ev?.scheduledTime ?? Date.now());
  if (format === "modules") {
    let fn;
    let target;
    if (handlerIsClass) {
      target = new handler(ctx, env);
      fn = target.scheduled;
    } else {
      target = handler;
      fn = handler?.scheduled;
    }
    if (typeof fn !== "function") {
      return Promise.reject(new Error("The worker's default export has no scheduled handler. Export one: export default { async scheduled(controller, env, ctx) { ... } }"));
    }
    const st = { noRetry: false };
    const controller = {
      cron,
      scheduledTime,
      type: "scheduled",
      noRetry() { st.noRetry = true; },
    };
    try {
      const p = handlerIsClass ? fn.call(target, controller) : fn.call(target, controller, env, ctx);
      return Promise.resolve(p).then(() => ({ noRetry: st.noRetry }));
    } catch (e) {
      return Promise.reject(e);
    }
  }
  if (!hasListeners(globalEvents, "scheduled")) {
    return Promise.reject(new Error("The worker script registered no \"scheduled\" event listener. Add one: addEventListener(\"scheduled\", (event) => { ... })"));
  }
  const sev = setTrusted(new ScheduledEvent("scheduled", { cron, scheduledTime }));
  sev[kEv].ctx = ctx;
  try {
    dispatch(globalEvents, sev, true);
  } catch (e) {
    return Promise.reject(e);
  }
  return Promise.resolve({ noRetry: sev[kEv].noRetry });
}

// queueHook runs a consumer's queue handler with a batch (metrics: the
// queue's backlog as [count, bytes, oldest ms or null]). It resolves to
// { threw, error, read }: read() gives what the handler decided ({ ackAll,
// retryAll, retryDelay, acks, retries }), called by the host once the
// waitUntil work is done too; what the handler decided before it threw
// still counts.
async function queueHook(queueName, messages, ctxId, metrics) {
  let made = null;
  const read = () => (made ? made.result() : {});
  try {
    if (!queueHost) throw new Error("This worker cannot consume queues here.");
    const ctx = makeContext(ctxId);
    made = queueHost.batch(queueName, messages, metrics);
    if (format === "modules") {
      const target = handlerIsClass ? new handler(ctx, env) : handler;
      const fn = target?.queue;
      if (typeof fn !== "function") throw new Error("Handler does not export a queue() function.");
      await (handlerIsClass ? fn.call(target, made.batch) : fn.call(target, made.batch, env, ctx));
    } else {
      if (!hasListeners(globalEvents, "queue")) throw new Error("No event listener registered for queue messages.");
      dispatch(globalEvents, setTrusted(queueHost.event(made.batch, ctx)), true);
    }
    return { threw: false, read };
  } catch (e) {
    return { threw: true, error: e, read };
  }
}

export const hooks = {
  setup,
  init,
  fetch: fetchHook,
  fetchArgs,
  scheduled: scheduledHook,
  queue: queueHook,
  timer: fireTimer,
  rpcEntrypoint,
  rpcInvoke,
  rpcObject,
};
