// The Cache API over a real store (run by TestCacheExtensionJS with
// CacheExtension installed; not a *.test.js, which run without a store).
const base = "https://example.com";
const cacheable = (body, headers = {}) => new Response(body, { headers: { "cache-control": "max-age=3600", ...headers } });

test("put then match returns the response with CF-Cache-Status: HIT", async () => {
  const res = cacheable("hello", { "content-type": "text/plain", etag: '"v1"', "x-extra": "1" });
  assert.equal(await caches.default.put(`${base}/hello`, res), undefined);
  assert.equal(res.bodyUsed, true);
  const hit = await caches.default.match(`${base}/hello`);
  assert.ok(hit instanceof Response);
  assert.equal(hit.status, 200);
  assert.equal(await hit.text(), "hello");
  assert.equal(hit.headers.get("cf-cache-status"), "HIT");
  assert.equal(hit.headers.get("x-extra"), "1");
  assert.equal(hit.headers.get("content-length"), "5");
});

test("binary bodies and Request keys round-trip", async () => {
  const bytes = new Uint8Array(70000).map((_, i) => i % 251);
  await caches.default.put(new Request(`${base}/bin`), cacheable(bytes));
  const hit = await caches.default.match(new Request(`${base}/bin`));
  assert.deepEqual(new Uint8Array(await hit.arrayBuffer()), bytes);
});

test("conditional and range requests are answered from the entry", async () => {
  await caches.default.put(`${base}/doc`, cacheable("0123456789", { etag: '"e1"' }));
  const nm = await caches.default.match(new Request(`${base}/doc`, { headers: { "if-none-match": 'W/"e1"' } }));
  assert.equal(nm.status, 304);
  assert.equal(nm.body, null);
  const part = await caches.default.match(new Request(`${base}/doc`, { headers: { range: "bytes=2-4" } }));
  assert.equal(part.status, 206);
  assert.equal(part.headers.get("content-range"), "bytes 2-4/10");
  assert.equal(await part.text(), "234");
});

test("non-GET requests miss unless ignoreMethod", async () => {
  await caches.default.put(`${base}/m`, cacheable("m"));
  const post = new Request(`${base}/m`, { method: "POST" });
  assert.equal(await caches.default.match(post), undefined);
  const hit = await caches.default.match(post, { ignoreMethod: true });
  assert.equal(await hit.text(), "m");
  assert.equal(await caches.default.delete(post), false);
  assert.equal(await caches.default.delete(post, { ignoreMethod: true }), true);
  assert.equal(await caches.default.match(`${base}/m`), undefined);
});

test("delete reports whether there was an entry", async () => {
  await caches.default.put(`${base}/d`, cacheable("d"));
  assert.equal(await caches.default.delete(`${base}/d`), true);
  assert.equal(await caches.default.delete(`${base}/d`), false);
});

test("named caches are isolated from each other and from caches.default", async () => {
  const a = await caches.open("a");
  const b = await caches.open("b");
  await a.put(`${base}/n`, cacheable("from a"));
  assert.equal(await b.match(`${base}/n`), undefined);
  assert.equal(await caches.default.match(`${base}/n`), undefined);
  assert.equal(await (await (await caches.open("a")).match(`${base}/n`)).text(), "from a");
});

test("responses Cloudflare would not store are dropped silently", async () => {
  await caches.default.put(`${base}/nostore`, new Response("x", { headers: { "cache-control": "no-store" } }));
  assert.equal(await caches.default.match(`${base}/nostore`), undefined);
  await caches.default.put(`${base}/private`, new Response("x", { headers: { "cache-control": "private, max-age=60" } }));
  assert.equal(await caches.default.match(`${base}/private`), undefined);
});

test("a ReadableStream body is read and stored", async () => {
  const rs = new ReadableStream({ start(c) { c.enqueue(new TextEncoder().encode("streamed")); c.close(); } });
  await caches.default.put(`${base}/s`, new Response(rs, { headers: { "cache-control": "max-age=60" } }));
  assert.equal(await (await caches.default.match(`${base}/s`)).text(), "streamed");
});

test("a fetch() body goes to the store unread, and a clone can be returned", async () => {
  const res = await fetch(`${ORIGIN}/asset`);
  const clone = res.clone();
  await caches.default.put(`${base}/fetched-clone`, clone);
  assert.equal(await res.text(), "origin body");
  const direct = await fetch(`${ORIGIN}/asset`);
  await caches.default.put(`${base}/fetched`, direct);
  assert.equal(direct.bodyUsed, true);
  for (const path of ["/fetched", "/fetched-clone"]) {
    const hit = await caches.default.match(`${base}${path}`);
    assert.equal(await hit.text(), "origin body", path);
    assert.equal(hit.headers.get("x-origin"), "1", path);
  }
});

test("matched responses have immutable headers and can be put again", async () => {
  await caches.default.put(`${base}/again`, cacheable("again"));
  const hit = await caches.default.match(`${base}/again`);
  assert.throws(() => hit.headers.set("x", "y"), TypeError);
  const copy = new Response(hit.body, hit);
  copy.headers.set("x-copied", "1");
  await (await caches.open("copies")).put(`${base}/again`, copy);
  const again = await (await caches.open("copies")).match(`${base}/again`);
  assert.equal(again.headers.get("x-copied"), "1");
  assert.equal(await again.text(), "again");
});

test("cf.cacheKey on the request replaces the URL as the key", async () => {
  const req = new Request(`${base}/k?v=1`, { cf: { cacheKey: "my-key" } });
  await caches.default.put(req, cacheable("keyed"));
  const hit = await caches.default.match(new Request(`${base}/other`, { cf: { cacheKey: "my-key" } }));
  assert.equal(await hit.text(), "keyed");
});
