// Workers' IdentityTransformStream and FixedLengthStream: byte-only
// TransformStreams whose readable side is a byte stream (BYOB readers work).
import { TransformStream, initTransformStream, setPendingTransformInit, transformControllerEnqueue } from "./transform.js";
import { isBufferSource, bytesView } from "./util.js";

export const kExpectedLength = Symbol("#expectedLength");

function toBytes(chunk) {
  if (!isBufferSource(chunk)) {
    throw new TypeError("This TransformStream is being used as a byte stream, but received an object of non-ArrayBuffer/ArrayBufferView type on its writable side.");
  }
  return bytesView(chunk);
}

function setUp(hwm, onChunk, onFlush) {
  setPendingTransformInit((self) => {
    let t;
    const algorithms = {
      transform: (chunk) => {
        try {
          const bytes = toBytes(chunk);
          if (onChunk) onChunk(bytes);
          // Copy: enqueueing into a byte stream transfers (detaches) the buffer.
          if (bytes.byteLength > 0) transformControllerEnqueue(t.controller, bytes.slice());
          return Promise.resolve(undefined);
        } catch (e) {
          return Promise.reject(e);
        }
      },
      flush: () => {
        try {
          if (onFlush) onFlush();
          return Promise.resolve(undefined);
        } catch (e) {
          return Promise.reject(e);
        }
      },
      cancel: () => Promise.resolve(undefined),
    };
    const size = (chunk) => (chunk?.byteLength ?? 0);
    t = initTransformStream(self, Promise.resolve(undefined), algorithms, hwm, size, 0, undefined, true);
  });
}

function hwmOption(options) {
  const h = options?.highWaterMark;
  if (h === undefined) return 1;
  const n = Number(h);
  if (Number.isNaN(n) || n < 0) throw new RangeError("highWaterMark must be a non-negative number");
  return n;
}

export class IdentityTransformStream extends TransformStream {
  constructor(options = undefined) {
    setUp(hwmOption(options), null, null);
    super();
  }
}
Object.defineProperty(IdentityTransformStream.prototype, Symbol.toStringTag, { value: "IdentityTransformStream", configurable: true });

export class FixedLengthStream extends IdentityTransformStream {
  constructor(expectedLength, options = undefined) {
    let expected;
    if (typeof expectedLength === "bigint") expected = Number(expectedLength);
    else expected = Number(expectedLength);
    if (!Number.isSafeInteger(expected) || expected < 0) {
      throw new TypeError("FixedLengthStream requires a non-negative integer expected length.");
    }
    let seen = 0;
    setUp(hwmOption(options), (bytes) => {
      seen += bytes.byteLength;
      if (seen > expected) throw new TypeError("Attempt to write too many bytes through a FixedLengthStream.");
    }, () => {
      if (seen < expected) throw new TypeError("FixedLengthStream did not see all expected bytes before close().");
    });
    // IdentityTransformStream's constructor would set up again; skip it by
    // calling TransformStream directly through Reflect.construct.
    const self = Reflect.construct(TransformStream, [], new.target);
    self[kExpectedLength] = expected;
    self.readable[kExpectedLength] = expected; // a Response made from it has this Content-Length
    return self;
  }
}
Object.defineProperty(FixedLengthStream.prototype, Symbol.toStringTag, { value: "FixedLengthStream", configurable: true });
