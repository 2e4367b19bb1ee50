// node:url — the WHATWG URL classes plus the path/URL conversions.
import { URL, URLSearchParams } from "../url.js";

export function fileURLToPath(url) {
  const u = typeof url === "string" ? new URL(url) : url;
  if (u.protocol !== "file:") {
    throw Object.assign(new TypeError("The URL must be of scheme file"), { code: "ERR_INVALID_URL_SCHEME" });
  }
  if (u.hostname !== "") {
    throw Object.assign(new TypeError('File URL host must be "localhost" or empty on linux'), { code: "ERR_INVALID_FILE_URL_HOST" });
  }
  if (/%2f/i.test(u.pathname)) {
    throw Object.assign(new TypeError("File URL path must not include encoded / characters"), { code: "ERR_INVALID_FILE_URL_PATH" });
  }
  return decodeURIComponent(u.pathname);
}

export function pathToFileURL(path) {
  const abs = path.startsWith("/") ? path : "/" + path;
  const u = new URL("file://");
  u.pathname = abs.replace(/%/g, "%25").replace(/\?/g, "%3F").replace(/#/g, "%23");
  return u;
}

// The legacy API: url.parse, url.format and url.resolve, with Node's Url
// objects (as Workers' node:url offers them).
import qs from "./querystring.js";

export function Url() {
  this.protocol = null;
  this.slashes = null;
  this.auth = null;
  this.host = null;
  this.port = null;
  this.hostname = null;
  this.hash = null;
  this.search = null;
  this.query = null;
  this.pathname = null;
  this.path = null;
  this.href = null;
}

const slashedProtocols = new Set(["http:", "https:", "ftp:", "gopher:", "file:", "ws:", "wss:"]);

export function parse(input, parseQueryString = false, slashesDenoteHost = false) {
  if (input instanceof Url) return input;
  if (typeof input !== "string") {
    throw Object.assign(new TypeError(`The "url" argument must be of type string. Received ${typeof input}`), { code: "ERR_INVALID_ARG_TYPE" });
  }
  const u = new Url();
  let rest = input.trim();
  const hashAt = rest.indexOf("#");
  if (hashAt >= 0) { u.hash = rest.slice(hashAt); rest = rest.slice(0, hashAt); }
  const qAt = rest.indexOf("?");
  if (qAt >= 0) { u.search = rest.slice(qAt); u.query = rest.slice(qAt + 1); rest = rest.slice(0, qAt); }
  else if (parseQueryString) { u.search = ""; u.query = {}; }
  const proto = /^([a-zA-Z][a-zA-Z0-9+\-.]*:)/.exec(rest);
  if (proto) { u.protocol = proto[1].toLowerCase(); rest = rest.slice(proto[1].length); }
  if ((u.protocol && slashedProtocols.has(u.protocol)) || rest.startsWith("//") && (u.protocol || slashesDenoteHost)) {
    if (rest.startsWith("//")) {
      u.slashes = true;
      rest = rest.slice(2);
      const end = rest.search(/[\/\\]/);
      let host = end >= 0 ? rest.slice(0, end) : rest;
      rest = end >= 0 ? rest.slice(end) : "";
      const at = host.lastIndexOf("@");
      if (at >= 0) { u.auth = decodeURIComponent(host.slice(0, at)); host = host.slice(at + 1); }
      const pm = /:(\d*)$/.exec(host);
      if (pm) { if (pm[1]) u.port = pm[1]; host = host.slice(0, -pm[0].length); }
      u.hostname = host.toLowerCase().replace(/^\[(.*)\]$/, "$1");
      u.host = (host.toLowerCase()) + (u.port ? ":" + u.port : "");
      if (u.protocol && slashedProtocols.has(u.protocol) && !rest) rest = "/";
    }
  }
  u.pathname = rest || (u.slashes ? "/" : null);
  if (u.pathname) u.pathname = u.pathname.replace(/\\/g, "/");
  if (parseQueryString) u.query = qs.parse(u.query ?? "");
  u.path = (u.pathname ?? "") + (u.search ?? "") || null;
  u.href = format(u);
  return u;
}

export function format(obj) {
  if (typeof obj === "string") obj = parse(obj);
  if (obj instanceof URL) return obj.href;
  let auth = obj.auth ? encodeURIComponent(obj.auth).replace(/%3A/i, ":") + "@" : "";
  let protocol = obj.protocol || "";
  if (protocol && !protocol.endsWith(":")) protocol += ":";
  let host = "";
  if (obj.host) host = auth + obj.host;
  else if (obj.hostname) {
    host = auth + (obj.hostname.includes(":") ? "[" + obj.hostname + "]" : obj.hostname) + (obj.port ? ":" + obj.port : "");
  }
  let pathname = obj.pathname || "";
  let search = obj.search || "";
  if (!search && obj.query && typeof obj.query === "object") {
    const q = qs.stringify(obj.query);
    if (q) search = "?" + q;
  } else if (!search && typeof obj.query === "string" && obj.query) search = "?" + obj.query;
  if (search && !search.startsWith("?")) search = "?" + search;
  let hash = obj.hash || "";
  if (hash && !hash.startsWith("#")) hash = "#" + hash;
  if (obj.slashes || slashedProtocols.has(protocol) || host) {
    host = "//" + host;
    if (pathname && !pathname.startsWith("/")) pathname = "/" + pathname;
  }
  pathname = pathname.replace(/[?#]/g, encodeURIComponent);
  search = search.replace("#", "%23");
  return protocol + host + pathname + search + hash;
}

export function resolve(from, to) {
  try {
    const href = new URL(to, new URL(from, "resolve://base/")).href;
    return href.startsWith("resolve://base") ? href.slice("resolve://base".length) : href;
  } catch {
    return to;
  }
}

export default {
  URL, URLSearchParams, fileURLToPath, pathToFileURL, Url, parse, format, resolve,
  domainToASCII: (d) => {
    try {
      return new URL("http://" + d).hostname;
    } catch {
      return "";
    }
  },
};
