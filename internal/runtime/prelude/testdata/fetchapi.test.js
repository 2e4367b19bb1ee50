test("Headers are case-insensitive, combined and sorted", () => {
  const h = new Headers({ "X-B": "2", "x-a": "1" });
  h.append("X-B", "3");
  assert.equal(h.get("x-b"), "2, 3");
  assert.equal(h.has("X-A"), true);
  assert.deepEqual([...h], [["x-a", "1"], ["x-b", "2, 3"]]);
  assert.deepEqual([...h.keys()], ["x-a", "x-b"]);
  h.set("x-b", "4");
  assert.equal(h.get("X-B"), "4");
  h.delete("x-a");
  assert.equal(h.get("x-a"), null);
  assert.equal(Object.prototype.toString.call(h), "[object Headers]");
});

test("Set-Cookie values stay separate", () => {
  const h = new Headers([["set-cookie", "a=1"], ["Set-Cookie", "b=2"], ["x", "y"]]);
  assert.deepEqual(h.getSetCookie(), ["a=1", "b=2"]);
  assert.deepEqual([...h], [["set-cookie", "a=1"], ["set-cookie", "b=2"], ["x", "y"]]);
  assert.equal(h.get("set-cookie"), "a=1, b=2");
});

test("Headers validate names and values and trim whitespace", () => {
  assert.throws(() => new Headers({ "bad name": "x" }), TypeError);
  assert.throws(() => new Headers().set("x", "a\nb"), TypeError);
  assert.throws(() => new Headers([["a"]]), TypeError);
  assert.throws(() => new Headers().set("x", "€"), TypeError);
  const h = new Headers({ x: "  v \t" });
  assert.equal(h.get("x"), "v");
  const seen = [];
  h.forEach((v, k, obj) => seen.push([k, v, obj === h]));
  assert.deepEqual(seen, [["x", "v", true]]);
});

test("Response defaults and content types", async () => {
  const r = new Response("hi");
  assert.equal(r.status, 200);
  assert.equal(r.ok, true);
  assert.equal(r.statusText, "");
  assert.equal(r.headers.get("content-type"), "text/plain;charset=UTF-8");
  assert.equal(r.type, "default");
  assert.equal(r.url, "");
  assert.equal(r.redirected, false);
  assert.equal(await r.text(), "hi");
  assert.equal(new Response(new Uint8Array([1])).headers.get("content-type"), null);
  assert.equal(new Response(new URLSearchParams("a=1&b=2")).headers.get("content-type"), "application/x-www-form-urlencoded;charset=UTF-8");
  assert.equal(await new Response(new URLSearchParams({ a: "x y" })).text(), "a=x+y");
  assert.equal(new Response(new Blob(["x"], { type: "text/csv" })).headers.get("content-type"), "text/csv");
  assert.equal(new Response("x", { headers: { "Content-Type": "text/html" } }).headers.get("content-type"), "text/html");
  assert.equal(new Response(null).body, null);
});

test("Response status checks", () => {
  assert.throws(() => new Response("x", { status: 199 }), RangeError);
  assert.throws(() => new Response("x", { status: 600 }), RangeError);
  assert.throws(() => new Response("x", { status: 204 }), TypeError);
  assert.equal(new Response(null, { status: 204 }).status, 204);
  assert.equal(new Response(null, { status: 404, statusText: "Nope" }).ok, false);
  assert.throws(() => new Response("x", { statusText: "a\nb" }), TypeError);
});

test("Response.json, redirect and error", async () => {
  const j = Response.json({ a: 1 }, { status: 201, headers: { "x-y": "z" } });
  assert.equal(j.status, 201);
  assert.equal(j.headers.get("content-type"), "application/json");
  assert.equal(j.headers.get("x-y"), "z");
  assert.deepEqual(await j.json(), { a: 1 });
  const r = Response.redirect("https://example.com/a b", 301);
  assert.equal(r.status, 301);
  assert.equal(r.headers.get("location"), "https://example.com/a%20b");
  assert.throws(() => r.headers.set("x", "y"), TypeError);
  assert.throws(() => Response.redirect("https://example.com", 200), RangeError);
  const e = Response.error();
  assert.equal(e.type, "error");
  assert.equal(e.status, 0);
});

test("body can be read once; bodyUsed and the used-body TypeError", async () => {
  const r = new Response("abc");
  assert.equal(r.bodyUsed, false);
  assert.deepEqual(new Uint8Array(await r.arrayBuffer()), new Uint8Array([97, 98, 99]));
  assert.equal(r.bodyUsed, true);
  await assert.rejects(r.text(), TypeError);
  assert.throws(() => r.clone(), TypeError);
});

test("body as a stream: lazily created bytes, marks used after reading", async () => {
  const r = new Response("stream me");
  const body = r.body;
  assert.ok(body instanceof ReadableStream);
  assert.equal(r.body, body);
  const chunks = [];
  for await (const c of body) chunks.push(...c);
  assert.equal(new TextDecoder().decode(new Uint8Array(chunks)), "stream me");
  assert.equal(r.bodyUsed, true);
  const byob = new Response("xyz").body.getReader({ mode: "byob" });
  const got = await byob.read(new Uint8Array(2));
  assert.deepEqual(got.value, new Uint8Array([120, 121]));
});

test("Response from a ReadableStream; non-byte chunks fail", async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("a")); c.enqueue(new Uint8Array([98])); c.close(); } });
  assert.equal(await new Response(rs).text(), "ab");
  assert.throws(() => new Response(rs), TypeError, "a disturbed stream cannot be a body");
  const bad = new ReadableStream({ start(c) { c.enqueue("str"); c.close(); } });
  await assert.rejects(new Response(bad).text(), TypeError);
});

test("clone tees the body", async () => {
  const r = new Response(new ReadableStream({ start(c) { c.enqueue(new Uint8Array([1, 2])); c.close(); } }), { status: 202 });
  const c = r.clone();
  assert.equal(c.status, 202);
  assert.deepEqual(await c.bytes(), new Uint8Array([1, 2]));
  assert.deepEqual(await r.bytes(), new Uint8Array([1, 2]));
  const s = new Response("same");
  const s2 = s.clone();
  assert.equal(await s.text(), "same");
  assert.equal(await s2.text(), "same");
});

test("bytes, blob and json", async () => {
  const b = await new Response("hey", { headers: { "content-type": "text/x" } }).blob();
  assert.ok(b instanceof Blob);
  assert.equal(b.type, "text/x");
  assert.equal(b.size, 3);
  assert.equal(await b.text(), "hey");
  await assert.rejects(new Response("{bad").json(), SyntaxError);
  const u8 = await new Response(new Uint8Array([5, 6])).bytes();
  assert.ok(u8 instanceof Uint8Array);
  assert.deepEqual(u8, new Uint8Array([5, 6]));
});

test("Request basics: method normalisation, headers, url", () => {
  const r = new Request("https://example.com/a?b#c", { method: "post", headers: { "X-A": "1" }, body: "x" });
  assert.equal(r.method, "POST");
  assert.equal(r.url, "https://example.com/a?b#c");
  assert.equal(r.headers.get("x-a"), "1");
  assert.equal(r.headers.get("content-type"), "text/plain;charset=UTF-8");
  assert.equal(r.redirect, "follow");
  assert.ok(r.signal instanceof AbortSignal);
  assert.equal(new Request("https://e.com", { method: "patch" }).method, "patch");
  assert.equal(new Request("https://e.com", { method: "Delete" }).method, "DELETE");
  assert.throws(() => new Request("https://e.com", { method: "CONNECT" }), TypeError);
  assert.throws(() => new Request("https://e.com", { method: "bad method" }), TypeError);
  assert.throws(() => new Request("/relative"), TypeError);
  assert.throws(() => new Request("https://e.com", { redirect: "nope" }), TypeError);
});

test("Request: GET/HEAD cannot have a body", () => {
  assert.throws(() => new Request("https://e.com", { body: "x" }), TypeError);
  assert.throws(() => new Request("https://e.com", { method: "HEAD", body: "x" }), TypeError);
});

test("Request from a Request copies fields and takes the body", async () => {
  const ac = new AbortController();
  const a = new Request("https://e.com/x", { method: "PUT", body: "data", redirect: "manual", signal: ac.signal, cf: { cacheTtl: 5 } });
  const b = new Request(a, { headers: { y: "2" } });
  assert.equal(b.method, "PUT");
  assert.equal(b.url, "https://e.com/x");
  assert.equal(b.redirect, "manual");
  assert.equal(b.signal, ac.signal);
  assert.deepEqual(b.cf, { cacheTtl: 5 });
  assert.equal(b.headers.get("y"), "2");
  assert.equal(b.headers.get("content-type"), null);
  assert.equal(await b.text(), "data");
  assert.equal(a.bodyUsed, true);
  assert.throws(() => new Request(a), TypeError);
});

test("Request.clone keeps both bodies readable", async () => {
  const a = new Request("https://e.com", { method: "POST", body: "xy" });
  const b = a.clone();
  assert.equal(await a.text(), "xy");
  assert.equal(await b.text(), "xy");
  assert.ok(b instanceof Request);
});

test("subclassing Response keeps the prototype", async () => {
  class MyResponse extends Response {
    hello() { return "hi"; }
  }
  const r = new MyResponse("x");
  assert.ok(r instanceof Response);
  assert.equal(r.hello(), "hi");
  assert.equal(r.clone().hello(), "hi");
});

test("Blob and File", async () => {
  const b = new Blob(["ab", new Uint8Array([99]), new Blob(["d"])], { type: "Text/Plain" });
  assert.equal(b.size, 4);
  assert.equal(b.type, "text/plain");
  assert.equal(await b.text(), "abcd");
  assert.equal(await b.slice(1, -1).text(), "bc");
  assert.equal(await b.slice(-2).text(), "cd");
  assert.deepEqual(await b.slice(0, 1).bytes(), new Uint8Array([97]));
  const f = new File(["x"], "a.txt", { type: "text/plain", lastModified: 42 });
  assert.equal(f.name, "a.txt");
  assert.equal(f.lastModified, 42);
  assert.ok(f instanceof Blob);
  let chunks = [];
  for await (const c of b.stream()) chunks.push(...c);
  assert.equal(chunks.length, 4);
});

test("FormData entries, multipart round trip", async () => {
  const fd = new FormData();
  fd.append("a", "1");
  fd.append("a", "2");
  fd.set("f", new Blob(["file body"], { type: "text/plain" }), "x.txt");
  assert.deepEqual(fd.getAll("a"), ["1", "2"]);
  assert.equal(fd.get("f").name, "x.txt");
  assert.ok(fd.get("f") instanceof File);
  const req = new Request("https://e.com", { method: "POST", body: fd });
  assert.ok(req.headers.get("content-type").startsWith("multipart/form-data; boundary="));
  const back = await req.formData();
  assert.deepEqual(back.getAll("a"), ["1", "2"]);
  const file = back.get("f");
  assert.equal(file.name, "x.txt");
  assert.equal(file.type, "text/plain");
  assert.equal(await file.text(), "file body");
});

test("formData parses urlencoded bodies and rejects other types", async () => {
  const fd = await new Response("a=1&b=x+y", { headers: { "content-type": "application/x-www-form-urlencoded" } }).formData();
  assert.equal(fd.get("a"), "1");
  assert.equal(fd.get("b"), "x y");
  await assert.rejects(new Response("x").formData(), TypeError);
});

test("fetch rejects invalid input before any I/O", async () => {
  await assert.rejects(fetch("not a url"), TypeError);
  await assert.rejects(fetch("ftp://example.com/"), TypeError);
  await assert.rejects(fetch("https://example.com", { signal: AbortSignal.abort() }), { name: "AbortError" });
});

test("text() decodes as UTF-8 with replacement and strips a BOM", async () => {
  assert.equal(await new Response(new Uint8Array([0xef, 0xbb, 0xbf, 0x68, 0xff, 0xfe])).text(), "h\ufffd\ufffd");
  assert.equal(await new Blob([new Uint8Array([0xc3, 0xa9])]).text(), "é");
});

test("Web API classes keep their own names", () => {
  // The bundler renames classes that refer to themselves (class _Blob).
  for (const C of [Blob, File, Request, Response, Headers, URL, Event, AbortSignal, MessagePort, ReadableStream, TextEncoder]) {
    assert.equal(globalThis[C.name], C, `${C.name} is the global of its name`);
  }
  assert.equal(new Response("").constructor.name, "Response");
});
