// node:dns — name lookups through the system resolver: lookup() (as
// getaddrinfo) and resolve4/resolve6, with callbacks and promises.
import ops from "../ops.js";

function dnsError(err, syscall, hostname) {
  const msg = String(err?.message ?? err);
  const i = msg.indexOf(":");
  const code = i > 0 ? msg.slice(0, i) : "ENOTFOUND";
  const e = new Error(`${syscall} ${code} ${hostname}`);
  e.code = code;
  e.errno = code === "ENOTFOUND" ? -3008 : undefined;
  e.syscall = syscall;
  e.hostname = hostname;
  return e;
}

function checkHostname(hostname) {
  if (typeof hostname !== "string") {
    const e = new TypeError(`The "hostname" argument must be of type string. Received ${typeof hostname}`);
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
}

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
function ipFamily(s) {
  if (ipv4.test(s)) return 4;
  if (s.includes(":") && /^[0-9a-fA-F:.]+$/.test(s)) return 6;
  return 0;
}

async function lookupAll(hostname, family) {
  const fam = ipFamily(hostname);
  if (fam) return [{ address: hostname, family: fam }];
  if (hostname === "localhost") {
    const all = [{ address: "127.0.0.1", family: 4 }, { address: "::1", family: 6 }];
    return family ? all.filter((a) => a.family === family) : all;
  }
  try {
    return await ops.dnsLookup(hostname, family || 0);
  } catch (err) {
    throw dnsError(err, "getaddrinfo", hostname);
  }
}

function lookupOptions(options) {
  if (typeof options === "number") return { family: options, all: false };
  const family = options?.family === "IPv4" ? 4 : options?.family === "IPv6" ? 6 : Number(options?.family ?? 0);
  return { family, all: !!options?.all, order: options?.order ?? (options?.verbatim === false ? "ipv4first" : "verbatim") };
}

async function lookupPromise(hostname, options) {
  checkHostname(hostname);
  const o = lookupOptions(options);
  let list = await lookupAll(hostname, o.family);
  if (o.order === "ipv4first") list = [...list].sort((a, b) => a.family - b.family);
  else if (o.order === "ipv6first") list = [...list].sort((a, b) => b.family - a.family);
  if (o.all) return list;
  if (list.length === 0) throw dnsError(new Error("ENOTFOUND"), "getaddrinfo", hostname);
  return list[0];
}

function lookup(hostname, options, callback) {
  if (typeof options === "function") { callback = options; options = {}; }
  checkHostname(hostname);
  lookupPromise(hostname, options).then(
    (res) => (Array.isArray(res) ? callback(null, res) : callback(null, res.address, res.family)),
    (err) => callback(err));
}

async function resolveFamily(hostname, family, syscall) {
  checkHostname(hostname);
  const list = await lookupAll(hostname, family).catch((err) => { throw dnsError(err, syscall, hostname); });
  return list.filter((a) => a.family === family).map((a) => a.address);
}

const resolve4P = (h) => resolveFamily(h, 4, "queryA");
const resolve6P = (h) => resolveFamily(h, 6, "queryAaaa");
function resolveP(hostname, rrtype = "A") {
  if (rrtype === "A") return resolve4P(hostname);
  if (rrtype === "AAAA") return resolve6P(hostname);
  const e = new Error(`dns.resolve() with rrtype ${rrtype} is not supported by Outpost (A and AAAA are)`);
  e.code = "ERR_METHOD_NOT_IMPLEMENTED";
  return Promise.reject(e);
}

const callbackify = (fn) => function (hostname, ...args) {
  const cb = args.pop();
  fn(hostname, ...args).then((r) => cb(null, r), (e) => cb(e));
};

const promises = { lookup: lookupPromise, resolve: resolveP, resolve4: resolve4P, resolve6: resolve6P };
const constants = {
  ADDRCONFIG: 1024, ALL: 256, V4MAPPED: 2048,
  NODATA: "ENODATA", FORMERR: "EFORMERR", SERVFAIL: "ESERVFAIL", NOTFOUND: "ENOTFOUND",
  NOTIMP: "ENOTIMP", REFUSED: "EREFUSED", BADQUERY: "EBADQUERY", BADNAME: "EBADNAME",
  TIMEOUT: "ETIMEOUT", CANCELLED: "ECANCELLED",
};

const dns = {
  lookup,
  resolve: callbackify(resolveP),
  resolve4: callbackify(resolve4P),
  resolve6: callbackify(resolve6P),
  promises,
  getDefaultResultOrder: () => "verbatim",
  setDefaultResultOrder() {},
  ...constants,
};
export default dns;
