test("DOMException has name, message, code and is an Error", () => {
  const e = new DOMException("boom", "AbortError");
  assert.equal(e.name, "AbortError");
  assert.equal(e.message, "boom");
  assert.equal(e.code, 20);
  assert.ok(e instanceof Error);
  assert.equal(Object.prototype.toString.call(e), "[object DOMException]");
  assert.equal(new DOMException().name, "Error");
  assert.equal(new DOMException("x", "Custom").code, 0);
  assert.equal(DOMException.ABORT_ERR, 20);
});

test("EventTarget dispatches to listeners in order with once and handleEvent", () => {
  const t = new EventTarget();
  const seen = [];
  t.addEventListener("x", (e) => seen.push("a:" + e.type));
  t.addEventListener("x", { handleEvent: (e) => seen.push("b:" + (e.target === t)) });
  t.addEventListener("x", () => seen.push("once"), { once: true });
  t.dispatchEvent(new Event("x"));
  t.dispatchEvent(new Event("x"));
  assert.deepEqual(seen, ["a:x", "b:true", "once", "a:x", "b:true"]);
});

test("duplicate listeners are ignored and removeEventListener works", () => {
  const t = new EventTarget();
  let n = 0;
  const f = () => n++;
  t.addEventListener("x", f);
  t.addEventListener("x", f);
  t.dispatchEvent(new Event("x"));
  t.removeEventListener("x", f);
  t.dispatchEvent(new Event("x"));
  assert.equal(n, 1);
});

test("preventDefault only on cancelable events; dispatchEvent returns the result", () => {
  const t = new EventTarget();
  t.addEventListener("x", (e) => e.preventDefault());
  assert.equal(t.dispatchEvent(new Event("x")), true);
  const ev = new Event("x", { cancelable: true });
  assert.equal(t.dispatchEvent(ev), false);
  assert.equal(ev.defaultPrevented, true);
});

test("stopImmediatePropagation stops later listeners", () => {
  const t = new EventTarget();
  const seen = [];
  t.addEventListener("x", (e) => { seen.push(1); e.stopImmediatePropagation(); });
  t.addEventListener("x", () => seen.push(2));
  t.dispatchEvent(new Event("x"));
  assert.deepEqual(seen, [1]);
});

test("listener removed by signal", () => {
  const t = new EventTarget();
  const ac = new AbortController();
  let n = 0;
  t.addEventListener("x", () => n++, { signal: ac.signal });
  t.dispatchEvent(new Event("x"));
  ac.abort();
  t.dispatchEvent(new Event("x"));
  assert.equal(n, 1);
});

test("CustomEvent carries detail; Event requires a type", () => {
  const e = new CustomEvent("c", { detail: { a: 1 } });
  assert.deepEqual(e.detail, { a: 1 });
  assert.ok(e instanceof Event);
  assert.equal(new CustomEvent("c").detail, null);
  assert.throws(() => new Event(), TypeError);
  assert.equal(e.isTrusted, false);
});

test("subclassing EventTarget works", () => {
  class Bus extends EventTarget {}
  const b = new Bus();
  let got = null;
  b.addEventListener("m", (e) => { got = e.type; });
  b.dispatchEvent(new Event("m"));
  assert.equal(got, "m");
});

test("AbortController.abort sets reason and fires abort once", () => {
  const ac = new AbortController();
  let calls = 0;
  ac.signal.addEventListener("abort", () => calls++);
  ac.signal.onabort = () => calls++;
  assert.equal(ac.signal.aborted, false);
  ac.abort("why");
  ac.abort("again");
  assert.equal(ac.signal.aborted, true);
  assert.equal(ac.signal.reason, "why");
  assert.equal(calls, 2);
  try {
    ac.signal.throwIfAborted();
  } catch (e) {
    assert.equal(e, "why");
  }
});

test("abort() without a reason uses an AbortError DOMException", () => {
  const ac = new AbortController();
  ac.abort();
  assert.ok(ac.signal.reason instanceof DOMException);
  assert.equal(ac.signal.reason.name, "AbortError");
  const s = AbortSignal.abort();
  assert.equal(s.aborted, true);
  assert.equal(s.reason.name, "AbortError");
  assert.throws(() => new AbortSignal(), TypeError);
});

test("AbortSignal.any follows the first source to abort", () => {
  const a = new AbortController();
  const b = new AbortController();
  const any = AbortSignal.any([a.signal, b.signal]);
  assert.equal(any.aborted, false);
  b.abort("second");
  assert.equal(any.aborted, true);
  assert.equal(any.reason, "second");
  assert.equal(AbortSignal.any([AbortSignal.abort("pre")]).reason, "pre");
});

test("AbortSignal.timeout aborts with a TimeoutError", async () => {
  const s = AbortSignal.timeout(10);
  assert.equal(s.aborted, false);
  await new Promise((r) => s.addEventListener("abort", r));
  assert.equal(s.reason.name, "TimeoutError");
  assert.ok(s.reason instanceof DOMException);
});
