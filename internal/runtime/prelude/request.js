// Request (Fetch Standard, with Workers' cf and redirect semantics).
import { Headers, kList, fillHeaders, setGuard, headersFromPairs } from "./headers.js";
import { kBody, emptyBody, extractBody, sidBody, cloneBody, takeBody, bodyUsed, mixinBody } from "./body.js";
import { URL } from "./url.js";
import { AbortSignal, AbortController } from "./abort.js";
import { inspectSymbol } from "./util.js";

export const kReq = Symbol("#request");

const tokenRe = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
const normalMethods = new Set(["DELETE", "GET", "HEAD", "OPTIONS", "POST", "PUT"]);
const forbiddenMethods = new Set(["CONNECT", "TRACE", "TRACK"]);
const redirectModes = new Set(["follow", "manual", "error"]);

function normalizeMethod(m) {
  const s = String(m);
  if (!tokenRe.test(s)) throw new TypeError(`Invalid HTTP method string: ${s}`);
  const upper = s.toUpperCase();
  if (forbiddenMethods.has(upper)) throw new TypeError(`'${s}' HTTP method is unsupported.`);
  return normalMethods.has(upper) ? upper : s;
}

function parseURL(input) {
  try {
    return new URL(input).href;
  } catch {
    throw new TypeError(`Invalid URL: ${input}`);
  }
}

export class Request {
  constructor(input, init = undefined) {
    if (arguments.length === 0) throw new TypeError("Failed to construct 'Request': 1 argument required, but only 0 present.");
    if (init !== undefined && init !== null && typeof init !== "object") {
      throw new TypeError("Failed to construct 'Request': The provided value is not of type 'RequestInit'.");
    }
    let url;
    let method = "GET";
    let headers;
    let redirect = "follow";
    let signal = null;
    let cf;
    let inputBody = null;
    if (input instanceof Request) {
      const r = input[kReq];
      url = r.url;
      method = r.method;
      redirect = r.redirect;
      signal = r.signal;
      cf = r.cf;
      inputBody = input[kBody];
      headers = r.headers;
    } else {
      url = parseURL(String(input));
    }
    if (init?.method !== undefined) method = normalizeMethod(init.method);
    if (init?.redirect !== undefined) {
      const rm = String(init.redirect);
      if (!redirectModes.has(rm)) throw new TypeError(`Failed to construct 'Request': The provided value '${rm}' is not a valid enum value of type RequestRedirect.`);
      redirect = rm;
    }
    if (init && "signal" in init && init.signal !== undefined) {
      if (init.signal !== null && !(init.signal instanceof AbortSignal)) {
        throw new TypeError("Failed to construct 'Request': member signal is not of type AbortSignal.");
      }
      signal = init.signal;
    }
    if (init?.cf !== undefined) cf = init.cf;
    const h = new Headers();
    if (init?.headers !== undefined) fillHeaders(h, init.headers);
    else if (headers) for (const p of headers[kList]) h[kList].push([p[0], p[1]]);
    let body;
    const initBody = init?.body;
    if ((initBody !== undefined && initBody !== null) || (inputBody && inputBody.kind !== "none")) {
      if (method === "GET" || method === "HEAD") {
        if (initBody !== undefined && initBody !== null) throw new TypeError("Request with a GET or HEAD method cannot have a body.");
      }
    }
    if (initBody !== undefined && initBody !== null) {
      const [b, type] = extractBody(initBody);
      body = b;
      if (type !== null && !h.has("content-type")) h[kList].push(["content-type", type]);
    } else if (initBody === null || inputBody === null) {
      body = emptyBody();
    } else {
      if (bodyUsed(inputBody)) throw new TypeError("Cannot reconstruct a Request with a used body.");
      body = method === "GET" || method === "HEAD" ? emptyBody() : takeBody(inputBody);
    }
    setGuard(h, "request");
    this[kReq] = { method, url, headers: h, redirect, signal, cf };
    this[kBody] = body;
  }
  get method() { return this[kReq].method; }
  get url() { return this[kReq].url; }
  get headers() { return this[kReq].headers; }
  get redirect() { return this[kReq].redirect; }
  get signal() {
    const r = this[kReq];
    // Requests without a signal still expose one that never aborts.
    if (r.signal === null) r.signal = new AbortController().signal;
    return r.signal;
  }
  get cf() {
    // The host sends request.cf as JSON text; most handlers never read it.
    const r = this[kReq];
    if (typeof r.cf === "string") r.cf = JSON.parse(r.cf);
    return r.cf;
  }
  get fetcher() { return null; }
  get integrity() { return ""; }
  get keepalive() { return false; }
  get cache() { return undefined; }
  clone() {
    if (bodyUsed(this[kBody])) throw new TypeError("Failed to execute 'clone' on 'Request': Request body is already used");
    const r = this[kReq];
    const out = Object.create(Object.getPrototypeOf(this));
    const h = new Headers();
    for (const p of r.headers[kList]) h[kList].push([p[0], p[1]]);
    setGuard(h, "request");
    out[kReq] = { method: r.method, url: r.url, headers: h, redirect: r.redirect, signal: r.signal, cf: r.cf };
    out[kBody] = cloneBody(this[kBody]);
    return out;
  }
}
mixinBody(Request, (req) => req[kReq].headers.get("content-type"));
Object.defineProperty(Request.prototype, Symbol.toStringTag, { value: "Request", configurable: true });
Object.defineProperty(Request.prototype, inspectSymbol, {
  value: function inspect(depth, options, inspect) {
    const r = this[kReq];
    return `Request ${inspect({ method: r.method, url: r.url, headers: r.headers, redirect: r.redirect, bodyUsed: this.bodyUsed, cf: r.cf }, options)}`;
  },
});

// The request a worker receives: built from the host's plain object
// without re-parsing the URL or re-validating headers.
function declaredLength(headers) {
  const v = headers.get("content-length");
  return v !== null && /^[0-9]+$/.test(v) ? Number(v) : -1;
}

export function incomingRequest(req) {
  const r = Object.create(Request.prototype);
  r[kReq] = {
    method: req.method,
    url: req.url,
    headers: headersFromPairs(req.headers, "immutable"),
    redirect: "manual",
    signal: null,
    cf: req.cf,
  };
  r[kBody] = req.body === null || req.body === undefined ? emptyBody() : sidBody(req.body, declaredLength(r[kReq].headers));
  return r;
}
