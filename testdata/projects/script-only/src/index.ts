// No wrangler config: run as `outpost dev src/index.ts`, as Hono's
// examples are run with `wrangler dev src/index.ts`.
export default {
  fetch(request: Request): Response {
    const url = new URL(request.url);
    return Response.json({ host: url.host, path: url.pathname, links: new URL("/next", request.url).href });
  },
};
