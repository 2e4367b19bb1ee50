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

// The global scope's event target in service-worker format.
export const globalEvents = new EventTarget();

let format = null;
let env = {};
let handler = null; // modules: the default export
let handlerIsClass = false;

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
}
Object.defineProperty(ExecutionContext.prototype, Symbol.toStringTag, { value: "ExecutionContext", configurable: true });

function makeContext(id) {
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
    const def = entry?.default;
    const proto = typeof def === "function" ? def.prototype : undefined;
    handlerIsClass = typeof proto?.fetch === "function" || typeof proto?.scheduled === "function";
    if (!handlerIsClass && (def === null || typeof def !== "object" ||
        (typeof def.fetch !== "function" && typeof def.scheduled !== "function"))) {
      throw new Error("The worker's default export has no fetch or scheduled handler. Export one: export default { async fetch(request, env, ctx) { return new Response(\"Hello\"); } }");
    }
    handler = def;
  } else if (!hasListeners(globalEvents, "fetch") && !hasListeners(globalEvents, "scheduled")) {
    throw new Error("The worker script registered no \"fetch\" event listener. Add one: addEventListener(\"fetch\", (event) => event.respondWith(new Response(\"Hello\")))");
  }
}

const notResponse = "Incorrect type for Promise: the Promise did not resolve to 'Response'.";

function toHostResult(response) {
  if (!(response instanceof Response)) throw new TypeError(notResponse);
  const r = response[kRes];
  if (r.type === "error") throw new TypeError("Return value from serve handler must not be an error response (like Response.error())");
  const out = { status: r.status, statusText: r.statusText, headers: headerString(r.headers), body: bodyForHost(response[kBody]) };
  if (r.webSocket !== null) out.webSocket = coupleWebSocket(r.webSocket);
  return out;
}

const passThroughResult = { passThrough: true };

function fetchModules(request, ctx) {
  let result;
  const hasFetch = handlerIsClass ? typeof handler.prototype.fetch === "function" : typeof handler.fetch === "function";
  if (!hasFetch) return Promise.reject(new Error("Handler does not export a fetch() function."));
  try {
    result = handlerIsClass ? new handler(ctx, env).fetch(request) : handler.fetch(request, env, ctx);
  } catch (e) {
    if (ctx[kCtx].passThrough) return Promise.resolve(passThroughResult);
    return Promise.reject(e);
  }
  // Synchronous Response: skip a promise turn.
  if (result instanceof Response) {
    try {
      return Promise.resolve(toHostResult(result));
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

function fetchHook(req, ctxId) {
  const request = incomingRequest(req);
  const ctx = makeContext(ctxId);
  return format === "modules" ? fetchModules(request, ctx) : fetchServiceWorker(request, ctx);
}

// fetchArgs is fetchHook with the request's parts as arguments: building
// the object here is cheaper than setting its properties one by one from Go.
function fetchArgs(method, url, headers, body, cf, ctxId) {
  return fetchHook({ method, url, headers, body, cf }, ctxId);
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

export const hooks = {
  setup,
  init,
  fetch: fetchHook,
  fetchArgs,
  scheduled: scheduledHook,
  timer: fireTimer,
};
