// nodejs_compat: the Node.js built-in modules the bundler turns into
// globalThis.__outpost_require("node:…") calls, and the Buffer, process and
// global globals. Installed only when the worker has nodejs_compat.
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
import stream, { webStreams, consumers as streamConsumers } from "./stream.js";
import zlib from "./zlib.js";
import os from "./os.js";
import dns from "./dns.js";
import fs from "./fs.js";
import net, { tls } from "./net.js";
import { loadHTTP, loadHTTPS, cloudflareNode } from "./http.js";

function defineGlobal(name, value) {
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
    "stream": () => stream,
    "stream/promises": () => stream.promises,
    "stream/web": () => (streamWeb ??= webStreams()),
    "stream/consumers": () => streamConsumers,
    "_stream_readable": () => stream.Readable,
    "_stream_writable": () => stream.Writable,
    "_stream_duplex": () => stream.Duplex,
    "_stream_transform": () => stream.Transform,
    "_stream_passthrough": () => stream.PassThrough,
    "zlib": () => zlib,
    "os": () => os,
    "dns": () => dns,
    "fs": () => fs,
    "net": () => net,
    "tls": () => tls,
    "fs/promises": () => fs.promises,
    "http": (opts) => loadHTTP(opts),
    "https": (opts) => loadHTTPS(opts),
    "cloudflare:node": (opts) => {
      loadHTTP(opts);
      return cloudflareNode;
    },
    "dns/promises": () => dns.promises,
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
  defineGlobal("global", globalThis);
}
