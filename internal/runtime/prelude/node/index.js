// nodejs_compat: the Node.js built-in modules the bundler turns into
// globalThis.__outpost_require("node:…") calls, and the Buffer, process and
// global globals. Installed only when the worker has nodejs_compat, by the
// first read of one of them (a lazy unit of the prelude: extras.js, which
// also defines global).
import ops from "../ops.js";
import buffer, { Buffer } from "./buffer.js";
import EventEmitter from "./events.js";
import util from "./util.js";
import crypto from "./crypto.js";
import asyncHooks from "./async_hooks.js";
import path from "./path.js";
import timers from "./timers.js";
import url from "./url.js";
import stringDecoder from "./string_decoder.js";
import assert from "./assert.js";
import { createProcess } from "./process.js";
import { installAsyncContext } from "./async_context.js";

// The larger modules are evaluated when first required, not when every
// instance starts (the bundler turns these require calls into lazy
// initialisers), so workers that do not use them pay nothing.
const lazy = {
  stream: () => require("./stream.js"),
  zlib: () => require("./zlib.js").default,
  os: () => require("./os.js").default,
  dns: () => require("./dns.js").default,
  fs: () => require("./fs.js").default,
  querystring: () => require("./querystring.js").default,
  diagnosticsChannel: () => require("./diagnostics_channel.js").default,
  net: () => require("./net.js"),
  http: () => require("./http.js"),
};

// Defines a global unless the worker has set it already (extras.js makes
// these globals accessors that load this unit; one the worker assigned is
// a plain value by now).
function defineGlobal(name, value) {
  const d = Object.getOwnPropertyDescriptor(globalThis, name);
  if (d !== undefined && !("get" in d)) return;
  Object.defineProperty(globalThis, name, { value, writable: true, configurable: true, enumerable: false });
}

let streamWeb;

export function installNodeCompat() {
  const cfg = ops.nodeConfig();
  if (!cfg.nodeCompat) return;
  const process = createProcess(Object.assign({}, cfg.env ?? {}));
  const modules = {
    "buffer": () => buffer,
    "events": () => EventEmitter,
    "util": () => util,
    "util/types": () => util.types,
    "crypto": () => crypto,
    "path": () => path,
    "path/posix": () => path,
    "process": () => process,
    "timers": () => timers,
    "timers/promises": () => timers.promises,
    "url": () => url,
    "string_decoder": () => stringDecoder,
    "assert": () => assert,
    "assert/strict": () => assert,
    "stream": () => lazy.stream().default,
    "stream/promises": () => lazy.stream().default.promises,
    "stream/web": () => (streamWeb ??= lazy.stream().webStreams()),
    "stream/consumers": () => lazy.stream().consumers,
    "_stream_readable": () => lazy.stream().Readable,
    "_stream_writable": () => lazy.stream().Writable,
    "_stream_duplex": () => lazy.stream().Duplex,
    "_stream_transform": () => lazy.stream().Transform,
    "_stream_passthrough": () => lazy.stream().PassThrough,
    "zlib": () => lazy.zlib(),
    "os": () => lazy.os(),
    "dns": () => lazy.dns(),
    "dns/promises": () => lazy.dns().promises,
    "fs": () => lazy.fs(),
    "fs/promises": () => lazy.fs().promises,
    "querystring": () => lazy.querystring(),
    "diagnostics_channel": () => lazy.diagnosticsChannel(),
    "net": () => lazy.net().default,
    "tls": () => lazy.net().tls,
    "http": (opts) => lazy.http().loadHTTP(opts),
    "https": (opts) => lazy.http().loadHTTPS(opts),
    "cloudflare:node": (opts) => {
      lazy.http().loadHTTP(opts);
      return lazy.http().cloudflareNode;
    },
    // Context propagation costs a wrapper per promise reaction: only
    // workers that load async_hooks pay it.
    "async_hooks": () => {
      installAsyncContext();
      return asyncHooks;
    },
  };
  defineGlobal("__outpost_require", function __outpost_require(specifier, options) {
    const spec = String(specifier);
    const name = spec.startsWith("node:") ? spec.slice(5) : spec;
    const load = Object.hasOwn(modules, name) ? modules[name] : undefined;
    if (!load) throw new Error(name.includes(":") ? `No such module "${name}".` : `No such module "node:${name}".`);
    return load(options);
  });
  defineGlobal("Buffer", Buffer);
  defineGlobal("process", process);
}
