// MessageChannel and MessagePort, as workerd has them: messages are
// structured-cloned and delivered as macrotasks, in order. React's server
// renderer (browser build) schedules its work through them.
import { EventTarget, setTrusted } from "./events.js";
import { MessageEvent } from "./websocket.js";
import { structuredClone } from "./structuredclone.js";
import { startTimer } from "./timers.js";
import { illegalConstructor, setToStringTag } from "./util.js";
import { DOMException } from "./domexception.js";

const kInit = Symbol("#portInit");

export class MessagePort extends EventTarget {
  #other = null;
  #queue = [];
  #started = false;
  #closed = false;
  #onmessage = null;

  constructor(key) {
    if (key !== kInit) illegalConstructor();
    super();
  }

  static pair() {
    const a = new MessagePort(kInit);
    const b = new MessagePort(kInit);
    a.#other = b;
    b.#other = a;
    return [a, b];
  }

  // postMessage(message, transfer) or postMessage(message, { transfer }):
  // transferred ArrayBuffers are detached here and arrive in the message;
  // transferred MessagePorts arrive in the event's ports.
  postMessage(message, transfer = undefined) {
    let list = [];
    if (transfer !== undefined && transfer !== null && typeof transfer === "object" && typeof transfer[Symbol.iterator] === "function") {
      list = [...transfer];
    } else if (transfer !== undefined && transfer !== null && typeof transfer === "object") {
      list = transfer.transfer === undefined ? [] : [...transfer.transfer];
    } else if (transfer !== undefined) {
      throw new TypeError("Failed to execute 'postMessage' on 'MessagePort': The provided value is not of type 'sequence<object>' or 'StructuredSerializeOptions'.");
    }
    const ports = list.filter((x) => x instanceof MessagePort);
    const buffers = list.filter((x) => !(x instanceof MessagePort));
    if (ports.includes(this)) throw new DOMException("A MessagePort cannot transfer itself.", "DataCloneError");
    if (new Set(ports).size !== ports.length) throw new DOMException("A MessagePort is marked as transferable twice.", "DataCloneError");
    const data = structuredClone(message, { transfer: buffers });
    if (this.#closed || this.#other === null) return;
    this.#other.#enqueue({ data, ports });
  }

  #enqueue(msg) {
    if (this.#closed) return;
    this.#queue.push(msg);
    if (this.#started) this.#schedule();
  }

  #schedule() {
    startTimer(() => {
      while (this.#queue.length > 0 && !this.#closed) {
        const { data, ports } = this.#queue.shift();
        this.dispatchEvent(setTrusted(new MessageEvent("message", { data, ports })));
      }
    }, 0);
  }

  start() {
    if (this.#started) return;
    this.#started = true;
    if (this.#queue.length > 0) this.#schedule();
  }

  close() {
    this.#closed = true;
    this.#queue.length = 0;
    if (this.#other !== null) {
      this.#other.#other = null;
      this.#other = null;
    }
  }

  get onmessage() { return this.#onmessage; }
  set onmessage(fn) {
    if (this.#onmessage !== null) this.removeEventListener("message", this.#onmessage);
    this.#onmessage = typeof fn === "function" ? fn : null;
    if (this.#onmessage !== null) {
      this.addEventListener("message", this.#onmessage);
      this.start(); // setting onmessage starts the port, as in browsers
    }
  }
}
setToStringTag(MessagePort, "MessagePort");

export class MessageChannel {
  #port1;
  #port2;
  constructor() {
    [this.#port1, this.#port2] = MessagePort.pair();
  }
  get port1() { return this.#port1; }
  get port2() { return this.#port2; }
}
setToStringTag(MessageChannel, "MessageChannel");
