// application/x-www-form-urlencoded parsing and serialising (URL Standard
// §5), shared by URLSearchParams and the body mixin's formData().

// formDecode replaces "+" with a space and percent-decodes; decoded bytes are
// read as UTF-8 with U+FFFD for invalid sequences.
export function formDecode(s) {
  if (s.indexOf("+") !== -1) s = s.replaceAll("+", " ");
  if (s.indexOf("%") === -1) return s;
  let out = "";
  let i = 0;
  const n = s.length;
  while (i < n) {
    const pct = s.indexOf("%", i);
    if (pct === -1) {
      out += s.slice(i);
      break;
    }
    out += s.slice(i, pct);
    // Collect a run of %XX bytes and decode it as one UTF-8 sequence; text
    // around a run never continues a multi-byte sequence, so decoding runs
    // separately gives the same result as decoding all bytes at once.
    const bytes = [];
    i = pct;
    while (i + 2 < n && s.charCodeAt(i) === 0x25 && isHex(s.charCodeAt(i + 1)) && isHex(s.charCodeAt(i + 2))) {
      bytes.push(parseInt(s.slice(i + 1, i + 3), 16));
      i += 3;
    }
    if (bytes.length === 0) {
      out += "%";
      i++;
    } else {
      out += utf8Decode(bytes);
    }
  }
  return out;
}

function isHex(c) {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

// The Encoding Standard's UTF-8 decoder in replacement mode.
function utf8Decode(bytes) {
  let out = "";
  let cp = 0, needed = 0, seen = 0, lower = 0x80, upper = 0xbf;
  for (let i = 0; i < bytes.length; i++) {
    const b = bytes[i];
    if (needed === 0) {
      if (b <= 0x7f) out += String.fromCharCode(b);
      else if (b >= 0xc2 && b <= 0xdf) { needed = 1; cp = b & 0x1f; }
      else if (b >= 0xe0 && b <= 0xef) {
        if (b === 0xe0) lower = 0xa0;
        if (b === 0xed) upper = 0x9f;
        needed = 2; cp = b & 0xf;
      } else if (b >= 0xf0 && b <= 0xf4) {
        if (b === 0xf0) lower = 0x90;
        if (b === 0xf4) upper = 0x8f;
        needed = 3; cp = b & 0x7;
      } else out += "\ufffd";
      continue;
    }
    if (b < lower || b > upper) {
      cp = needed = seen = 0;
      lower = 0x80; upper = 0xbf;
      out += "\ufffd";
      i--; // the byte starts the next sequence
      continue;
    }
    lower = 0x80; upper = 0xbf;
    cp = (cp << 6) | (b & 0x3f);
    if (++seen === needed) {
      out += String.fromCodePoint(cp);
      cp = needed = seen = 0;
    }
  }
  if (needed !== 0) out += "\ufffd";
  return out;
}

// parseForm splits "a=1&b=2" into [name, value] pairs.
export function parseForm(s) {
  const list = [];
  if (s === "") return list;
  for (const part of s.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq === -1 ? part : part.slice(0, eq);
    const value = eq === -1 ? "" : part.slice(eq + 1);
    list.push([formDecode(name), formDecode(value)]);
  }
  return list;
}

const safe = /^[A-Za-z0-9*\-._]*$/;
const extra = /[!'()~]|%20/g;
const extraMap = { "!": "%21", "'": "%27", "(": "%28", ")": "%29", "~": "%7E", "%20": "+" };

// formEncode percent-encodes s with the application/x-www-form-urlencoded
// set and writes spaces as "+". s must be a USVString (no lone surrogates).
export function formEncode(s) {
  if (safe.test(s)) return s;
  // encodeURIComponent leaves exactly A-Z a-z 0-9 - _ . ! ~ * ' ( ) alone;
  // the form set additionally encodes ! ' ( ) ~.
  return encodeURIComponent(s).replace(extra, (m) => extraMap[m]);
}
