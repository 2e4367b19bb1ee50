// The Web API prelude: evaluated in every instance before the worker's
// script. Installs the platform globals and registers the host hooks.
import "./symbols.js";
import "./wasm.js";
import ops from "./ops.js";
import { DOMException } from "./domexception.js";
import { Event, EventTarget, CustomEvent, setErrorReporter, hasListeners, dispatch, setTrusted } from "./events.js";
import { ErrorEvent } from "./websocket.js";
import { AbortController, AbortSignal } from "./abort.js";
import { setTimeout, setInterval, clearTimeout, clearInterval, queueMicrotask, Scheduler } from "./timers.js";
import { console } from "./console.js";
import { formatError, inspectValue } from "./inspect.js";
import { structuredClone, registerUncloneable } from "./structuredclone.js";
import { atob, btoa } from "./base64.js";
import { TextEncoder, TextDecoder } from "./encoding.js";
import { Crypto, SubtleCrypto, CryptoKey, createCrypto } from "./crypto.js";
import { DigestStream } from "./digeststream.js";
import { performance, Performance, navigator, Navigator } from "./performance.js";
import {
  ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, ReadableStreamDefaultController,
  ReadableByteStreamController, ReadableStreamBYOBRequest,
} from "./readable.js";
import { WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController } from "./writable.js";
import { TransformStream, TransformStreamDefaultController } from "./transform.js";
import { ByteLengthQueuingStrategy, CountQueuingStrategy } from "./strategies.js";
import { TextEncoderStream, TextDecoderStream } from "./textstreams.js";
import { IdentityTransformStream, FixedLengthStream } from "./identitystream.js";
import { Headers } from "./headers.js";
import { Request } from "./request.js";
import { Response } from "./response.js";
import { fetch } from "./fetch.js";
import { Blob, File } from "./blob.js";
import { FormData } from "./formdata.js";
import { URL, URLSearchParams } from "./url.js";
import "./sockets.js";
import { hooks, globalEvents, FetchEvent, ScheduledEvent } from "./dispatch.js";
import { workersModule } from "./workers.js";
import { nameGlobals } from "./util.js";

// An exception nobody caught (reportError, a queueMicrotask callback, an
// event listener): as in a worker, an "error" ErrorEvent goes to the global
// scope first, and the exception is logged unless a listener cancels it.
let reporting = false;
function reportException(e) {
  if (!reporting && hasListeners(globalEvents, "error")) {
    reporting = true;
    try {
      const message = e instanceof Error ? `Uncaught ${e.name}: ${e.message}` : "Uncaught " + inspectValue(e);
      const ev = setTrusted(new ErrorEvent("error", { message, error: e, cancelable: true }));
      if (!dispatch(globalEvents, ev, false)) return;
    } finally {
      reporting = false;
    }
  }
  ops.log("error", "Uncaught " + (e instanceof Error ? formatError(e) : inspectValue(e)));
}
setErrorReporter(reportException);

const crypto = createCrypto();
Object.defineProperty(crypto, "DigestStream", { value: DigestStream, writable: true, configurable: true });

for (const cls of [ReadableStream, WritableStream, TransformStream, Request, Response, Headers, AbortSignal, AbortController, EventTarget, FormData]) {
  registerUncloneable(cls);
}

const globals = {
  console,
  setTimeout, setInterval, clearTimeout, clearInterval, queueMicrotask,
  scheduler: new Scheduler(),
  structuredClone,
  reportError: reportException,
  DOMException,
  Event, EventTarget, CustomEvent,
  AbortController, AbortSignal,
  atob, btoa,
  TextEncoder, TextDecoder, TextEncoderStream, TextDecoderStream,
  crypto, Crypto, SubtleCrypto, CryptoKey,
  performance, Performance, navigator, Navigator,
  ReadableStream, ReadableStreamDefaultReader, ReadableStreamBYOBReader, ReadableStreamDefaultController,
  ReadableByteStreamController, ReadableStreamBYOBRequest,
  WritableStream, WritableStreamDefaultWriter, WritableStreamDefaultController,
  TransformStream, TransformStreamDefaultController,
  ByteLengthQueuingStrategy, CountQueuingStrategy,
  IdentityTransformStream, FixedLengthStream,
  Headers, Request, Response, fetch,
  Blob, File, FormData,
  URL, URLSearchParams,
  FetchEvent, ScheduledEvent,
  addEventListener: (type, listener, options) => globalEvents.addEventListener(type, listener, options),
  removeEventListener: (type, listener, options) => globalEvents.removeEventListener(type, listener, options),
  dispatchEvent: (event) => globalEvents.dispatchEvent(event),
  self: globalThis,
};

// Web IDL makes the attributes and operations on interface prototypes
// enumerable (for...in over an Event lists "type", "target", ...).
for (const name of Object.keys(globals)) {
  const v = globals[name];
  if (typeof v !== "function" || !/^[A-Z]/.test(name) || !v.prototype) continue;
  for (const key of Object.getOwnPropertyNames(v.prototype)) {
    if (key === "constructor") continue;
    const d = Object.getOwnPropertyDescriptor(v.prototype, key);
    if (d.configurable && !d.enumerable) Object.defineProperty(v.prototype, key, { ...d, enumerable: true });
  }
}

nameGlobals(globals);

// Like real globals: writable, configurable, not enumerable.
for (const name of Object.keys(globals)) {
  Object.defineProperty(globalThis, name, { value: globals[name], writable: true, configurable: true, enumerable: false });
}

// The runtime's own modules (cloudflare:workers …): the bundler turns an
// import of one into a call of this global.
const builtins = { "cloudflare:workers": workersModule };
Object.defineProperty(globalThis, "__outpost_builtin", {
  value: function __outpost_builtin(name) {
    if (!Object.hasOwn(builtins, name)) throw new Error(`The module "${name}" is not provided by Outpost.`);
    return builtins[name];
  },
  writable: false, configurable: false, enumerable: false,
});

// The prelude is evaluated before the worker is known (an instance may be
// made ahead of its worker): what depends on the worker's configuration
// happens in setup, before its script runs.
const setupWorker = hooks.setup;
hooks.setup = (info) => {
  setupWorker(info);
  if (ops.nodeConfig().nodeCompat) nodeCompatGlobals();
};
ops.registerHooks(hooks);
import { nodeCompatGlobals } from "./extras.js";
