// Runs the prelude under Node for development: fakes globalThis.__outpost_ops
// with Node APIs, removes Node's own Web APIs so the prelude's are tested,
// then runs the *.test.js files given on the command line.
//
//   node --experimental-default-type=module testdata/node-shim.mjs testdata/*.test.js testdata/node/*.test.js
import { createHash, randomFillSync } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer, request as httpRequest } from "node:http";
import vm from "node:vm";
import path from "node:path";
import { fileURLToPath } from "node:url";

const here = path.dirname(fileURLToPath(import.meta.url));
const N = {
  URL: globalThis.URL,
  TextDecoder: globalThis.TextDecoder,
  fetch: globalThis.fetch,
  AbortController: globalThis.AbortController,
  setTimeout: globalThis.setTimeout,
  clearTimeout: globalThis.clearTimeout,
  structuredClone: globalThis.structuredClone,
  now: performance.now.bind(performance),
  write: (s) => process.stdout.write(s),
};

// Node 20 lacks ArrayBuffer.prototype.transfer/detached (JavaScriptCore has them).
if (!ArrayBuffer.prototype.transfer) {
  Object.defineProperty(ArrayBuffer.prototype, "transfer", {
    value: function transfer() { return N.structuredClone(this, { transfer: [this] }); },
    writable: true, configurable: true,
  });
  Object.defineProperty(ArrayBuffer.prototype, "detached", {
    get() {
      if (this.byteLength !== 0) return false;
      try {
        new Uint8Array(this);
        return false;
      } catch {
        return true;
      }
    },
    configurable: true,
  });
}

for (const name of [
  "fetch", "Request", "Response", "Headers", "FormData", "Blob", "File", "URL", "URLSearchParams",
  "ReadableStream", "ReadableStreamDefaultReader", "ReadableStreamBYOBReader", "ReadableStreamDefaultController",
  "ReadableByteStreamController", "ReadableStreamBYOBRequest", "WritableStream", "WritableStreamDefaultWriter",
  "WritableStreamDefaultController", "TransformStream", "TransformStreamDefaultController", "ByteLengthQueuingStrategy",
  "CountQueuingStrategy", "TextEncoderStream", "TextDecoderStream", "CompressionStream", "DecompressionStream",
  "TextEncoder", "TextDecoder", "AbortController", "AbortSignal", "Event", "EventTarget", "CustomEvent",
  "DOMException", "structuredClone", "atob", "btoa", "crypto", "Crypto", "SubtleCrypto", "CryptoKey", "navigator",
  "performance", "Performance", "queueMicrotask", "setTimeout", "setInterval", "clearTimeout", "clearInterval",
  "MessageChannel", "MessagePort", "MessageEvent", "BroadcastChannel", "WebSocket",
]) {
  delete globalThis[name];
}

const nodeDecoders = new Map();
const timers = new Map();
const streams = new Map();
let nextSid = 1;
export const logs = [];
export const waitUntils = [];
let hooks = null;

// Host streams: an array of chunks (or an Error to fail with).
export function hostStream(chunks) {
  const sid = nextSid++;
  streams.set(sid, { chunks: chunks.slice(), canceled: false });
  return sid;
}
export function hostStreamState(sid) {
  return streams.get(sid);
}

const ops = {
  log(level, text) {
    logs.push({ level, text });
    if (process.env.PRELUDE_VERBOSE) N.write(`[${level}] ${text}\n`);
  },
  monotonicNow: () => N.now(),
  randomFill(u8) { randomFillSync(u8); },
  digest(alg, u8) {
    const name = { "SHA-1": "sha1", "SHA-256": "sha256", "SHA-384": "sha384", "SHA-512": "sha512", MD5: "md5" }[alg];
    return new Uint8Array(createHash(name).update(u8).digest());
  },
  utf8Encode(s) { return new Uint8Array(Buffer.from(s, "utf8")); },
  utf8Decode(u8, fatal, ignoreBOM) {
    const key = `${fatal}/${ignoreBOM}`;
    let d = nodeDecoders.get(key);
    if (!d) nodeDecoders.set(key, (d = new N.TextDecoder("utf-8", { fatal, ignoreBOM })));
    try {
      return d.decode(u8);
    } catch {
      throw new TypeError("The encoded data was not valid for encoding utf-8");
    }
  },
  urlParse(input, base) {
    try {
      const u = base === undefined ? new N.URL(input) : new N.URL(input, base);
      return [u.href, u.protocol, u.username, u.password, u.hostname, u.port, u.pathname, u.search, u.hash].join("\n");
    } catch {
      return null;
    }
  },
  urlSet(href, component, value) {
    try {
      const u = new N.URL(href);
      u[component] = value;
      return [u.href, u.protocol, u.username, u.password, u.hostname, u.port, u.pathname, u.search, u.hash].join("\n");
    } catch {
      return null;
    }
  },
  timerStart(id, delay) {
    timers.set(id, N.setTimeout(() => {
      timers.delete(id);
      hooks.timer(id);
    }, delay));
  },
  timerCancel(id) {
    N.clearTimeout(timers.get(id));
    timers.delete(id);
  },
  streamRead(sid) {
    const st = streams.get(sid);
    if (!st || st.canceled) return Promise.resolve(null);
    if (st.chunks.length === 0) return Promise.resolve(null);
    const c = st.chunks.shift();
    if (c instanceof Error) return Promise.reject(c);
    return new Promise((r) => N.setTimeout(() => r(typeof c === "string" ? ops.utf8Encode(c) : c), 0));
  },
  streamCancel(sid) {
    const st = streams.get(sid);
    if (st) st.canceled = true;
  },
  // fetch over node:http (Node's own fetch needs the globals removed above).
  inflight: new Map(),
  fetch(req) {
    return new Promise((resolve, reject) => {
      const go = (url, method, body, redirected, hops) => {
        const headers = {};
        for (const [k, v] of req.headers) headers[k] = k in headers ? [].concat(headers[k], v) : v;
        const r = httpRequest(url, { method, headers }, (res) => {
          const loc = res.headers.location;
          if (req.redirect === "follow" && loc && res.statusCode >= 300 && res.statusCode < 400) {
            res.resume();
            if (hops > 20) return reject(new TypeError("too many redirects"));
            return go(new N.URL(loc, url).href, method, body, true, hops + 1);
          }
          if (req.redirect === "error" && loc && res.statusCode >= 300 && res.statusCode < 400) {
            res.resume();
            return reject(new TypeError("redirect mode is error"));
          }
          const chunks = [];
          res.on("data", (c) => chunks.push(new Uint8Array(c)));
          res.on("error", reject);
          res.on("end", () => {
            ops.inflight.delete(req.id);
            const headers = [];
            for (let i = 0; i < res.rawHeaders.length; i += 2) headers.push([res.rawHeaders[i].toLowerCase(), res.rawHeaders[i + 1]]);
            resolve({ status: res.statusCode, statusText: res.statusMessage, url, redirected, headers, body: hostStream(chunks) });
          });
        });
        ops.inflight.set(req.id, r);
        r.on("error", (e) => { ops.inflight.delete(req.id); reject(new TypeError(`fetch failed: ${e.message}`)); });
        if (body) r.end(Buffer.from(body)); else r.end();
      };
      go(req.url, req.method, req.body, false, 0);
    });
  },
  fetchAbort(id) {
    ops.inflight.get(id)?.destroy(new Error("aborted"));
  },
  // Node.js compatibility stays off under the shim.
  nodeConfig: () => ({ nodeCompat: false }),
  waitUntil(ctxId, promise) { waitUntils.push({ ctxId, promise }); },
  registerHooks(h) { hooks = h; },
};

export function getHooks() { return hooks; }

// A local origin that echoes requests as JSON, for fetch tests.
async function startEchoServer() {
  const server = createServer((req, res) => {
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      const u = new N.URL(req.url, "http://x");
      if (u.pathname === "/redirect") {
        res.writeHead(302, { location: "/echo?from=redirect" });
        res.end();
        return;
      }
      if (u.pathname === "/slow") {
        N.setTimeout(() => res.end("late"), 2000);
        return;
      }
      const status = Number(u.searchParams.get("status") ?? 200);
      res.writeHead(status, { "content-type": "application/json", "x-echo": "1", "set-cookie": ["a=1", "b=2"] });
      res.end(JSON.stringify({ method: req.method, url: req.url, headers: req.headers, body: Buffer.concat(chunks).toString("utf8") }));
    });
  });
  await new Promise((r) => server.listen(0, "127.0.0.1", r));
  return server;
}

export async function setup() {
  globalThis.__outpost_ops = ops;
  await import(path.join(here, "..", "index.js"));
  return hooks;
}

async function main() {
  const files = process.argv.slice(2);
  const server = await startEchoServer();
  await setup();
  const harness = readFileSync(path.join(here, "harness.js"), "utf8");
  let failed = 0;
  let passed = 0;
  for (const file of files) {
    const code = readFileSync(file, "utf8");
    const done = new Promise((resolve) => {
      globalThis.__report = (report) => resolve(report);
    });
    globalThis.__testOrigin = `http://127.0.0.1:${server.address().port}`;
    globalThis.__node = { logs, hooks, hostStream, hostStreamState, waitUntils };
    vm.runInThisContext(harness, { filename: path.join(here, "harness.js") });
    vm.runInThisContext(code, { filename: file });
    const report = await done;
    // Reports from other harnesses may only list failures.
    report.results ??= [
      ...(report.failures ?? []).map((f) => ({ name: f.name, ok: false, error: f.error })),
      ...Array.from({ length: report.passed ?? 0 }, (_, i) => ({ name: `case ${i + 1}`, ok: true })),
    ];
    for (const r of report.results) {
      if (r.ok) passed++;
      else failed++;
      if (!r.ok || process.env.PRELUDE_VERBOSE) N.write(`${r.ok ? "ok  " : "FAIL"} ${path.basename(file)}: ${r.name}${r.ok ? "" : "\n     " + r.error}\n`);
    }
  }
  N.write(`${passed} passed, ${failed} failed\n`);
  server.close();
  process.exit(failed ? 1 : 0);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  main().catch((e) => {
    N.write(`shim error: ${e?.stack ?? e}\n`);
    process.exit(2);
  });
}
