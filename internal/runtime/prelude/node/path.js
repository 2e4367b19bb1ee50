// node:path — POSIX paths (Workers have no other kind; cwd is "/").
function assertPath(p, name = "path") {
  if (typeof p !== "string") {
    const e = new TypeError(`The "${name}" argument must be of type string. Received ${p === null ? "null" : typeof p}`);
    e.code = "ERR_INVALID_ARG_TYPE";
    throw e;
  }
}

function normalizeParts(path, allowAboveRoot) {
  const out = [];
  for (const seg of path.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") {
      if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
      else if (allowAboveRoot) out.push("..");
    } else {
      out.push(seg);
    }
  }
  return out;
}

export function normalize(p) {
  assertPath(p);
  if (p === "") return ".";
  const abs = p.startsWith("/");
  const trailing = p.endsWith("/");
  let s = normalizeParts(p, !abs).join("/");
  if (s === "" && !abs) s = ".";
  if (s !== "" && trailing) s += "/";
  return (abs ? "/" : "") + s;
}

export function join(...parts) {
  parts.forEach((p) => assertPath(p));
  const joined = parts.filter((p) => p !== "").join("/");
  return joined === "" ? "." : normalize(joined);
}

export function resolve(...parts) {
  let resolved = "";
  for (let i = parts.length - 1; i >= 0 && !resolved.startsWith("/"); i--) {
    assertPath(parts[i]);
    if (parts[i] !== "") resolved = parts[i] + (resolved ? "/" + resolved : "");
  }
  if (!resolved.startsWith("/")) resolved = "/" + resolved;
  return "/" + normalizeParts(resolved, false).join("/");
}

export function isAbsolute(p) {
  assertPath(p);
  return p.startsWith("/");
}

export function relative(from, to) {
  const f = resolve(from).split("/").filter(Boolean);
  const t = resolve(to).split("/").filter(Boolean);
  let i = 0;
  while (i < f.length && i < t.length && f[i] === t[i]) i++;
  return [...Array(f.length - i).fill(".."), ...t.slice(i)].join("/");
}

export function dirname(p) {
  assertPath(p);
  if (p === "") return ".";
  let end = p.length;
  while (end > 1 && p[end - 1] === "/") end--;
  const i = p.lastIndexOf("/", end - 1);
  if (i < 0) return ".";
  if (i === 0) return "/";
  let d = p.slice(0, i);
  while (d.length > 1 && d.endsWith("/")) d = d.slice(0, -1);
  return d;
}

export function basename(p, ext) {
  assertPath(p);
  let end = p.length;
  while (end > 0 && p[end - 1] === "/") end--;
  const base = p.slice(p.lastIndexOf("/", end - 1) + 1, end);
  if (ext !== undefined && base !== ext && base.endsWith(ext)) return base.slice(0, -ext.length);
  return base;
}

export function extname(p) {
  const base = basename(p);
  const i = base.lastIndexOf(".");
  if (i <= 0) return "";
  return base.slice(i);
}

export function parse(p) {
  assertPath(p);
  const root = p.startsWith("/") ? "/" : "";
  const base = basename(p);
  const ext = extname(p);
  let dir = dirname(p);
  if (dir === "." && !p.includes("/")) dir = "";
  return { root, dir, base, ext, name: ext ? base.slice(0, -ext.length) : base };
}

export function format(o) {
  const dir = o.dir || o.root || "";
  const base = o.base || (o.name || "") + (o.ext ? (o.ext.startsWith(".") ? o.ext : "." + o.ext) : "");
  if (!dir) return base;
  return dir === o.root ? dir + base : dir + "/" + base;
}

export function toNamespacedPath(p) {
  return p;
}

export const sep = "/";
export const delimiter = ":";

const path = { normalize, join, resolve, isAbsolute, relative, dirname, basename, extname, parse, format, toNamespacedPath, sep, delimiter };
path.posix = path;
path.win32 = path;
export default path;
