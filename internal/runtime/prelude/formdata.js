// FormData (XHR Standard) with multipart/form-data encoding and parsing.
import ops from "./ops.js";
import { Blob, File, kBytes } from "./blob.js";
import { toUSVString, concatBytes } from "./util.js";

const kEntries = Symbol("#entries");

function makeEntry(name, value, filename, op) {
  name = toUSVString(name);
  if (value instanceof Blob) {
    if (!(value instanceof File) || filename !== undefined) {
      const f = new File([], filename === undefined ? (value instanceof File ? value.name : "blob") : toUSVString(filename), {
        type: value.type, lastModified: value instanceof File ? value.lastModified : undefined,
      });
      f[kBytes] = value[kBytes];
      value = f;
    }
    return [name, value];
  }
  if (filename !== undefined) throw new TypeError(`Failed to execute '${op}' on 'FormData': parameter 2 is not of type 'Blob'.`);
  return [name, toUSVString(value)];
}

export class FormData {
  constructor(form = undefined) {
    if (form !== undefined) throw new TypeError("Failed to construct 'FormData': parameter 1 is not of type 'HTMLFormElement'.");
    this[kEntries] = [];
  }
  append(name, value, filename = undefined) {
    this[kEntries].push(makeEntry(name, value, filename, "append"));
  }
  delete(name) {
    const n = toUSVString(name);
    this[kEntries] = this[kEntries].filter((e) => e[0] !== n);
  }
  get(name) {
    const n = toUSVString(name);
    const e = this[kEntries].find((x) => x[0] === n);
    return e ? e[1] : null;
  }
  getAll(name) {
    const n = toUSVString(name);
    return this[kEntries].filter((x) => x[0] === n).map((x) => x[1]);
  }
  has(name) {
    const n = toUSVString(name);
    return this[kEntries].some((x) => x[0] === n);
  }
  set(name, value, filename = undefined) {
    const entry = makeEntry(name, value, filename, "set");
    const list = this[kEntries];
    const i = list.findIndex((x) => x[0] === entry[0]);
    if (i < 0) {
      list.push(entry);
      return;
    }
    list[i] = entry;
    this[kEntries] = list.filter((x, j) => j <= i || x[0] !== entry[0]);
  }
  forEach(callback, thisArg = undefined) {
    if (typeof callback !== "function") throw new TypeError("Failed to execute 'forEach' on 'FormData': parameter 1 is not of type 'Function'.");
    for (const [k, v] of this[kEntries].slice()) callback.call(thisArg, v, k, this);
  }
  *entries() {
    for (let i = 0; i < this[kEntries].length; i++) yield [this[kEntries][i][0], this[kEntries][i][1]];
  }
  *keys() {
    for (const [k] of this.entries()) yield k;
  }
  *values() {
    for (const [, v] of this.entries()) yield v;
  }
}
Object.defineProperty(FormData.prototype, Symbol.iterator, { value: FormData.prototype.entries, writable: true, configurable: true });
Object.defineProperty(FormData.prototype, Symbol.toStringTag, { value: "FormData", configurable: true });

function escapeName(s) {
  return s.replace(/\n/g, "%0A").replace(/\r/g, "%0D").replace(/"/g, "%22");
}

// Encodes as multipart/form-data; returns the body and its Content-Type.
export function encodeMultipart(fd) {
  const rnd = new Uint8Array(12);
  ops.randomFill(rnd);
  const boundary = "----OutpostFormBoundary" + Array.from(rnd, (b) => b.toString(16).padStart(2, "0")).join("");
  const chunks = [];
  const enc = (s) => ops.utf8Encode(s);
  for (const [name, value] of fd[kEntries]) {
    let head = `--${boundary}\r\nContent-Disposition: form-data; name="${escapeName(name.replace(/\r\n|\r|\n/g, "\r\n"))}"`;
    if (typeof value === "string") {
      chunks.push(enc(`${head}\r\n\r\n${value.replace(/\r\n|\r|\n/g, "\r\n")}\r\n`));
    } else {
      head += `; filename="${escapeName(value.name)}"\r\nContent-Type: ${value.type || "application/octet-stream"}\r\n\r\n`;
      chunks.push(enc(head), value[kBytes], enc("\r\n"));
    }
  }
  chunks.push(enc(`--${boundary}--\r\n`));
  return { bytes: concatBytes(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

function indexOf(hay, needle, from) {
  const first = needle[0];
  const last = hay.length - needle.length;
  outer: for (let i = hay.indexOf(first, from); i !== -1 && i <= last; i = hay.indexOf(first, i + 1)) {
    for (let j = 1; j < needle.length; j++) if (hay[i + j] !== needle[j]) continue outer;
    return i;
  }
  return -1;
}

function parseParams(header) {
  const out = new Map();
  const re = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g;
  let m;
  while ((m = re.exec(header)) !== null) {
    out.set(m[1].toLowerCase(), m[2] !== undefined ? m[2].replace(/\\(.)/g, "$1") : m[3].trim());
  }
  return out;
}

// Parses a multipart/form-data body into a FormData.
export function parseMultipart(bytes, contentType) {
  const boundary = parseParams(contentType).get("boundary");
  const fail = (why) => new TypeError(`Failed to parse body as FormData: ${why}`);
  if (!boundary) throw fail("the multipart/form-data Content-Type has no boundary");
  const delim = ops.utf8Encode(`--${boundary}`);
  const fd = new FormData();
  let pos = indexOf(bytes, delim, 0);
  if (pos < 0) throw fail("the boundary was not found");
  pos += delim.length;
  for (;;) {
    if (bytes[pos] === 45 && bytes[pos + 1] === 45) break; // closing "--"
    if (bytes[pos] === 13 && bytes[pos + 1] === 10) pos += 2;
    else throw fail("malformed boundary line");
    const headEnd = indexOf(bytes, ops.utf8Encode("\r\n\r\n"), pos);
    if (headEnd < 0) throw fail("a part has no header terminator");
    const headText = ops.utf8Decode(bytes.subarray(pos, headEnd), false, true);
    const next = indexOf(bytes, ops.utf8Encode(`\r\n--${boundary}`), headEnd + 4);
    if (next < 0) throw fail("a part is not terminated by the boundary");
    const body = bytes.subarray(headEnd + 4, next);
    let disposition = "";
    let type = "";
    for (const line of headText.split("\r\n")) {
      const colon = line.indexOf(":");
      if (colon < 0) continue;
      const k = line.slice(0, colon).trim().toLowerCase();
      const v = line.slice(colon + 1).trim();
      if (k === "content-disposition") disposition = v;
      else if (k === "content-type") type = v;
    }
    const params = parseParams(disposition.replace(/^[^;]*/, (x) => x));
    const name = params.get("name");
    if (name === undefined) throw fail("a part has no name in Content-Disposition");
    const filename = params.get("filename");
    if (filename !== undefined) {
      const f = new File([], filename, { type });
      f[kBytes] = body.slice();
      fd.append(name, f);
    } else {
      fd.append(name, ops.utf8Decode(body, false, true));
    }
    pos = next + 2 + delim.length;
  }
  return fd;
}

export function formDataEntries(fd) {
  return fd[kEntries];
}
