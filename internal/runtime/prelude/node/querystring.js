// node:querystring — parse and stringify application/x-www-form-urlencoded
// strings the way Node does (repeated keys become arrays, "+" is a space).
function unescapeComponent(s, decode) {
  try {
    return decode(s);
  } catch {
    return unescape(s);
  }
}

export function unescape(s) {
  // Decode what can be decoded, leave malformed sequences as they are.
  return String(s).replace(/(?:%[0-9a-fA-F]{2})+/g, (m) => {
    try {
      return decodeURIComponent(m);
    } catch {
      return m.replace(/%([0-9a-fA-F]{2})/g, (x, h) => {
        const c = parseInt(h, 16);
        return c < 0x80 ? String.fromCharCode(c) : x;
      });
    }
  });
}

export function escape(s) {
  return encodeURIComponent(String(s)).replace(/[!'()*]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
}

export function parse(qs, sep = "&", eq = "=", options = undefined) {
  const out = Object.create(null);
  if (typeof qs !== "string" || qs.length === 0) return out;
  sep ||= "&";
  eq ||= "=";
  const maxKeys = typeof options?.maxKeys === "number" ? options.maxKeys : 1000;
  const decode = typeof options?.decodeURIComponent === "function" ? options.decodeURIComponent : unescape;
  let parts = qs.split(sep);
  if (maxKeys > 0) parts = parts.slice(0, maxKeys);
  for (const part of parts) {
    if (part === "" && parts.length > 1) continue;
    const i = part.indexOf(eq);
    const rawKey = i >= 0 ? part.slice(0, i) : part;
    const rawVal = i >= 0 ? part.slice(i + eq.length) : "";
    const key = unescapeComponent(rawKey.replace(/\+/g, " "), decode);
    const val = unescapeComponent(rawVal.replace(/\+/g, " "), decode);
    if (!(key in out)) out[key] = val;
    else if (Array.isArray(out[key])) out[key].push(val);
    else out[key] = [out[key], val];
  }
  return out;
}

function primitive(v) {
  if (typeof v === "string") return v;
  if ((typeof v === "number" && Number.isFinite(v)) || typeof v === "bigint") return String(v);
  if (typeof v === "boolean") return v ? "true" : "false";
  return "";
}

export function stringify(obj, sep = "&", eq = "=", options = undefined) {
  sep ||= "&";
  eq ||= "=";
  const encode = typeof options?.encodeURIComponent === "function" ? options.encodeURIComponent : escape;
  if (obj === null || typeof obj !== "object") return "";
  const out = [];
  for (const k of Object.keys(obj)) {
    const v = obj[k];
    const ks = encode(primitive(k)) + eq;
    if (Array.isArray(v)) for (const item of v) out.push(ks + encode(primitive(item)));
    else out.push(ks + encode(primitive(v)));
  }
  return out.join(sep);
}

export default { parse, stringify, escape, unescape, decode: parse, encode: stringify };
