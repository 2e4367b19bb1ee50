// atob/btoa (HTML Standard, forgiving-base64).
import { DOMException } from "./domexception.js";

const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const lookup = new Int16Array(256).fill(-1);
for (let i = 0; i < 64; i++) lookup[alphabet.charCodeAt(i)] = i;

export function btoa(data) {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'btoa': 1 argument required, but only 0 present.");
  const s = String(data);
  let out = "";
  let i = 0;
  const n = s.length;
  const code = (j) => {
    const c = s.charCodeAt(j);
    if (c > 255) throw new DOMException("Invalid character", "InvalidCharacterError");
    return c;
  };
  for (; i + 2 < n; i += 3) {
    const v = (code(i) << 16) | (code(i + 1) << 8) | code(i + 2);
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + alphabet[v & 63];
  }
  if (n - i === 1) {
    const v = code(i) << 16;
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + "==";
  } else if (n - i === 2) {
    const v = (code(i) << 16) | (code(i + 1) << 8);
    out += alphabet[v >> 18] + alphabet[(v >> 12) & 63] + alphabet[(v >> 6) & 63] + "=";
  }
  return out;
}

export function atob(data) {
  if (arguments.length === 0) throw new TypeError("Failed to execute 'atob': 1 argument required, but only 0 present.");
  let s = String(data).replace(/[\t\n\f\r ]+/g, "");
  if (s.length % 4 === 0) {
    if (s.endsWith("==")) s = s.slice(0, -2);
    else if (s.endsWith("=")) s = s.slice(0, -1);
  }
  const invalid = () => new DOMException("The string to be decoded is not correctly encoded.", "InvalidCharacterError");
  if (s.length % 4 === 1) throw invalid();
  let out = "";
  let buf = 0;
  let bits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    const v = c < 256 ? lookup[c] : -1;
    if (v < 0) throw invalid();
    buf = (buf << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += String.fromCharCode((buf >> bits) & 255);
    }
  }
  return out;
}
