// node:string_decoder — decodes byte chunks without splitting characters.
import { Buffer, normalizeEncoding } from "./buffer.js";
import { TextDecoder } from "../encoding.js";

export class StringDecoder {
  #enc;
  #utf8;
  #pending = null;
  constructor(encoding = "utf8") {
    this.#enc = normalizeEncoding(encoding);
    if (this.#enc === "utf8") this.#utf8 = new TextDecoder("utf-8");
  }
  get encoding() { return this.#enc; }
  write(buf) {
    if (typeof buf === "string") return buf;
    if (this.#utf8) return this.#utf8.decode(buf, { stream: true });
    let b = Buffer.from(buf);
    if (this.#pending) {
      b = Buffer.concat([this.#pending, b]);
      this.#pending = null;
    }
    // Keep bytes that do not yet make a whole unit (2 for utf16le, 3 for base64).
    const unit = this.encoding === "utf16le" ? 2 : this.#enc.startsWith("base64") ? 3 : 1;
    const whole = b.length - (b.length % unit);
    if (whole < b.length) this.#pending = b.subarray(whole);
    return b.subarray(0, whole).toString(this.#enc);
  }
  end(buf = undefined) {
    let s = buf === undefined ? "" : this.write(buf);
    if (this.#utf8) return s + this.#utf8.decode();
    if (this.#pending) {
      s += this.#pending.toString(this.#enc);
      this.#pending = null;
    }
    return s;
  }
}

export default { StringDecoder };
