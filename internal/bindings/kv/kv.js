// KV namespaces: env.MY_KV (and a global in service-worker format) as
// workerd shapes it. Validation of keys, limits and TTLs happens in Go
// (internal/kv), which returns workerd's exact messages.
import ops from "runtime:ops.js";
import { registerBindingFactory } from "runtime:bindings.js";
import { isBufferSource, bytesView, concatBytes, setToStringTag } from "runtime:util.js";
import { ReadableStream } from "runtime:readable.js";
import { registerUncloneable } from "runtime:structuredclone.js";

const decoder = (bytes) => ops.utf8Decode(bytes, false, false);
// The host object Go made for this binding; its functions reach only the
// namespace the worker was granted.
const kToken = Symbol("KVNamespace");

function parseGetOptions(options, method) {
  let type = "text";
  let cacheTtl;
  if (typeof options === "string") {
    type = options;
  } else if (options !== undefined && options !== null) {
    if (typeof options !== "object") {
      throw new TypeError(`KV ${method}: options must be a string or an object.`);
    }
    if (options.type !== undefined) type = String(options.type);
    if (options.cacheTtl !== undefined) cacheTtl = Number(options.cacheTtl);
  }
  if (!["text", "json", "arrayBuffer", "stream"].includes(type)) {
    throw new TypeError(`Unknown response type. Possible types are "text", "arrayBuffer", "json", and "stream".`);
  }
  return { type, cacheTtl };
}

function decodeValue(bytes, type) {
  switch (type) {
    case "text":
      return decoder(bytes);
    case "json":
      return JSON.parse(decoder(bytes));
    case "arrayBuffer":
      return bytes.buffer.byteLength === bytes.byteLength ? bytes.buffer : bytes.slice().buffer;
    case "stream":
      return new ReadableStream({
        type: "bytes",
        start(controller) {
          if (bytes.byteLength > 0) controller.enqueue(bytes);
          controller.close();
        },
      });
  }
}

function parseMetadata(json) {
  return json === null || json === undefined ? null : JSON.parse(json);
}

async function readStreamBytes(stream) {
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (!isBufferSource(value)) {
      throw new TypeError("KV put() stream chunks must be ArrayBuffers or ArrayBufferViews.");
    }
    const b = bytesView(value);
    chunks.push(b);
    total += b.byteLength;
  }
  return concatBytes(chunks, total);
}

function toKey(key) {
  return typeof key === "string" ? key : String(key);
}

export class KVNamespace {
  #host;
  constructor(token, host) {
    if (token !== kToken) throw new TypeError("Illegal constructor");
    this.#host = host;
  }

  async get(key, options) {
    if (Array.isArray(key)) return this.#bulk(key, options, false);
    const { type, cacheTtl } = parseGetOptions(options, "get");
    const [bytes] = await this.#host.get(toKey(key), cacheTtl);
    if (bytes === null) return null;
    return decodeValue(bytes, type);
  }

  async getWithMetadata(key, options) {
    if (Array.isArray(key)) return this.#bulk(key, options, true);
    const { type, cacheTtl } = parseGetOptions(options, "getWithMetadata");
    const [bytes, metadata] = await this.#host.get(toKey(key), cacheTtl);
    if (bytes === null) return { value: null, metadata: null, cacheStatus: null };
    return { value: decodeValue(bytes, type), metadata: parseMetadata(metadata), cacheStatus: null };
  }

  async #bulk(keys, options, withMetadata) {
    const { type, cacheTtl } = parseGetOptions(options, withMetadata ? "getWithMetadata" : "get");
    if (type !== "text" && type !== "json") {
      throw new TypeError(`"${type}" is not a valid type. Use "json" or "text"`);
    }
    const rows = await this.#host.getBulk(keys.map(toKey), type, cacheTtl);
    const out = new Map();
    for (const [key, bytes, metadata] of rows) {
      const value = bytes === null ? null : decodeValue(bytes, type);
      out.set(key, withMetadata ? { value, metadata: bytes === null ? null : parseMetadata(metadata) } : value);
    }
    return out;
  }

  async put(key, value, options = {}) {
    key = toKey(key);
    let bytes;
    if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") {
      // workerd's string parameter coerces primitives: put(key, 42) stores "42".
      value = String(value);
    }
    if (typeof value === "string") {
      bytes = ops.utf8Encode(value);
    } else if (isBufferSource(value)) {
      bytes = bytesView(value);
    } else if (value instanceof ReadableStream) {
      bytes = await readStreamBytes(value);
    } else {
      throw new TypeError("KV put() accepts only strings, ArrayBuffers, ArrayBufferViews, and ReadableStreams as values.");
    }
    if (options === null || typeof options !== "object") options = {};
    const num = (v) => (v === undefined || v === null ? undefined : Number(v));
    let metadata;
    if (options.metadata !== undefined && options.metadata !== null) {
      metadata = JSON.stringify(options.metadata);
    }
    await this.#host.put(key, bytes, num(options.expiration), num(options.expirationTtl), metadata);
  }

  async delete(key) {
    await this.#host.delete(toKey(key));
  }

  async list(options = {}) {
    if (options === null || typeof options !== "object") options = {};
    const prefix = options.prefix === undefined || options.prefix === null ? "" : String(options.prefix);
    const limit = options.limit === undefined || options.limit === null ? 0 : Number(options.limit);
    const cursor = options.cursor === undefined || options.cursor === null ? "" : String(options.cursor);
    const json = await this.#host.list(prefix, limit, cursor);
    const result = JSON.parse(json);
    result.cacheStatus = null;
    return result;
  }
}
setToStringTag(KVNamespace, "KvNamespace");

registerUncloneable(KVNamespace);
registerBindingFactory("kv", (name, host) => new KVNamespace(kToken, host));
