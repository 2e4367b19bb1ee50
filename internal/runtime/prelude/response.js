// Response (Fetch Standard, as Workers implement it).
import ops from "./ops.js";
import { Headers, kList, fillHeaders, setGuard, getGuard, headersFromPairs } from "./headers.js";
import { kBody, emptyBody, extractBody, sidBody, cloneBody, bodyUsed, mixinBody } from "./body.js";
import { URL } from "./url.js";
import { inspectSymbol } from "./util.js";
import { WebSocket } from "./websocket.js";

export const kRes = Symbol("#response");

const nullBodyStatus = new Set([101, 204, 205, 304]);
const redirectStatus = new Set([301, 302, 303, 307, 308]);
const reasonRe = /^[\t\x20-\x7e\x80-\xff]*$/;

function initResponse(res, body, init, contentType) {
  let status = 200;
  let statusText = "";
  let encodeBody = "automatic";
  if (init !== undefined && init !== null) {
    if (typeof init !== "object") throw new TypeError("Failed to construct 'Response': The provided value is not of type 'ResponseInit'.");
    if (init.status !== undefined) {
      status = Number(init.status);
      const ok = (status >= 200 && status <= 599 && Number.isInteger(status)) || (status === 101 && init.webSocket != null);
      if (!ok) throw new RangeError(`Responses may only be constructed with status codes in the range 200 to 599, inclusive. Got ${init.status}.`);
    }
    if (init.webSocket != null) {
      if (!(init.webSocket instanceof WebSocket)) throw new TypeError("Failed to construct 'Response': member webSocket is not of type WebSocket.");
      if (status !== 101) throw new RangeError("Responses with a WebSocket must have status code 101.");
    }
    if (init.encodeBody !== undefined) {
      // "manual": the body is already in its Content-Encoding, send it as is.
      encodeBody = String(init.encodeBody);
      if (encodeBody !== "automatic" && encodeBody !== "manual") throw new TypeError(`encodeBody: unexpected value: ${encodeBody}`);
    }
    if (init.statusText !== undefined) {
      statusText = String(init.statusText);
      if (!reasonRe.test(statusText)) throw new TypeError(`Invalid statusText: "${statusText}"`);
    }
  }
  const h = new Headers();
  if (init?.headers !== undefined) fillHeaders(h, init.headers);
  setGuard(h, "response");
  if (body.kind !== "none" && nullBodyStatus.has(status)) {
    // As on Workers: an empty body held in memory ("", an empty buffer or
    // Blob) counts as no body; anything else is an error.
    const empty = (body.kind === "string" && body.source === "") || (body.kind === "bytes" && body.source.byteLength === 0);
    if (!empty) throw new TypeError(`Response with null body status (${status}) cannot have a body.`);
    body = emptyBody();
    contentType = null;
  }
  if (contentType !== null && !h.has("content-type")) h[kList].push(["content-type", contentType]);
  res[kRes] = { status, statusText, headers: h, url: "", redirected: false, type: "default", cf: init?.cf, webSocket: init?.webSocket ?? null, urlList: null, encodeBody };
  res[kBody] = body;
}

export class Response {
  constructor(body = null, init = undefined) {
    if (body === null || body === undefined) {
      initResponse(this, emptyBody(), init, null);
    } else if (typeof body === "string" && (init === undefined || init === null)) {
      // Hot path: new Response("text").
      const h = new Headers();
      h[kList].push(["content-type", "text/plain;charset=UTF-8"]);
      setGuard(h, "response");
      this[kRes] = { status: 200, statusText: "", headers: h, url: "", redirected: false, type: "default", cf: undefined, webSocket: null, urlList: null, encodeBody: "automatic" };
      this[kBody] = { kind: "string", source: body, used: false, stream: null, length: -1 };
    } else {
      const [b, type] = extractBody(body);
      initResponse(this, b, init, type);
    }
  }
  static json(data, init = undefined) {
    const text = JSON.stringify(data);
    if (text === undefined) throw new TypeError("Failed to execute 'json' on 'Response': The data is not JSON serializable");
    const res = new Response(null, init);
    if (nullBodyStatus.has(res[kRes].status)) throw new TypeError(`Response with null body status (${res[kRes].status}) cannot have a body.`);
    res[kBody] = { kind: "string", source: text, used: false, stream: null, length: -1 };
    if (!res[kRes].headers.has("content-type")) res[kRes].headers[kList].push(["content-type", "application/json"]);
    return res;
  }
  static redirect(url, status = 302) {
    const s = Number(status);
    if (!redirectStatus.has(s)) throw new RangeError(`${status} is not a redirect status code. It must be one of: 301, 302, 303, 307, or 308.`);
    let href;
    try {
      href = new URL(String(url)).href;
    } catch {
      throw new TypeError(`Failed to execute 'redirect' on 'Response': Invalid URL: ${url}`);
    }
    const res = new Response(null, { status: s });
    res[kRes].headers[kList].push(["location", href]);
    setGuard(res[kRes].headers, "immutable");
    return res;
  }
  static error() {
    const res = new Response(null);
    const r = res[kRes];
    r.status = 0;
    r.type = "error";
    setGuard(r.headers, "immutable");
    return res;
  }
  get status() { return this[kRes].status; }
  get statusText() { return this[kRes].statusText; }
  get ok() { const s = this[kRes].status; return s >= 200 && s <= 299; }
  get headers() { return this[kRes].headers; }
  get url() { return this[kRes].url; }
  get redirected() { return this[kRes].redirected; }
  get type() { return this[kRes].type; }
  get cf() { return this[kRes].cf; }
  get webSocket() { return this[kRes].webSocket; }
  clone() {
    if (bodyUsed(this[kBody])) throw new TypeError("Failed to execute 'clone' on 'Response': Response body is already used");
    const r = this[kRes];
    const out = Object.create(Object.getPrototypeOf(this));
    const h = new Headers();
    for (const p of r.headers[kList]) h[kList].push([p[0], p[1]]);
    setGuard(h, getGuard(r.headers));
    out[kRes] = { ...r, headers: h };
    out[kBody] = cloneBody(this[kBody]);
    return out;
  }
}
mixinBody(Response, (res) => res[kRes].headers.get("content-type"));
Object.defineProperty(Response.prototype, Symbol.toStringTag, { value: "Response", configurable: true });
Object.defineProperty(Response.prototype, inspectSymbol, {
  value: function inspect(depth, options, inspect) {
    const r = this[kRes];
    return `Response ${inspect({ status: r.status, statusText: r.statusText, headers: r.headers, ok: this.ok, redirected: r.redirected, url: r.url, bodyUsed: this.bodyUsed }, options)}`;
  },
});

// A Response for a fetch() result from the host: immutable headers, any status.
export function responseFromHost(res) {
  const out = Object.create(Response.prototype);
  out[kRes] = {
    status: res.status,
    statusText: res.statusText ?? "",
    headers: headersFromPairs(res.headers, "immutable"),
    url: res.url ?? "",
    redirected: !!res.redirected,
    type: "default",
    cf: undefined,
    webSocket: null,
    urlList: null,
    encodeBody: "automatic",
  };
  const hasBody = res.body !== null && res.body !== undefined;
  if (hasBody && nullBodyStatus.has(res.status)) ops.streamCancel(res.body);
  out[kBody] = !hasBody || nullBodyStatus.has(res.status) ? emptyBody() : sidBody(res.body, typeof res.length === "number" ? res.length : -1);
  return out;
}
