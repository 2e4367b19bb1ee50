// node:fs and node:fs/promises (enable_nodejs_fs_module): workerd's
// virtual file system. /bundle holds the worker's bundled script,
// read-only; /tmp is writable and private to each invocation (a request
// with its waitUntil work), emptied when it ends; /dev has null, zero,
// full and random. Nothing reaches the host's disk.
import ops from "../ops.js";
import { Buffer } from "./buffer.js";
import { Readable, Writable } from "./stream.js";

const S_IFMT = 0o170000, S_IFREG = 0o100000, S_IFDIR = 0o040000, S_IFCHR = 0o020000, S_IFLNK = 0o120000;

const constants = Object.freeze({
  F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1,
  O_RDONLY: 0, O_WRONLY: 1, O_RDWR: 2, O_CREAT: 64, O_EXCL: 128, O_NOCTTY: 256, O_TRUNC: 512,
  O_APPEND: 1024, O_DIRECTORY: 65536, O_NOFOLLOW: 131072, O_SYNC: 1052672, O_DSYNC: 4096, O_NONBLOCK: 2048,
  S_IFMT, S_IFREG, S_IFDIR, S_IFCHR, S_IFBLK: 0o060000, S_IFIFO: 0o010000, S_IFLNK, S_IFSOCK: 0o140000,
  S_IRWXU: 448, S_IRUSR: 256, S_IWUSR: 128, S_IXUSR: 64, S_IRWXG: 56, S_IRGRP: 32, S_IWGRP: 16, S_IXGRP: 8,
  S_IRWXO: 7, S_IROTH: 4, S_IWOTH: 2, S_IXOTH: 1,
  COPYFILE_EXCL: 1, COPYFILE_FICLONE: 2, COPYFILE_FICLONE_FORCE: 4,
  UV_FS_COPYFILE_EXCL: 1, UV_FS_COPYFILE_FICLONE: 2, UV_FS_COPYFILE_FICLONE_FORCE: 4, UV_FS_O_FILEMAP: 0,
});

const errnos = { ENOENT: -2, EEXIST: -17, EISDIR: -21, ENOTDIR: -20, ENOTEMPTY: -39, EBADF: -9, EINVAL: -22, EPERM: -1, EROFS: -30, ENOSPC: -28, EACCES: -13, ENOSYS: -38 };
const messages = {
  ENOENT: "no such file or directory", EEXIST: "file already exists", EISDIR: "illegal operation on a directory",
  ENOTDIR: "not a directory", ENOTEMPTY: "directory not empty", EBADF: "bad file descriptor", EINVAL: "invalid argument",
  EPERM: "operation not permitted", EROFS: "read-only file system", ENOSPC: "no space left on device",
  EACCES: "permission denied", ENOSYS: "function not implemented",
};

function fsError(code, syscall, path, dest) {
  let msg = `${code}: ${messages[code]}, ${syscall}`;
  if (path !== undefined) msg += ` '${path}'`;
  if (dest !== undefined) msg += ` -> '${dest}'`;
  const e = new Error(msg);
  e.errno = errnos[code];
  e.code = code;
  e.syscall = syscall;
  if (path !== undefined) e.path = path;
  if (dest !== undefined) e.dest = dest;
  return e;
}

function argError(message) {
  const e = new TypeError(message);
  e.code = "ERR_INVALID_ARG_TYPE";
  return e;
}

// ---- the tree ------------------------------------------------------------------

let inoSeq = 1;
function newNode(type, props = {}) {
  const now = new Date();
  return { type, ino: inoSeq++, mode: type === "dir" ? 0o755 : 0o644, data: new Uint8Array(0), size: 0,
    children: type === "dir" ? new Map() : null, atime: now, mtime: now, ctime: now, birthtime: now,
    readOnly: false, nlink: 1, ...props };
}

let root = null;
const tmpRoots = new Map(); // invocation id → /tmp directory node

function buildRoot() {
  root = newNode("dir", { readOnly: true });
  const bundle = newNode("dir", { readOnly: true, mode: 0o555 });
  for (const f of ops.fsBundle()) {
    const data = f.bytes;
    bundle.children.set(f.name, newNode("file", { readOnly: true, mode: 0o444, data, size: data.byteLength }));
  }
  const dev = newNode("dir", { readOnly: true, mode: 0o555 });
  for (const name of ["null", "zero", "full", "random"]) dev.children.set(name, newNode("dev", { dev: name, mode: 0o666 }));
  root.children.set("bundle", bundle);
  root.children.set("dev", dev);
  root.children.set("tmp", newNode("dir", { tmp: true, mode: 0o1777 }));
}

function tmpRoot() {
  const id = ops.fsInvocation();
  let dir = tmpRoots.get(id);
  if (!dir) {
    // Drop the directories of invocations that have ended.
    if (tmpRoots.size > 0) {
      const live = new Set(ops.fsLiveInvocations());
      for (const k of tmpRoots.keys()) if (!live.has(k)) tmpRoots.delete(k);
    }
    dir = newNode("dir", { mode: 0o1777 });
    tmpRoots.set(id, dir);
  }
  return dir;
}

function toPath(p, name = "path") {
  if (typeof p === "string") {
    if (p.includes("\u0000")) {
      const e = new TypeError(`The argument '${name}' must be a string, Uint8Array, or URL without null bytes. Received ${JSON.stringify(p)}`);
      e.code = "ERR_INVALID_ARG_VALUE";
      throw e;
    }
    return p;
  }
  if (p instanceof URL) {
    if (p.protocol !== "file:") { const e = new TypeError("The URL must be of scheme file"); e.code = "ERR_INVALID_URL_SCHEME"; throw e; }
    return decodeURIComponent(p.pathname);
  }
  if (p instanceof Uint8Array) return Buffer.from(p).toString();
  throw argError(`The "${name}" argument must be of type string or an instance of Buffer or URL. Received ${p === null ? "null" : typeof p}`);
}

function split(path) {
  const abs = path.startsWith("/") ? path : "/bundle/" + path; // the working directory is /bundle
  const parts = [];
  for (const seg of abs.split("/")) {
    if (seg === "" || seg === ".") continue;
    if (seg === "..") parts.pop();
    else parts.push(seg);
  }
  return parts;
}

function child(dir, name) {
  if (dir.tmp) return tmpRoot().children.get(name);
  return dir.children.get(name);
}
function dirOf(node) { return node.tmp ? tmpRoot() : node; }

// lookup returns the node at path, or throws ENOENT/ENOTDIR.
function lookup(path, syscall) {
  if (!root) buildRoot();
  let node = root;
  for (const seg of split(path)) {
    if (node.type !== "dir") throw fsError("ENOTDIR", syscall, path);
    node = child(node, seg);
    if (!node) throw fsError("ENOENT", syscall, path);
  }
  return node;
}

// parentOf returns [parent directory node (resolved), name].
function parentOf(path, syscall) {
  const parts = split(path);
  if (parts.length === 0) throw fsError("EPERM", syscall, path);
  const name = parts.pop();
  const parent = lookup("/" + parts.join("/"), syscall);
  if (parent.type !== "dir") throw fsError("ENOTDIR", syscall, path);
  return [parent, name];
}

function writable(dirNode, syscall, path) {
  if (dirNode.readOnly) throw fsError("EROFS", syscall, path);
}

// ---- Stats ---------------------------------------------------------------------

export class Stats {
  constructor(node) {
    const kind = node.type === "dir" ? S_IFDIR : node.type === "dev" ? S_IFCHR : node.type === "link" ? S_IFLNK : S_IFREG;
    this.dev = node.type === "dev" ? 1 : 0;
    this.mode = kind | node.mode;
    this.nlink = node.nlink;
    this.uid = 0;
    this.gid = 0;
    this.rdev = 0;
    this.blksize = 4096;
    this.ino = node.ino;
    this.size = node.type === "file" ? node.size : 0;
    this.blocks = Math.ceil(this.size / 512);
    this.atimeMs = node.atime.getTime();
    this.mtimeMs = node.mtime.getTime();
    this.ctimeMs = node.ctime.getTime();
    this.birthtimeMs = node.birthtime.getTime();
    this.atime = new Date(this.atimeMs);
    this.mtime = new Date(this.mtimeMs);
    this.ctime = new Date(this.ctimeMs);
    this.birthtime = new Date(this.birthtimeMs);
  }
  isFile() { return (this.mode & S_IFMT) === S_IFREG; }
  isDirectory() { return (this.mode & S_IFMT) === S_IFDIR; }
  isCharacterDevice() { return (this.mode & S_IFMT) === S_IFCHR; }
  isSymbolicLink() { return (this.mode & S_IFMT) === S_IFLNK; }
  isBlockDevice() { return false; }
  isFIFO() { return false; }
  isSocket() { return false; }
}

export class Dirent {
  constructor(name, node, parentPath) {
    this.name = name;
    this.parentPath = parentPath;
    this.path = parentPath;
    this._type = node.type;
  }
  isFile() { return this._type === "file"; }
  isDirectory() { return this._type === "dir"; }
  isCharacterDevice() { return this._type === "dev"; }
  isSymbolicLink() { return false; }
  isBlockDevice() { return false; }
  isFIFO() { return false; }
  isSocket() { return false; }
}

// ---- file contents --------------------------------------------------------------

function ensureCapacity(node, size) {
  if (node.data.byteLength >= size) return;
  let cap = Math.max(size, node.data.byteLength * 2, 64);
  const next = new Uint8Array(cap);
  next.set(node.data.subarray(0, node.size));
  node.data = next;
}

function writeAt(node, bytes, pos, syscall, path) {
  if (node.type === "dev") {
    if (node.dev === "full") throw fsError("ENOSPC", syscall, path);
    return bytes.byteLength;
  }
  ensureCapacity(node, pos + bytes.byteLength);
  node.data.set(bytes, pos);
  node.size = Math.max(node.size, pos + bytes.byteLength);
  node.mtime = node.ctime = new Date();
  return bytes.byteLength;
}

function readAt(node, target, pos, length) {
  if (node.type === "dev") {
    const view = target.subarray(0, length);
    if (node.dev === "null") return 0;
    if (node.dev === "random") crypto.getRandomValues(view.length > 65536 ? view.subarray(0, 65536) : view);
    else view.fill(0);
    return node.dev === "random" ? Math.min(length, 65536) : length;
  }
  const n = Math.max(0, Math.min(length, node.size - pos));
  target.set(node.data.subarray(pos, pos + n));
  node.atime = new Date();
  return n;
}

function contents(node) {
  if (node.type === "dev") return new Uint8Array(0);
  return node.data.slice(0, node.size);
}

function toBytes(data, encoding) {
  if (typeof data === "string") return Buffer.from(data, encoding || "utf8");
  if (ArrayBuffer.isView(data)) return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  throw argError(`The "data" argument must be of type string or an instance of Buffer, TypedArray, or DataView. Received ${data === null ? "null" : typeof data}`);
}

function encodingOf(options, def = undefined) {
  if (typeof options === "string") return options;
  return options?.encoding ?? def;
}

function decode(bytes, encoding) {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return encoding && encoding !== "buffer" ? b.toString(encoding) : b;
}

// ---- descriptors ----------------------------------------------------------------

const fds = new Map();
let fdSeq = 3;

function flagsOf(flags) {
  if (typeof flags === "number") return flags;
  switch (flags ?? "r") {
    case "r": return constants.O_RDONLY;
    case "rs": case "sr": return constants.O_RDONLY | constants.O_SYNC;
    case "r+": return constants.O_RDWR;
    case "rs+": case "sr+": return constants.O_RDWR | constants.O_SYNC;
    case "w": return constants.O_TRUNC | constants.O_CREAT | constants.O_WRONLY;
    case "wx": case "xw": return constants.O_TRUNC | constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL;
    case "w+": return constants.O_TRUNC | constants.O_CREAT | constants.O_RDWR;
    case "wx+": case "xw+": return constants.O_TRUNC | constants.O_CREAT | constants.O_RDWR | constants.O_EXCL;
    case "a": return constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY;
    case "ax": case "xa": return constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY | constants.O_EXCL;
    case "as": case "sa": return constants.O_APPEND | constants.O_CREAT | constants.O_WRONLY | constants.O_SYNC;
    case "a+": return constants.O_APPEND | constants.O_CREAT | constants.O_RDWR;
    case "ax+": case "xa+": return constants.O_APPEND | constants.O_CREAT | constants.O_RDWR | constants.O_EXCL;
    case "as+": case "sa+": return constants.O_APPEND | constants.O_CREAT | constants.O_RDWR | constants.O_SYNC;
  }
  const e = new TypeError(`The value "${flags}" is invalid for option "flags"`);
  e.code = "ERR_INVALID_ARG_VALUE";
  throw e;
}

function openNode(path, flags, syscall = "open") {
  const f = flagsOf(flags);
  const wantsWrite = (f & 3) !== constants.O_RDONLY || (f & constants.O_TRUNC) !== 0;
  let node;
  try {
    node = lookup(path, syscall);
  } catch (e) {
    if (e.code !== "ENOENT" || !(f & constants.O_CREAT)) throw e;
  }
  if (node) {
    if (f & constants.O_CREAT && f & constants.O_EXCL) throw fsError("EEXIST", syscall, path);
    if (node.type === "dir" && wantsWrite) throw fsError("EISDIR", syscall, path);
    if (wantsWrite && node.readOnly) throw fsError("EROFS", syscall, path);
    if (f & constants.O_TRUNC && node.type === "file") { node.size = 0; node.mtime = new Date(); }
  } else {
    const [parent, name] = parentOf(path, syscall);
    writable(parent, syscall, path);
    node = newNode("file");
    dirOf(parent).children.set(name, node);
  }
  return { node, flags: f };
}

function openSync(path, flags = "r", mode = undefined) {
  path = toPath(path);
  const { node, flags: f } = openNode(path, flags);
  const fd = fdSeq++;
  fds.set(fd, { node, flags: f, pos: 0, path });
  return fd;
}

function fdEntry(fd, syscall) {
  const e = fds.get(fd);
  if (!e) throw fsError("EBADF", syscall);
  return e;
}

function closeSync(fd) {
  fdEntry(fd, "close");
  fds.delete(fd);
}

function readSync(fd, buffer, offsetOrOptions, length, position) {
  const e = fdEntry(fd, "read");
  if ((e.flags & 3) === constants.O_WRONLY) throw fsError("EBADF", "read");
  if (e.node.type === "dir") throw fsError("EISDIR", "read");
  let offset = offsetOrOptions;
  if (offsetOrOptions !== null && typeof offsetOrOptions === "object") ({ offset = 0, length = buffer.byteLength - offset, position = null } = offsetOrOptions);
  offset ??= 0;
  length ??= buffer.byteLength - offset;
  const target = new Uint8Array(buffer.buffer, buffer.byteOffset + offset, length);
  const pos = typeof position === "number" || typeof position === "bigint" ? Number(position) : e.pos;
  const n = readAt(e.node, target, pos, length);
  if (!(typeof position === "number" || typeof position === "bigint")) e.pos += n;
  return n;
}

function writeSync(fd, data, offsetOrPosition, lengthOrEncoding, position) {
  const e = fdEntry(fd, "write");
  if ((e.flags & 3) === constants.O_RDONLY) throw fsError("EBADF", "write");
  let bytes, pos;
  if (typeof data === "string") {
    bytes = Buffer.from(data, typeof lengthOrEncoding === "string" ? lengthOrEncoding : "utf8");
    pos = offsetOrPosition;
  } else {
    const view = toBytes(data);
    const offset = offsetOrPosition ?? 0;
    const length = typeof lengthOrEncoding === "number" ? lengthOrEncoding : view.byteLength - offset;
    bytes = view.subarray(offset, offset + length);
    pos = position;
  }
  const explicit = typeof pos === "number";
  const at = e.flags & constants.O_APPEND ? e.node.size : explicit ? pos : e.pos;
  const n = writeAt(e.node, bytes, at, "write", e.path);
  if (!explicit || e.flags & constants.O_APPEND) e.pos = at + n;
  return n;
}

// ---- whole-file and directory operations --------------------------------------------

function readFileSync(path, options) {
  const encoding = encodingOf(options);
  if (typeof path === "number") {
    const e = fdEntry(path, "read");
    const bytes = contents(e.node).subarray(e.pos);
    e.pos += bytes.byteLength;
    return decode(bytes, encoding);
  }
  path = toPath(path);
  const node = lookup(path, "open");
  if (node.type === "dir") throw fsError("EISDIR", "read");
  node.atime = new Date();
  return decode(contents(node), encoding);
}

function writeFileSync(path, data, options) {
  const flag = options?.flag ?? (options?.append ? "a" : "w");
  const bytes = toBytes(data, encodingOf(options));
  if (typeof path === "number") {
    writeSync(path, bytes);
    return;
  }
  path = toPath(path);
  const { node, flags } = openNode(path, flag, "open");
  writeAt(node, bytes, flags & constants.O_APPEND ? node.size : 0, "write", path);
}

function appendFileSync(path, data, options) {
  writeFileSync(path, data, { ...(typeof options === "string" ? { encoding: options } : options), flag: options?.flag ?? "a" });
}

function existsSync(path) {
  try {
    lookup(toPath(path), "access");
    return true;
  } catch {
    return false;
  }
}

function statSync(path, options) {
  try {
    return new Stats(lookup(toPath(path), "stat"));
  } catch (e) {
    if (options?.throwIfNoEntry === false && e.code === "ENOENT") return undefined;
    throw e;
  }
}

function fstatSync(fd) { return new Stats(fdEntry(fd, "fstat").node); }

function accessSync(path, mode = constants.F_OK) {
  path = toPath(path);
  const node = lookup(path, "access");
  if (mode & constants.W_OK && node.readOnly) throw fsError("EACCES", "access", path);
}

function readdirSync(path, options) {
  path = toPath(path);
  const node = lookup(path, "scandir");
  if (node.type !== "dir") throw fsError("ENOTDIR", "scandir", path);
  const base = "/" + split(path).join("/");
  const out = [];
  const walk = (dir, prefix, dirPath) => {
    for (const [name, n] of [...dirOf(dir).children].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const rel = prefix ? prefix + "/" + name : name;
      out.push(options?.withFileTypes ? new Dirent(name, n, dirPath) : rel);
      if (options?.recursive && n.type === "dir") walk(n, rel, dirPath + "/" + name);
    }
  };
  walk(node, "", base === "/" ? "" : base);
  if (options?.withFileTypes) return out;
  const enc = encodingOf(options);
  return enc === "buffer" ? out.map((s) => Buffer.from(s)) : out;
}

function mkdirSync(path, options) {
  path = toPath(path);
  const recursive = typeof options === "object" && options?.recursive;
  const parts = split(path);
  if (!recursive) {
    const [parent, name] = parentOf(path, "mkdir");
    if (child(parent, name)) throw fsError("EEXIST", "mkdir", path);
    writable(parent, "mkdir", path);
    dirOf(parent).children.set(name, newNode("dir"));
    return undefined;
  }
  if (!root) buildRoot();
  let node = root;
  let first;
  for (let i = 0; i < parts.length; i++) {
    let next = child(node, parts[i]);
    if (!next) {
      writable(node, "mkdir", path);
      next = newNode("dir");
      dirOf(node).children.set(parts[i], next);
      first ??= "/" + parts.slice(0, i + 1).join("/");
    } else if (next.type !== "dir") {
      throw fsError(i === parts.length - 1 ? "EEXIST" : "ENOTDIR", "mkdir", path);
    }
    node = next;
  }
  return first;
}

function mkdtempSync(prefix) {
  prefix = toPath(prefix, "prefix");
  const chars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  for (;;) {
    let suffix = "";
    const rnd = crypto.getRandomValues(new Uint8Array(6));
    for (const b of rnd) suffix += chars[b % chars.length];
    const p = prefix + suffix;
    if (!existsSync(p)) {
      mkdirSync(p);
      return p;
    }
  }
}

function unlinkSync(path) {
  path = toPath(path);
  const [parent, name] = parentOf(path, "unlink");
  const node = child(parent, name);
  if (!node) throw fsError("ENOENT", "unlink", path);
  if (node.type === "dir") throw fsError("EISDIR", "unlink", path);
  writable(parent, "unlink", path);
  if (node.readOnly || node.type === "dev") throw fsError("EPERM", "unlink", path);
  dirOf(parent).children.delete(name);
}

function rmdirSync(path, options) {
  path = toPath(path);
  if (options?.recursive) return rmSync(path, { recursive: true });
  const [parent, name] = parentOf(path, "rmdir");
  const node = child(parent, name);
  if (!node) throw fsError("ENOENT", "rmdir", path);
  if (node.type !== "dir") throw fsError("ENOTDIR", "rmdir", path);
  writable(parent, "rmdir", path);
  if (node.tmp || node.readOnly) throw fsError("EPERM", "rmdir", path);
  if (node.children.size) throw fsError("ENOTEMPTY", "rmdir", path);
  dirOf(parent).children.delete(name);
}

function rmSync(path, options) {
  path = toPath(path);
  let parent, name, node;
  try {
    [parent, name] = parentOf(path, "rm");
    node = child(parent, name);
  } catch (e) {
    if (options?.force && e.code === "ENOENT") return;
    throw e;
  }
  if (!node) {
    if (options?.force) return;
    throw fsError("ENOENT", "rm", path);
  }
  writable(parent, "rm", path);
  if (node.tmp || node.readOnly || node.type === "dev") throw fsError("EPERM", "rm", path);
  if (node.type === "dir" && !options?.recursive) {
    const e = new Error(`Path is a directory: rm returned EISDIR (is a directory) ${path}`);
    e.code = "ERR_FS_EISDIR";
    throw e;
  }
  dirOf(parent).children.delete(name);
}

function renameSync(from, to) {
  from = toPath(from, "oldPath");
  to = toPath(to, "newPath");
  const [fp, fname] = parentOf(from, "rename");
  const node = child(fp, fname);
  if (!node) throw fsError("ENOENT", "rename", from, to);
  const [tp, tname] = parentOf(to, "rename");
  writable(fp, "rename", from);
  writable(tp, "rename", to);
  if (node.tmp || node.readOnly || node.type === "dev") throw fsError("EPERM", "rename", from, to);
  const existing = child(tp, tname);
  if (existing && existing.type === "dir" && node.type !== "dir") throw fsError("EISDIR", "rename", from, to);
  if (existing && existing.type === "dir" && existing.children.size) throw fsError("ENOTEMPTY", "rename", from, to);
  dirOf(fp).children.delete(fname);
  dirOf(tp).children.set(tname, node);
}

function copyFileSync(src, dest, mode = 0) {
  src = toPath(src, "src");
  dest = toPath(dest, "dest");
  const node = lookup(src, "copyfile");
  if (node.type === "dir") throw fsError("EISDIR", "copyfile", src, dest);
  if (mode & constants.COPYFILE_EXCL && existsSync(dest)) throw fsError("EEXIST", "copyfile", src, dest);
  writeFileSync(dest, contents(node));
}

function truncateSync(path, len = 0) {
  const node = typeof path === "number" ? fdEntry(path, "ftruncate").node : lookup(toPath(path), "open");
  if (node.type === "dir") throw fsError("EISDIR", "open", path);
  if (node.readOnly) throw fsError("EROFS", "open", path);
  if (node.type !== "file") return;
  ensureCapacity(node, len);
  if (len > node.size) node.data.fill(0, node.size, len);
  node.size = len;
  node.mtime = new Date();
}

function realpathSync(path) {
  path = toPath(path);
  lookup(path, "realpath");
  return "/" + split(path).join("/");
}
realpathSync.native = realpathSync;

function utimesSync(path, atime, mtime) {
  const node = lookup(toPath(path), "utime");
  const date = (t) => (t instanceof Date ? t : new Date(typeof t === "string" ? Number(t) * 1000 : t * 1000));
  node.atime = date(atime);
  node.mtime = date(mtime);
}

function chmodSync(path, mode) {
  path = toPath(path);
  const node = lookup(path, "chmod");
  if (node.readOnly) throw fsError("EPERM", "chmod", path);
  node.mode = (typeof mode === "string" ? parseInt(mode, 8) : mode) & 0o7777;
}

function unsupported(name) {
  return function () {
    throw fsError("ENOSYS", name);
  };
}

// ---- streams ---------------------------------------------------------------------

function ReadStream(path, options) {
  if (!(this instanceof ReadStream)) return new ReadStream(path, options);
  if (typeof options === "string") options = { encoding: options };
  Readable.call(this, { highWaterMark: options?.highWaterMark ?? 64 * 1024, encoding: options?.encoding });
  this.path = typeof path === "number" ? undefined : toPath(path);
  this.fd = options?.fd ?? (typeof path === "number" ? path : null);
  this.flags = options?.flags ?? "r";
  this.start = options?.start;
  this.end = options?.end ?? Infinity;
  this.pos = this.start;
  this.bytesRead = 0;
  this.autoClose = options?.autoClose !== false;
  this.pending = true;
  if (this.fd === null) {
    try {
      this.fd = openSync(this.path, this.flags);
    } catch (err) {
      queueMicrotask(() => this.destroy(err));
      return;
    }
  }
  queueMicrotask(() => { this.pending = false; this.emit("open", this.fd); this.emit("ready"); });
}
Object.setPrototypeOf(ReadStream.prototype, Readable.prototype);
Object.setPrototypeOf(ReadStream, Readable);
ReadStream.prototype._read = function (n) {
  let toRead = n;
  if (this.pos !== undefined) toRead = Math.min(n, this.end - this.pos + 1);
  if (toRead <= 0) { this.push(null); return; }
  const buf = Buffer.allocUnsafe(toRead);
  let got;
  try {
    got = readSync(this.fd, buf, 0, toRead, this.pos ?? null);
  } catch (err) {
    this.destroy(err);
    return;
  }
  if (this.pos !== undefined) this.pos += got;
  this.bytesRead += got;
  this.push(got > 0 ? buf.subarray(0, got) : null);
};
ReadStream.prototype._destroy = function (err, cb) {
  if (this.fd !== null && this.autoClose && fds.has(this.fd)) closeSync(this.fd);
  this.fd = null;
  cb(err);
};
ReadStream.prototype.close = function (cb) { this.destroy(null, cb); };

function WriteStream(path, options) {
  if (!(this instanceof WriteStream)) return new WriteStream(path, options);
  if (typeof options === "string") options = { encoding: options };
  Writable.call(this, { highWaterMark: options?.highWaterMark, decodeStrings: true, defaultEncoding: options?.encoding });
  this.path = typeof path === "number" ? undefined : toPath(path);
  this.fd = options?.fd ?? (typeof path === "number" ? path : null);
  this.flags = options?.flags ?? "w";
  this.start = options?.start;
  this.pos = this.start;
  this.bytesWritten = 0;
  this.autoClose = options?.autoClose !== false;
  this.pending = true;
  if (this.fd === null) {
    try {
      this.fd = openSync(this.path, this.flags);
    } catch (err) {
      queueMicrotask(() => this.destroy(err));
      return;
    }
  }
  queueMicrotask(() => { this.pending = false; this.emit("open", this.fd); this.emit("ready"); });
}
Object.setPrototypeOf(WriteStream.prototype, Writable.prototype);
Object.setPrototypeOf(WriteStream, Writable);
WriteStream.prototype._write = function (chunk, encoding, cb) {
  try {
    const n = writeSync(this.fd, chunk, 0, chunk.length, this.pos);
    if (this.pos !== undefined) this.pos += n;
    this.bytesWritten += n;
  } catch (err) {
    cb(err);
    return;
  }
  cb();
};
WriteStream.prototype._destroy = function (err, cb) {
  if (this.fd !== null && this.autoClose && fds.has(this.fd)) closeSync(this.fd);
  this.fd = null;
  cb(err);
};
WriteStream.prototype.close = function (cb) {
  if (cb) this.once("close", cb);
  if (!this.writableEnded) this.end();
  else this.destroy();
};

// ---- callback and promise forms ----------------------------------------------------------

const sync = {
  accessSync, appendFileSync, chmodSync, closeSync, copyFileSync, existsSync, fstatSync, lstatSync: statSync,
  mkdirSync, mkdtempSync, openSync, readFileSync, readSync, readdirSync, realpathSync, renameSync, rmSync,
  rmdirSync, statSync, truncateSync, ftruncateSync: truncateSync, unlinkSync, utimesSync, writeFileSync, writeSync,
  fsyncSync() {}, fdatasyncSync() {}, lchmodSync: chmodSync, fchmodSync() {}, lutimesSync: utimesSync, futimesSync() {},
  chownSync() {}, fchownSync() {}, lchownSync() {},
  symlinkSync: unsupported("symlink"), linkSync: unsupported("link"), readlinkSync: unsupported("readlink"),
  opendirSync: unsupported("opendir"), watch: unsupported("watch"), watchFile: unsupported("watchfile"),
  unwatchFile() {},
};

function callbackForm(fn) {
  return function (...args) {
    const cb = args.pop();
    if (typeof cb !== "function") throw argError(`The "cb" argument must be of type function. Received ${typeof cb}`);
    let result, error = null;
    try {
      result = fn(...args);
    } catch (e) {
      error = e;
    }
    queueMicrotask(() => (error ? cb(error) : cb(null, result)));
  };
}

function promiseForm(fn) {
  return async (...args) => fn(...args);
}

class FileHandle {
  #fd;
  constructor(fd) { this.#fd = fd; }
  get fd() { return this.#fd; }
  async read(buffer, offset, length, position) {
    if (buffer === undefined || (buffer !== null && !ArrayBuffer.isView(buffer) && typeof buffer === "object")) {
      const o = buffer ?? {};
      buffer = o.buffer ?? Buffer.alloc(16384);
      ({ offset = 0, length = buffer.byteLength - offset, position = null } = o);
    }
    const bytesRead = readSync(this.#fd, buffer, offset ?? 0, length ?? buffer.byteLength - (offset ?? 0), position ?? null);
    return { bytesRead, buffer };
  }
  async write(data, ...rest) {
    const bytesWritten = writeSync(this.#fd, data, ...rest);
    return { bytesWritten, buffer: data };
  }
  async readFile(options) { return readFileSync(this.#fd, options); }
  async writeFile(data, options) { writeFileSync(this.#fd, data, options); }
  async appendFile(data, options) { writeFileSync(this.#fd, data, options); }
  async stat() { return fstatSync(this.#fd); }
  async truncate(len) { truncateSync(this.#fd, len); }
  async sync() {}
  async datasync() {}
  async close() { if (fds.has(this.#fd)) closeSync(this.#fd); }
  createReadStream(options) { return new ReadStream(null, { ...options, fd: this.#fd }); }
  createWriteStream(options) { return new WriteStream(null, { ...options, fd: this.#fd }); }
  async [Symbol.asyncDispose]() { await this.close(); }
}

const promises = {
  constants,
  async open(path, flags, mode) { return new FileHandle(openSync(path, flags, mode)); },
};
for (const [name, fn] of Object.entries(sync)) {
  if (!name.endsWith("Sync") || name === "existsSync") continue;
  const base = name.slice(0, -4);
  if (base === "open" || base === "close" || base === "read" || base === "write" || base.startsWith("f")) continue;
  promises[base] = promiseForm(fn);
}
promises.lstat = promises.stat;

const fs = {
  constants, Stats, Dirent, ReadStream, WriteStream, FileReadStream: ReadStream, FileWriteStream: WriteStream,
  createReadStream: (path, options) => new ReadStream(path, options),
  createWriteStream: (path, options) => new WriteStream(path, options),
  promises,
  F_OK: 0, R_OK: 4, W_OK: 2, X_OK: 1,
  ...sync,
  exists(path, cb) { queueMicrotask(() => cb(existsSync(path))); },
};
for (const [name, fn] of Object.entries(sync)) {
  if (!name.endsWith("Sync") || name === "existsSync") continue;
  fs[name.slice(0, -4)] = callbackForm(fn);
}
fs.read = function (fd, buffer, offset, length, position, cb) {
  if (typeof buffer === "function") { cb = buffer; buffer = Buffer.alloc(16384); offset = 0; length = buffer.length; position = null; }
  else if (typeof offset === "function") { cb = offset; const o = {}; offset = o.offset ?? 0; length = buffer.byteLength; position = null; }
  else if (typeof length === "function") { cb = length; const o = offset ?? {}; ({ offset = 0, length = buffer.byteLength - offset, position = null } = o); }
  let n, error = null;
  try { n = readSync(fd, buffer, offset, length, position); } catch (e) { error = e; }
  queueMicrotask(() => (error ? cb(error) : cb(null, n, buffer)));
};
fs.write = function (fd, data, ...rest) {
  const cb = rest.pop();
  let n, error = null;
  try { n = writeSync(fd, data, ...rest); } catch (e) { error = e; }
  queueMicrotask(() => (error ? cb(error) : cb(null, n, data)));
};

export { promises };
export default fs;
