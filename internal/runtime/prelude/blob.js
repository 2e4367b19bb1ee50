// Blob and File (File API), backed by bytes in memory.
import ops from "./ops.js";
import { utf8DecodeText } from "./encoding.js";
import { isBufferSource, copyBytes, concatBytes, toUSVString } from "./util.js";
import { createReadableByteStream, byteControllerEnqueue, byteControllerClose, byteControllerRespond } from "./readable.js";
import { S } from "./streamutil.js";

export const kBytes = Symbol("#bytes");
const kType = Symbol("#type");

function normalizeType(t) {
  const s = String(t);
  // Types with characters outside U+0020..U+007E are ignored.
  return /^[\x20-\x7e]*$/.test(s) ? s.toLowerCase() : "";
}

function partsToBytes(parts, endings) {
  const chunks = [];
  for (const part of parts) {
    if (part instanceof Blob) chunks.push(part[kBytes]);
    else if (isBufferSource(part)) chunks.push(copyBytes(part));
    else {
      let s = toUSVString(part);
      if (endings === "native") s = s.replace(/\r\n|\r/g, "\n");
      chunks.push(ops.utf8Encode(s));
    }
  }
  return chunks.length === 0 ? new Uint8Array(0) : concatBytes(chunks);
}

// sequence<BlobPart>: each element converted (strings through ToString)
// as Web IDL does, before the options are read.
function convertParts(blobParts, iface) {
  if (blobParts === undefined) return [];
  const method = blobParts !== null && typeof blobParts === "object" ? blobParts[Symbol.iterator] : undefined;
  if (typeof method !== "function") {
    throw new TypeError(`Failed to construct '${iface}': The provided value cannot be converted to a sequence.`);
  }
  const parts = [];
  // The iterator method is read once; each element converts as it comes.
  for (const part of { [Symbol.iterator]: () => method.call(blobParts) }) {
    parts.push(part instanceof Blob || isBufferSource(part) ? part : toUSVString(part));
  }
  return parts;
}

// BlobPropertyBag: a dictionary, members read in lexicographic order.
function blobOptions(options, iface) {
  if (options !== undefined && options !== null && typeof options !== "object" && typeof options !== "function") {
    throw new TypeError(`Failed to construct '${iface}': The provided value is not of type '${iface === "File" ? "FilePropertyBag" : "BlobPropertyBag"}'.`);
  }
  const endings = options?.endings === undefined ? "transparent" : String(options.endings);
  if (endings !== "transparent" && endings !== "native") {
    throw new TypeError(`Failed to construct '${iface}': The provided value '${endings}' is not a valid enum value of type EndingType.`);
  }
  const type = options?.type === undefined ? "" : String(options.type);
  return { endings, type };
}

let constructingFile = false;

export class Blob {
  constructor(blobParts = undefined, options = undefined) {
    const iface = constructingFile ? "File" : "Blob";
    constructingFile = false;
    const parts = convertParts(blobParts, iface);
    const { endings, type } = blobOptions(options, iface);
    this[kBytes] = partsToBytes(parts, endings);
    this[kType] = normalizeType(type);
  }
  get size() { return this[kBytes].byteLength; }
  get type() { return this[kType]; }
  slice(start = undefined, end = undefined, contentType = undefined) {
    const size = this.size;
    const rel = (v, def) => {
      if (v === undefined) return def;
      const n = Math.trunc(Number(v)) || 0;
      return n < 0 ? Math.max(size + n, 0) : Math.min(n, size);
    };
    const from = rel(start, 0);
    const to = rel(end, size);
    const b = new Blob([], { type: contentType === undefined ? "" : contentType });
    b[kBytes] = this[kBytes].subarray(from, Math.max(from, to));
    return b;
  }
  text() { return Promise.resolve(utf8DecodeText(this[kBytes])); }
  arrayBuffer() { return Promise.resolve(this[kBytes].slice().buffer); }
  bytes() { return Promise.resolve(this[kBytes].slice()); }
  stream() { return bytesToStream(this[kBytes]); }
}
Object.defineProperty(Blob.prototype, Symbol.toStringTag, { value: "Blob", configurable: true });

// A byte stream that yields one chunk with a copy of the bytes.
export function bytesToStream(bytes) {
  let done = false;
  return createReadableByteStream(() => undefined, (pub) => {
    const c = pub[S];
    if (!done) {
      done = true;
      if (bytes.byteLength > 0) byteControllerEnqueue(c, bytes.slice());
      byteControllerClose(c);
      // A BYOB read waiting on an empty, now closed stream completes as done.
      if (c.stream.state === "closed" && c.pendingPullIntos.length > 0) byteControllerRespond(c, 0);
    }
    return Promise.resolve(undefined);
  }, () => Promise.resolve(undefined));
}

export class File extends Blob {
  #name;
  #lastModified;
  constructor(fileBits, fileName, options = undefined) {
    if (arguments.length < 2) throw new TypeError(`Failed to construct 'File': 2 arguments required, but only ${arguments.length} present.`);
    // Arguments convert in order: the bits, the name, then the options
    // (endings and type, then lastModified).
    const parts = convertParts(fileBits, "File");
    const name = toUSVString(fileName);
    constructingFile = true;
    super(parts, options);
    this.#name = name;
    const lm = options?.lastModified;
    this.#lastModified = lm === undefined ? Date.now() : Math.trunc(Number(lm)) || 0;
  }
  get name() { return this.#name; }
  get lastModified() { return this.#lastModified; }
}
Object.defineProperty(File.prototype, Symbol.toStringTag, { value: "File", configurable: true });
