// The Cache API without a store (outpost dev --cache=false): the shape of
// caches and Cache, workerd's argument checks, and no-op storage.
const url = "https://example.com/a.css";
const cacheable = (body = "x") => new Response(body, { headers: { "cache-control": "max-age=60" } });

test("caches.default and caches.open give Cache objects", async () => {
  assert.ok(caches instanceof CacheStorage);
  assert.ok(caches.default instanceof Cache);
  assert.equal(caches.default, caches.default);
  const named = await caches.open("assets");
  assert.ok(named instanceof Cache);
  assert.notEqual(named, caches.default);
  assert.equal(Object.prototype.toString.call(caches), "[object CacheStorage]");
  assert.equal(Object.prototype.toString.call(named), "[object Cache]");
  assert.throws(() => new Cache(), TypeError);
  assert.throws(() => new CacheStorage(), TypeError);
});

test("caches.open rejects names of 1024 UTF-8 bytes or more", async () => {
  await caches.open("n".repeat(1023));
  await assert.rejects(caches.open("n".repeat(1024)), { name: "TypeError", message: "Cache name is too long." });
  await assert.rejects(caches.open("é".repeat(512)), { name: "TypeError", message: "Cache name is too long." });
});

test("CacheStorage and Cache methods workerd does not implement throw", async () => {
  for (const m of ["match", "has", "delete", "keys"]) {
    assert.throws(() => caches[m]("x"), { message: `Failed to execute '${m}' on 'CacheStorage': the method is not implemented.` });
  }
  for (const m of ["add", "addAll", "matchAll", "keys"]) {
    assert.throws(() => caches.default[m](url), { message: `Failed to execute '${m}' on 'Cache': the method is not implemented.` });
  }
});

test("put rejects what workerd rejects, before touching the body", async () => {
  const c = caches.default;
  let res = cacheable();
  await assert.rejects(c.put(new Request(url, { method: "POST" }), res), { name: "TypeError", message: "Cannot cache response to non-GET request." });
  assert.equal(res.bodyUsed, false);
  res = new Response("part", { status: 206 });
  await assert.rejects(c.put(url, res), { name: "TypeError", message: "Cannot cache response to a range request (206 Partial Content)." });
  assert.equal(res.bodyUsed, false);
  res = new Response("v", { headers: { vary: "Accept, *" } });
  await assert.rejects(c.put(url, res), { name: "TypeError", message: "Cannot cache response with 'Vary: *' header." });
  await assert.rejects(c.put(url, Response.error()), { name: "TypeError", message: "Cache is unable to store an error response" });
  await assert.rejects(c.put(url, "text"), { name: "TypeError", message: "Failed to execute 'put' on 'Cache': parameter 2 is not of type 'Response'." });
  await assert.rejects(c.put("not a url", cacheable()), TypeError);
});

test("put consumes the body and a used body is a TypeError", async () => {
  const res = cacheable("body");
  assert.equal(await caches.default.put(url, res), undefined);
  assert.equal(res.bodyUsed, true);
  await assert.rejects(caches.default.put(url, res), { name: "TypeError", message: /Body has already been used/ });
  const streamed = new Response(new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("s")); c.close(); } }));
  const p = caches.default.put(url, streamed);
  assert.equal(streamed.bodyUsed, true, "used as soon as put() returns");
  await p;
});

test("a 304 is dropped without consuming its body", async () => {
  const res = new Response(null, { status: 304 });
  assert.equal(await caches.default.put(url, res), undefined);
});

test("without a store match misses and delete finds nothing", async () => {
  await caches.default.put(url, cacheable());
  assert.equal(await caches.default.match(url), undefined);
  assert.equal(await caches.default.delete(url), false);
  assert.equal(await caches.default.match(new Request(url, { method: "POST" })), undefined);
  assert.equal(await caches.default.delete(new URL(url)), false);
});

test("CacheQueryOptions: only ignoreMethod is implemented", async () => {
  await assert.rejects(caches.default.match(url, { ignoreSearch: true }), { name: "TypeError", message: "The 'ignoreSearch' field on 'CacheQueryOptions' is not implemented." });
  await assert.rejects(caches.default.delete(url, { ignoreVary: false }), { name: "TypeError", message: "The 'ignoreVary' field on 'CacheQueryOptions' is not implemented." });
  await assert.rejects(caches.default.match(url, 5), { name: "TypeError", message: "Failed to execute 'match' on 'Cache': parameter 2 is not of type 'CacheQueryOptions'." });
  assert.equal(await caches.default.match(url, { ignoreMethod: true }), undefined);
});
