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
