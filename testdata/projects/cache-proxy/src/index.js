// A worker in front of an origin (outpost dev --origin URL) that uses the
// Cache API: cache-aside with caches.default, named caches, the errors
// cache.put throws, and fetch() through the zone cache with cf options.
export default {
  async fetch(request) {
    const url = new URL(request.url);
    const [, section, ...rest] = url.pathname.split("/");
    switch (section) {
      case "proxy":
        return proxy(request);
      case "named":
        return named(url, rest);
      case "errors":
        return putError(url, rest[0]);
      case "edge":
        return edge(url, rest.join("/"));
    }
    return new Response("not found", { status: 404 });
  },
};

// Answer from caches.default; on a miss fetch the same URL (a request to
// the worker's own host goes to the origin) and keep a copy.
async function proxy(request) {
  const cached = await caches.default.match(request);
  if (cached) return cached;
  const res = await fetch(request);
  await caches.default.put(request, res.clone());
  const out = new Response(res.body, res);
  out.headers.set("x-worker-cache", "MISS");
  return out;
}

// /named/<cache>/<put|get|delete>/<key>?body=...; the cache "default" is
// caches.default.
async function named(url, [name, op, key]) {
  const cache = name === "default" ? caches.default : await caches.open(name);
  const entry = `https://named.example/${key}`;
  switch (op) {
    case "put":
      await cache.put(entry, new Response(url.searchParams.get("body"), { headers: { "cache-control": "max-age=600" } }));
      return new Response("stored");
    case "get": {
      const hit = await cache.match(entry);
      return hit ? new Response(await hit.text()) : new Response("miss", { status: 404 });
    }
    case "delete":
      return Response.json(await cache.delete(entry));
  }
  return new Response(`unknown operation ${op}`, { status: 400 });
}

// What cache.put rejects; ?uncaught lets the TypeError escape the handler.
async function putError(url, kind) {
  const puts = {
    post: () => caches.default.put(new Request(url, { method: "POST", body: "x" }), new Response("x")),
    partial: () => caches.default.put(url.href, new Response("x", { status: 206, headers: { "content-range": "bytes 0-0/2" } })),
    "vary-star": () => caches.default.put(url.href, new Response("x", { headers: { vary: "*", "cache-control": "max-age=60" } })),
  };
  if (!puts[kind]) return new Response(`unknown error case ${kind}`, { status: 400 });
  if (url.searchParams.has("uncaught")) {
    await puts[kind]();
    return new Response("stored");
  }
  try {
    await puts[kind]();
    return new Response("stored");
  } catch (e) {
    return new Response(`${e.constructor.name}: ${e.message}`, { status: 422 });
  }
}

// fetch() with cf cache options; reports how the zone cache answered.
async function edge(url, path) {
  const res = await fetch(new URL(`/data/${path}`, url), { cf: { cacheTtl: 60, cacheEverything: true } });
  return new Response(await res.text(), {
    headers: { "x-upstream-cache": res.headers.get("cf-cache-status") ?? "none" },
  });
}
