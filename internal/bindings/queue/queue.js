// Queues: the producer binding (env.MY_QUEUE.send/sendBatch) and what a
// consumer's queue() handler receives (MessageBatch, Message, and the
// "queue" event in service-worker format), as workerd shapes them. Limits
// are checked in Go (internal/queue), with Cloudflare's messages.
import ops from "runtime:ops.js";
import { registerBindingFactory } from "runtime:bindings.js";
import { registerUncloneable } from "runtime:structuredclone.js";
import { registerQueueHost } from "runtime:dispatch.js";
import { Event } from "runtime:events.js";
import { pack, unpack } from "runtime:rpc.js";
import { setToStringTag, illegalConstructor } from "runtime:util.js";

const kToken = Symbol("Queue");
const contentTypes = ["text", "bytes", "json", "v8"];
const maxDelay = 43200;

function contentTypeOf(v, fallback) {
  if (v === undefined || v === null) return fallback;
  const t = String(v).toLowerCase();
  if (!contentTypes.includes(t)) throw new TypeError(`Unsupported queue message content type: ${v}`);
  return t;
}

function typeName(v) {
  return v === null ? "object" : typeof v;
}

function serialize(body, contentType) {
  switch (contentType) {
    case "text":
      if (typeof body !== "string") {
        throw new TypeError(`Content Type "text" requires a value of type string, but received: ${typeName(body)}`);
      }
      return ops.utf8Encode(body);
    case "bytes": {
      if (!ArrayBuffer.isView(body)) {
        throw new TypeError(`Content Type "bytes" requires a value of type ArrayBufferView, but received: ${typeName(body)}`);
      }
      return new Uint8Array(body.buffer, body.byteOffset, body.byteLength).slice();
    }
    case "json": {
      const text = JSON.stringify(body);
      if (text === undefined) throw new TypeError(`Content Type "json" requires a value that JSON can represent, but received: ${typeName(body)}`);
      return ops.utf8Encode(text);
    }
    default:
      return pack(body);
  }
}

function delayOf(v) {
  if (v === undefined || v === null) return null;
  return Math.trunc(Number(v));
}

// The producer: env.MY_QUEUE.
export class WorkerQueue {
  #host;
  constructor(token, host) {
    if (token !== kToken) illegalConstructor();
    this.#host = host;
  }

  async send(body, options = undefined) {
    if (body === undefined) throw new TypeError("Message body cannot be undefined");
    const contentType = contentTypeOf(options?.contentType, this.#host.defaultContentType);
    const m = await this.#host.send([[serialize(body, contentType), contentType, delayOf(options?.delaySeconds)]], false);
    return { metadata: { metrics: metricsOf(m) } };
  }

  async sendBatch(messages, options = undefined) {
    if (messages === null || typeof messages !== "object" || typeof messages[Symbol.iterator] !== "function") {
      throw new TypeError("sendBatch() requires an iterable of messages");
    }
    const items = [];
    const batchDelay = delayOf(options?.delaySeconds);
    for (const m of messages) {
      if (m === null || typeof m !== "object") throw new TypeError("sendBatch() messages must be objects of the form { body, contentType, delaySeconds }");
      if (m.body === undefined) throw new TypeError("Message body cannot be undefined");
      const contentType = contentTypeOf(m.contentType, this.#host.defaultContentType);
      const delay = delayOf(m.delaySeconds);
      items.push([serialize(m.body, contentType), contentType, delay ?? batchDelay]);
    }
    if (items.length === 0) throw new TypeError("sendBatch() requires at least one message");
    const m = await this.#host.send(items, true);
    return { metadata: { metrics: metricsOf(m) } };
  }

  // The queue's backlog: messages not yet acknowledged.
  async metrics() {
    return metricsOf(await this.#host.metrics());
  }
}

// metricsOf makes the metrics object of the host's [count, bytes, oldest
// ms or null]; oldestMessageTimestamp is absent for an empty queue.
function metricsOf([backlogCount, backlogBytes, oldest]) {
  const m = { backlogCount, backlogBytes };
  if (oldest !== null) m.oldestMessageTimestamp = new Date(oldest);
  return m;
}
setToStringTag(WorkerQueue, "WorkerQueue");
registerUncloneable(WorkerQueue);
registerBindingFactory("queue", (name, host) => new WorkerQueue(kToken, host));

// The consumer side.

function warn(text) {
  globalThis.console?.warn?.(text);
}

function checkRetryDelay(options) {
  const d = delayOf(options?.delaySeconds);
  if (d !== null && !(d >= 0 && d <= maxDelay)) {
    throw new RangeError(`retry() delaySeconds must be a whole number of seconds from 0 to ${maxDelay} (12 hours), found ${options.delaySeconds}`);
  }
  return d;
}

function decodeBody(bytes, contentType) {
  switch (contentType) {
    case "text":
      return ops.utf8Decode(bytes, false, false);
    case "json":
      return JSON.parse(ops.utf8Decode(bytes, false, false));
    case "bytes":
      return bytes;
    default:
      return unpack(bytes);
  }
}

// What the handler decided; read by Go when the handler ends.
class BatchResult {
  ackAll = false;
  retryAll = false;
  retryDelay = null;
  acks = new Set();
  retries = new Map();
  toHost() {
    return { ackAll: this.ackAll, retryAll: this.retryAll, retryDelay: this.retryDelay, acks: [...this.acks], retries: [...this.retries] };
  }
}

let constructing = false;

export class Message {
  #id;
  #timestamp;
  #body;
  #attempts;
  #result;
  constructor(m, result) {
    if (!constructing) illegalConstructor();
    this.#id = m.id;
    this.#timestamp = new Date(m.timestamp);
    this.#body = decodeBody(m.body, m.contentType);
    this.#attempts = m.attempts;
    this.#result = result;
  }
  get id() { return this.#id; }
  get timestamp() { return this.#timestamp; }
  get body() { return this.#body; }
  get attempts() { return this.#attempts; }
  ack() {
    const r = this.#result;
    if (r.ackAll) return;
    if (r.retryAll) {
      warn(`Received a call to ack() on message ${this.#id} after retryAll() was already called. Calling ack() on a message after calling retryAll() has no effect.`);
      return;
    }
    if (r.retries.has(this.#id)) {
      warn(`Received a call to ack() on message ${this.#id} after retry() was already called. Calling ack() on a message after calling retry() has no effect.`);
      return;
    }
    r.acks.add(this.#id);
  }
  retry(options = undefined) {
    const delay = checkRetryDelay(options);
    const r = this.#result;
    if (r.ackAll) {
      warn(`Received a call to retry() on message ${this.#id} after ackAll() was already called. Calling retry() on a message after calling ackAll() has no effect.`);
      return;
    }
    if (r.acks.has(this.#id)) {
      warn(`Received a call to retry() on message ${this.#id} after ack() was already called. Calling retry() on a message after calling ack() has no effect.`);
      return;
    }
    const prev = r.retries.get(this.#id);
    r.retries.set(this.#id, delay ?? prev ?? null);
  }
}
setToStringTag(Message, "Message");

function ackAll(r) {
  if (r.retryAll) {
    warn("Received a call to ackAll() after retryAll() was already called. Calling ackAll() after calling retryAll() has no effect.");
    return;
  }
  r.ackAll = true;
}

function retryAll(r, options) {
  const delay = checkRetryDelay(options);
  if (r.ackAll) {
    warn("Received a call to retryAll() after ackAll() was already called. Calling retryAll() after calling ackAll() has no effect.");
    return;
  }
  r.retryAll = true;
  if (delay !== null) r.retryDelay = delay;
}

export class MessageBatch {
  #queue;
  #messages;
  #result;
  #metadata;
  constructor(queue, messages, result, metadata) {
    if (!constructing) illegalConstructor();
    this.#queue = queue;
    this.#messages = messages;
    this.#result = result;
    this.#metadata = metadata;
  }
  get queue() { return this.#queue; }
  get messages() { return this.#messages; }
  // The queue's backlog when the batch was taken (MessageBatchMetadata).
  get metadata() { return this.#metadata; }
  ackAll() { ackAll(this.#result); }
  retryAll(options = undefined) { retryAll(this.#result, options); }
}
setToStringTag(MessageBatch, "MessageBatch");

// The service-worker form: addEventListener("queue", (event) => …).
export class QueueEvent extends Event {
  #batch;
  #ctx;
  constructor(type, init) {
    if (!constructing) illegalConstructor();
    super(type);
    this.#batch = init.batch;
    this.#ctx = init.ctx;
  }
  get queue() { return this.#batch.queue; }
  get messages() { return this.#batch.messages; }
  get metadata() { return this.#batch.metadata; }
  ackAll() { this.#batch.ackAll(); }
  retryAll(options = undefined) { this.#batch.retryAll(options); }
  waitUntil(promise) { this.#ctx.waitUntil(promise); }
}
setToStringTag(QueueEvent, "QueueEvent");

registerQueueHost({
  // batch makes a MessageBatch of the host's messages ({ id, timestamp,
  // body, contentType, attempts }) and metrics, and a function reading
  // its result.
  batch(queue, incoming, metrics) {
    const result = new BatchResult();
    constructing = true;
    try {
      const messages = Object.freeze(Array.from(incoming, (m) => new Message(m, result)));
      return { batch: new MessageBatch(queue, messages, result, { metrics: metricsOf(metrics ?? [0, 0, null]) }), result: () => result.toHost() };
    } finally {
      constructing = false;
    }
  },
  event(batch, ctx) {
    constructing = true;
    try {
      return new QueueEvent("queue", { batch, ctx });
    } finally {
      constructing = false;
    }
  },
});
