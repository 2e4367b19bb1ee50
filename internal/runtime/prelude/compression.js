// CompressionStream and DecompressionStream (Compression Streams): Go does
// the (de)compression; each stream holds a Go codec fed chunk by chunk.
import ops from "./ops.js";
import { TransformStream } from "./transform.js";
import { isBufferSource, isShared } from "./util.js";

const formats = new Set(["gzip", "deflate", "deflate-raw"]);

function codecTransform(kind, format, decompress) {
  format = String(format);
  if (!formats.has(format)) {
    throw new TypeError(`Failed to construct '${kind}': Unsupported compression format: '${format}'`);
  }
  const id = ops.codecNew(format, decompress);
  return new TransformStream({
    transform(chunk, controller) {
      if (!isBufferSource(chunk) || isShared(chunk)) {
        ops.codecClose(id);
        throw new TypeError(`${kind}: the chunk must be an ArrayBuffer or ArrayBufferView, not shared memory`);
      }
      const out = ops.codecPush(id, chunk);
      if (Array.isArray(out)) {
        // Bad data: what was decoded before it is still delivered.
        const [partial, message] = out;
        if (partial.byteLength > 0) controller.enqueue(partial);
        throw new TypeError(message);
      }
      if (out.byteLength > 0) controller.enqueue(out);
    },
    flush(controller) {
      const out = ops.codecFinish(id);
      if (out.byteLength > 0) controller.enqueue(out);
    },
    cancel() {
      ops.codecClose(id);
    },
  });
}

export class CompressionStream {
  #transform;
  constructor(format) {
    if (arguments.length < 1) throw new TypeError("Failed to construct 'CompressionStream': 1 argument required, but only 0 present.");
    this.#transform = codecTransform("CompressionStream", format, false);
  }
  get readable() { return this.#transform.readable; }
  get writable() { return this.#transform.writable; }
}
Object.defineProperty(CompressionStream.prototype, Symbol.toStringTag, { value: "CompressionStream", configurable: true });

export class DecompressionStream {
  #transform;
  constructor(format) {
    if (arguments.length < 1) throw new TypeError("Failed to construct 'DecompressionStream': 1 argument required, but only 0 present.");
    this.#transform = codecTransform("DecompressionStream", format, true);
  }
  get readable() { return this.#transform.readable; }
  get writable() { return this.#transform.writable; }
}
Object.defineProperty(DecompressionStream.prototype, Symbol.toStringTag, { value: "DecompressionStream", configurable: true });
