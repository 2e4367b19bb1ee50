// crypto.DigestStream (Workers): a WritableStream that hashes what is
// written; `digest` resolves to the hash when the stream closes.
import ops from "./ops.js";
import { WritableStream } from "./writable.js";
import { normalizeDigest } from "./crypto.js";
import { deferred, markHandled, isBufferSource, copyBytes, concatBytes } from "./util.js";

const kDigest = Symbol("#digest");

export class DigestStream extends WritableStream {
  constructor(algorithm) {
    const alg = normalizeDigest(algorithm);
    const result = deferred();
    markHandled(result.promise);
    // The host digest op is one-shot, so chunks are kept until close.
    const chunks = [];
    let total = 0;
    super({
      write(chunk) {
        if (typeof chunk === "string") chunk = ops.utf8Encode(chunk);
        else if (!isBufferSource(chunk)) throw new TypeError("DigestStream accepts only strings, ArrayBuffers and ArrayBufferViews");
        else chunk = copyBytes(chunk);
        chunks.push(chunk);
        total += chunk.byteLength;
      },
      close() {
        const bytes = chunks.length ? concatBytes(chunks, total) : new Uint8Array(0);
        chunks.length = 0;
        const out = ops.digest(alg, bytes);
        result.resolve(out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out.buffer : out.slice().buffer);
      },
      abort(reason) {
        chunks.length = 0;
        result.reject(reason);
      },
    });
    this[kDigest] = result.promise;
  }
  get digest() { return this[kDigest]; }
}
Object.defineProperty(DigestStream.prototype, Symbol.toStringTag, { value: "DigestStream", configurable: true });
