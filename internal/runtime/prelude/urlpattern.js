// URLPattern (WHATWG URL Pattern Standard): the tokenizer, the pattern
// parser into a part list, the regular expression and normalized pattern
// string generated from it, the constructor string parser, URLPatternInit
// processing with a base URL, and per-component canonicalization through
// the URL parser.
import { URL } from "./url.js";

const COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
const SPECIAL_SCHEMES = ["ftp", "file", "http", "https", "ws", "wss"];
const DEFAULT_PORTS = { ftp: "21", http: "80", https: "443", ws: "80", wss: "443" };

function fail(what) {
  return new TypeError(`Failed to construct 'URLPattern': ${what}`);
}

// --- tokenizer ---

const isNameStart = (c) => /^[$_\p{ID_Start}]$/u.test(c);
const isNamePart = (c) => /^[$\u200c\u200d\p{ID_Continue}]$/u.test(c);
const isValidNameCodePoint = (c, first) => (first ? isNameStart(c) : isNamePart(c));
const isASCII = (c) => c.codePointAt(0) < 0x80;

function tokenize(input, lenient) {
  const tokens = [];
  let index = 0;
  const cpAt = (i) => String.fromCodePoint(input.codePointAt(i));
  const add = (type, next, valuePos, valueLen = next - valuePos) => {
    tokens.push({ type, index, value: input.substr(valuePos, valueLen) });
    index = next;
  };
  const error = (next, valuePos) => {
    if (!lenient) throw fail(`invalid pattern "${input}" at ${valuePos}`);
    add("invalid-char", next, valuePos);
  };
  while (index < input.length) {
    const c = cpAt(index);
    const next = index + c.length;
    if (c === "*") { add("asterisk", next, index); continue; }
    if (c === "+" || c === "?") { add("other-modifier", next, index); continue; }
    if (c === "\\") {
      if (index === input.length - 1) { error(next, index); continue; }
      const escaped = cpAt(next);
      add("escaped-char", next + escaped.length, next);
      continue;
    }
    if (c === "{") { add("open", next, index); continue; }
    if (c === "}") { add("close", next, index); continue; }
    if (c === ":") {
      let pos = next;
      while (pos < input.length) {
        const n = cpAt(pos);
        if (!isValidNameCodePoint(n, pos === next)) break;
        pos += n.length;
      }
      if (pos <= next) { error(next, index); continue; }
      add("name", pos, next);
      continue;
    }
    if (c === "(") {
      let depth = 1;
      let pos = next;
      let bad = false;
      while (pos < input.length) {
        const n = cpAt(pos);
        if (!isASCII(n) || (pos === next && n === "?")) { error(next, index); bad = true; break; }
        if (n === "\\") {
          if (pos === input.length - 1) { error(next, index); bad = true; break; }
          const e = cpAt(pos + 1);
          if (!isASCII(e)) { error(next, index); bad = true; break; }
          pos += 1 + e.length;
          continue;
        }
        if (n === ")") {
          depth--;
          if (depth === 0) { pos += 1; break; }
        } else if (n === "(") {
          depth++;
          if (pos === input.length - 1) { error(next, index); bad = true; break; }
          if (cpAt(pos + 1) !== "?") { error(next, index); bad = true; break; }
        }
        pos += n.length;
      }
      if (bad) continue;
      if (depth !== 0) { error(next, index); continue; }
      const len = pos - next - 1;
      if (len === 0) { error(next, index); continue; }
      add("regexp", pos, next, len);
      continue;
    }
    add("char", next, index);
  }
  add("end", index, index);
  return tokens;
}

// --- pattern parser ---

const escapeRegexpString = (s) => s.replace(/[.+*?^${}()[\]|/\\]/g, "\\$&");
const escapePatternString = (s) => s.replace(/[+*?:{}()\\]/g, "\\$&");
const segmentWildcard = (options) => `[^${escapeRegexpString(options.delimiter)}]+?`;
const modifierString = (m) => (m === "optional" ? "?" : m === "zero-or-more" ? "*" : m === "one-or-more" ? "+" : "");

function parsePattern(input, options, encode) {
  const tokens = tokenize(input, false);
  const parts = [];
  const segment = segmentWildcard(options);
  let pending = "";
  let index = 0;
  let nextNumericName = 0;
  const tryConsume = (type) => {
    const t = tokens[index];
    if (t.type !== type) return null;
    index++;
    return t;
  };
  const tryConsumeModifier = () => tryConsume("other-modifier") ?? tryConsume("asterisk");
  const tryConsumeRegexpOrWildcard = (nameToken) => {
    const t = tryConsume("regexp");
    if (t === null && nameToken === null) return tryConsume("asterisk");
    return t;
  };
  const consumeRequired = (type) => {
    const t = tryConsume(type);
    if (t === null) throw fail(`invalid pattern "${input}": expected ${type === "end" ? "the end" : "a closing }"} at ${tokens[index].index}`);
    return t;
  };
  const consumeText = () => {
    let out = "";
    for (;;) {
      const t = tryConsume("char") ?? tryConsume("escaped-char");
      if (t === null) return out;
      out += t.value;
    }
  };
  const flushPending = () => {
    if (pending === "") return;
    const value = encode(pending);
    pending = "";
    parts.push({ type: "fixed-text", value, modifier: "none", name: "", prefix: "", suffix: "" });
  };
  const addPart = (prefix, nameToken, regexpToken, suffix, modifierToken) => {
    let modifier = "none";
    if (modifierToken !== null) {
      modifier = modifierToken.value === "?" ? "optional" : modifierToken.value === "*" ? "zero-or-more" : "one-or-more";
    }
    if (nameToken === null && regexpToken === null && modifier === "none") {
      pending += prefix;
      return;
    }
    flushPending();
    if (nameToken === null && regexpToken === null) {
      if (prefix === "") return;
      parts.push({ type: "fixed-text", value: encode(prefix), modifier, name: "", prefix: "", suffix: "" });
      return;
    }
    let value;
    if (regexpToken === null) value = segment;
    else if (regexpToken.type === "asterisk") value = ".*";
    else value = regexpToken.value;
    let type = "regexp";
    if (value === segment) {
      type = "segment-wildcard";
      value = "";
    } else if (value === ".*") {
      type = "full-wildcard";
      value = "";
    }
    let name = "";
    if (nameToken !== null) name = nameToken.value;
    else name = String(nextNumericName++);
    if (parts.some((p) => p.name === name)) throw fail(`invalid pattern "${input}": duplicate group name "${name}"`);
    parts.push({ type, value, modifier, name, prefix: encode(prefix), suffix: encode(suffix) });
  };
  while (index < tokens.length) {
    const charToken = tryConsume("char");
    const nameToken = tryConsume("name");
    const regexpToken = tryConsumeRegexpOrWildcard(nameToken);
    if (nameToken !== null || regexpToken !== null) {
      let prefix = charToken === null ? "" : charToken.value;
      if (prefix !== "" && prefix !== options.prefix) {
        pending += prefix;
        prefix = "";
      }
      flushPending();
      addPart(prefix, nameToken, regexpToken, "", tryConsumeModifier());
      continue;
    }
    const fixed = charToken ?? tryConsume("escaped-char");
    if (fixed !== null) {
      pending += fixed.value;
      continue;
    }
    if (tryConsume("open") !== null) {
      const prefix = consumeText();
      const name = tryConsume("name");
      const regexp = tryConsumeRegexpOrWildcard(name);
      const suffix = consumeText();
      consumeRequired("close");
      addPart(prefix, name, regexp, suffix, tryConsumeModifier());
      continue;
    }
    flushPending();
    consumeRequired("end");
  }
  return parts;
}

function generateRegexp(parts, options) {
  let result = "^";
  const names = [];
  for (const part of parts) {
    const mod = modifierString(part.modifier);
    if (part.type === "fixed-text") {
      result += part.modifier === "none" ? escapeRegexpString(part.value) : `(?:${escapeRegexpString(part.value)})${mod}`;
      continue;
    }
    names.push(part.name);
    let value = part.value;
    if (part.type === "segment-wildcard") value = segmentWildcard(options);
    else if (part.type === "full-wildcard") value = ".*";
    const prefix = escapeRegexpString(part.prefix);
    const suffix = escapeRegexpString(part.suffix);
    if (part.prefix === "" && part.suffix === "") {
      if (part.modifier === "none" || part.modifier === "optional") result += `(${value})${mod}`;
      else result += `((?:${value})${mod})`;
      continue;
    }
    if (part.modifier === "none" || part.modifier === "optional") {
      result += `(?:${prefix}(${value})${suffix})${mod}`;
      continue;
    }
    result += `(?:${prefix}((?:${value})(?:${suffix}${prefix}(?:${value}))*)${suffix})`;
    if (part.modifier === "zero-or-more") result += "?";
  }
  return { source: result + "$", names };
}

function generatePatternString(parts, options) {
  let result = "";
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const prev = i > 0 ? parts[i - 1] : null;
    const next = i < parts.length - 1 ? parts[i + 1] : null;
    const mod = modifierString(part.modifier);
    if (part.type === "fixed-text") {
      result += part.modifier === "none" ? escapePatternString(part.value) : `{${escapePatternString(part.value)}}${mod}`;
      continue;
    }
    const customName = !/^[0-9]/.test(part.name);
    let needsGrouping = part.suffix !== "" || (part.prefix !== "" && part.prefix !== options.prefix);
    if (!needsGrouping && customName && part.type === "segment-wildcard" && part.modifier === "none" &&
      next !== null && next.prefix === "" && next.suffix === "") {
      if (next.type === "fixed-text") {
        needsGrouping = next.value !== "" && isValidNameCodePoint(String.fromCodePoint(next.value.codePointAt(0)), false);
      } else {
        needsGrouping = /^[0-9]/.test(next.name);
      }
    }
    if (!needsGrouping && part.prefix === "" && prev !== null && prev.type === "fixed-text" &&
      prev.value !== "" && prev.value.at(-1) === options.prefix) {
      needsGrouping = true;
    }
    if (needsGrouping) result += "{";
    result += escapePatternString(part.prefix);
    if (customName) result += ":" + part.name;
    if (part.type === "regexp") {
      result += `(${part.value})`;
    } else if (part.type === "segment-wildcard" && !customName) {
      result += `(${segmentWildcard(options)})`;
    } else if (part.type === "full-wildcard") {
      if (!customName && (prev === null || prev.type === "fixed-text" || prev.modifier !== "none" || needsGrouping || part.prefix !== "")) {
        result += "*";
      } else {
        result += "(.*)";
      }
    }
    if (part.type === "segment-wildcard" && customName && part.suffix !== "" &&
      isValidNameCodePoint(String.fromCodePoint(part.suffix.codePointAt(0)), false)) {
      result += "\\";
    }
    result += escapePatternString(part.suffix);
    if (needsGrouping) result += "}";
    result += mod;
  }
  return result;
}

const defaultOptions = { delimiter: "", prefix: "", ignoreCase: false };
const hostnameOptions = { delimiter: ".", prefix: "", ignoreCase: false };
const pathnameOptions = { delimiter: "/", prefix: "/", ignoreCase: false };

let vFlag = true;
function compileComponent(input, encode, options) {
  const parts = parsePattern(input, options, encode);
  const { source, names } = generateRegexp(parts, options);
  let regexp;
  try {
    regexp = new RegExp(source, (options.ignoreCase ? "i" : "") + (vFlag ? "v" : "u"));
  } catch (e) {
    if (vFlag && e instanceof SyntaxError && /flag/i.test(e.message)) {
      vFlag = false;
      return compileComponent(input, encode, options);
    }
    throw fail(`invalid pattern "${input}": ${e.message}`);
  }
  return {
    pattern: generatePatternString(parts, options),
    regexp,
    names,
    hasRegExpGroups: parts.some((p) => p.type === "regexp"),
  };
}

function matchesSpecialScheme(component) {
  return SPECIAL_SCHEMES.some((s) => component.regexp.test(s));
}

// --- canonicalization through the URL parser ---

// Runs a URL setter on two dummy URLs that differ in the component set: if
// both keep their old value the input was refused (setters fail silently).
function viaSetter(urlA, urlB, set, get, what, value) {
  const a = new URL(urlA);
  const b = new URL(urlB);
  const beforeA = get(a);
  const beforeB = get(b);
  set(a, value);
  set(b, value);
  const afterA = get(a);
  const afterB = get(b);
  if (afterA === beforeA && afterB === beforeB) throw fail(`invalid ${what} "${value}"`);
  return afterA;
}

function canonicalizeProtocol(value) {
  if (value === "") return value;
  let url;
  try {
    url = new URL(value + "://dummy.test");
  } catch {
    throw fail(`invalid protocol "${value}"`);
  }
  const scheme = url.protocol.slice(0, -1);
  if (scheme !== value.toLowerCase()) throw fail(`invalid protocol "${value}"`);
  return scheme;
}

function canonicalizeUsername(value) {
  if (value === "") return value;
  const u = new URL("http://dummy.test");
  u.username = value;
  return u.username;
}

function canonicalizePassword(value) {
  if (value === "") return value;
  const u = new URL("http://dummy.test");
  u.password = value;
  return u.password;
}

// The hostname state of the URL parser with a state override: the host
// ends at "/", "?" or "#"; a ":" (a port) or a character no host may hold
// is an error.
function canonicalizeHostname(value, protocol) {
  if (value === "") return value;
  const scheme = protocol === undefined || protocol === "" ? "https" : protocol;
  return viaSetter(`${scheme}://a.test/`, `${scheme}://b.test/`, (u, v) => { u.hostname = v; }, (u) => u.hostname, "hostname", value);
}

function canonicalizeIPv6Hostname(value) {
  let out = "";
  for (const c of value) {
    if (!/^[0-9a-fA-F[\]:]$/.test(c)) throw fail(`invalid IPv6 hostname "${value}"`);
    out += c.toLowerCase();
  }
  return out;
}

// The port state of the URL parser with a state override: leading digits
// make the port, whatever follows them is ignored; no digits is an error.
function canonicalizePort(value, protocol) {
  if (value === "") return value;
  const digits = value.replace(/[\t\n\r]/g, "").match(/^[0-9]*/)[0];
  if (digits === "") throw fail(`invalid port "${value}"`);
  const n = Number(digits);
  if (n > 65535) throw fail(`invalid port "${value}"`);
  if (protocol !== undefined && DEFAULT_PORTS[protocol] === String(n)) return "";
  return String(n);
}

function canonicalizePathname(value) {
  if (value === "") return value;
  const leadingSlash = value[0] === "/";
  const u = new URL("http://dummy.test");
  u.pathname = leadingSlash ? value : "/-" + value;
  const out = u.pathname;
  return leadingSlash ? out : out.slice(2);
}

function canonicalizeOpaquePathname(value) {
  if (value === "") return value;
  let url;
  try {
    url = new URL("opaque:" + (value[0] === "/" ? "x" : "") + value);
  } catch {
    throw fail(`invalid pathname "${value}"`);
  }
  return value[0] === "/" ? url.pathname.slice(1) : url.pathname;
}

function canonicalizeSearch(value) {
  if (value === "") return value;
  const u = new URL("foo://dummy.test");
  u.search = value[0] === "?" ? "?" + value : value;
  return u.search.slice(1);
}

function canonicalizeHash(value) {
  if (value === "") return value;
  const u = new URL("foo://dummy.test");
  u.hash = value[0] === "#" ? "#" + value : value;
  return u.hash.slice(1);
}

// --- URLPatternInit processing ---

function isAbsolutePathname(input, type) {
  if (input === "") return false;
  if (input[0] === "/") return true;
  if (type === "url") return false;
  if (input.length < 2) return false;
  return (input[0] === "\\" || input[0] === "{") && input[1] === "/";
}

function hasOpaquePath(url) {
  return url.host === "" && !url.href.slice(url.protocol.length).startsWith("/");
}

function processInit(init, type, start) {
  const result = { ...start };
  const baseString = (s) => (type === "pattern" ? escapePatternString(s) : s);
  const has = (k) => init[k] !== undefined;
  let baseURL = null;
  if (has("baseURL")) {
    try {
      baseURL = new URL(init.baseURL);
    } catch {
      throw fail(`invalid baseURL "${init.baseURL}"`);
    }
    if (!has("protocol")) result.protocol = baseString(baseURL.protocol.slice(0, -1));
    if (type !== "pattern" && !has("protocol") && !has("hostname") && !has("port") && !has("username")) {
      result.username = baseString(baseURL.username);
    }
    if (type !== "pattern" && !has("protocol") && !has("hostname") && !has("port") && !has("username") && !has("password")) {
      result.password = baseString(baseURL.password);
    }
    if (!has("protocol") && !has("hostname")) result.hostname = baseString(baseURL.hostname);
    if (!has("protocol") && !has("hostname") && !has("port")) result.port = baseURL.port;
    if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname")) result.pathname = baseString(baseURL.pathname);
    if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname") && !has("search")) {
      result.search = baseString(baseURL.search.slice(1));
    }
    if (!has("protocol") && !has("hostname") && !has("port") && !has("pathname") && !has("search") && !has("hash")) {
      result.hash = baseString(baseURL.hash.slice(1));
    }
  }
  if (has("protocol")) {
    const stripped = init.protocol.endsWith(":") ? init.protocol.slice(0, -1) : init.protocol;
    result.protocol = type === "pattern" ? stripped : canonicalizeProtocol(stripped);
  }
  if (has("username")) result.username = type === "pattern" ? init.username : canonicalizeUsername(init.username);
  if (has("password")) result.password = type === "pattern" ? init.password : canonicalizePassword(init.password);
  if (has("hostname")) result.hostname = type === "pattern" ? init.hostname : canonicalizeHostname(init.hostname, result.protocol);
  if (has("port")) result.port = type === "pattern" ? init.port : canonicalizePort(init.port, result.protocol);
  if (has("pathname")) {
    let pathname = init.pathname;
    if (baseURL !== null && !hasOpaquePath(baseURL) && !isAbsolutePathname(pathname, type)) {
      const basePath = baseString(baseURL.pathname);
      const slash = basePath.lastIndexOf("/");
      if (slash >= 0) pathname = basePath.slice(0, slash + 1) + pathname;
    }
    if (type !== "pattern") {
      pathname = result.protocol === "" || SPECIAL_SCHEMES.includes(result.protocol)
        ? canonicalizePathname(pathname) : canonicalizeOpaquePathname(pathname);
    }
    result.pathname = pathname;
  }
  if (has("search")) {
    const stripped = init.search.startsWith("?") ? init.search.slice(1) : init.search;
    result.search = type === "pattern" ? stripped : canonicalizeSearch(stripped);
  }
  if (has("hash")) {
    const stripped = init.hash.startsWith("#") ? init.hash.slice(1) : init.hash;
    result.hash = type === "pattern" ? stripped : canonicalizeHash(stripped);
  }
  return result;
}

// --- the constructor string parser ---

function parseConstructorString(input) {
  const tokens = tokenize(input, true);
  const result = {};
  let componentStart = 0;
  let tokenIndex = 0;
  let tokenIncrement = 1;
  let groupDepth = 0;
  let ipv6Depth = 0;
  let protocolSpecial = false;
  let state = "init";
  const safeToken = (i) => (i < tokens.length ? tokens[i] : tokens[tokens.length - 1]);
  const nonSpecialChar = (i, value) => {
    const t = safeToken(i);
    return t.value === value && (t.type === "char" || t.type === "escaped-char" || t.type === "invalid-char");
  };
  const isSearchPrefix = () => {
    if (nonSpecialChar(tokenIndex, "?")) return true;
    if (tokens[tokenIndex].value !== "?") return false;
    if (tokenIndex - 1 < 0) return true;
    const prev = safeToken(tokenIndex - 1);
    return !["name", "regexp", "close", "asterisk"].includes(prev.type);
  };
  const componentString = () => {
    const token = tokens[tokenIndex];
    const startToken = safeToken(componentStart);
    return input.slice(startToken.index, token.index);
  };
  const changeState = (newState, skip) => {
    if (state !== "init" && state !== "authority" && state !== "done") result[state] = componentString();
    if (state !== "init" && newState !== "done") {
      if (["protocol", "authority", "username", "password"].includes(state) &&
        ["port", "pathname", "search", "hash"].includes(newState) && result.hostname === undefined) {
        result.hostname = "";
      }
      if (["protocol", "authority", "username", "password", "hostname", "port"].includes(state) &&
        ["search", "hash"].includes(newState) && result.pathname === undefined) {
        result.pathname = protocolSpecial ? "/" : "";
      }
      if (["protocol", "authority", "username", "password", "hostname", "port", "pathname"].includes(state) &&
        newState === "hash" && result.search === undefined) {
        result.search = "";
      }
    }
    state = newState;
    tokenIndex += skip;
    componentStart = tokenIndex;
    tokenIncrement = 0;
  };
  const rewind = () => {
    tokenIndex = componentStart;
    tokenIncrement = 0;
  };
  const rewindTo = (s) => {
    rewind();
    state = s;
  };
  while (tokenIndex < tokens.length) {
    tokenIncrement = 1;
    const token = tokens[tokenIndex];
    if (token.type === "end") {
      if (state === "init") {
        rewind();
        if (nonSpecialChar(tokenIndex, "#")) changeState("hash", 1);
        else if (isSearchPrefix()) changeState("search", 1);
        else changeState("pathname", 0);
        tokenIndex += tokenIncrement;
        continue;
      }
      if (state === "authority") {
        rewindTo("hostname");
        tokenIndex += tokenIncrement;
        continue;
      }
      changeState("done", 0);
      break;
    }
    if (groupDepth > 0) {
      if (token.type === "close") {
        groupDepth--;
      } else {
        tokenIndex += tokenIncrement;
        continue;
      }
    }
    if (token.type === "open") {
      groupDepth++;
      tokenIndex += tokenIncrement;
      continue;
    }
    switch (state) {
      case "init":
        if (nonSpecialChar(tokenIndex, ":")) rewindTo("protocol");
        break;
      case "protocol":
        if (nonSpecialChar(tokenIndex, ":")) {
          const protocol = compileComponent(componentString(), canonicalizeProtocol, defaultOptions);
          protocolSpecial = matchesSpecialScheme(protocol);
          let nextState = "pathname";
          let skip = 1;
          if (nonSpecialChar(tokenIndex + 1, "/") && nonSpecialChar(tokenIndex + 2, "/")) {
            nextState = "authority";
            skip = 3;
          } else if (protocolSpecial) {
            nextState = "authority";
          }
          changeState(nextState, skip);
        }
        break;
      case "authority":
        if (nonSpecialChar(tokenIndex, "@")) rewindTo("username");
        else if (nonSpecialChar(tokenIndex, "/") || isSearchPrefix() || nonSpecialChar(tokenIndex, "#")) rewindTo("hostname");
        break;
      case "username":
        if (nonSpecialChar(tokenIndex, ":")) changeState("password", 1);
        else if (nonSpecialChar(tokenIndex, "@")) changeState("hostname", 1);
        break;
      case "password":
        if (nonSpecialChar(tokenIndex, "@")) changeState("hostname", 1);
        break;
      case "hostname":
        if (nonSpecialChar(tokenIndex, "[")) ipv6Depth++;
        else if (nonSpecialChar(tokenIndex, "]")) ipv6Depth--;
        else if (nonSpecialChar(tokenIndex, ":") && ipv6Depth === 0) changeState("port", 1);
        else if (nonSpecialChar(tokenIndex, "/")) changeState("pathname", 0);
        else if (isSearchPrefix()) changeState("search", 1);
        else if (nonSpecialChar(tokenIndex, "#")) changeState("hash", 1);
        break;
      case "port":
        if (nonSpecialChar(tokenIndex, "/")) changeState("pathname", 0);
        else if (isSearchPrefix()) changeState("search", 1);
        else if (nonSpecialChar(tokenIndex, "#")) changeState("hash", 1);
        break;
      case "pathname":
        if (isSearchPrefix()) changeState("search", 1);
        else if (nonSpecialChar(tokenIndex, "#")) changeState("hash", 1);
        break;
      case "search":
        if (nonSpecialChar(tokenIndex, "#")) changeState("hash", 1);
        break;
    }
    tokenIndex += tokenIncrement;
  }
  if (result.hostname !== undefined && result.port === undefined) result.port = "";
  return result;
}

// --- Web IDL conversions ---

const INIT_KEYS = ["baseURL", "hash", "hostname", "password", "pathname", "port", "protocol", "search", "username"];

// URLPatternInit: the members present, as USVStrings, read in order.
function toInit(value) {
  const init = {};
  if (value === undefined || value === null) return init;
  for (const k of INIT_KEYS) {
    const v = value[k];
    if (v !== undefined) init[k] = toUSV(v);
  }
  return init;
}

function toUSV(v) {
  if (typeof v === "symbol") throw new TypeError("Cannot convert a Symbol value to a string");
  return String(v).toWellFormed();
}

const isInitInput = (v) => v === undefined || v === null || typeof v === "object" || typeof v === "function";

export class URLPattern {
  #c;
  constructor(input = undefined, baseURLOrOptions = undefined, maybeOptions = undefined) {
    let baseURL = null;
    let options = baseURLOrOptions;
    if (baseURLOrOptions !== undefined && baseURLOrOptions !== null && typeof baseURLOrOptions !== "object" && typeof baseURLOrOptions !== "function") {
      baseURL = toUSV(baseURLOrOptions);
      options = maybeOptions;
    }
    let init;
    if (isInitInput(input)) {
      init = toInit(input);
      if (baseURL !== null) throw fail("a base URL is only allowed with a string pattern");
    } else {
      init = parseConstructorString(toUSV(input));
      if (baseURL === null && init.protocol === undefined) {
        throw fail(`relative pattern "${input}" without a base URL`);
      }
      if (baseURL !== null) init.baseURL = baseURL;
    }
    const ignoreCase = !!options?.ignoreCase;
    const p = processInit(init, "pattern", {});
    for (const c of COMPONENTS) if (p[c] === undefined) p[c] = "*";
    // The default port of the protocol, as the URL parser reads a port
    // (digits, then anything that is not pattern syntax), is no port.
    if (SPECIAL_SCHEMES.includes(p.protocol) && /^[0-9]+[^0-9{}()*+?:\\]*$/.test(p.port) &&
      canonicalizePort(p.port) === DEFAULT_PORTS[p.protocol]) {
      p.port = "";
    }
    const c = {};
    c.protocol = compileComponent(p.protocol, canonicalizeProtocol, defaultOptions);
    c.username = compileComponent(p.username, canonicalizeUsername, defaultOptions);
    c.password = compileComponent(p.password, canonicalizePassword, defaultOptions);
    const ipv6 = p.hostname.length >= 2 && (p.hostname[0] === "[" || ((p.hostname[0] === "{" || p.hostname[0] === "\\") && p.hostname[1] === "["));
    c.hostname = compileComponent(p.hostname, ipv6 ? canonicalizeIPv6Hostname : (v) => canonicalizeHostname(v), hostnameOptions);
    c.port = compileComponent(p.port, (v) => canonicalizePort(v), defaultOptions);
    const compileOptions = { ...defaultOptions, ignoreCase };
    if (matchesSpecialScheme(c.protocol)) {
      c.pathname = compileComponent(p.pathname, canonicalizePathname, { ...pathnameOptions, ignoreCase });
    } else {
      c.pathname = compileComponent(p.pathname, canonicalizeOpaquePathname, compileOptions);
    }
    c.search = compileComponent(p.search, canonicalizeSearch, compileOptions);
    c.hash = compileComponent(p.hash, canonicalizeHash, compileOptions);
    this.#c = c;
  }

  get protocol() { return this.#c.protocol.pattern; }
  get username() { return this.#c.username.pattern; }
  get password() { return this.#c.password.pattern; }
  get hostname() { return this.#c.hostname.pattern; }
  get port() { return this.#c.port.pattern; }
  get pathname() { return this.#c.pathname.pattern; }
  get search() { return this.#c.search.pattern; }
  get hash() { return this.#c.hash.pattern; }
  get hasRegExpGroups() { return COMPONENTS.some((k) => this.#c[k].hasRegExpGroups); }

  test(input = undefined, baseURL = undefined) {
    return this.#match(input, baseURL) !== null;
  }

  exec(input = undefined, baseURL = undefined) {
    return this.#match(input, baseURL);
  }

  #match(input, baseURL) {
    const values = {};
    let inputs;
    if (isInitInput(input)) {
      if (baseURL !== undefined) throw new TypeError("URLPattern: a base URL is only allowed with a string input");
      const init = toInit(input);
      inputs = [input ?? {}];
      let r;
      try {
        r = processInit(init, "url", { protocol: "", username: "", password: "", hostname: "", port: "", pathname: "", search: "", hash: "" });
      } catch {
        return null;
      }
      for (const c of COMPONENTS) values[c] = r[c];
    } else {
      const s = toUSV(input);
      inputs = [s];
      let base;
      if (baseURL !== undefined) {
        const b = toUSV(baseURL);
        inputs.push(b);
        try {
          base = new URL(b);
        } catch {
          return null;
        }
      }
      let url;
      try {
        url = new URL(s, base);
      } catch {
        return null;
      }
      values.protocol = url.protocol.slice(0, -1);
      values.username = url.username;
      values.password = url.password;
      values.hostname = url.hostname;
      values.port = url.port;
      values.pathname = url.pathname;
      values.search = url.search.slice(1);
      values.hash = url.hash.slice(1);
    }
    const result = { inputs };
    for (const k of COMPONENTS) {
      const comp = this.#c[k];
      const m = comp.regexp.exec(values[k]);
      if (m === null) return null;
      const groups = {};
      comp.names.forEach((name, i) => { groups[name] = m[i + 1]; });
      result[k] = { input: values[k], groups };
    }
    return result;
  }
}
Object.defineProperty(URLPattern.prototype, Symbol.toStringTag, { value: "URLPattern", configurable: true });
