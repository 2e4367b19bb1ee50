// Console formatting, read back from the host through __test.logs().
const lastLog = () => __test.logs().at(-1);

test("console.log formats like Node", () => {
  console.log("plain", 1, "two");
  assert.deepEqual(lastLog(), { level: "log", text: "plain 1 two" });
  console.log({ a: 1, b: "x", c: [1, 2], d: { e: { f: { g: 1 } } } });
  assert.equal(lastLog().text, "{ a: 1, b: 'x', c: [ 1, 2 ], d: { e: { f: [Object] } } }");
  console.log([undefined, null, -0, 10n, Symbol("s")]);
  assert.equal(lastLog().text, "[ undefined, null, -0, 10n, Symbol(s) ]");
  console.log(new Map([["k", 1]]), new Set(["v"]));
  assert.equal(lastLog().text, "Map(1) { 'k' => 1 } Set(1) { 'v' }");
  console.log(new Uint8Array([1, 2]), function named() {}, class K {});
  assert.equal(lastLog().text, "Uint8Array(2) [ 1, 2 ] [Function: named] [class K]");
  console.log({ "needs-quote": 1, ok_id: 2 }, "it's");
  assert.equal(lastLog().text, "{ 'needs-quote': 1, ok_id: 2 } it's");
});

test("console levels map to ops.log levels", () => {
  console.info("i");
  assert.equal(lastLog().level, "info");
  console.warn("w");
  assert.equal(lastLog().level, "warn");
  console.error("e");
  assert.equal(lastLog().level, "error");
  console.debug("d");
  assert.equal(lastLog().level, "debug");
});

test("printf-style substitutions", () => {
  console.log("%s is %d years and %i days, %f%%", "Bob", 42.5, 3.9, 1.5);
  assert.equal(lastLog().text, "Bob is 42.5 years and 3 days, 1.5%");
  console.log("%j and %o", { a: [1] }, { b: 2 });
  assert.equal(lastLog().text, "{\"a\":[1]} and { b: 2 }");
  console.log("%c styled", "color: red", "extra");
  assert.equal(lastLog().text, " styled extra");
});

test("cycles, class instances and errors", () => {
  const o = { name: "o" };
  o.self = o;
  console.log(o);
  assert.equal(lastLog().text, "<ref *1> { name: 'o', self: [Circular *1] }");
  class Point { constructor() { this.x = 1; } }
  console.log(new Point());
  assert.equal(lastLog().text, "Point { x: 1 }");
  console.log(new Error("boom"));
  assert.ok(lastLog().text.startsWith("Error: boom\n    at "), lastLog().text);
  console.log(new Headers({ a: "1" }));
  assert.equal(lastLog().text, "Headers { a: '1' }");
});

test("count, time and assert", () => {
  console.count();
  console.count();
  assert.equal(lastLog().text, "default: 2");
  console.time("t");
  console.timeEnd("t");
  assert.ok(/^t: \d+\.\d{3}ms$/.test(lastLog().text), lastLog().text);
  console.assert(false, "bad %s", "thing");
  assert.deepEqual(lastLog(), { level: "error", text: "Assertion failed: bad thing" });
  const n = __test.logs().length;
  console.assert(true, "never");
  assert.equal(__test.logs().length, n);
});

test("platform objects do not show their internal slots", () => {
  console.log(new ReadableStream());
  assert.equal(lastLog().text, "ReadableStream {}");
  console.log(new Blob(["x"]));
  assert.equal(lastLog().text, "Blob {}");
});

test("an exception in queueMicrotask is reported as uncaught", async () => {
  queueMicrotask(() => { throw new Error("in microtask"); });
  await new Promise((r) => setTimeout(r, 0));
  const hit = __test.logs().find((l) => l.level === "error" && l.text.startsWith("Uncaught Error: in microtask"));
  assert.ok(hit, "logged");
});

test("long arrays are grouped into columns like Node", () => {
  console.log([1, 2, 3, 4, 5, 6, 7]);
  assert.equal(lastLog().text, "[\n  1, 2, 3, 4,\n  5, 6, 7\n]");
  console.log({ a: { b: { c: {} } } });
  assert.equal(lastLog().text, "{ a: { b: { c: {} } } }");
});
