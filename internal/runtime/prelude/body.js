// The Body mixin shared by Request and Response. A body keeps its source
// (string, bytes, a host stream id) and only becomes a ReadableStream when
// `.body` is touched, so `new Response("text")` costs no stream.
import ops from "./ops.js";
import { utf8DecodeText } from "./encoding.js";
import { S } from "./streamutil.js";
import { isBufferSource, copyBytes, concatBytes } from "./util.js";
import {
  ReadableStream, isReadableStream, createReadableByteStream, byteControllerEnqueue, byteControllerClose,
  byteControllerError, byteControllerRespond, acquireDefaultReader, readerReadPromise,
  readableStreamCancel, readableStreamTee,
} from "./readable.js";
import { Blob, kBytes, bytesToStream } from "./blob.js";
import { FormData, encodeMultipart, parseMultipart } from "./formdata.js";
import { URLSearchParams, parseForm } from "./url.js";
import { kExpectedLength } from "./identitystream.js";

export const kBody = Symbol("#body");
// Marks a stream made from a host stream id, so that passing an untouched
// request/fetch body on (proxying) hands the id back instead of pumping
// every chunk through JavaScript.
const kSid = Symbol("#sid");

// Body records: { kind: "none"|"string"|"bytes"|"sid"|"stream", source, used, stream, length }
export function emptyBody() {
  return { kind: "none", source: null, used: false, stream: null, length: 0 };
}

// "Extract a body": returns the record and the Content-Type it implies.
export function extractBody(init) {
  if (typeof init === "string") return [{ kind: "string", source: init, used: false, stream: null, length: -1 }, "text/plain;charset=UTF-8"];
  if (init instanceof ReadableStream) {
    const s = init[S];
    if (s.disturbed || s.reader !== undefined) {
      throw new TypeError("This ReadableStream is disturbed (has already been read from), and cannot be used as a body.");
    }
    const sid = init[kSid];
    if (sid !== undefined && s.state === "readable" && s.controller.queueTotalSize === 0 && !s.controller.pulling) {
      // The stream was never read: take the host stream over and leave the
      // old one disturbed, as if it had been consumed.
      s.disturbed = true;
      return [sidBody(sid, init[kExpectedLength] ?? -1), null];
    }
    return [{ kind: "stream", source: null, used: false, stream: init, length: init[kExpectedLength] ?? -1 }, null];
  }
  if (isBufferSource(init)) {
    const bytes = copyBytes(init);
    return [{ kind: "bytes", source: bytes, used: false, stream: null, length: bytes.byteLength }, null];
  }
  if (init instanceof Blob) {
    const bytes = init[kBytes];
    return [{ kind: "bytes", source: bytes, used: false, stream: null, length: bytes.byteLength }, init.type || null];
  }
  if (init instanceof URLSearchParams) {
    return [{ kind: "string", source: init.toString(), used: false, stream: null, length: -1 }, "application/x-www-form-urlencoded;charset=UTF-8"];
  }
  if (init instanceof FormData) {
    const { bytes, contentType } = encodeMultipart(init);
    return [{ kind: "bytes", source: bytes, used: false, stream: null, length: bytes.byteLength }, contentType];
  }
  return extractBody(String(init));
}

export function sidBody(sid, length = -1) {
  return { kind: "sid", source: sid, used: false, stream: null, length };
}

// A byte stream pulling from a host stream id.
export function streamFromSid(sid) {
  const stream = createReadableByteStream(() => undefined, (pub) => {
    const c = pub[S];
    return ops.streamRead(sid).then((chunk) => {
      if (chunk === null) {
        byteControllerClose(c);
        if (c.stream.state === "closed" && c.pendingPullIntos.length > 0) byteControllerRespond(c, 0);
      } else if (chunk.byteLength > 0) {
        byteControllerEnqueue(c, chunk);
      }
    }, (e) => byteControllerError(c, e));
  }, () => {
    ops.streamCancel(sid);
    return Promise.resolve(undefined);
  });
  stream[kSid] = sid;
  return stream;
}

// The body's ReadableStream, created on first use.
export function bodyStream(b) {
  if (b.kind === "none") return null;
  if (b.stream === null && b.used) {
    // Already consumed through the fast path: the stream is what a fully
    // read one is, closed, disturbed and locked to the reader that read it.
    b.stream = bytesToStream(new Uint8Array(0));
    b.stream[S].disturbed = true;
    acquireDefaultReader(b.stream[S]);
    b.source = null;
    return b.stream;
  }
  if (b.stream === null) {
    if (b.kind === "string" || b.kind === "bytes") {
      const bytes = b.kind === "string" ? ops.utf8Encode(b.source) : b.source;
      b.stream = bytesToStream(bytes);
      // Like workerd's memory-backed streams it knows its size, so
      // new Response(response.body) is still sent with a Content-Length.
      b.stream[kExpectedLength] = bytes.byteLength;
    } else if (b.kind === "sid") {
      b.stream = streamFromSid(b.source);
      // An incoming body of declared length is a stream of known length
      // (what R2 put() and new Response(body) rely on), as in workerd.
      if (b.length >= 0) b.stream[kExpectedLength] = b.length;
    }
    b.source = null;
  }
  return b.stream;
}

export function bodyUsed(b) {
  if (b.kind === "none") return false;
  if (b.stream !== null) return b.stream[S].disturbed;
  return b.used;
}

function usedError() {
  return new TypeError("Body has already been used. It can only be used once. Use tee() first if you need to read it twice.");
}

// Reads a body's stream to the end. As the Fetch Standard's "fully read",
// the reader is never released: the stream stays locked.
async function readStreamFully(stream) {
  const reader = acquireDefaultReader(stream[S]);
  const chunks = [];
  let total = 0;
  for (;;) {
    const { value, done } = await readerReadPromise(reader);
    if (done) break;
    if (!isBufferSource(value)) {
      const e = new TypeError("This ReadableStream did not return bytes.");
      readableStreamCancel(stream[S], e);
      throw e;
    }
    const bytes = value instanceof Uint8Array ? value : copyBytes(value);
    chunks.push(bytes);
    total += bytes.byteLength;
  }
  return chunks.length === 0 ? new Uint8Array(0) : concatBytes(chunks, total);
}

// Consumes the body: resolves to bytes (or a string when the source is one
// and the caller wants text, to skip an encode/decode round trip).
export function consumeBody(b, wantText) {
  if (bodyUsed(b)) return Promise.reject(usedError());
  if (b.stream !== null && b.stream[S].reader !== undefined) {
    return Promise.reject(new TypeError("The body's ReadableStream is locked to a reader."));
  }
  switch (b.kind) {
    case "none":
      return Promise.resolve(wantText ? "" : new Uint8Array(0));
    case "string":
      if (b.stream === null) {
        b.used = true;
        const s = b.source;
        b.source = null;
        return Promise.resolve(wantText ? s : ops.utf8Encode(s));
      }
      break;
    case "bytes":
      if (b.stream === null) {
        b.used = true;
        const bytes = b.source;
        b.source = null;
        // The source may be shared with a clone or a Blob: hand out a copy.
        return Promise.resolve(wantText ? utf8DecodeText(bytes) : bytes.slice());
      }
      break;
    case "sid":
      if (b.stream === null) {
        b.used = true;
        // One op reads the rest, and gives a string for text when the
        // bytes are valid UTF-8 (else the bytes, for the caller's decoder).
        return ops.streamReadAll(b.source, wantText === true);
      }
      break;
  }
  return readStreamFully(b.stream);
}

// Clones a body record: sources are shared (they are never mutated), streams tee.
export function cloneBody(b) {
  if (bodyUsed(b)) throw new TypeError("Cannot clone a body that has already been used.");
  if (b.kind === "none") return emptyBody();
  if (b.stream === null && (b.kind === "string" || b.kind === "bytes")) {
    return { kind: b.kind, source: b.source, used: false, stream: null, length: b.length };
  }
  const stream = bodyStream(b);
  if (stream[S].reader !== undefined) throw new TypeError("Cannot clone a body whose stream is locked.");
  const [one, two] = readableStreamTee(stream[S], false);
  b.stream = one;
  return { kind: "stream", source: null, used: false, stream: two, length: b.length };
}

// Moves the body out of a record (new Request(request) takes the body).
export function takeBody(b) {
  const out = { kind: b.kind, source: b.source, used: false, stream: b.stream, length: b.length };
  if (b.kind !== "none") {
    b.used = true;
    if (b.stream !== null) b.stream[S].disturbed = true;
  }
  return out;
}

// The body as bytes for the host: a Uint8Array, null, or a pull object.
export function bodyForHost(b) {
  if (b.kind === "none") return null;
  if (b.stream === null) {
    if (b.kind === "string") return b.source; // Go encodes it to UTF-8 in one pass
    if (b.kind === "bytes") return b.source;
    if (b.kind === "sid") {
      const sid = b.source;
      b.used = true;
      // The host takes the stream back by its id: no chunk passes through JS.
      return { sid, length: b.length, read: () => ops.streamRead(sid), cancel: () => ops.streamCancel(sid) };
    }
  }
  // An unread stream of known size (FixedLengthStream, a body's own stream)
  // tells the host its length up front.
  const length = b.stream[S].disturbed ? -1 : (b.stream[kExpectedLength] ?? -1);
  const reader = acquireDefaultReader(b.stream[S]);
  return {
    length,
    read: () => readerReadPromise(reader).then(({ value, done }) => {
      if (done) return null;
      if (value instanceof Uint8Array) return value;
      if (isBufferSource(value)) return copyBytes(value);
      throw new TypeError("This ReadableStream did not return bytes.");
    }),
    cancel: (reason) => {
      if (reader.stream !== undefined) readableStreamCancel(reader.stream, reason);
    },
  };
}

// The body fully read as bytes (or null), for outgoing fetch().
export function bodyBytesForFetch(b) {
  if (b.kind === "none") return Promise.resolve(null);
  if (b.stream === null) {
    if (b.kind === "string") return Promise.resolve(ops.utf8Encode(b.source));
    if (b.kind === "bytes") return Promise.resolve(b.source);
  }
  return consumeBody(b, false);
}

function mimeEssence(ct) {
  return (ct ?? "").split(";")[0].trim().toLowerCase();
}

// Installs text/json/arrayBuffer/bytes/blob/formData/body/bodyUsed on a class.
export function mixinBody(cls, contentTypeOf) {
  const methods = {
    get body() { return bodyStream(this[kBody]); },
    get bodyUsed() { return bodyUsed(this[kBody]); },
    arrayBuffer() {
      return consumeBody(this[kBody], false).then((u8) => (u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength ? u8.buffer : u8.slice().buffer));
    },
    bytes() {
      return consumeBody(this[kBody], false).then((u8) => (u8.byteOffset === 0 && u8.byteLength === u8.buffer.byteLength ? u8 : u8.slice()));
    },
    text() {
      return consumeBody(this[kBody], true).then((v) => (typeof v === "string" ? v : utf8DecodeText(v)));
    },
    json() {
      return this.text().then((t) => JSON.parse(t));
    },
    blob() {
      const type = contentTypeOf(this) ?? "";
      return consumeBody(this[kBody], false).then((u8) => {
        const blob = new Blob([], { type });
        blob[kBytes] = u8;
        return blob;
      });
    },
    formData() {
      const ct = contentTypeOf(this);
      const essence = mimeEssence(ct);
      return consumeBody(this[kBody], false).then((u8) => {
        if (essence === "multipart/form-data") return parseMultipart(u8, ct);
        if (essence === "application/x-www-form-urlencoded") {
          const fd = new FormData();
          for (const [k, v] of parseForm(utf8DecodeText(u8))) fd.append(k, v);
          return fd;
        }
        throw new TypeError("Unrecognized Content-Type header value. FormData can only parse the following MIME types: multipart/form-data, application/x-www-form-urlencoded");
      });
    },
  };
  for (const [k, d] of Object.entries(Object.getOwnPropertyDescriptors(methods))) {
    d.enumerable = true;
    Object.defineProperty(cls.prototype, k, d);
  }
}
