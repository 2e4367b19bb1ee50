// A compact util.inspect: the formatting Node and workerd use for console
// output ({ a: 1, b: 'x' }, [ 1, 2 ], Map(1) { 'k' => 1 }, errors with stack).
import { inspectSymbol } from "./util.js";

const typedArrayProto = Object.getPrototypeOf(Uint8Array.prototype);
const typedArrayTag = Object.getOwnPropertyDescriptor(typedArrayProto, Symbol.toStringTag).get;
const identRe = /^[A-Za-z_$][\w$]*$/;

function quote(s) {
  const q = !s.includes("'") ? "'" : !s.includes('"') ? '"' : !s.includes("`") ? "`" : "'";
  let out = "";
  for (const ch of s) {
    const c = ch.codePointAt(0);
    if (ch === q || ch === "\\") out += "\\" + ch;
    else if (ch === "\n") out += "\\n";
    else if (ch === "\t") out += "\\t";
    else if (ch === "\r") out += "\\r";
    else if (ch === "\b") out += "\\b";
    else if (ch === "\f") out += "\\f";
    else if (ch === "\v") out += "\\v";
    else if (c < 0x20 || c === 0x7f) out += "\\x" + c.toString(16).toUpperCase().padStart(2, "0");
    else out += ch;
  }
  return q + out + q;
}

function formatKey(k) {
  if (typeof k === "symbol") return `[${k.toString()}]`;
  return identRe.test(k) ? k : quote(k);
}

function formatNumber(n) {
  return Object.is(n, -0) ? "-0" : String(n);
}

function constructorName(v) {
  let proto = Object.getPrototypeOf(v);
  while (proto) {
    const d = Object.getOwnPropertyDescriptor(proto, "constructor");
    if (d && typeof d.value === "function" && d.value.name) return d.value.name;
    proto = Object.getPrototypeOf(proto);
  }
  return null;
}

export function formatError(err) {
  let name = "Error";
  let message = "";
  let stack = "";
  try {
    name = String(err.name ?? "Error");
    message = String(err.message ?? "");
    stack = typeof err.stack === "string" ? err.stack : "";
  } catch {
    // getters on exotic errors may throw; fall back to the defaults
  }
  const head = message ? `${name}: ${message}` : name;
  if (!stack) return head;
  // V8 stacks start with the header; JSC stacks are only frames (fn@file:line:col).
  if (stack.startsWith(head) || stack.startsWith(name)) return stack;
  const frames = stack.split("\n").filter(Boolean).map((f) => {
    const at = f.indexOf("@");
    if (at < 0) return `    at ${f}`;
    const fn = f.slice(0, at);
    const loc = f.slice(at + 1);
    return fn ? `    at ${fn} (${loc})` : `    at ${loc}`;
  });
  return [head, ...frames].join("\n");
}

function formatPrimitive(v, top) {
  switch (typeof v) {
    case "string": return top ? v : quote(v);
    case "number": return formatNumber(v);
    case "bigint": return `${v}n`;
    case "boolean": return String(v);
    case "undefined": return "undefined";
    case "symbol": return v.toString();
    default: return v === null ? "null" : undefined;
  }
}

// Node's layout rules: up to 3 levels of nesting fit on one line when
// short enough (breakLength 80); arrays of more than 6 short items are
// grouped into aligned columns.
const breakLength = 80;

function isBelowBreakLength(output, start, prefix) {
  let total = output.length + start;
  if (total + output.length > breakLength) return false;
  for (const o of output) {
    total += o.length;
    if (total > breakLength) return false;
  }
  return !prefix.includes("\n");
}

function groupArrayElements(output, indent, values) {
  let totalLength = 0;
  let maxLength = 0;
  let outputLength = output.length;
  if (values && values.length > 100 && outputLength > 100) outputLength--; // "... more items"
  const separatorSpace = 2;
  const dataLen = new Array(outputLength);
  for (let i = 0; i < outputLength; i++) {
    const len = output[i].length;
    dataLen[i] = len;
    totalLength += len + separatorSpace;
    if (maxLength < len) maxLength = len;
  }
  const actualMax = maxLength + separatorSpace;
  if (actualMax * 3 + indent < breakLength && (totalLength / actualMax > 5 || maxLength <= 6)) {
    const averageBias = Math.sqrt(actualMax - totalLength / output.length);
    const biasedMax = Math.max(actualMax - 3 - averageBias, 1);
    const columns = Math.min(
      Math.round(Math.sqrt(2.5 * biasedMax * outputLength) / biasedMax),
      Math.floor((breakLength - indent) / actualMax),
      12,
      15,
    );
    if (columns <= 1) return output;
    const tmp = [];
    const maxLineLength = [];
    for (let i = 0; i < columns; i++) {
      let lineLength = 0;
      for (let j = i; j < output.length; j += columns) if (dataLen[j] > lineLength) lineLength = dataLen[j];
      maxLineLength.push(lineLength + separatorSpace);
    }
    let padStart = true;
    if (values !== undefined) {
      for (let i = 0; i < output.length; i++) {
        if (typeof values[i] !== "number" && typeof values[i] !== "bigint") {
          padStart = false;
          break;
        }
      }
    }
    for (let i = 0; i < outputLength; i += columns) {
      const max = Math.min(i + columns, outputLength);
      let str = "";
      let j = i;
      for (; j < max - 1; j++) {
        const cell = `${output[j]}, `;
        str += padStart ? cell.padStart(maxLineLength[j - i], " ") : cell.padEnd(maxLineLength[j - i], " ");
      }
      str += padStart ? output[j].padStart(maxLineLength[j - i] - separatorSpace, " ") : output[j];
      tmp.push(str);
    }
    if (outputLength < output.length) tmp.push(output[outputLength]);
    return tmp;
  }
  return output;
}

function reduceToSingle(ctx, prefix, parts, open, close, indent, arrayValues) {
  if (parts.length === 0) return `${prefix}${open}${close}`;
  let output = parts;
  const entries = output.length;
  if (arrayValues !== undefined && entries > 6) output = groupArrayElements(output, indent, arrayValues);
  if (ctx.currentDepth - (ctx.level - 1) < 3 && entries === output.length) {
    const start = output.length + indent + open.length + prefix.trimEnd().length + 10;
    if (isBelowBreakLength(output, start, prefix)) {
      const joined = output.join(", ");
      if (!joined.includes("\n")) return `${prefix}${open} ${joined} ${close}`;
    }
  }
  const ind = "\n" + " ".repeat(indent);
  return `${prefix}${open}${ind}  ${output.join(`,${ind}  `)}${ind}${close}`;
}

function ownEntries(v, ctx, indent, skip) {
  const parts = [];
  for (const k of Reflect.ownKeys(v)) {
    if (skip && skip(k)) continue;
    // The platform's internal slots are symbols named "#..."; never show them.
    if (typeof k === "symbol" && k.description?.startsWith("#")) continue;
    const d = Object.getOwnPropertyDescriptor(v, k);
    if (!d || (!d.enumerable && typeof k !== "symbol")) continue;
    if (typeof k === "symbol" && !d.enumerable) continue;
    let val;
    if (d.get && d.set) val = "[Getter/Setter]";
    else if (d.get) val = "[Getter]";
    else if (d.set) val = "[Setter]";
    else val = formatValue(d.value, ctx, indent + 2);
    parts.push(`${formatKey(k)}: ${val}`);
  }
  return parts;
}

function formatValue(v, ctx, indent) {
  const p = formatPrimitive(v, false);
  if (p !== undefined) return p;
  if (typeof v === "function") {
    const src = Function.prototype.toString.call(v);
    const isClass = src.startsWith("class");
    const base = isClass ? `[class ${v.name || "(anonymous)"}]` : `[Function: ${v.name || "(anonymous)"}]`;
    const extra = Object.keys(v);
    if (extra.length === 0 || ctx.seen.includes(v)) return base;
    ctx.seen.push(v);
    const parts = ownEntries(v, ctx, indent);
    ctx.seen.pop();
    return reduceToSingle(ctx, base + " ", parts, "{", "}", indent);
  }
  if (ctx.seen.includes(v)) {
    ctx.circular ??= new Map();
    if (!ctx.circular.has(v)) ctx.circular.set(v, ctx.circular.size + 1);
    return `[Circular *${ctx.circular.get(v)}]`;
  }
  const custom = v[inspectSymbol];
  if (typeof custom === "function" && custom !== inspectValue) {
    const r = custom.call(v, ctx.depth - ctx.level, { depth: ctx.depth }, inspectValue);
    if (typeof r === "string") return r;
    if (r !== v) return formatValue(r, ctx, indent);
  }
  if (v instanceof Error) {
    const e = formatError(v);
    return ctx.level > 0 ? e.replace(/\n/g, "\n" + " ".repeat(indent)) : e;
  }
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? "Invalid Date" : v.toISOString();
  if (v instanceof RegExp) return RegExp.prototype.toString.call(v);
  if (v instanceof Promise) return "Promise { <unknown> }";
  if (v instanceof WeakMap) return "WeakMap { <items unknown> }";
  if (v instanceof WeakSet) return "WeakSet { <items unknown> }";
  if (v instanceof WeakRef) return "WeakRef { <unknown> }";
  if (typeof v !== "object") return String(v);

  const name = constructorName(v);
  const tag = v[Symbol.toStringTag];
  const label = (fallback) => {
    let s = name ?? `[${fallback}: null prototype]`;
    if (typeof tag === "string" && tag !== "" && tag !== name) s += ` [${tag}]`;
    return s;
  };
  if (ctx.level > ctx.depth) {
    // Empty containers print in full even past the depth limit.
    if (Array.isArray(v)) return v.length === 0 && Object.keys(v).length === 0 ? "[]" : "[Array]";
    if (name === "Object" && Reflect.ownKeys(v).length === 0) return "{}";
    return `[${name ?? "Object"}]`;
  }
  ctx.seen.push(v);
  ctx.currentDepth = ctx.level;
  ctx.level++;
  let out;
  try {
    if (Array.isArray(v)) {
      const parts = [];
      let holes = 0;
      const max = Math.min(v.length, 100);
      for (let i = 0; i < max; i++) {
        if (!Object.hasOwn(v, i)) { holes++; continue; }
        if (holes) { parts.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`); holes = 0; }
        parts.push(formatValue(v[i], ctx, indent + 2));
      }
      if (holes) parts.push(`<${holes} empty item${holes > 1 ? "s" : ""}>`);
      if (v.length > max) parts.push(`... ${v.length - max} more item${v.length - max > 1 ? "s" : ""}`);
      parts.push(...ownEntries(v, ctx, indent, (k) => typeof k === "string" && (k === "length" || String(k >>> 0) === k)));
      const prefix = name === "Array" ? "" : `${label("Array")}(${v.length}) `;
      out = reduceToSingle(ctx, prefix, parts, "[", "]", indent, v);
    } else if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
      const t = typedArrayTag.call(v);
      const max = Math.min(v.length, 100);
      const parts = [];
      for (let i = 0; i < max; i++) parts.push(typeof v[i] === "bigint" ? `${v[i]}n` : formatNumber(v[i]));
      if (v.length > max) parts.push(`... ${v.length - max} more item${v.length - max > 1 ? "s" : ""}`);
      out = reduceToSingle(ctx, `${name ?? t}(${v.length}) `, parts, "[", "]", indent, v);
    } else if (v instanceof ArrayBuffer) {
      const bytes = new Uint8Array(v, 0, Math.min(v.byteLength, 50));
      let hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join(" ");
      if (v.byteLength > 50) hex += ` ... ${v.byteLength - 50} more byte${v.byteLength - 50 > 1 ? "s" : ""}`;
      out = `ArrayBuffer { [Uint8Contents]: <${hex}>, byteLength: ${v.byteLength} }`;
    } else if (v instanceof DataView) {
      out = `DataView { byteLength: ${v.byteLength}, byteOffset: ${v.byteOffset}, buffer: ${formatValue(v.buffer, ctx, indent + 2)} }`;
    } else if (v instanceof Map) {
      const parts = [];
      for (const [k, val] of v) parts.push(`${formatValue(k, ctx, indent + 2)} => ${formatValue(val, ctx, indent + 2)}`);
      parts.push(...ownEntries(v, ctx, indent));
      out = reduceToSingle(ctx, `${label("Map")}(${v.size}) `, parts, "{", "}", indent);
    } else if (v instanceof Set) {
      const parts = [];
      for (const val of v) parts.push(formatValue(val, ctx, indent + 2));
      parts.push(...ownEntries(v, ctx, indent));
      out = reduceToSingle(ctx, `${label("Set")}(${v.size}) `, parts, "{", "}", indent);
    } else if (v instanceof Boolean || v instanceof Number || v instanceof String || (typeof BigInt === "function" && v instanceof Object && Object.prototype.toString.call(v) === "[object BigInt]")) {
      const prim = v.valueOf();
      out = `[${name}: ${formatPrimitive(prim, false)}]`;
    } else {
      const parts = ownEntries(v, ctx, indent);
      const prefix = name === "Object" ? (typeof tag === "string" && tag ? `Object [${tag}] ` : "") : `${label("Object")} `;
      out = reduceToSingle(ctx, prefix, parts, "{", "}", indent);
    }
  } finally {
    ctx.level--;
    ctx.seen.pop();
  }
  if (ctx.circular?.has(v)) out = `<ref *${ctx.circular.get(v)}> ${out}`;
  return out;
}

export function inspectValue(value, options = undefined) {
  const depth = options?.depth ?? 2;
  return formatValue(value, { seen: [], level: 0, currentDepth: 0, depth: depth === null ? Infinity : depth, circular: null }, 0);
}

// util.format: printf-style substitutions on a leading string, then the
// remaining arguments separated by spaces.
export function formatArgs(args) {
  if (args.length === 0) return "";
  const first = args[0];
  let i = 1;
  let out = "";
  if (typeof first === "string") {
    if (args.length === 1) return first;
    let last = 0;
    for (let j = 0; j < first.length - 1; j++) {
      if (first.charCodeAt(j) !== 37) continue; // '%'
      const c = first[j + 1];
      let rep;
      if (c === "%") {
        out += first.slice(last, j) + "%";
        last = j + 2;
        j++;
        continue;
      }
      if (i >= args.length) continue;
      const a = args[i];
      switch (c) {
        case "s":
          rep = typeof a === "string" ? a : typeof a === "bigint" ? `${a}n` : typeof a === "symbol" ? a.toString()
            : (a !== null && typeof a === "object") || typeof a === "function" ? inspectValue(a, { depth: 1 }) : formatPrimitive(a, true);
          break;
        case "d": case "i": {
          if (typeof a === "bigint") rep = `${a}n`;
          else if (typeof a === "symbol") rep = "NaN";
          else {
            const n = c === "i" ? parseInt(a) : Number(a);
            rep = formatNumber(n);
          }
          break;
        }
        case "f": rep = typeof a === "symbol" ? "NaN" : formatNumber(parseFloat(a)); break;
        case "j":
          try { rep = JSON.stringify(a); } catch { rep = "[Circular]"; }
          break;
        case "o": rep = inspectValue(a, { depth: 4 }); break;
        case "O": rep = inspectValue(a); break;
        case "c": rep = ""; break;
        default: continue;
      }
      out += first.slice(last, j) + rep;
      last = j + 2;
      j++;
      i++;
    }
    out += first.slice(last);
  } else {
    out = inspectValue(first);
  }
  for (; i < args.length; i++) {
    const a = args[i];
    out += " " + (typeof a === "string" ? a : inspectValue(a));
  }
  return out;
}
