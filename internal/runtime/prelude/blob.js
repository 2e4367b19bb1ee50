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

export class Blob {
  constructor(blobParts = undefined, options = undefined) {
    let parts = [];
    if (blobParts !== undefined) {
      if (blobParts === null || typeof blobParts !== "object" || typeof blobParts[Symbol.iterator] !== "function") {
        throw new TypeError("Failed to construct 'Blob': The provided value cannot be converted to a sequence.");
      }
      parts = [...blobParts];
    }
    const endings = options?.endings ?? "transparent";
    if (endings !== "transparent" && endings !== "native") {
      throw new TypeError(`Failed to construct 'Blob': The provided value '${endings}' is not a valid enum value of type EndingType.`);
    }
    this[kBytes] = partsToBytes(parts, endings);
    this[kType] = options?.type === undefined ? "" : normalizeType(options.type);
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
    super(fileBits, options);
    this.#name = toUSVString(fileName);
    this.#lastModified = options?.lastModified === undefined ? Date.now() : Math.trunc(Number(options.lastModified)) || 0;
  }
  get name() { return this.#name; }
  get lastModified() { return this.#lastModified; }
}
Object.defineProperty(File.prototype, Symbol.toStringTag, { value: "File", configurable: true });
