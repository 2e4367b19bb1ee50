import process from "node:process";

// Each route exercises one part of the platform; the test compares the
// answers of outpost dev and outpost serve.
export default {
  async fetch(request, env, ctx) {
    const url = new URL(request.url);
    switch (url.pathname) {
      case "/vars":
        return Response.json({
          greeting: env.GREETING,
          limits: env.LIMITS,
          secret: env.SECRET,
          processEnv: process.env.GREETING ?? null,
          processSecret: process.env.SECRET ?? null,
        });
      case "/kv": {
        const key = url.searchParams.get("key");
        if (request.method === "PUT") {
          await env.KV.put(key, await request.text(), { metadata: { by: "parity" } });
          return new Response("stored", { status: 201 });
        }
        const { value, metadata } = await env.KV.getWithMetadata(key);
        const list = await env.KV.list({ prefix: key });
        return Response.json({ value, metadata, listed: list.keys.map((k) => k.name) });
      }
      case "/cache": {
        const key = new Request("https://parity.test/cached/" + url.searchParams.get("n"));
        const hit = await caches.default.match(key);
        if (hit) return new Response("hit: " + (await hit.text()));
        ctx.waitUntil(caches.default.put(key, new Response("fresh", { headers: { "cache-control": "max-age=600" } })));
        return new Response("miss");
      }
      case "/fetch-cached": {
        // cf.cacheTtl puts the zone cache in front of the origin.
        const res = await fetch(url.searchParams.get("origin"), { cf: { cacheTtl: 600, cacheEverything: true } });
        return new Response(await res.text(), { headers: { "x-cache": res.headers.get("cf-cache-status") ?? "none" } });
      }
      case "/service": {
        const res = await env.BACK.fetch("https://back.internal/echo?from=parity", { method: "POST", body: "ping" });
        return new Response(`${res.status} ${await res.text()}`);
      }
      case "/assets-binding": {
        const res = await env.ASSETS.fetch(new URL("/hello.txt", request.url));
        return new Response(`${res.status} ${await res.text()}`);
      }
      case "/cron-last":
        return new Response((await env.KV.get("cron:last")) ?? "never");
      case "/throw":
        throw new Error("thrown on purpose");
    }
    return new Response("not found", { status: 404 });
  },

  async scheduled(controller, env, ctx) {
    ctx.waitUntil(env.KV.put("cron:last", `${controller.cron} at ${controller.scheduledTime}`));
  },
};
