// crypto.DigestStream (Workers): a WritableStream that hashes what is
// written; `digest` resolves to the hash when the stream closes.
import ops from "./ops.js";
import { WritableStream } from "./writable.js";
import { normalizeDigest } from "./crypto.js";
import { deferred, markHandled, isBufferSource } from "./util.js";

const kDigest = Symbol("#digest");
// A stream dropped unclosed frees its host hash state.
const registry = new FinalizationRegistry((id) => ops.digestDrop(id));

export class DigestStream extends WritableStream {
  constructor(algorithm) {
    const alg = normalizeDigest(algorithm);
    const result = deferred();
    markHandled(result.promise);
    // Each chunk goes into the host's running hash as it is written.
    const id = ops.digestNew(alg);
    super({
      write(chunk) {
        if (typeof chunk === "string") chunk = ops.utf8Encode(chunk);
        else if (!isBufferSource(chunk)) throw new TypeError("DigestStream accepts only strings, ArrayBuffers and ArrayBufferViews");
        ops.digestUpdate(id, chunk);
      },
      close() {
        result.resolve(ops.digestFinish(id));
      },
      abort(reason) {
        ops.digestDrop(id);
        result.reject(reason);
      },
    });
    registry.register(this, id);
    this[kDigest] = result.promise;
  }
  get digest() { return this[kDigest]; }
}
Object.defineProperty(DigestStream.prototype, Symbol.toStringTag, { value: "DigestStream", configurable: true });
