// A caching proxy in front of env.ORIGIN. Pages go through caches.default
// with the origin's own Cache-Control; /api/* answers go to a named cache
// and are kept for API_TTL seconds whatever the origin says. A cron
// refreshes WARM_PATHS so that the first visitor after it gets a hit.
export interface Env {
  API_ACCOUNT_ID: string;
  ORIGIN: string;
  WARM_PATHS: string;
}

const API_CACHE = "api-responses";
const API_TTL = 30;

export default {
  async fetch(request: Request, env: Env, ctx: ExecutionContext): Promise<Response> {
    if (request.method !== "GET") {
      return new Response("only GET is proxied", { status: 405, headers: { Allow: "GET" } });
    }
    const url = new URL(request.url);
    const target = originURL(env, url.pathname + url.search);
    const cache = await cacheFor(url.pathname);

    // The key is the origin URL with the client's headers, so that
    // If-None-Match / If-Modified-Since / Range are answered by the cache.
    const cached = await cache.match(new Request(target, { headers: request.headers }));
    if (cached) {
      return cached;
    }

    const res = await fetchForCache(target, url.pathname);
    ctx.waitUntil(cache.put(target, res.clone()));
    const out = new Response(res.body, res);
    out.headers.set("x-proxy-cache", "MISS");
    return out;
  },

  async scheduled(event: ScheduledController, env: Env, ctx: ExecutionContext): Promise<void> {
    console.log(`warming the cache of account ${env.API_ACCOUNT_ID} (cron ${event.cron})`);
    ctx.waitUntil(warm(env));
  },
};

async function warm(env: Env): Promise<void> {
  const paths = env.WARM_PATHS.split(",").map((p) => p.trim()).filter(Boolean);
  for (const path of paths) {
    const target = originURL(env, path);
    const res = await fetchForCache(target, path);
    if (!res.ok) {
      console.error(`warm-up of ${path} failed: ${res.status}`);
      continue;
    }
    await (await cacheFor(path)).put(target, res);
    console.log(`warmed ${path}`);
  }
}

function originURL(env: Env, pathAndQuery: string): string {
  return new URL(pathAndQuery, env.ORIGIN).toString();
}

function cacheFor(pathname: string): Promise<Cache> {
  return pathname.startsWith("/api/") ? caches.open(API_CACHE) : Promise.resolve(caches.default);
}

// The origin's answer, made cacheable for the API cache.
async function fetchForCache(target: string, pathname: string): Promise<Response> {
  const res = await fetch(target);
  if (!pathname.startsWith("/api/") || !res.ok) {
    return res;
  }
  const copy = new Response(res.body, res);
  copy.headers.set("Cache-Control", `max-age=${API_TTL}`);
  return copy;
}
