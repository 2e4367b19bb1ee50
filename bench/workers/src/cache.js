// Cache API hit: the first request stores a response under a fixed key, the
// rest are answered from caches.default. A miss says so in x-bench-cache,
// which the stored copy does not carry, so the harness can check for hits.
const BODY = "cached body ".repeat(8);

export default {
  async fetch(req) {
    const key = new Request(new URL("/cached-item", req.url));
    const hit = await caches.default.match(key);
    if (hit) return hit;
    const headers = { "content-type": "text/plain", "cache-control": "public, max-age=3600" };
    await caches.default.put(key, new Response(BODY, { headers }));
    return new Response(BODY, { headers: { ...headers, "x-bench-cache": "miss" } });
  },
};
