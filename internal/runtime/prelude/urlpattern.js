// URLPattern (WHATWG URL Pattern): each component's pattern is compiled to
// a RegExp. Covers named groups (:id), regex groups, wildcards, {…} groups
// and the ?, +, * modifiers, string patterns with a base URL, exec/test.
import { URL } from "./url.js";

const COMPONENTS = ["protocol", "username", "password", "hostname", "port", "pathname", "search", "hash"];
const DEFAULT_PORTS = { "http": "80", "https": "443", "ws": "80", "wss": "443", "ftp": "21" };

const escapeRegex = (s) => s.replace(/[.+*?^${}()[\]|/\\]/g, "\\$&");
const isNameStart = (c) => /[$_\p{ID_Start}]/u.test(c);
const isNameChar = (c) => /[$\u200c\u200d\p{ID_Continue}]/u.test(c);

function tokenize(p) {
  const tokens = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i];
    if (c === "\\") {
      if (i + 1 >= p.length) throw new TypeError(`Invalid URLPattern "${p}": trailing escape`);
      tokens.push({ type: "char", value: p[i + 1] });
      i += 2;
    } else if (c === ":") {
      let j = i + 1;
      if (j < p.length && isNameStart(p[j])) {
        j++;
        while (j < p.length && isNameChar(p[j])) j++;
        tokens.push({ type: "name", value: p.slice(i + 1, j) });
        i = j;
      } else {
        throw new TypeError(`Invalid URLPattern "${p}": a ":" must be followed by a group name`);
      }
    } else if (c === "(") {
      let depth = 1;
      let j = i + 1;
      let re = "";
      while (j < p.length && depth > 0) {
        if (p[j] === "\\") {
          re += p.slice(j, j + 2);
          j += 2;
          continue;
        }
        if (p[j] === "(") {
          depth++;
          if (p[j + 1] !== "?") throw new TypeError(`Invalid URLPattern "${p}": capturing groups are not allowed inside a regex group`);
        } else if (p[j] === ")") {
          depth--;
          if (depth === 0) break;
        }
        re += p[j];
        j++;
      }
      if (depth !== 0 || re === "") throw new TypeError(`Invalid URLPattern "${p}": unbalanced or empty regex group`);
      tokens.push({ type: "regex", value: re });
      i = j + 1;
    } else if (c === "*" || c === "+" || c === "?") {
      const prev = tokens[tokens.length - 1];
      const modifiable = prev && (prev.type === "name" || prev.type === "regex" || prev.type === "close" || prev.type === "asterisk");
      if (modifiable) {
        tokens.push({ type: "modifier", value: c });
      } else if (c === "*") {
        tokens.push({ type: "asterisk" });
      } else {
        tokens.push({ type: "char", value: c });
      }
      i++;
    } else if (c === "{") {
      tokens.push({ type: "open" });
      i++;
    } else if (c === "}") {
      tokens.push({ type: "close" });
      i++;
    } else {
      tokens.push({ type: "char", value: c });
      i++;
    }
  }
  return tokens;
}

// Parses a component pattern into parts: {type: "fixed", value} or
// {type: "group", name, regex, prefix, suffix, modifier}.
function parse(pattern, opts) {
  const tokens = tokenize(pattern);
  const parts = [];
  let fixed = "";
  let nextIndex = 0;
  const flushFixed = () => {
    if (fixed) parts.push({ type: "fixed", value: fixed, modifier: "" });
    fixed = "";
  };
  const groupOf = (tok, prefix) => {
    let name;
    let regex;
    if (tok.type === "name") {
      name = tok.value;
      regex = opts.segment;
    } else if (tok.type === "regex") {
      regex = tok.value;
    } else {
      regex = ".*";
    }
    if (tok.type === "name" && tok.regex !== undefined) regex = tok.regex;
    if (name === undefined) name = String(nextIndex++);
    return { type: "group", name, regex, prefix, suffix: "", modifier: "" };
  };
  let i = 0;
  const modifierAt = (k) => (tokens[k]?.type === "modifier" ? tokens[k].value : "");
  while (i < tokens.length) {
    const t = tokens[i];
    if (t.type === "char") {
      fixed += t.value;
      i++;
      continue;
    }
    if (t.type === "name" || t.type === "regex" || t.type === "asterisk") {
      let tok = t;
      if (t.type === "name" && tokens[i + 1]?.type === "regex") {
        tok = { type: "name", value: t.value, regex: tokens[i + 1].value };
        i++;
      }
      let prefix = "";
      if (opts.prefix && fixed.endsWith(opts.prefix)) {
        prefix = opts.prefix;
        fixed = fixed.slice(0, -1);
      }
      flushFixed();
      const g = groupOf(tok, prefix);
      g.modifier = modifierAt(i + 1);
      if (g.modifier) i++;
      parts.push(g);
      i++;
      continue;
    }
    if (t.type === "open") {
      flushFixed();
      let j = i + 1;
      let pre = "";
      while (tokens[j]?.type === "char") pre += tokens[j++].value;
      let g = null;
      if (tokens[j] && ["name", "regex", "asterisk"].includes(tokens[j].type)) {
        let tok = tokens[j];
        if (tok.type === "name" && tokens[j + 1]?.type === "regex") {
          tok = { type: "name", value: tok.value, regex: tokens[j + 1].value };
          j++;
        }
        g = groupOf(tok, pre);
        j++;
      }
      let suf = "";
      while (tokens[j]?.type === "char") suf += tokens[j++].value;
      if (tokens[j]?.type !== "close") throw new TypeError(`Invalid URLPattern "${pattern}": expected "}"`);
      const mod = modifierAt(j + 1);
      if (g) {
        g.suffix = suf;
        g.modifier = mod;
        parts.push(g);
      } else {
        parts.push({ type: "fixed", value: pre + suf, modifier: mod });
      }
      i = j + 1 + (mod ? 1 : 0);
      continue;
    }
    if (t.type === "modifier") {
      throw new TypeError(`Invalid URLPattern "${pattern}": unexpected "${t.value}"`);
    }
    throw new TypeError(`Invalid URLPattern "${pattern}": unexpected "}"`);
  }
  flushFixed();
  return parts;
}

function toRegExp(parts, ignoreCase) {
  let src = "^";
  const names = [];
  for (const p of parts) {
    if (p.type === "fixed") {
      const v = escapeRegex(p.value);
      src += p.modifier ? `(?:${v})${p.modifier}` : v;
      continue;
    }
    names.push(p.name);
    const pre = escapeRegex(p.prefix);
    const suf = escapeRegex(p.suffix);
    const re = p.regex;
    if (!pre && !suf) {
      if (p.modifier === "+" || p.modifier === "*") src += `((?:${re})${p.modifier})`;
      else src += `(${re})${p.modifier}`;
    } else if (p.modifier === "+" || p.modifier === "*") {
      src += `(?:${pre}((?:${re})(?:${suf}${pre}(?:${re}))*)${suf})${p.modifier === "*" ? "?" : ""}`;
    } else {
      src += `(?:${pre}(${re})${suf})${p.modifier}`;
    }
  }
  src += "$";
  return { regexp: new RegExp(src, ignoreCase ? "ui" : "u"), names };
}

const componentOptions = {
  hostname: { segment: "[^\\.]+?", prefix: "" },
  pathname: { segment: "[^\\/]+?", prefix: "/" },
};
const defaultOptions = { segment: "[^]+?", prefix: "" };

// Splits a string pattern into components (a simplified constructor
// string parser: protocol://user:pass@host:port/path?search#hash).
function parseStringPattern(s) {
  const init = {};
  let rest = s;
  // Index of the first of chars outside groups; a "?" right after a
  // group, a name or a wildcard is a modifier, not the search.
  const cut = (str, chars) => {
    let depth = 0;
    let modifiable = false;
    for (let i = 0; i < str.length; i++) {
      const c = str[i];
      if (c === "\\") {
        i++;
        modifiable = false;
        continue;
      }
      if (c === ":" && i + 1 < str.length && isNameStart(str[i + 1])) {
        i++;
        while (i + 1 < str.length && isNameChar(str[i + 1])) i++;
        modifiable = true;
        continue;
      }
      if (c === "(" || c === "{") depth++;
      else if (c === ")" || c === "}") depth--;
      else if (depth === 0 && chars.includes(c) && !(c === "?" && modifiable)) return i;
      modifiable = depth === 0 && (c === ")" || c === "}" || c === "*");
    }
    return -1;
  };
  const hashAt = cut(rest, "#");
  if (hashAt >= 0) {
    init.hash = rest.slice(hashAt + 1);
    rest = rest.slice(0, hashAt);
  }
  const searchAt = cut(rest, "?");
  if (searchAt >= 0) {
    init.search = rest.slice(searchAt + 1);
    rest = rest.slice(0, searchAt);
  }
  const proto = /^([^:/?#]+):\/\//.exec(rest) ?? /^([a-zA-Z][a-zA-Z0-9+.\-*]*):/.exec(rest);
  if (proto && !rest.startsWith("/")) {
    init.protocol = proto[1];
    rest = rest.slice(proto[0].length);
    if (proto[0].endsWith("//")) {
      const pathAt = cut(rest, "/");
      let authority = pathAt >= 0 ? rest.slice(0, pathAt) : rest;
      rest = pathAt >= 0 ? rest.slice(pathAt) : "";
      const at = authority.lastIndexOf("@");
      if (at >= 0) {
        const [user, pass] = authority.slice(0, at).split(":");
        init.username = user;
        if (pass !== undefined) init.password = pass;
        authority = authority.slice(at + 1);
      }
      const portAt = authority.startsWith("[") ? authority.indexOf(":", authority.indexOf("]")) : cut(authority, ":");
      if (portAt >= 0) {
        init.port = authority.slice(portAt + 1);
        authority = authority.slice(0, portAt);
      } else {
        init.port = "";
      }
      init.hostname = authority;
    }
    init.pathname = rest || (proto[0].endsWith("//") ? "/" : "");
    if (init.search === undefined) init.search = "*";
    if (init.hash === undefined) init.hash = "*";
  } else {
    init.pathname = rest;
  }
  return init;
}

// Components the init leaves out inherit from baseURL up to the first one
// it gives; the rest match anything.
function processInit(init, baseURL) {
  const out = {};
  let base = null;
  if (baseURL !== undefined) {
    base = new URL(String(baseURL));
  }
  let inherit = base !== null;
  for (const c of COMPONENTS) {
    if (init[c] !== undefined) {
      inherit = false;
      out[c] = String(init[c]);
    } else if (inherit && base) {
      out[c] = componentOf(base, c);
    }
  }
  for (const c of COMPONENTS) if (out[c] === undefined) out[c] = "*";
  if (out.protocol.endsWith(":")) out.protocol = out.protocol.slice(0, -1);
  if (out.search.startsWith("?")) out.search = out.search.slice(1);
  if (out.hash.startsWith("#")) out.hash = out.hash.slice(1);
  if (DEFAULT_PORTS[out.protocol] === out.port) out.port = "";
  if (base && init.pathname !== undefined && !out.pathname.startsWith("/") && !out.pathname.startsWith("*") && /^(https?|wss?|ftp|file)$/.test(out.protocol)) {
    const dir = base.pathname.slice(0, base.pathname.lastIndexOf("/") + 1);
    out.pathname = dir + out.pathname;
  }
  return out;
}

function componentOf(url, c) {
  switch (c) {
    case "protocol": return url.protocol.slice(0, -1);
    case "search": return url.search.slice(1);
    case "hash": return url.hash.slice(1);
    default: return url[c];
  }
}

export class URLPattern {
  #patterns;
  #compiled;

  constructor(input = {}, baseURL = undefined, options = undefined) {
    if (typeof baseURL === "object" && baseURL !== null) {
      options = baseURL;
      baseURL = undefined;
    }
    let init;
    if (typeof input === "string") {
      init = parseStringPattern(input);
      if (baseURL === undefined && init.protocol === undefined) {
        throw new TypeError(`Invalid URLPattern "${input}": a relative pattern needs a base URL`);
      }
    } else if (input !== null && typeof input === "object") {
      if (baseURL !== undefined) throw new TypeError("URLPattern: a base URL is only allowed with a string pattern");
      init = input;
      baseURL = input.baseURL;
    } else {
      throw new TypeError("URLPattern: the input must be a string or an object");
    }
    this.#patterns = processInit(init, baseURL);
    const ignoreCase = !!options?.ignoreCase;
    this.#compiled = {};
    for (const c of COMPONENTS) {
      const opts = componentOptions[c] ?? defaultOptions;
      this.#compiled[c] = toRegExp(parse(this.#patterns[c], opts), ignoreCase);
    }
  }

  get protocol() { return this.#patterns.protocol; }
  get username() { return this.#patterns.username; }
  get password() { return this.#patterns.password; }
  get hostname() { return this.#patterns.hostname; }
  get port() { return this.#patterns.port; }
  get pathname() { return this.#patterns.pathname; }
  get search() { return this.#patterns.search; }
  get hash() { return this.#patterns.hash; }
  get hasRegExpGroups() {
    return COMPONENTS.some((c) => parse(this.#patterns[c], componentOptions[c] ?? defaultOptions)
      .some((p) => p.type === "group" && p.regex !== (componentOptions[c] ?? defaultOptions).segment && p.regex !== ".*"));
  }

  test(input = {}, baseURL = undefined) {
    return this.exec(input, baseURL) !== null;
  }

  exec(input = {}, baseURL = undefined) {
    let values;
    const inputs = baseURL === undefined ? [input] : [input, baseURL];
    if (typeof input === "string") {
      let url;
      try {
        url = new URL(input, baseURL);
      } catch {
        return null;
      }
      values = {};
      for (const c of COMPONENTS) values[c] = componentOf(url, c);
    } else if (input !== null && typeof input === "object") {
      if (baseURL !== undefined) throw new TypeError("URLPattern: a base URL is only allowed with a string input");
      let base = null;
      if (input.baseURL !== undefined) {
        try {
          base = new URL(String(input.baseURL));
        } catch {
          return null;
        }
      }
      values = {};
      let inherit = base !== null;
      for (const c of COMPONENTS) {
        if (input[c] !== undefined) {
          inherit = false;
          values[c] = String(input[c]);
        } else values[c] = inherit ? componentOf(base, c) : "";
      }
      if (values.protocol.endsWith(":")) values.protocol = values.protocol.slice(0, -1);
      if (values.search.startsWith("?")) values.search = values.search.slice(1);
      if (values.hash.startsWith("#")) values.hash = values.hash.slice(1);
    } else {
      throw new TypeError("URLPattern: the input must be a string or an object");
    }
    if (DEFAULT_PORTS[values.protocol] === values.port) values.port = "";
    const result = { inputs };
    for (const c of COMPONENTS) {
      const { regexp, names } = this.#compiled[c];
      const m = regexp.exec(values[c]);
      if (!m) return null;
      const groups = {};
      names.forEach((n, k) => { groups[n] = m[k + 1]; });
      result[c] = { input: values[c], groups };
    }
    return result;
  }
}
Object.defineProperty(URLPattern.prototype, Symbol.toStringTag, { value: "URLPattern", configurable: true });
