// TextEncoder/TextDecoder (Encoding Standard). UTF-8 goes through the host;
// UTF-16LE/BE are decoded here; the legacy encodings through the host.
import ops from "./ops.js";
import { isBufferSource, bytesView } from "./util.js";

export class TextEncoder {
  get encoding() { return "utf-8"; }
  encode(input = "") {
    return ops.utf8Encode(String(input));
  }
  encodeInto(source, destination) {
    if (!(destination instanceof Uint8Array)) {
      throw new TypeError("Failed to execute 'encodeInto' on 'TextEncoder': parameter 2 is not of type 'Uint8Array'.");
    }
    const s = String(source);
    const cap = destination.length;
    let read = 0;
    let written = 0;
    const n = s.length;
    while (read < n) {
      let c = s.charCodeAt(read);
      let units = 1;
      if (c >= 0xd800 && c <= 0xdbff && read + 1 < n) {
        const d = s.charCodeAt(read + 1);
        if (d >= 0xdc00 && d <= 0xdfff) {
          c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
          units = 2;
        }
      }
      if (c >= 0xd800 && c <= 0xdfff) c = 0xfffd; // lone surrogate
      if (c < 0x80) {
        if (written + 1 > cap) break;
        destination[written++] = c;
      } else if (c < 0x800) {
        if (written + 2 > cap) break;
        destination[written++] = 0xc0 | (c >> 6);
        destination[written++] = 0x80 | (c & 63);
      } else if (c < 0x10000) {
        if (written + 3 > cap) break;
        destination[written++] = 0xe0 | (c >> 12);
        destination[written++] = 0x80 | ((c >> 6) & 63);
        destination[written++] = 0x80 | (c & 63);
      } else {
        if (written + 4 > cap) break;
        destination[written++] = 0xf0 | (c >> 18);
        destination[written++] = 0x80 | ((c >> 12) & 63);
        destination[written++] = 0x80 | ((c >> 6) & 63);
        destination[written++] = 0x80 | (c & 63);
      }
      read += units;
    }
    return { read, written };
  }
}
Object.defineProperty(TextEncoder.prototype, Symbol.toStringTag, { value: "TextEncoder", configurable: true });

// Encoding names by label (the Encoding Standard's table, kept by the host),
// looked up once per label.
const labelCache = new Map();
function encodingForLabel(label) {
  // Strip ASCII whitespace only, lowercase ASCII only.
  const key = label.replace(/^[\t\n\f\r ]+|[\t\n\f\r ]+$/g, "").replace(/[A-Z]/g, (c) => c.toLowerCase());
  let name = labelCache.get(key);
  if (name === undefined) {
    name = ops.encodingForLabel(key) ?? null;
    if (labelCache.size < 256) labelCache.set(key, name);
  }
  return name;
}

// Streaming decoders of legacy encodings keep state in the host until the
// stream ends; one dropped mid-stream is released when collected.
const legacyRegistry = new FinalizationRegistry((id) => ops.legacyDecoderFree(id));

// Length of the incomplete UTF-8 sequence at the end of b (0 if none).
function incompleteTail(b) {
  const n = b.length;
  for (let back = 1; back <= 3 && back <= n; back++) {
    const c = b[n - back];
    if ((c & 0xc0) === 0x80) continue; // continuation byte
    const need = c >= 0xf0 && c <= 0xf4 ? 4 : c >= 0xe0 && c < 0xf0 ? 3 : c >= 0xc2 && c < 0xe0 ? 2 : 1;
    if (need > back) {
      // E0/ED/F0/F4 restrict the second byte; an impossible pair is not "incomplete".
      if (back >= 2) {
        const s = b[n - back + 1];
        if ((c === 0xe0 && s < 0xa0) || (c === 0xed && s > 0x9f) || (c === 0xf0 && s < 0x90) || (c === 0xf4 && s > 0x8f)) return 0;
      }
      return back;
    }
    return 0;
  }
  return 0;
}

// "UTF-8 decode" as Body.text() and Blob.text() use it: BOM stripped,
// invalid sequences replaced.
export function utf8DecodeText(bytes) {
  const out = ops.utf8Decode(bytes, false, false);
  return out.includes("\ufffd") ? decodeUTF8(bytes, true) : out;
}

// UTF-8 decode with replacement, per the Encoding Standard's decoder.
function decodeUTF8(b, stripBOM) {
  let i = stripBOM && b.length >= 3 && b[0] === 0xef && b[1] === 0xbb && b[2] === 0xbf ? 3 : 0;
  const units = [];
  let out = "";
  const n = b.length;
  while (i < n) {
    const c = b[i];
    let cp = 0xfffd;
    let need = 0;
    let lower = 0x80;
    let upper = 0xbf;
    if (c < 0x80) {
      cp = c;
    } else if (c >= 0xc2 && c <= 0xdf) {
      need = 1;
      cp = c & 0x1f;
    } else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      cp = c & 0xf;
      if (c === 0xe0) lower = 0xa0;
      if (c === 0xed) upper = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      cp = c & 0x7;
      if (c === 0xf0) lower = 0x90;
      if (c === 0xf4) upper = 0x8f;
    }
    i++;
    if (c >= 0x80 && need === 0) {
      cp = 0xfffd;
    } else {
      let k = 0;
      for (; k < need; k++) {
        const d = b[i];
        if (i >= n || d < lower || d > upper) break;
        cp = (cp << 6) | (d & 0x3f);
        lower = 0x80;
        upper = 0xbf;
        i++;
      }
      if (k < need) cp = 0xfffd;
    }
    if (cp > 0xffff) {
      cp -= 0x10000;
      units.push(0xd800 + (cp >> 10), 0xdc00 + (cp & 0x3ff));
    } else {
      units.push(cp);
    }
    if (units.length > 8190) {
      out += String.fromCharCode.apply(null, units);
      units.length = 0;
    }
  }
  return out + String.fromCharCode.apply(null, units);
}

function concat(a, b) {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

export class TextDecoder {
  #encoding;
  #fatal;
  #ignoreBOM;
  #pending = null;
  #bomSeen = false;
  #legacy = 0; // host decoder id while a legacy stream is open
  constructor(label = "utf-8", options = undefined) {
    label = String(label);
    const enc = encodingForLabel(label);
    if (!enc || enc === "replacement") {
      throw new RangeError(`Failed to construct 'TextDecoder': The encoding label provided ('${label}') is invalid.`);
    }
    this.#encoding = enc;
    this.#fatal = !!options?.fatal;
    this.#ignoreBOM = !!options?.ignoreBOM;
  }
  get encoding() { return this.#encoding; }
  get fatal() { return this.#fatal; }
  get ignoreBOM() { return this.#ignoreBOM; }

  decode(input = undefined, options = undefined) {
    let bytes;
    if (input === undefined) bytes = new Uint8Array(0);
    else if (isBufferSource(input)) bytes = bytesView(input);
    else throw new TypeError("Failed to execute 'decode' on 'TextDecoder': parameter 1 is not of type 'ArrayBuffer' or 'ArrayBufferView'.");
    const stream = !!options?.stream;
    if (this.#pending) {
      bytes = concat(this.#pending, bytes);
      this.#pending = null;
    }
    try {
      switch (this.#encoding) {
        case "utf-8": return this.#utf8(bytes, stream);
        case "utf-16le": return this.#utf16(bytes, stream, false);
        case "utf-16be": return this.#utf16(bytes, stream, true);
        default: return this.#legacyDecode(bytes, stream);
      }
    } catch (e) {
      this.#pending = null;
      this.#bomSeen = false;
      this.#closeLegacy();
      throw e;
    } finally {
      if (!stream) {
        this.#pending = null;
        this.#bomSeen = false;
        this.#closeLegacy();
      }
    }
  }

  #utf8(bytes, stream) {
    if (stream) {
      const tail = incompleteTail(bytes);
      if (tail) {
        this.#pending = bytes.slice(bytes.length - tail);
        bytes = bytes.subarray(0, bytes.length - tail);
      }
    }
    if (bytes.length === 0) return "";
    // The BOM is only stripped at the start of the stream.
    const stripBOM = !this.#ignoreBOM && !this.#bomSeen;
    let out = ops.utf8Decode(bytes, this.#fatal, !stripBOM);
    // The host may merge a run of invalid bytes into one U+FFFD; the
    // standard wants one per maximal subpart, so redo those inputs here.
    if (!this.#fatal && out.includes("\ufffd")) out = decodeUTF8(bytes, stripBOM);
    this.#bomSeen = true;
    return out;
  }

  #utf16(bytes, stream, be) {
    let n = bytes.length;
    if (stream && n % 2 === 1) {
      this.#pending = bytes.slice(n - 1);
      n--;
    }
    const [lo, hi] = be ? [1, 0] : [0, 1];
    let start = 0;
    if (!this.#ignoreBOM && !this.#bomSeen && n >= 2 && bytes[lo] === 0xff && bytes[hi] === 0xfe) start = 2;
    if (n > 0) this.#bomSeen = true;
    let out = "";
    const CH = 8192;
    const units = [];
    for (let i = start; i + 1 < n; i += 2) units.push(bytes[i + lo] | (bytes[i + hi] << 8));
    // Keep a trailing high surrogate for the next chunk when streaming.
    if (stream && units.length && units[units.length - 1] >= 0xd800 && units[units.length - 1] <= 0xdbff) {
      const u = units.pop();
      const pair = be ? [u >> 8, u & 255] : [u & 255, u >> 8];
      this.#pending = concat(new Uint8Array(pair), this.#pending ?? new Uint8Array(0));
    }
    for (let i = 0; i < units.length; i += CH) out += String.fromCharCode.apply(null, units.slice(i, i + CH));
    if (!stream && n % 2 === 1) {
      if (this.#fatal) throw new TypeError(`The encoded data was not valid for encoding ${this.#encoding}`);
      out += "\ufffd";
    }
    if (!out.isWellFormed()) {
      if (this.#fatal) throw new TypeError(`The encoded data was not valid for encoding ${this.#encoding}`);
      out = out.toWellFormed();
    }
    return out;
  }

  #legacyDecode(bytes, stream) {
    if (!stream && !this.#legacy) return ops.legacyDecode(this.#encoding, bytes, false, this.#fatal);
    if (!this.#legacy) {
      this.#legacy = ops.legacyDecoderNew(this.#encoding);
      legacyRegistry.register(this, this.#legacy, this);
    }
    return ops.legacyDecode(this.#legacy, bytes, stream, this.#fatal);
  }

  #closeLegacy() {
    if (!this.#legacy) return;
    legacyRegistry.unregister(this);
    ops.legacyDecoderFree(this.#legacy);
    this.#legacy = 0;
  }
}
Object.defineProperty(TextDecoder.prototype, Symbol.toStringTag, { value: "TextDecoder", configurable: true });
