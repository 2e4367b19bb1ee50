// HTMLRewriter (Cloudflare Workers): Go tokenizes the body and matches the
// selectors (ops.html*); this file runs the handlers, possibly async, on
// each batch of events and writes the rewritten HTML.
import ops from "./ops.js";
import { TransformStream } from "./transform.js";
import { ReadableStream } from "./readable.js";
import { Response } from "./response.js";
import { TextEncoder } from "./encoding.js";

const WANT_ELEMENT = 1, WANT_TEXT = 2, WANT_COMMENTS = 4, WANT_DOCTYPE = 8;
const encoder = new TextEncoder();

function escapeText(s) {
  return s.replace(/[&<>]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : "&gt;"));
}
function escapeAttr(s) {
  return s.replace(/[&"]/g, (c) => (c === "&" ? "&amp;" : "&quot;"));
}
function content(value, options) {
  const s = String(value);
  return options?.html ? s : escapeText(s);
}

// Calls a handler as a method of its handlers object; returns a promise
// only when the handler did.
function call(handlers, name, arg) {
  const fn = handlers[name];
  if (typeof fn !== "function") return undefined;
  const r = fn.call(handlers, arg);
  return r !== null && typeof r === "object" && typeof r.then === "function" ? r : undefined;
}

// Mutations shared by text chunks, comments and end tags.
class Mutable {
  #m;
  constructor(m) { this.#m = m; }
  before(c, o) { this.#m.before.push(content(c, o)); return this; }
  after(c, o) { this.#m.after.unshift(content(c, o)); return this; }
  replace(c, o) { this.#m.removed = true; this.#m.replacement = content(c, o); return this; }
  remove() { this.#m.removed = true; this.#m.replacement = ""; return this; }
  get removed() { return this.#m.removed; }
}
function mutations() {
  return { before: [], after: [], removed: false, replacement: "" };
}
function wrap(m, inner) {
  return m.before.join("") + (m.removed ? m.replacement : inner) + m.after.join("");
}

const kRec = Symbol("#rec");

export class Element {
  constructor(rec) { this[kRec] = rec; }
  get tagName() { return this[kRec].tag; }
  set tagName(name) {
    const r = this[kRec];
    r.tag = String(name).toLowerCase();
    r.modified = true;
  }
  get namespaceURI() {
    return "http://www.w3.org/1999/xhtml";
  }
  get attributes() { return this[kRec].attrs.map(([n, v]) => [n, v])[Symbol.iterator](); }
  get removed() { return this[kRec].removed; }
  get selfClosing() { return this[kRec].selfClosing; }
  get canHaveContent() { return !this[kRec].void && !this[kRec].selfClosing; }
  getAttribute(name) {
    const n = String(name).toLowerCase();
    const a = this[kRec].attrs.find((x) => x[0] === n);
    return a ? a[1] : null;
  }
  hasAttribute(name) {
    const n = String(name).toLowerCase();
    return this[kRec].attrs.some((x) => x[0] === n);
  }
  setAttribute(name, value) {
    const r = this[kRec];
    const n = String(name).toLowerCase();
    const v = String(value);
    const a = r.attrs.find((x) => x[0] === n);
    if (a) a[1] = v;
    else r.attrs.push([n, v]);
    r.modified = true;
    return this;
  }
  removeAttribute(name) {
    const r = this[kRec];
    const n = String(name).toLowerCase();
    const i = r.attrs.findIndex((x) => x[0] === n);
    if (i >= 0) {
      r.attrs.splice(i, 1);
      r.modified = true;
    }
    return this;
  }
  before(c, o) { this[kRec].before.push(content(c, o)); return this; }
  after(c, o) { this[kRec].after.unshift(content(c, o)); return this; }
  prepend(c, o) { this[kRec].prepend.unshift(content(c, o)); return this; }
  append(c, o) { this[kRec].append.push(content(c, o)); return this; }
  replace(c, o) {
    const r = this[kRec];
    r.removed = true;
    r.replacement = content(c, o);
    return this;
  }
  setInnerContent(c, o) {
    const r = this[kRec];
    r.inner = content(c, o);
    r.prepend = [];
    r.append = [];
    return this;
  }
  remove() {
    const r = this[kRec];
    r.removed = true;
    r.replacement = "";
    return this;
  }
  removeAndKeepContent() {
    this[kRec].keepContent = true;
    return this;
  }
  onEndTag(handler) {
    const r = this[kRec];
    if (!this.canHaveContent) throw new TypeError("Parser error: No end tag.");
    if (typeof handler !== "function") throw new TypeError("onEndTag: the handler must be a function");
    r.endHandlers.push(handler);
  }
}
Object.defineProperty(Element.prototype, Symbol.toStringTag, { value: "Element", configurable: true });

class EndTag extends Mutable {
  #rec;
  constructor(m, rec) {
    super(m);
    this.#rec = rec;
  }
  get name() { return this.#rec.tag; }
  set name(v) {
    this.#rec.tag = String(v).toLowerCase();
    this.#rec.endRenamed = true;
  }
}

class Text extends Mutable {
  #text;
  #last;
  constructor(m, text, last) {
    super(m);
    this.#text = text;
    this.#last = last;
  }
  get text() { return this.#text; }
  get lastInTextNode() { return this.#last; }
}

class Comment extends Mutable {
  #c;
  constructor(m, c) {
    super(m);
    this.#c = c;
  }
  get text() { return this.#c.text; }
  set text(v) {
    this.#c.text = String(v);
    this.#c.changed = true;
  }
}

class Doctype {
  #d;
  constructor(d) { this.#d = d; }
  get name() { return this.#d.name ?? null; }
  get publicId() { return this.#d.publicId ?? null; }
  get systemId() { return this.#d.systemId ?? null; }
}

class DocumentEnd {
  #out;
  constructor(out) { this.#out = out; }
  append(c, o) {
    this.#out.push(content(c, o));
    return this;
  }
}

function startTag(r) {
  if (!r.modified) return r.raw;
  let s = "<" + r.tag;
  for (const [n, v] of r.attrs) s += ` ${n}="${escapeAttr(v)}"`;
  return s + (r.selfClosing ? " />" : ">");
}

// callEach calls fn on each item in order. Handlers are usually
// synchronous, so a promise (and its microtask turns) appears only when a
// handler returned one; the remaining items then wait for it.
function callEach(items, fn, from = 0) {
  for (let i = from; i < items.length; i++) {
    const p = fn(items[i]);
    if (p) return p.then(() => callEach(items, fn, i + 1));
  }
  return undefined;
}

function then(p, k) {
  return p ? p.then(k) : k();
}

// One transform's state across the batches of events.
class Rewrite {
  constructor(elementHandlers, documentHandlers) {
    this.el = elementHandlers; // [{selector, handlers}]
    this.doc = documentHandlers;
    this.open = new Map(); // element id → record
    this.skip = 0; // id of an element whose content is dropped
  }

  // run returns the output for a batch of events: a string, or a promise
  // of one when a handler was async.
  run(events) {
    const out = [];
    let i = 0;
    const loop = () => {
      while (i < events.length) {
        const p = this.step(events[i++], out);
        if (p) return p.then(loop);
      }
      return out.join("");
    };
    return loop();
  }

  step(ev, out) {
    if (this.skip !== 0) {
      if (ev.k === "end" && ev.id === this.skip) {
        this.skip = 0;
        return this.end(ev, out);
      }
      return undefined;
    }
    switch (ev.k) {
      case "raw": out.push(ev.s); return undefined;
      case "el": return this.element(ev, out);
      case "end": return this.end(ev, out);
      case "text": return this.text(ev, out);
      case "comment": return this.comment(ev, out);
      case "doctype": return this.doctype(ev, out);
    }
    return undefined;
  }

  element(ev, out) {
    const r = {
      tag: ev.tag, attrs: (ev.attrs ?? []).map(([n, v]) => [n, v]), raw: ev.s, modified: false,
      void: !!ev.void, selfClosing: !!ev.selfClosing,
      before: [], after: [], prepend: [], append: [], inner: null,
      removed: false, replacement: "", keepContent: false, endHandlers: [], endRenamed: false,
    };
    const el = new Element(r);
    return then(callEach(ev.sel, (i) => call(this.el[i].handlers, "element", el)), () => {
      this.open.set(ev.id, r);
      out.push(r.before.join(""));
      if (r.removed) {
        out.push(r.replacement);
        this.skip = ev.id;
        return;
      }
      if (!r.keepContent) out.push(startTag(r));
      out.push(r.prepend.join(""));
      if (r.inner !== null) {
        out.push(r.inner);
        this.skip = ev.id;
      }
    });
  }

  end(ev, out) {
    const r = this.open.get(ev.id);
    this.open.delete(ev.id);
    if (!r) return undefined;
    if (r.removed) {
      out.push(r.after.join(""));
      return undefined;
    }
    const m = mutations();
    let p;
    if (ev.s && r.endHandlers.length > 0) {
      const tag = new EndTag(m, r);
      p = callEach(r.endHandlers, (h) => {
        const x = h(tag);
        return x !== null && typeof x === "object" && typeof x.then === "function" ? x : undefined;
      });
    }
    return then(p, () => {
      out.push(r.append.join(""));
      let endTag = ev.s ?? "";
      if (endTag && (r.endRenamed || r.modified)) endTag = `</${r.tag}>`;
      if (r.keepContent) endTag = "";
      out.push(wrap(m, endTag));
      out.push(r.after.join(""));
    });
  }

  contentHandlers(ev, name, arg) {
    return then(callEach(ev.sel ?? [], (i) => call(this.el[i].handlers, name, arg)),
      () => (ev.doc ? callEach(this.doc, (h) => call(h, name, arg)) : undefined));
  }

  text(ev, out) {
    // Like lol-html, a text node ends with an empty chunk that has
    // lastInTextNode set.
    const m = mutations();
    return then(this.contentHandlers(ev, "text", new Text(m, ev.s, false)), () => {
      out.push(wrap(m, ev.s));
      const lastM = mutations();
      return then(this.contentHandlers(ev, "text", new Text(lastM, "", true)), () => {
        out.push(wrap(lastM, ""));
      });
    });
  }

  comment(ev, out) {
    const m = mutations();
    const c = { text: ev.name ?? "", changed: false };
    return then(this.contentHandlers(ev, "comments", new Comment(m, c)), () => {
      out.push(wrap(m, c.changed ? `<!--${c.text}-->` : ev.s));
    });
  }

  doctype(ev, out) {
    const d = new Doctype(ev);
    return then(callEach(this.doc, (h) => call(h, "doctype", d)), () => {
      out.push(ev.s);
    });
  }

  documentEnd() {
    const out = [];
    const end = new DocumentEnd(out);
    return then(callEach(this.doc, (h) => call(h, "end", end)), () => out.join(""));
  }
}

export class HTMLRewriter {
  #elements = [];
  #documents = [];

  on(selector, handlers) {
    selector = String(selector);
    ops.htmlSelector(selector);
    if (handlers === null || typeof handlers !== "object") throw new TypeError("HTMLRewriter.on: handlers must be an object");
    this.#elements.push({ selector, handlers });
    return this;
  }

  onDocument(handlers) {
    if (handlers === null || typeof handlers !== "object") throw new TypeError("HTMLRewriter.onDocument: handlers must be an object");
    this.#documents.push(handlers);
    return this;
  }

  transform(response) {
    if (!(response instanceof Response)) throw new TypeError("HTMLRewriter.transform: the argument must be a Response");
    if (response.bodyUsed) throw new TypeError("HTMLRewriter.transform: the response body has already been used");
    // 101/204/205/304 carry no body and cannot be given one.
    if (response.body === null && [101, 204, 205, 304].includes(response.status)) return response;
    const elements = this.#elements.slice();
    const documents = this.#documents.slice();
    const flags = elements.map(({ handlers: h }) =>
      (typeof h.element === "function" ? WANT_ELEMENT : 0) |
      (typeof h.text === "function" ? WANT_TEXT : 0) |
      (typeof h.comments === "function" ? WANT_COMMENTS : 0));
    let doc = 0;
    for (const h of documents) {
      if (typeof h.text === "function") doc |= WANT_TEXT;
      if (typeof h.comments === "function") doc |= WANT_COMMENTS;
      if (typeof h.doctype === "function") doc |= WANT_DOCTYPE;
    }
    const id = ops.htmlNew(JSON.stringify({ selectors: elements.map((e) => e.selector), flags, doc }));
    const rewrite = new Rewrite(elements, documents);
    const emit = (controller, s) => {
      if (s) controller.enqueue(encoder.encode(s));
    };
    const ts = new TransformStream({
      async transform(chunk, controller) {
        const bytes = typeof chunk === "string" ? encoder.encode(chunk) : chunk;
        emit(controller, await rewrite.run(ops.htmlPush(id, bytes)));
      },
      async flush(controller) {
        emit(controller, await rewrite.run(ops.htmlEnd(id)));
        emit(controller, await rewrite.documentEnd());
      },
      cancel() {
        ops.htmlClose(id);
      },
    });
    const body = response.body ?? new ReadableStream({ start(c) { c.close(); } });
    body.pipeTo(ts.writable).catch(() => {});
    const out = new Response(ts.readable, response);
    out.headers.delete("content-length");
    return out;
  }
}
Object.defineProperty(HTMLRewriter.prototype, Symbol.toStringTag, { value: "HTMLRewriter", configurable: true });
