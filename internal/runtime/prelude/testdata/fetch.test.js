// fetch() through the host against a local echo origin (__testOrigin).
test("fetch sends method, headers and body and returns an immutable response", async () => {
  const res = await fetch(`${__testOrigin}/echo?x=1`, { method: "POST", headers: { "X-Test": "yes" }, body: "payload" });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get("x-echo"), "1");
  assert.deepEqual(res.headers.getSetCookie(), ["a=1", "b=2"]);
  assert.throws(() => res.headers.set("x", "y"), TypeError);
  const echo = await res.json();
  assert.equal(echo.method, "POST");
  assert.equal(echo.url, "/echo?x=1");
  assert.equal(echo.headers["x-test"], "yes");
  assert.equal(echo.headers["content-type"], "text/plain;charset=UTF-8");
  assert.equal(echo.body, "payload");
});

test("fetch with a streamed request body", async () => {
  const body = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("st")); c.enqueue(new TextEncoder().encode("ream")); c.close(); } });
  const echo = await (await fetch(`${__testOrigin}/echo`, { method: "PUT", body })).json();
  assert.equal(echo.body, "stream");
});

test("fetch follows redirects and reports redirected/url", async () => {
  const res = await fetch(`${__testOrigin}/redirect`);
  assert.equal(res.redirected, true);
  assert.ok(res.url.endsWith("/echo?from=redirect"), res.url);
  const manual = await fetch(`${__testOrigin}/redirect`, { redirect: "manual" });
  assert.equal(manual.status, 302);
});

test("fetch aborts with the signal's reason", async () => {
  const ac = new AbortController();
  const p = fetch(`${__testOrigin}/slow`, { signal: ac.signal });
  setTimeout(() => ac.abort(), 20);
  const e = await assert.rejects(p, { name: "AbortError" });
  assert.ok(e instanceof DOMException);
});

test("fetch returns non-2xx statuses without throwing", async () => {
  const res = await fetch(`${__testOrigin}/echo?status=404`);
  assert.equal(res.status, 404);
  assert.equal(res.ok, false);
});

test("a subrequest's body read whole: text() decodes as the Encoding Standard says", async () => {
  // A BOM is dropped; E2 82 before "b" is one U+FFFD (its maximal subpart), FF another.
  const bad = await fetch(`${__testOrigin}/bytes?hex=efbbbf61e28262ff`);
  assert.equal(await bad.text(), "a\ufffdb\ufffd");
  const good = await fetch(`${__testOrigin}/bytes?hex=efbbbf68c3a96c6c6f`);
  assert.equal(await good.text(), "h\u00e9llo");
  assert.equal(good.bodyUsed, true);
  await assert.rejects(() => good.text(), TypeError);
  const bom = await fetch(`${__testOrigin}/bytes?hex=efbbbf61`);
  assert.deepEqual([...await bom.bytes()], [0xef, 0xbb, 0xbf, 0x61]);
});

test("a subrequest's body of many chunks, read whole as bytes and as text", async () => {
  // 300,000 bytes arrive in several reads of the host stream.
  const bytes = await (await fetch(`${__testOrigin}/bytes?hex=00010203fe&repeat=60000`)).bytes();
  assert.equal(bytes.byteLength, 300000);
  assert.deepEqual([...bytes.subarray(299995)], [0, 1, 2, 3, 0xfe]);
  const buf = await (await fetch(`${__testOrigin}/bytes?hex=61626364&repeat=50000`)).arrayBuffer();
  assert.equal(buf.byteLength, 200000);
  const text = await (await fetch(`${__testOrigin}/bytes?hex=c3a9&repeat=70000`)).text();
  assert.equal(text.length, 70000);
  assert.equal(text, "\u00e9".repeat(70000));
});

test("a long body sent, and the JSON answer read whole with json()", async () => {
  const echo = await (await fetch(`${__testOrigin}/echo`, { method: "POST", body: "x".repeat(100000) })).json();
  assert.equal(echo.body.length, 100000);
});
